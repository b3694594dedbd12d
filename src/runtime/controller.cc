#include "runtime/controller.h"

#include <cstdlib>
#include <iostream>

#include "common/log.h"

namespace skewgate::runtime {

namespace {
template <typename T>
T Must(StatusOr<T> v) {
  if (!v.ok()) {
    std::cerr << "skewgate: controller metrics: " << v.status().ToString() << "\n";
    std::abort();
  }
  return std::move(v).value();
}
}  // namespace

Controller::Controller(ControllerOptions options, Reconciler& reconciler, const Clock& clock,
                       MetricsRegistry* registry)
    : name_(options.name),
      workers_(options.workers < 1 ? 1 : options.workers),
      reconciler_(reconciler),
      clock_(clock) {
  WorkQueueMetrics qm;
  if (registry) {
    qm = Must(RegisterWorkQueueMetrics(*registry, name_));
    auto* results = Must(registry->AddCounter("skewgate_reconcile_total",
                                              "Reconciles by controller and result.",
                                              {"controller", "result"}));
    for (int k = 0; k < 4; ++k) {
      by_result_[k] = results->WithLabels(
          {name_, ReconcileResult::KindLabel(static_cast<ReconcileResult::Kind>(k))});
    }
    duration_ = Must(registry->AddHistogram("skewgate_reconcile_duration_seconds",
                                            "Time spent in Reconcile.",
                                            ExponentialBuckets(0.001, 2, 16), {"controller"}))
                    ->WithLabels({name_});
    active_ = Must(registry->AddGauge("skewgate_reconcile_active_workers",
                                      "Reconciles running now.", {"controller"}))
                  ->WithLabels({name_});
  }
  auto limiter =
      options.rate_limiter ? std::move(options.rate_limiter) : DefaultControllerRateLimiter(clock);
  queue_ = std::make_unique<WorkQueue>(clock, std::move(limiter), qm);
}

Controller::~Controller() { Stop(); }

void Controller::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (started_) return;
  started_ = true;
  for (int i = 0; i < workers_; ++i) {
    threads_.emplace_back([this] {
      while (ProcessNext()) {
      }
    });
  }
  SG_LOG(Info, "").Msg("controller started").Field("controller", name_).Field("workers", workers_);
}

void Controller::Stop() {
  queue_->ShutDown();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> l(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  if (!threads.empty()) SG_LOG(Info, "").Msg("controller stopped").Field("controller", name_);
}

bool Controller::ProcessNext() {
  std::optional<std::string> key = queue_->Get();
  if (!key) return false;
  ++in_flight_;
  if (active_) active_->Inc();
  auto start = clock_.SteadyNow();
  ReconcileResult result = ReconcileResult::Done();
  StatusOr<ObjectKey> parsed = ObjectKey::Parse(*key);
  if (!parsed.ok()) {
    // A malformed key can never succeed; retrying it would loop forever.
    result = ReconcileResult::TerminalError(parsed.status());
  } else {
    result = reconciler_.Reconcile(*parsed);
  }
  if (duration_) {
    duration_->Observe(std::chrono::duration<double>(clock_.SteadyNow() - start).count());
  }
  Apply(*key, result);
  queue_->Done(*key);
  if (active_) active_->Dec();
  --in_flight_;
  return true;
}

void Controller::Apply(const std::string& key, const ReconcileResult& result) {
  if (Counter* c = by_result_[static_cast<int>(result.kind())]) c->Inc();
  switch (result.kind()) {
    case ReconcileResult::Kind::kDone: queue_->Forget(key); break;
    case ReconcileResult::Kind::kRequeueAfter:
      // Not a failure: the backoff history is cleared so a later error starts at 5ms.
      queue_->Forget(key);
      queue_->AddAfter(key, result.after());
      break;
    case ReconcileResult::Kind::kRetryableError:
      SG_LOG(Warn, key)
          .Msg("reconcile failed, will retry")
          .Field("controller", name_)
          .Field("error", result.status().ToString())
          .Field("requeues", queue_->NumRequeues(key));
      queue_->AddRateLimited(key);
      break;
    case ReconcileResult::Kind::kTerminalError:
      SG_LOG(Error, key)
          .Msg("reconcile failed permanently, not retrying until the object changes")
          .Field("controller", name_)
          .Field("error", result.status().ToString());
      queue_->Forget(key);
      break;
  }
}

}  // namespace skewgate::runtime

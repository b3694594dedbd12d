#include "runtime/work_queue.h"

namespace skewgate::runtime {

namespace {
double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}
}  // namespace

StatusOr<WorkQueueMetrics> RegisterWorkQueueMetrics(MetricsRegistry& registry,
                                                    const std::string& name) {
  WorkQueueMetrics m;
  SG_ASSIGN_OR_RETURN(auto depth,
                      registry.AddGauge("skewgate_workqueue_depth",
                                        "Keys ready and waiting for a worker.", {"name"}));
  SG_ASSIGN_OR_RETURN(auto adds, registry.AddCounter("skewgate_workqueue_adds_total",
                                                     "Keys added to the work queue.", {"name"}));
  SG_ASSIGN_OR_RETURN(auto retries,
                      registry.AddCounter("skewgate_workqueue_retries_total",
                                          "Rate-limited re-adds after a failure.", {"name"}));
  // 10us .. ~10min
  auto buckets = ExponentialBuckets(1e-5, 4, 14);
  SG_ASSIGN_OR_RETURN(auto latency,
                      registry.AddHistogram("skewgate_workqueue_queue_duration_seconds",
                                            "Seconds a key waits ready before a worker takes it.",
                                            buckets, {"name"}));
  SG_ASSIGN_OR_RETURN(
      auto work, registry.AddHistogram("skewgate_workqueue_work_duration_seconds",
                                       "Seconds a worker spends on a key.", buckets, {"name"}));
  m.depth = depth->WithLabels({name});
  m.adds = adds->WithLabels({name});
  m.retries = retries->WithLabels({name});
  m.queue_latency = latency->WithLabels({name});
  m.work_duration = work->WithLabels({name});
  return m;
}

WorkQueue::WorkQueue(const Clock& clock, std::unique_ptr<RateLimiter> limiter,
                     WorkQueueMetrics metrics)
    : clock_(clock), limiter_(std::move(limiter)), metrics_(metrics) {}

void WorkQueue::AddLocked(const std::string& key, SteadyTime now) {
  if (shutting_down_) return;
  if (!dirty_.insert(key).second) return;  // already waiting: dedupe
  if (metrics_.adds) metrics_.adds->Inc();
  // A key being processed is parked in dirty_ and re-queued by Done(), so that two
  // workers never hold it at once.
  if (processing_.count(key)) return;
  queue_.push_back(key);
  ready_since_[key] = now;
  UpdateDepthLocked();
  cv_.notify_one();
}

void WorkQueue::PromoteDueLocked(SteadyTime now) {
  while (!heap_.empty() && heap_.top().first <= now) {
    HeapEntry e = heap_.top();
    heap_.pop();
    auto it = delayed_.find(e.second);
    if (it == delayed_.end() || it->second != e.first) continue;  // stale entry
    delayed_.erase(it);
    AddLocked(e.second, now);
  }
}

void WorkQueue::UpdateDepthLocked() {
  if (metrics_.depth) metrics_.depth->Set(static_cast<double>(queue_.size()));
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  AddLocked(key, clock_.SteadyNow());
}

void WorkQueue::AddAfter(const std::string& key, Duration delay) {
  if (delay <= Duration::zero()) return Add(key);
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_) return;
  SteadyTime due = clock_.SteadyNow() + std::chrono::duration_cast<SteadyTime::duration>(delay);
  auto it = delayed_.find(key);
  if (it != delayed_.end() && it->second <= due) return;  // an earlier add wins
  delayed_[key] = due;
  heap_.push({due, key});
  // A sleeping Get() must recompute its deadline.
  cv_.notify_all();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  if (metrics_.retries) metrics_.retries->Inc();
  AddAfter(key, limiter_->When(key));
}

void WorkQueue::Forget(const std::string& key) { limiter_->Forget(key); }

int WorkQueue::NumRequeues(const std::string& key) { return limiter_->NumRequeues(key); }

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> l(mu_);
  ++waiters_;
  while (true) {
    if (shutting_down_) {
      --waiters_;
      return std::nullopt;
    }
    SteadyTime now = clock_.SteadyNow();
    PromoteDueLocked(now);
    if (!queue_.empty()) break;
    if (heap_.empty()) {
      cv_.wait(l);
    } else {
      clock_.WaitUntil(l, cv_, heap_.top().first);
    }
  }
  --waiters_;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  SteadyTime now = clock_.SteadyNow();
  auto rs = ready_since_.find(key);
  if (rs != ready_since_.end()) {
    if (metrics_.queue_latency) metrics_.queue_latency->Observe(Seconds(now - rs->second));
    ready_since_.erase(rs);
  }
  started_[key] = now;
  UpdateDepthLocked();
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  if (!processing_.erase(key)) return;
  SteadyTime now = clock_.SteadyNow();
  auto st = started_.find(key);
  if (st != started_.end()) {
    if (metrics_.work_duration) metrics_.work_duration->Observe(Seconds(now - st->second));
    started_.erase(st);
  }
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back(key);
    ready_since_[key] = now;
    UpdateDepthLocked();
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> l(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard<std::mutex> l(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> l(mu_);
  // Keys whose delay has passed count as ready even before a Get() promotes them.
  size_t due = 0;
  SteadyTime now = clock_.SteadyNow();
  for (auto& [key, t] : delayed_) {
    if (t <= now && !dirty_.count(key) && !processing_.count(key)) ++due;
  }
  return queue_.size() + due;
}

size_t WorkQueue::DelayedLen() const {
  std::lock_guard<std::mutex> l(mu_);
  return delayed_.size();
}

size_t WorkQueue::ProcessingLen() const {
  std::lock_guard<std::mutex> l(mu_);
  return processing_.size();
}

size_t WorkQueue::Waiters() const {
  std::lock_guard<std::mutex> l(mu_);
  return waiters_;
}

}  // namespace skewgate::runtime

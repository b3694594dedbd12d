#include "runtime/manager.h"

#include "common/log.h"

namespace skewgate::runtime {

Manager::Manager(kube::Client& client, MetricsRegistry& registry, ManagerOptions options,
                 const Clock& clock)
    : client_(client), registry_(registry), options_(std::move(options)), clock_(clock) {
  auto g = registry_.AddGauge("skewgate_leader_election_is_leader",
                              "1 while this replica holds the lease (always 1 without leader "
                              "election).");
  if (g.ok()) leader_gauge_ = (*g)->Get();
}

Manager::~Manager() {
  StopControllers();
  for (auto& i : informers_) i->Stop();
  server_.Stop();
}

Informer& Manager::AddInformer(const kube::ResourceType& type, const std::string& ns,
                               InformerOptions options) {
  informers_.push_back(std::make_unique<Informer>(client_, type, ns, std::move(options), clock_));
  Status s = informers_.back()->RegisterMetrics(registry_);
  if (!s.ok()) SG_LOG(Error, "").Msg("informer metrics").Field("error", s.ToString());
  return *informers_.back();
}

Controller& Manager::AddController(ControllerOptions options, Reconciler& reconciler) {
  controllers_.push_back(
      std::make_unique<Controller>(std::move(options), reconciler, clock_, &registry_));
  return *controllers_.back();
}

bool Manager::Ready() const {
  for (auto& i : informers_) {
    if (!i->HasSynced()) return false;
  }
  return true;
}

bool Manager::Leading() const { return controllers_running_.load(); }

Status Manager::MayWrite() const {
  if (!options_.leader_election) return OkStatus();
  const LeaderElector* e = elector_view_.load();
  if (e != nullptr && e->HoldsLease()) return OkStatus();
  return UnavailableError("write refused: this replica does not hold the lease " +
                          options_.leader_election->lease_namespace + "/" +
                          options_.leader_election->lease_name +
                          " (lost, or not renewed within the renew deadline)");
}

HttpResponse Manager::Readyz() const {
  std::string unsynced;
  for (auto& i : informers_) {
    if (!i->HasSynced()) unsynced += " " + i->type().QualifiedName();
  }
  if (unsynced.empty()) return {200, "text/plain; charset=utf-8", "ok\n"};
  return {503, "text/plain; charset=utf-8", "caches not synced:" + unsynced + "\n"};
}

void Manager::StartControllers() {
  for (auto& c : controllers_) c->Start();
  controllers_running_ = true;
  if (leader_gauge_) leader_gauge_->Set(1);
}

void Manager::StopControllers() {
  // Stop() shuts every queue first (no new work anywhere), then joins in-flight work.
  controllers_running_ = false;
  if (leader_gauge_) leader_gauge_->Set(0);
  for (auto& c : controllers_) c->queue().ShutDown();
  for (auto& c : controllers_) c->Stop();
}

Status Manager::Run(const kube::Cancellation& stop) {
  if (!options_.probe_address.empty()) {
    std::string host;
    int port = 0;
    SG_RETURN_IF_ERROR(ParseListenAddress(options_.probe_address, &host, &port));
    server_.Handle("/healthz", [] {
      return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
    });
    server_.Handle("/readyz", [this] { return Readyz(); });
    server_.Handle("/metrics", [this] {
      return HttpResponse{200, MetricsRegistry::kContentType, registry_.Render()};
    });
    SG_RETURN_IF_ERROR(server_.Start(host, port));
    SG_LOG(Info, "").Msg("serving probes and metrics").Field("port", server_.port());
  }
  for (auto& i : informers_) i->Start();
  for (auto& i : informers_) {
    if (!i->WaitForSync(stop)) break;
  }
  Status result;
  if (!stop.cancelled()) {
    SG_LOG(Info, "").Msg("caches synced").Field("informers", static_cast<int>(informers_.size()));
    if (options_.leader_election) {
      elector_ = std::make_unique<LeaderElector>(client_, *options_.leader_election, clock_);
      elector_view_ = elector_.get();
      LeaderCallbacks cb;
      cb.on_started_leading = [this] { StartControllers(); };
      // Losing the lease stops reconciling at once; the elector releases (on a graceful
      // stop) only after in-flight reconciles have finished here.
      cb.on_stopped_leading = [this] { StopControllers(); };
      result = elector_->Run(stop, cb);
    } else {
      StartControllers();
      while (!stop.cancelled()) stop.SleepFor(clock_, std::chrono::hours(1));
      StopControllers();
    }
  }
  StopControllers();
  for (auto& i : informers_) i->Stop();
  server_.Stop();
  SG_LOG(Info, "").Msg("manager stopped").Field("result", result.ok() ? "ok" : result.ToString());
  return result;
}

}  // namespace skewgate::runtime

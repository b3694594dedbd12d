// The Manager wires the runtime's parts into a running operator: informers (shared
// caches), controllers (queues + workers + reconcilers), optional leader election, and
// the /healthz, /readyz and /metrics server; Run blocks until the stop signal, then shuts
// down in order: stop taking work, finish in-flight reconciles, release the lease.
//
//   Manager mgr(*client, registry, options);
//   auto& mds = mgr.AddInformer(kube::resources::ModelDeployments(), "", {});
//   auto& c = mgr.AddController(ControllerOptions{"modeldeployment", 2, nullptr}, reconciler);
//   mds.store_impl().AddHandler(EnqueueObject(c.queue()));  return mgr.Run(stop);
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "kube/cancellation.h"
#include "kube/client.h"
#include "runtime/controller.h"
#include "runtime/http_server.h"
#include "runtime/informer.h"
#include "runtime/leader_election.h"
#include "runtime/metrics.h"

namespace skewgate::runtime {

struct ManagerOptions {
  // host:port for /healthz, /readyz and /metrics; ":0" picks a free port; "" disables.
  std::string probe_address = ":8080";
  // Without it every replica reconciles (fine for one replica and for tests).
  std::optional<LeaderElectionConfig> leader_election;
};

class Manager {
 public:
  // `client`, `registry` and `clock` must outlive the manager.
  Manager(kube::Client& client, MetricsRegistry& registry, ManagerOptions options,
          const Clock& clock = RealClock::Get());
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Before Run. The references stay valid for the manager's lifetime.
  Informer& AddInformer(const kube::ResourceType& type, const std::string& ns,
                        InformerOptions options);
  Controller& AddController(ControllerOptions options, Reconciler& reconciler);

  // Serves probes, starts informers, waits for their caches, then (after winning the
  // election, if configured) starts controllers; blocks until `stop` fires. Returns Ok on
  // a graceful stop, Aborted when leadership was lost (exit and let Kubernetes restart
  // the pod), Unavailable when the probe address cannot be bound. Call once.
  Status Run(const kube::Cancellation& stop);

  // The probe server's port (after Run has started it); for tests using ":0".
  int probe_port() const { return server_.port(); }
  bool Ready() const;
  bool Leading() const;
  // The write fence (see fenced_client.h): Ok without leader election; with it, Ok only
  // while this replica holds a lease renewed within the renew deadline
  // (LeaderElector::HoldsLease), else Unavailable. Thread-safe.
  Status MayWrite() const;

 private:
  HttpResponse Readyz() const;
  void StartControllers();
  void StopControllers();

  kube::Client& client_;
  MetricsRegistry& registry_;
  const ManagerOptions options_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Informer>> informers_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::unique_ptr<LeaderElector> elector_;
  std::atomic<const LeaderElector*> elector_view_{nullptr};  // elector_, for MayWrite
  HttpServer server_;
  Gauge* leader_gauge_ = nullptr;
  std::atomic<bool> controllers_running_{false};
};

}  // namespace skewgate::runtime

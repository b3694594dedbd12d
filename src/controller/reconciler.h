// The ModelDeployment reconciler: the only glue between the pure rollout core and the
// cluster. Level-based: read the ModelDeployment and what it owns from the informer caches
// (plus its HTTPRoute from the API, and its baseline ConfigMap from a cache of summaries or
// the API), decide with rollout::Decide, then write only what differs — new owned objects
// with a POST, changed ones with a merge patch or server-side apply (field manager
// "skewgate"), status through the status subresource pinned to the resourceVersion read,
// Events from the plan. A steady ModelDeployment costs zero writes per resync.
//
//   ModelDeploymentReconciler r(client, caches, analysis, recorder, RealClock::Get(), {});
//   manager.AddController({.name = "modeldeployment"}, r);
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/types.h"
#include "common/clock.h"
#include "controller/analysis_source.h"
#include "controller/baseline_readers.h"
#include "kube/client.h"
#include "rollout/state_machine.h"
#include "runtime/event_recorder.h"
#include "runtime/reconciler.h"
#include "runtime/store.h"

namespace skewgate::controller {

// The informer caches the reconciler reads; all filtered on the server to objects labelled
// skewgate.io/modeldeployment (except the ModelDeployments themselves). Not owned.
struct Caches {
  const runtime::Store* model_deployments = nullptr;
  const runtime::Store* replica_sets = nullptr;
  const runtime::Store* pods = nullptr;
  const runtime::Store* services = nullptr;
  const runtime::Store* config_maps = nullptr;
  // The user's ConfigMaps (those without the label) as BaselineSummary projections
  // (SummarizeReadBaselines of ReconcilerOptions::baseline_readers), or nullptr: then the
  // baseline is read with a GET every reconcile.
  const runtime::Store* baselines = nullptr;
};

struct ReconcilerOptions {
  std::string image = "skewgate:0.1.0";  // fetch init container and default sidecar image
  // Look again at a ModelDeployment this long after its last reconcile even when nothing
  // changed (the baseline ConfigMap and HTTPRoute are read, not watched).
  Duration resync_period = std::chrono::minutes(5);
  // How long an aborted canary keeps its pods (rollout::Input::abort_scale_down_delay).
  Duration abort_scale_down_delay = rollout::kAbortScaleDownDelay;
  // While the baseline or HTTPRoute is missing or wrong: slow enough never to be a hot
  // loop, quick enough that fixing it is noticed without touching the ModelDeployment.
  Duration problem_recheck = std::chrono::seconds(30);
  // Told which baseline each ModelDeployment reads, so that a change of it enqueues them
  // and the cache summarises it; keeps what a GET read of a key the cache had not
  // summarised (needed with Caches::baselines). Not owned; may be null.
  BaselineReaders* baseline_readers = nullptr;
};

// Writes made by the reconciler, by kind of object (for tests and the zero-write check).
struct WriteCounts {
  std::atomic<uint64_t> replica_sets{0}, services{0}, config_maps{0}, routes{0}, statuses{0},
      deletes{0};
  uint64_t Total() const {
    return replica_sets + services + config_maps + routes + statuses + deletes;
  }
};

class ModelDeploymentReconciler final : public runtime::Reconciler {
 public:
  // Every reference must outlive the reconciler.
  ModelDeploymentReconciler(kube::Client& client, Caches caches, AnalysisSource& analysis,
                            runtime::EventRecorder& recorder, const Clock& clock,
                            ReconcilerOptions options);

  // runtime::Reconciler
  // Errors: a transient API failure or a conflict is retryable (backoff); a ModelDeployment
  // that cannot be decoded is terminal (logged; the API server's schema makes it rare). Bad
  // input the controller can explain (invalid spec, missing baseline, missing HTTPRoute)
  // is not an error: it is reported in status and Events and re-checked after
  // problem_recheck.
  runtime::ReconcileResult Reconcile(const runtime::ObjectKey& key) override;

  const WriteCounts& writes() const { return writes_; }

 private:
  struct Observed;
  Status ApplyPlan(const api::ModelDeployment& md, const rollout::Plan& plan,
                   const Observed& observed);
  Status ApplyConfigMaps(const api::ModelDeployment& md, const rollout::Plan& plan);
  Status ApplyReplicaSets(const api::ModelDeployment& md, const rollout::Plan& plan);
  Status ApplyServices(const api::ModelDeployment& md, const rollout::Plan& plan);
  // Whether the Service `name` in md's namespace is cached and controlled by md.
  bool OwnedService(const api::ModelDeployment& md, const std::string& name) const;
  Status ApplyService(const api::ModelDeployment& md, const nlohmann::json& desired);
  // POST, or server-side apply when the object turns out to exist (the cache was behind).
  Status CreateOrApply(const kube::ResourceType& type, const std::string& ns,
                       const nlohmann::json& object);
  Status DeleteUnwanted(const api::ModelDeployment& md, const rollout::Plan& plan);
  Status WriteStatus(const nlohmann::json& object, const rollout::Plan& plan);
  void RecordEvents(const nlohmann::json& object, const rollout::Plan& plan);
  nlohmann::json CachedObject(const runtime::Store* store, const std::string& ns,
                              const std::string& name) const;

  // The cache still holds the version a status write of ours replaced: deciding on it
  // would repeat that decision and lose the write to a 409. Thread-safe.
  bool CacheBehindOwnWrite(const std::string& key, const std::string& cached_rv);
  void NoteOwnWrite(const std::string& key, const std::string& replaced_rv);

  kube::Client& client_;
  const Caches caches_;
  AnalysisSource& analysis_;
  runtime::EventRecorder& recorder_;
  const Clock& clock_;
  const ReconcilerOptions options_;
  WriteCounts writes_;
  std::mutex own_writes_mu_;
  // ModelDeployment key -> resourceVersion its last status write replaced, until the cache
  // shows another version. One entry per write in flight through the watch.
  std::map<std::string, std::string> own_writes_;
};

}  // namespace skewgate::controller

// The rollout state machine: one pure function from what the controller observed (the
// ModelDeployment with its status, the ReplicaSets, the latest analysis verdict, now) to
// what the world should look like (ReplicaSet sizes, traffic, the new status, Events).
// No I/O and no clock: `now` comes in. Level-based and idempotent: feeding Decide the state
// its own plan produces yields the same plan with no Events and an unchanged status, so
// a steady ModelDeployment costs zero writes. The semantics are in docs/rollout.md.
//
//   Plan plan = Decide({.md = md, .baseline_digest = digest, .replica_sets = rs, .now = now});
//   if (plan.status != md.status) WriteStatus(plan.status);  // then apply plan.replica_sets
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "common/clock.h"

namespace skewgate::rollout {

// After an abort, traffic leaves the canary at once but its pods are kept this long (for
// `kubectl logs` and in-flight requests) before the canary ReplicaSet goes to 0: the
// default of Input::abort_scale_down_delay (skewgate-controller --abort-scale-down-delay).
inline constexpr Duration kAbortScaleDownDelay = std::chrono::seconds(30);

// ---------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------

// One ReplicaSet owned by the ModelDeployment, as observed.
struct ObservedReplicaSet {
  std::string revision;        // its revision label
  int32_t replicas = 0;        // spec.replicas
  int32_t ready_replicas = 0;  // status.readyReplicas
  friend bool operator==(const ObservedReplicaSet&, const ObservedReplicaSet&) = default;
};

// Something the controller found wrong outside the spec's own rules. `reason` is a
// constant of api/conditions.h (e.g. kReasonBaselineNotFound, kReasonModelDigestMismatch).
struct Problem {
  std::string reason;
  std::string message;
  friend bool operator==(const Problem&, const Problem&) = default;
};

struct Input {
  api::ModelDeployment md;  // spec, current status, metadata (generation, deletion)
  // sha256 of the baseline the spec references, as read by the controller. Part of the
  // revision; ignored when spec_problem is set.
  std::string baseline_digest;
  // A spec that passes validation but cannot work (baseline ConfigMap or key missing,
  // baseline invalid, HTTPRoute missing, no model port): treated like an invalid spec.
  std::optional<Problem> spec_problem;
  // Every ReplicaSet the ModelDeployment owns, any order.
  std::vector<ObservedReplicaSet> replica_sets;
  // Pods of the revision the spec asks for fail for a reason that will not heal by
  // waiting (init container: model digest mismatch): aborts a canary at once.
  std::optional<Problem> newest_pods_failing;
  // The latest analysis run the controller has for the current canary (any revision is
  // accepted; runs of another revision, or not newer than status.lastAnalysis, are ignored
  // so a result is counted once).
  std::optional<api::AnalysisStatus> analysis;
  // False when no analysis source is configured: steps then advance on time alone and
  // promotion needs no successful run. True by default: nothing is promoted without one.
  bool analysis_enabled = true;
  // The label selector of all serving pods ("skewgate.io/name=x"), copied into
  // status.selector for the scale subresource; "" leaves the field as it is.
  std::string selector;
  // How long an aborted canary keeps its pods after status.abort.time (0: scaled down at
  // once). A setting of the controller, not of the spec.
  Duration abort_scale_down_delay = kAbortScaleDownDelay;
  TimePoint now{};
};

// ---------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------

struct DesiredReplicaSet {
  std::string revision;
  std::string name;  // ReplicaSetName(md name, revision)
  int32_t replicas = 0;
  // True when the ReplicaSet does not exist yet. Only the revision of the current spec can
  // be created from it (from_current_spec); a missing older one cannot be rebuilt.
  bool create = false;
  bool from_current_spec = false;
  friend bool operator==(const DesiredReplicaSet&, const DesiredReplicaSet&) = default;
};

// HTTPRoute backend weights (only with traffic.gatewayAPI). They always sum to 100.
struct RouteWeights {
  std::string stable_revision;
  int32_t stable_weight = 100;
  std::string canary_revision;  // "" when no canary takes traffic
  int32_t canary_weight = 0;
  friend bool operator==(const RouteWeights&, const RouteWeights&) = default;
};

// Shadow stage: the stable revision's sidecars mirror `percent` of requests to target.
struct Mirror {
  std::string target_revision;
  int32_t percent = 0;
  friend bool operator==(const Mirror&, const Mirror&) = default;
};

struct Event {
  std::string type;    // api::kEventNormal / kEventWarning
  std::string reason;  // api::kEventReason*
  std::string message;
  friend bool operator==(const Event&, const Event&) = default;
};

// Which revision each per-revision Service (`<name>-stable`, `<name>-canary`) selects;
// "" leaves that Service without endpoints. During the first deployment the new revision
// is the stable Service's target before it is formally stable.
struct ServiceTargets {
  std::string stable;
  std::string canary;
  friend bool operator==(const ServiceTargets&, const ServiceTargets&) = default;
};

struct Plan {
  // Every ReplicaSet that should exist, with its size; stable first, then the canary, then
  // older revisions kept (at 0) for the history. Unchanged sizes when serving must not
  // change (invalid spec, deletion).
  std::vector<DesiredReplicaSet> replica_sets;
  // Observed ReplicaSets (by revision) to delete: not active and beyond the history.
  std::vector<std::string> delete_revisions;
  // Revisions the user-facing Service sends traffic to. One revision: select only its pods
  // (traffic pinned, e.g. at once on abort or during shadow); two (stable, canary): select
  // every serving pod of the ModelDeployment and let the replica ratio split traffic.
  // Empty before anything is stable and nothing is deployable.
  std::vector<std::string> serving_revisions;
  ServiceTargets services;
  std::optional<RouteWeights> route;  // set iff spec.strategy.canary.traffic.gatewayAPI
  std::optional<Mirror> mirror;       // set during a shadow step
  api::ModelDeploymentStatus status;  // the whole new status (== input status: write nothing)
  std::vector<Event> events;          // only on transitions: none in a steady state
  // When to call Decide again even if nothing changes (a step's end, the next analysis,
  // the progress deadline, the abort scale-down); nullopt: only on a change.
  std::optional<Duration> requeue_after;
};

// The decision. Never fails: bad input becomes conditions and Events in the plan.
Plan Decide(const Input& input);

}  // namespace skewgate::rollout

// Internals of Decide shared by its .cc files: the working state of one decision, status
// bookkeeping (conditions, history) and the shape of the world derived from a decided status.
// Not part of the library's interface; include only from src/rollout/*.cc.
//
//   internal::Decision d(input);            // copies the status, computes the revision
//   internal::SetCondition(&d.status, api::kConditionReady, true, reason, msg, gen, now);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "rollout/state_machine.h"

namespace skewgate::rollout::internal {

// What the rollout is doing after the decision; selects the plan's shape.
enum class Mode {
  kInvalid,      // spec invalid or unusable: the world stays as observed
  kFirstDeploy,  // nothing stable yet: the spec's revision goes to full replicas
  kSteady,       // the stable revision serves everything
  kCanary,       // status.canaryRevision is in flight at status.currentStepIndex
  kAborted,      // status.abort: stable serves everything, the canary drains
};

// The summary that conditions, phase and message are rendered from.
struct Situation {
  api::Phase phase = api::Phase::kUnknown;
  std::string message;
  std::string progressing_reason;  // non-empty: Progressing=True
  std::string degraded_reason;     // non-empty: Degraded=True
  std::string paused_reason;       // non-empty: Paused=True
  std::string invalid_reason;      // non-empty: InvalidSpec=True
  bool ready = false;              // Ready=True
};

// The working state of one Decide call.
struct Decision {
  const Input& in;
  const api::ModelDeploymentSpec& spec;
  const api::CanaryStrategy* canary = nullptr;  // nullptr: direct replacement, no steps
  int32_t total = 0;                            // spec.replicas
  int32_t steps = 0;                            // number of canary steps
  bool analysis_on = false;
  TimePoint now{};
  int64_t generation = 0;
  std::string desired;  // revision the spec asks for ("" when invalid)
  std::string pending;  // desired revision held back by spec.paused
  api::ModelDeploymentStatus status;
  Mode mode = Mode::kSteady;
  Situation situation;
  std::vector<Event> events;
  std::vector<TimePoint> wakeups;  // candidate times to be called again

  explicit Decision(const Input& input);
  void Emit(const char* type, const char* reason, std::string message) {
    events.push_back({type, reason, std::move(message)});
  }
  int32_t ReadyOf(const std::string& revision) const;
  int32_t ObservedReplicasOf(const std::string& revision) const;
  bool Observed(const std::string& revision) const;
};

// ---- transitions (transitions.cc); each emits its Event and updates history
std::string DescribeStep(const api::CanaryStep& step);  // "setWeight 10", "pause 2m", ...
std::string StepLabel(const Decision& d);               // "step 2/5 (pause 2m)"
void StartCanary(Decision* d, const std::string& revision, bool retry);
void EnterStep(Decision* d, int32_t index);
void Supersede(Decision* d, const std::string& why);
void Abort(Decision* d, const std::string& reason, const std::string& message,
           std::vector<std::string> features);
void Promote(Decision* d);

// ---- the canary in flight (canary.cc)
// What the canary waits for after Advance; rendered into the situation.
struct CanaryWait {
  const char* reason = nullptr;  // kReasonStepInProgress / kReasonAnalysisRunning
  std::string message;
  bool manual_gate = false;  // a pause{} step
  bool timed = false;        // inside a pause/shadow duration (no progress is expected)
  std::optional<TimePoint> deadline_base;  // waiting since; nullopt: deadline not running
};
bool InconclusivePaused(const Decision& d);
// Counts the input's analysis run once; may abort (mode becomes kAborted).
void CountAnalysis(Decision* d);
// Acknowledges every pending gate, acting on those that apply.
void ProcessGates(Decision* d);
// Moves through every step that is complete, promoting at the end; may change the mode.
CanaryWait AdvanceCanary(Decision* d);

// ---- conditions
// Sets (or adds) a condition; lastTransitionTime moves only when `status` changes.
void SetCondition(std::vector<api::Condition>* conditions, const char* type, bool value,
                  const std::string& reason, const std::string& message, int64_t generation,
                  TimePoint now);
const api::Condition* FindCondition(const std::vector<api::Condition>& conditions,
                                    const char* type);
bool ConditionTrue(const std::vector<api::Condition>& conditions, const char* type);
// Renders d->situation into phase, message and the seven conditions (fixed order, other
// condition types kept after them), and emits the Events of condition transitions.
void RenderSituation(Decision* d);

// ---- history (newest first; Active records are never dropped)
// Moves `revision` to the front as Active, deployed at `now`, described by the spec.
void UpsertActive(Decision* d, const std::string& revision);
void SetOutcome(Decision* d, const std::string& revision, api::RevisionOutcome outcome,
                const std::string& message);
std::optional<TimePoint> DeployedAt(const api::ModelDeploymentStatus& s,
                                    const std::string& revision);
// Keeps every Active record and the newest `limit` others.
void TrimHistory(api::ModelDeploymentStatus* s, int32_t limit);

// ---- the world derived from the decided status
// Weight the canary's current step asks for: the last setWeight at or before the step;
// 100 once every step is done (the final ramp before promotion).
int32_t StepWeight(const Decision& d);
struct CanaryShape {
  int32_t canary = 0;  // canary pods
  int32_t stable = 0;  // stable pods
  bool canary_serves = false;
  int32_t route_canary_weight = 0;  // Gateway API weight
  int32_t achieved_weight = 0;
  std::optional<Mirror> mirror;
};
CanaryShape ShapeCanary(const Decision& d);
// Fills replica_sets, delete_revisions, serving_revisions, route and mirror of `plan`
// and status.canaryWeight / actualCanaryWeight.
void ShapeWorld(Decision* d, Plan* plan);

}  // namespace skewgate::rollout::internal

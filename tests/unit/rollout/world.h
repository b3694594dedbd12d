// A simulated cluster for the rollout state machine: it keeps a ModelDeployment and its
// ReplicaSets, runs Decide at an explicit time, applies the plan (status, ReplicaSet sizes,
// pods ready at once unless told otherwise) and records every Event.
//
//   World w(CanarySpec({SetWeight(50), Pause()}));
//   w.Settle(); EXPECT_EQ(w.md.status.phase, api::Phase::kHealthy);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "rollout/state_machine.h"

namespace skewgate::rollout::sim {

inline const TimePoint kT0 = FromUnixSeconds(1'700'000'000);

api::CanaryStep SetWeight(int32_t w);
api::CanaryStep Pause(std::optional<Duration> d = std::nullopt);
api::CanaryStep Shadow(int32_t percent, Duration d);

// A valid spec: replicas 4, model v1, one container. Without steps: no canary strategy.
api::ModelDeploymentSpec DirectSpec(int32_t replicas = 4);
api::ModelDeploymentSpec CanarySpec(std::vector<api::CanaryStep> steps, int32_t replicas = 4);
// The same spec serving another model version ("v2", "v3", ...): another revision.
void SetModel(api::ModelDeploymentSpec* spec, const std::string& version);

api::AnalysisStatus AnalysisRun(const std::string& revision, TimePoint time, api::Verdict verdict,
                                std::vector<std::string> failing_features = {});

struct World {
  explicit World(api::ModelDeploymentSpec spec);

  api::ModelDeployment md;
  std::vector<ObservedReplicaSet> replica_sets;
  std::string baseline_digest = "sha256:baseline-one";
  bool pods_become_ready = true;  // a planned pod is Ready by the next Decide
  bool analysis_enabled = true;
  std::optional<api::AnalysisStatus> analysis;
  std::optional<Problem> newest_pods_failing;
  std::optional<Problem> spec_problem;
  Duration abort_scale_down_delay = kAbortScaleDownDelay;
  TimePoint now = kT0;
  std::vector<Event> events;  // every Event of every Decide, in order
  Plan last;

  Input MakeInput() const;
  // One Decide at `now`, applied to the world. Returns the plan.
  const Plan& Step();
  // Steps until nothing changes (no Events, same status, same ReplicaSets); fails the
  // test if that takes more than 20 steps. Then checks the fixpoint is exact.
  const Plan& Settle();
  void Advance(Duration d) { now += d; }
  // The user edits the spec: generation goes up.
  void Apply(const api::ModelDeploymentSpec& spec);

  std::string Revision() const;                           // the revision the current spec asks for
  int32_t ReplicasOf(const std::string& revision) const;  // -1 when absent
  bool HasEvent(const char* reason) const;
  int CountEvents(const char* reason) const;
  const api::Condition* Condition(const char* type) const;
  std::string ConditionStatus(const char* type) const;
  std::string ConditionReason(const char* type) const;
  api::RevisionOutcome OutcomeOf(const std::string& revision) const;
  void ClearEvents() { events.clear(); }
  // Gates as the CLI writes them (status subresource).
  void RequestPromote(const std::string& revision = "");
  void RequestPromoteFull(const std::string& revision = "");
  void RequestAbort(const std::string& revision = "");
  void RequestRetry(const std::string& revision = "");
};

// A canary in progress: v1 stable, v2 applied and settled at its first step.
struct Rollout {
  World w;
  std::string v1, v2;
  explicit Rollout(std::vector<api::CanaryStep> steps, int32_t failure_limit = 1,
                   int32_t inconclusive_limit = 3)
      : w(CanarySpec(std::move(steps))) {
    w.md.spec.strategy.canary->analysis.failure_limit = failure_limit;
    w.md.spec.strategy.canary->analysis.inconclusive_limit = inconclusive_limit;
    w.Settle();
    v1 = w.Revision();
    To("v2");
    v2 = w.Revision();
    w.ClearEvents();
  }
  std::string To(const std::string& version) {
    api::ModelDeploymentSpec s = w.md.spec;
    SetModel(&s, version);
    w.Apply(s);
    w.Settle();
    return w.Revision();
  }
  void Feed(api::Verdict v, std::vector<std::string> features = {}) {
    w.Advance(std::chrono::seconds(30));
    w.analysis = AnalysisRun(w.md.status.canary_revision.empty() ? v2 : w.md.status.canary_revision,
                             w.now, v, std::move(features));
    w.Settle();
  }
};

}  // namespace skewgate::rollout::sim

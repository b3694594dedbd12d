// The state machine on the happy paths: first deployment, a canary walked through every
// kind of step, direct replacement, Gateway API weights, history and garbage collection,
// and the zero-write fixpoint.
#include "rollout/state_machine.h"

#include <gtest/gtest.h>

#include "api/conditions.h"
#include "world.h"

namespace skewgate::rollout {
namespace {

using namespace std::chrono_literals;
using sim::AnalysisRun;
using sim::CanarySpec;
using sim::DirectSpec;
using sim::Pause;
using sim::SetModel;
using sim::SetWeight;
using sim::Shadow;
using sim::World;

// v1 deployed and Healthy, ready for a v2.
World StableWorld(api::ModelDeploymentSpec spec) {
  World w(std::move(spec));
  w.Settle();
  EXPECT_EQ(w.md.status.phase, api::Phase::kHealthy);
  w.ClearEvents();
  return w;
}

TEST(FirstDeployment, GoesToFullReplicasThenStable) {
  World w(CanarySpec({SetWeight(25), Pause(2min)}));
  w.pods_become_ready = false;
  const std::string v1 = w.Revision();
  w.Step();
  EXPECT_EQ(w.ReplicasOf(v1), 4);  // no steps for the first revision
  EXPECT_EQ(w.md.status.phase, api::Phase::kProgressing);
  EXPECT_EQ(w.md.status.stable_revision, "");
  EXPECT_EQ(w.ConditionStatus(api::kConditionReady), "False");
  EXPECT_EQ(w.ConditionReason(api::kConditionProgressing), api::kReasonNewRevision);
  EXPECT_EQ(w.ConditionStatus(api::kConditionReconciling), "True");
  EXPECT_EQ(w.last.serving_revisions, std::vector<std::string>{v1});
  EXPECT_EQ(w.last.services.stable, v1);
  EXPECT_TRUE(w.HasEvent(api::kEventReasonRevisionCreated));
  EXPECT_EQ(w.md.status.observed_generation, 1);
  EXPECT_EQ(w.md.status.selector, "skewgate.io/name=fraud");
  EXPECT_EQ(w.md.status.baseline_digest, "sha256:baseline-one");
  ASSERT_TRUE(w.last.requeue_after.has_value());  // the progress deadline
  EXPECT_EQ(*w.last.requeue_after, 600s);

  w.pods_become_ready = true;
  w.Step();  // the ReplicaSet's pods become ready
  w.Settle();
  EXPECT_EQ(w.md.status.phase, api::Phase::kHealthy);
  EXPECT_EQ(w.md.status.stable_revision, v1);
  EXPECT_EQ(w.md.status.canary_revision, "");
  EXPECT_EQ(w.ConditionStatus(api::kConditionReady), "True");
  EXPECT_EQ(w.ConditionReason(api::kConditionReady), api::kReasonRolloutComplete);
  EXPECT_EQ(w.ConditionStatus(api::kConditionReconciling), "False");
  EXPECT_EQ(w.ConditionStatus(api::kConditionStalled), "False");
  EXPECT_EQ(w.OutcomeOf(v1), api::RevisionOutcome::kActive);
  EXPECT_EQ(w.md.status.replicas, 4);
  EXPECT_EQ(w.md.status.ready_replicas, 4);
  EXPECT_TRUE(w.HasEvent(api::kEventReasonPromoted));
  EXPECT_FALSE(w.last.requeue_after.has_value());
}

TEST(FirstDeployment, ZeroReplicasIsStableAtOnce) {
  World w(DirectSpec(0));
  w.Settle();
  EXPECT_EQ(w.md.status.phase, api::Phase::kHealthy);
  EXPECT_EQ(w.md.status.stable_revision, w.Revision());
}

TEST(FirstDeployment, ANewSpecBeforeReadyReplacesIt) {
  World w(DirectSpec());
  w.pods_become_ready = false;
  const std::string v1 = w.Revision();
  w.Step();
  api::ModelDeploymentSpec s = w.md.spec;
  SetModel(&s, "v2");
  w.Apply(s);
  const std::string v2 = w.Revision();
  w.Step();
  EXPECT_EQ(w.ReplicasOf(v2), 4);
  EXPECT_EQ(w.ReplicasOf(v1), 0);
  EXPECT_EQ(w.OutcomeOf(v1), api::RevisionOutcome::kSuperseded);
  w.pods_become_ready = true;
  w.Step();
  w.Settle();
  EXPECT_EQ(w.md.status.stable_revision, v2);
}

// One canary through shadow, setWeight, a timed pause with analysis, and a manual gate.
// Each row is the state after Settle() at that point; replicas 4, replica-ratio traffic.
TEST(Canary, WalksEveryKindOfStep) {
  World w = StableWorld(
      CanarySpec({Shadow(50, 1min), SetWeight(25), Pause(2min), SetWeight(50), Pause()}));
  const std::string v1 = w.Revision();
  api::ModelDeploymentSpec s = w.md.spec;
  SetModel(&s, "v2");
  w.Apply(s);
  const std::string v2 = w.Revision();
  ASSERT_NE(v1, v2);

  struct Row {
    const char* what;
    int32_t step, canary, stable, weight, actual, mirror;
    size_t serving;
    api::Phase phase;
  };
  const auto check = [&](const Row& r) {
    SCOPED_TRACE(r.what);
    EXPECT_EQ(w.md.status.current_step_index.value_or(-1), r.step);
    EXPECT_EQ(w.ReplicasOf(v2), r.canary);
    EXPECT_EQ(w.ReplicasOf(v1), r.stable);
    EXPECT_EQ(w.md.status.canary_weight, r.weight);
    EXPECT_EQ(w.md.status.actual_canary_weight, r.actual);
    EXPECT_EQ(w.last.mirror ? w.last.mirror->percent : 0, r.mirror);
    EXPECT_EQ(w.last.serving_revisions.size(), r.serving);
    EXPECT_EQ(w.md.status.phase, r.phase);
    EXPECT_EQ(w.md.status.stable_revision, v1);
    EXPECT_EQ(w.md.status.canary_revision, v2);
  };
  w.Settle();
  check({"shadow: canary pods get mirrored traffic only", 0, 2, 4, 0, 0, 50, 1,
         api::Phase::kProgressing});
  EXPECT_EQ(w.last.mirror->target_revision, v2);
  EXPECT_EQ(*w.last.requeue_after, 1min);
  EXPECT_TRUE(w.HasEvent(api::kEventReasonShadowStarted));

  w.Advance(1min);
  w.Settle();
  check({"shadow time is up, no analysis yet", 0, 2, 4, 0, 0, 50, 1, api::Phase::kProgressing});
  EXPECT_EQ(w.ConditionReason(api::kConditionProgressing), api::kReasonAnalysisRunning);
  EXPECT_EQ(*w.last.requeue_after, 30s);  // the next analysis interval

  w.analysis = AnalysisRun(v2, w.now, api::Verdict::kSuccessful);
  w.Settle();
  check({"setWeight 25 done at once (pods ready), then the timed pause", 2, 1, 3, 25, 25, 0, 2,
         api::Phase::kProgressing});
  EXPECT_EQ(*w.last.requeue_after, 2min);

  w.Advance(2min);
  w.Settle();
  check({"pause time is up but the last run predates the step", 2, 1, 3, 25, 25, 0, 2,
         api::Phase::kProgressing});

  w.analysis = AnalysisRun(v2, w.now, api::Verdict::kSuccessful);
  w.Settle();
  check({"setWeight 50, then the manual gate", 4, 2, 2, 50, 50, 0, 2, api::Phase::kPaused});
  EXPECT_EQ(w.ConditionStatus(api::kConditionPaused), "True");
  EXPECT_EQ(w.ConditionReason(api::kConditionPaused), api::kReasonManualGate);
  EXPECT_EQ(w.ConditionStatus(api::kConditionProgressing), "True");
  EXPECT_FALSE(w.last.requeue_after.has_value());  // nothing to wait for but a human

  w.Advance(24h);
  w.ClearEvents();
  w.Settle();
  check({"a manual gate holds forever, without a deadline", 4, 2, 2, 50, 50, 0, 2,
         api::Phase::kPaused});
  EXPECT_TRUE(w.events.empty());

  w.RequestPromote();
  w.Settle();
  EXPECT_EQ(w.md.status.phase, api::Phase::kHealthy);
  EXPECT_EQ(w.md.status.stable_revision, v2);
  EXPECT_EQ(w.md.status.canary_revision, "");
  EXPECT_FALSE(w.md.status.current_step_index.has_value());
  EXPECT_EQ(w.ReplicasOf(v2), 4);
  EXPECT_EQ(w.ReplicasOf(v1), 0);  // kept, at 0, for the history
  EXPECT_EQ(w.OutcomeOf(v1), api::RevisionOutcome::kPromoted);
  EXPECT_EQ(w.OutcomeOf(v2), api::RevisionOutcome::kActive);
  EXPECT_EQ(w.md.status.gates.promote->result, api::kGateAccepted);
  EXPECT_EQ(w.ConditionStatus(api::kConditionReady), "True");
  EXPECT_EQ(w.last.serving_revisions, std::vector<std::string>{v2});
}

TEST(Canary, FinalRampScalesCanaryToFullBeforePromotion) {
  World w = StableWorld(CanarySpec({SetWeight(50)}));
  const std::string v1 = w.Revision();
  api::ModelDeploymentSpec s = w.md.spec;
  SetModel(&s, "v2");
  w.Apply(s);
  const std::string v2 = w.Revision();
  w.pods_become_ready = false;
  w.Step();  // step 0: setWeight 50 → 2 canary pods
  EXPECT_EQ(w.ReplicasOf(v2), 2);
  EXPECT_EQ(w.ReplicasOf(v1), 2);
  w.pods_become_ready = true;
  w.Step();  // the pods become ready after this decision
  w.Step();  // step done → final ramp: canary to 4, stable keeps 2
  EXPECT_EQ(w.md.status.current_step_index, 1);
  EXPECT_EQ(w.ReplicasOf(v2), 4);
  EXPECT_EQ(w.ReplicasOf(v1), 2);
  EXPECT_EQ(w.md.status.canary_weight, 100);
  EXPECT_EQ(w.md.status.actual_canary_weight, 67);
  w.Settle();
  EXPECT_EQ(w.md.status.phase, api::Phase::kProgressing) << "no analysis run yet: no promotion";
  w.Advance(30s);
  w.analysis = AnalysisRun(v2, w.now, api::Verdict::kSuccessful);
  w.Settle();
  EXPECT_EQ(w.md.status.stable_revision, v2);
}

TEST(Canary, WithoutAnalysisSourceStepsAdvanceOnTimeAlone) {
  World w = StableWorld(CanarySpec({SetWeight(10), Pause(1min)}));
  w.analysis_enabled = false;
  api::ModelDeploymentSpec s = w.md.spec;
  SetModel(&s, "v2");
  w.Apply(s);
  const std::string v2 = w.Revision();
  w.Settle();
  EXPECT_EQ(w.md.status.current_step_index, 1);
  w.Advance(1min);
  w.Settle();
  EXPECT_EQ(w.md.status.stable_revision, v2);
}

TEST(DirectStrategy, NewRevisionReplacesStableWhenReady) {
  World w = StableWorld(DirectSpec());
  const std::string v1 = w.Revision();
  api::ModelDeploymentSpec s = w.md.spec;
  SetModel(&s, "v2");
  w.Apply(s);
  const std::string v2 = w.Revision();
  w.pods_become_ready = false;
  w.Step();
  EXPECT_EQ(w.ReplicasOf(v2), 4);  // surge: the new revision at full size next to stable
  EXPECT_EQ(w.ReplicasOf(v1), 4);
  EXPECT_EQ(w.last.serving_revisions, std::vector<std::string>{v1});
  EXPECT_EQ(w.md.status.phase, api::Phase::kProgressing);
  w.pods_become_ready = true;
  w.Step();
  w.Settle();
  EXPECT_EQ(w.md.status.stable_revision, v2);
  EXPECT_EQ(w.ReplicasOf(v1), 0);
  EXPECT_EQ(w.last.serving_revisions, std::vector<std::string>{v2});
}

TEST(GatewayApi, RouteWeightsFollowStepsAndStableKeepsItsPods) {
  api::ModelDeploymentSpec spec = CanarySpec({SetWeight(10), Pause(1min), SetWeight(60)});
  spec.strategy.canary->traffic.gateway_api = api::GatewayApiTraffic{"fraud-route"};
  World w = StableWorld(spec);
  const std::string v1 = w.Revision();
  ASSERT_TRUE(w.last.route.has_value());
  EXPECT_EQ(*w.last.route, (RouteWeights{v1, 100, "", 0}));
  api::ModelDeploymentSpec s = w.md.spec;
  SetModel(&s, "v2");
  w.Apply(s);
  const std::string v2 = w.Revision();
  w.Settle();
  EXPECT_EQ(*w.last.route, (RouteWeights{v1, 90, v2, 10}));
  EXPECT_EQ(w.ReplicasOf(v2), 1);
  EXPECT_EQ(w.ReplicasOf(v1), 4);
  EXPECT_EQ(w.md.status.actual_canary_weight, 10);
  w.Advance(1min);
  w.analysis = AnalysisRun(v2, w.now, api::Verdict::kSuccessful);
  w.Settle();
  // setWeight 60 → 3 canary pods; then every step is done → canary to 4, then promotion.
  EXPECT_EQ(w.md.status.stable_revision, v2);
  EXPECT_EQ(*w.last.route, (RouteWeights{v2, 100, "", 0}));
  const bool v60 = std::any_of(w.events.begin(), w.events.end(), [](const Event& e) {
    return e.reason == api::kEventReasonWeightChanged && e.message.find("60%") != std::string::npos;
  });
  EXPECT_TRUE(v60);
}

TEST(History, BoundedAndOldReplicaSetsCollected) {
  api::ModelDeploymentSpec spec = DirectSpec();
  spec.revision_history_limit = 2;
  World w = StableWorld(spec);
  std::vector<std::string> revs = {w.Revision()};
  for (const char* v : {"v2", "v3", "v4", "v5"}) {
    api::ModelDeploymentSpec s = w.md.spec;
    SetModel(&s, v);
    w.Apply(s);
    revs.push_back(w.Revision());
    w.Settle();
    EXPECT_EQ(w.md.status.stable_revision, revs.back());
  }
  ASSERT_EQ(w.md.status.history.size(), 3u);  // the stable one + 2 old ones
  EXPECT_EQ(w.md.status.history[0].revision, revs[4]);
  EXPECT_EQ(w.md.status.history[1].revision, revs[3]);
  EXPECT_EQ(w.md.status.history[2].revision, revs[2]);
  EXPECT_EQ(w.md.status.history[0].image, "registry.example.com/server:1");
  EXPECT_EQ(w.ReplicasOf(revs[0]), -1);  // deleted
  EXPECT_EQ(w.ReplicasOf(revs[1]), -1);
  EXPECT_EQ(w.ReplicasOf(revs[2]), 0);
  EXPECT_EQ(w.ReplicasOf(revs[3]), 0);
  EXPECT_EQ(w.ReplicasOf(revs[4]), 4);
}

TEST(Idempotence, SteadyStateIsAFixpointAtAnyLaterTime) {
  World w = StableWorld(CanarySpec({SetWeight(10)}));
  const api::ModelDeploymentStatus status = w.md.status;
  for (Duration later : {Duration(1s), Duration(1h), Duration(24h * 30)}) {
    w.now = sim::kT0 + later;
    const Plan p = Decide(w.MakeInput());
    EXPECT_EQ(p.status, status);
    EXPECT_TRUE(p.events.empty());
    EXPECT_TRUE(p.delete_revisions.empty());
    EXPECT_FALSE(p.requeue_after.has_value());
  }
}

TEST(Idempotence, MidRolloutIsTimeStableWithinAStep) {
  World w = StableWorld(CanarySpec({SetWeight(10), Pause(10min), SetWeight(50)}));
  api::ModelDeploymentSpec s = w.md.spec;
  SetModel(&s, "v2");
  w.Apply(s);
  w.Settle();
  const api::ModelDeploymentStatus status = w.md.status;
  for (Duration later : {Duration(1s), Duration(5min), Duration(9min)}) {
    World copy = w;
    copy.Advance(later);
    const Plan p = Decide(copy.MakeInput());
    EXPECT_EQ(p.status, status) << "no timestamps that move with now";
    EXPECT_TRUE(p.events.empty());
    EXPECT_EQ(*p.requeue_after, 10min - later);
  }
}

TEST(Conditions, TransitionTimeMovesOnlyWithStatus) {
  World w(DirectSpec());
  w.pods_become_ready = false;
  w.Step();
  const TimePoint t0 = w.Condition(api::kConditionReady)->last_transition_time;
  w.Advance(10s);
  w.replica_sets[0].ready_replicas = 2;  // the message changes, Ready stays False
  w.Step();
  EXPECT_NE(w.md.status.message.find("2/4"), std::string::npos);
  EXPECT_EQ(w.Condition(api::kConditionReady)->last_transition_time, t0);
  w.pods_become_ready = true;
  w.Advance(10s);
  w.Step();
  w.Settle();
  EXPECT_EQ(w.Condition(api::kConditionReady)->last_transition_time, w.now);
  // Fixed order, and someone else's condition is kept untouched.
  api::Condition foreign{"ExternalCheck", "True", "Fine", "", 1, sim::kT0};
  w.md.status.conditions.push_back(foreign);
  w.Settle();
  ASSERT_EQ(w.md.status.conditions.size(), 8u);
  EXPECT_EQ(w.md.status.conditions[0].type, api::kConditionReady);
  EXPECT_EQ(w.md.status.conditions[6].type, api::kConditionStalled);
  EXPECT_EQ(w.md.status.conditions[7], foreign);
}

TEST(Baseline, ANewBaselineIsANewRevision) {
  World w = StableWorld(DirectSpec());
  const std::string v1 = w.Revision();
  w.baseline_digest = "sha256:baseline-two";
  w.Settle();
  EXPECT_NE(w.md.status.stable_revision, v1);
  EXPECT_EQ(w.md.status.baseline_digest, "sha256:baseline-two");
  EXPECT_TRUE(w.HasEvent(api::kEventReasonBaselineChanged));
}

}  // namespace
}  // namespace skewgate::rollout

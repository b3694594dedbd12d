// Human gates (promote, promoteFull, abort, retry) arriving at every kind of moment: each is
// acknowledged exactly once, with "Accepted" or "Rejected: <why>", and acts only when it
// applies.
#include <gtest/gtest.h>

#include "api/conditions.h"
#include "rollout/state_machine.h"
#include "world.h"

namespace skewgate::rollout {
namespace {

using namespace std::chrono_literals;
using api::Verdict;
using sim::AnalysisRun;
using sim::CanarySpec;
using sim::DirectSpec;
using sim::Pause;
using sim::SetModel;
using sim::SetWeight;
using sim::Shadow;
using sim::World;

enum class Gate { kPromote, kPromoteFull, kAbort, kRetry };

const std::optional<api::GateRequest>& GateOf(const World& w, Gate g) {
  switch (g) {
    case Gate::kPromote: return w.md.status.gates.promote;
    case Gate::kPromoteFull: return w.md.status.gates.promote_full;
    case Gate::kAbort: return w.md.status.gates.abort;
    case Gate::kRetry: return w.md.status.gates.retry;
  }
  return w.md.status.gates.promote;
}

void Request(World* w, Gate g, const std::string& revision = "") {
  switch (g) {
    case Gate::kPromote: w->RequestPromote(revision); break;
    case Gate::kPromoteFull: w->RequestPromoteFull(revision); break;
    case Gate::kAbort: w->RequestAbort(revision); break;
    case Gate::kRetry: w->RequestRetry(revision); break;
  }
}

// The moments a gate can arrive at.
enum class Moment {
  kFirstDeploy,   // pods of the first revision not ready yet
  kHealthy,       // nothing in flight
  kSetWeight,     // canary waiting for its pods at a setWeight step
  kTimedPause,    // inside pause{5m}
  kManualPause,   // at pause{}
  kShadow,        // inside shadow
  kFinalRamp,     // every step done, waiting for analysis
  kInconclusive,  // paused by the inconclusive limit
  kAborted,       // Degraded after an abort
  kSpecPaused,    // spec.paused during a timed pause
};

struct Scene {
  World w;
  std::string v1, v2;
};

Scene Make(Moment m) {
  std::vector<api::CanaryStep> steps = {SetWeight(25), Pause(5min), SetWeight(50), Pause()};
  if (m == Moment::kShadow) steps = {Shadow(20, 5min), SetWeight(50)};
  if (m == Moment::kFinalRamp) steps = {SetWeight(50)};
  Scene s{World(CanarySpec(steps)), "", ""};
  World& w = s.w;
  w.md.spec.strategy.canary->analysis.inconclusive_limit = 1;
  if (m == Moment::kFirstDeploy) {
    w.pods_become_ready = false;
    w.Step();
    s.v1 = w.Revision();
    return s;
  }
  w.Settle();
  s.v1 = w.Revision();
  if (m == Moment::kHealthy) return s;
  api::ModelDeploymentSpec spec = w.md.spec;
  SetModel(&spec, "v2");
  w.Apply(spec);
  s.v2 = w.Revision();
  if (m == Moment::kSetWeight) {
    w.pods_become_ready = false;
    w.Step();
    return s;
  }
  w.Settle();
  if (m == Moment::kManualPause) {
    w.Advance(5min);
    w.analysis = AnalysisRun(s.v2, w.now, Verdict::kSuccessful);
    w.Settle();
  } else if (m == Moment::kInconclusive) {
    w.Advance(30s);
    w.analysis = AnalysisRun(s.v2, w.now, Verdict::kInconclusive);
    w.Settle();
  } else if (m == Moment::kAborted) {
    w.Advance(30s);
    w.analysis = AnalysisRun(s.v2, w.now, Verdict::kFailed);
    w.Settle();
  } else if (m == Moment::kSpecPaused) {
    w.md.spec.paused = true;
    w.Settle();
  }
  w.ClearEvents();
  return s;
}

// Every gate at every moment: accepted or rejected, and what it did.
TEST(Gates, EveryGateAtEveryMoment) {
  struct Case {
    Moment moment;
    Gate gate;
    bool accepted;
    const char* why;  // a fragment of the rejection
  };
  const Case cases[] = {
      {Moment::kFirstDeploy, Gate::kPromote, false, "nothing is stable yet"},
      {Moment::kFirstDeploy, Gate::kPromoteFull, false, "nothing is stable yet"},
      {Moment::kFirstDeploy, Gate::kAbort, false, "nothing is stable yet"},
      {Moment::kFirstDeploy, Gate::kRetry, false, "nothing was aborted"},
      {Moment::kHealthy, Gate::kPromote, false, "no canary is in flight"},
      {Moment::kHealthy, Gate::kPromoteFull, false, "no canary is in flight"},
      {Moment::kHealthy, Gate::kAbort, false, "no canary is in flight"},
      {Moment::kHealthy, Gate::kRetry, false, "nothing was aborted"},
      {Moment::kSetWeight, Gate::kPromote, false, "is not a pause"},
      {Moment::kSetWeight, Gate::kPromoteFull, true, ""},
      {Moment::kSetWeight, Gate::kAbort, true, ""},
      {Moment::kSetWeight, Gate::kRetry, false, "nothing was aborted"},
      {Moment::kTimedPause, Gate::kPromote, true, ""},
      {Moment::kTimedPause, Gate::kPromoteFull, true, ""},
      {Moment::kTimedPause, Gate::kAbort, true, ""},
      {Moment::kManualPause, Gate::kPromote, true, ""},
      {Moment::kManualPause, Gate::kAbort, true, ""},
      {Moment::kShadow, Gate::kPromote, true, ""},
      {Moment::kFinalRamp, Gate::kPromote, false, "every step is done"},
      {Moment::kFinalRamp, Gate::kPromoteFull, false, "every step is done"},
      {Moment::kInconclusive, Gate::kPromote, true, ""},
      {Moment::kAborted, Gate::kPromote, false, "no canary is in flight"},
      {Moment::kAborted, Gate::kAbort, false, "already aborted"},
      {Moment::kAborted, Gate::kRetry, true, ""},
      {Moment::kSpecPaused, Gate::kPromote, false, "spec.paused"},
      {Moment::kSpecPaused, Gate::kPromoteFull, false, "spec.paused"},
      {Moment::kSpecPaused, Gate::kAbort, true, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "moment " << static_cast<int>(c.moment) << " gate "
                                      << static_cast<int>(c.gate));
    Scene s = Make(c.moment);
    World& w = s.w;
    const api::ModelDeploymentStatus before = w.md.status;
    Request(&w, c.gate);
    w.Step();
    const std::optional<api::GateRequest>& g = GateOf(w, c.gate);
    ASSERT_TRUE(g.has_value());
    ASSERT_TRUE(g->acknowledged_at.has_value());
    EXPECT_EQ(*g->acknowledged_at, w.now);
    if (c.accepted) {
      EXPECT_EQ(g->result, api::kGateAccepted);
      EXPECT_TRUE(w.HasEvent(api::kEventReasonGateAcknowledged));
    } else {
      EXPECT_EQ(g->result.rfind(api::kGateRejectedPrefix, 0), 0u) << g->result;
      EXPECT_NE(g->result.find(c.why), std::string::npos) << g->result;
      EXPECT_TRUE(w.HasEvent(api::kEventReasonGateRejected));
      // A rejected gate changes nothing but its acknowledgement.
      api::ModelDeploymentStatus expect = before;
      api::ModelDeploymentStatus got = w.md.status;
      got.gates = expect.gates = {};
      got.conditions = expect.conditions = {};
      got.message = expect.message;
      got.replicas = expect.replicas;
      got.ready_replicas = expect.ready_replicas;
      EXPECT_EQ(got, expect);
    }
    // Acknowledged once: later decisions leave it alone and emit nothing about it.
    w.ClearEvents();
    const api::GateRequest acked = *g;
    w.Advance(1s);
    w.Step();
    EXPECT_EQ(*GateOf(w, c.gate), acked);
    EXPECT_FALSE(w.HasEvent(api::kEventReasonGateAcknowledged));
    EXPECT_FALSE(w.HasEvent(api::kEventReasonGateRejected));
  }
}

TEST(Gates, PromoteSkipsOnlyTheCurrentPause) {
  Scene s = Make(Moment::kTimedPause);
  ASSERT_EQ(s.w.md.status.current_step_index, 1);
  s.w.RequestPromote();
  s.w.Settle();
  EXPECT_EQ(s.w.md.status.current_step_index, 3) << "setWeight 50 done, at the manual gate";
  EXPECT_EQ(s.w.md.status.phase, api::Phase::kPaused);
}

TEST(Gates, PromoteFullSkipsAllStepsButNotTheAnalysis) {
  Scene s = Make(Moment::kTimedPause);
  s.w.RequestPromoteFull();
  s.w.Settle();
  EXPECT_EQ(s.w.md.status.current_step_index, 4);
  EXPECT_EQ(s.w.ReplicasOf(s.v2), 4);
  EXPECT_EQ(s.w.md.status.stable_revision, s.v1) << "no successful run yet";
  s.w.Advance(30s);
  s.w.analysis = AnalysisRun(s.v2, s.w.now, Verdict::kSuccessful);
  s.w.Settle();
  EXPECT_EQ(s.w.md.status.stable_revision, s.v2);
}

TEST(Gates, AbortByUser) {
  Scene s = Make(Moment::kManualPause);
  s.w.RequestAbort(s.v2);
  s.w.Settle();
  ASSERT_TRUE(s.w.md.status.abort.has_value());
  EXPECT_EQ(s.w.md.status.abort->reason, api::kReasonAbortedByUser);
  EXPECT_NE(s.w.md.status.abort->message.find("alice"), std::string::npos);
  EXPECT_EQ(s.w.last.serving_revisions, std::vector<std::string>{s.v1});
}

TEST(Gates, MeantForAnotherRevisionIsRejected) {
  Scene s = Make(Moment::kManualPause);
  s.w.RequestPromote("0000000000");
  s.w.Settle();
  EXPECT_NE(s.w.md.status.gates.promote->result.find("meant for revision 0000000000"),
            std::string::npos);
  EXPECT_EQ(s.w.md.status.phase, api::Phase::kPaused);
}

TEST(Gates, RetryAfterTheSpecMovedOnIsRejected) {
  Scene s = Make(Moment::kAborted);
  s.w.md.spec.paused = true;  // hold the new spec so the abort stays in place
  api::ModelDeploymentSpec spec = s.w.md.spec;
  SetModel(&spec, "v3");
  s.w.Apply(spec);
  s.w.RequestRetry();
  s.w.Settle();
  EXPECT_NE(s.w.md.status.gates.retry->result.find("the spec now asks for revision"),
            std::string::npos);
}

TEST(Gates, AbortAndPromoteTogetherAbortWins) {
  Scene s = Make(Moment::kManualPause);
  s.w.RequestPromote();
  s.w.RequestAbort();
  s.w.Settle();
  EXPECT_EQ(s.w.md.status.gates.abort->result, api::kGateAccepted);
  EXPECT_NE(s.w.md.status.gates.promote->result.find("Rejected"), std::string::npos);
  EXPECT_EQ(s.w.md.status.stable_revision, s.v1);
}

TEST(Gates, InvalidSpecRejectsEveryGate) {
  Scene s = Make(Moment::kManualPause);
  s.w.md.spec.replicas = -1;
  s.w.RequestPromote();
  s.w.RequestAbort();
  s.w.Settle();
  EXPECT_NE(s.w.md.status.gates.promote->result.find("the spec is invalid"), std::string::npos);
  EXPECT_NE(s.w.md.status.gates.abort->result.find("the spec is invalid"), std::string::npos);
}

TEST(Gates, AGateRequestedBeforeADecisionOfTheSameTickIsStillHonoured) {
  // A gate written between the controller's read and its status write is simply seen on
  // the next decision (level-based): nothing is lost.
  Scene s = Make(Moment::kManualPause);
  const Plan p = Decide(s.w.MakeInput());
  s.w.RequestPromote();  // arrives "during" that decision; the plan above did not see it
  s.w.Step();
  EXPECT_EQ(s.w.md.status.gates.promote->result, api::kGateAccepted);
  (void)p;
}

}  // namespace
}  // namespace skewgate::rollout

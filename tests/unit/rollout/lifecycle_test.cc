// The state machine off the happy path: new revisions during a canary, undo, the progress
// deadline, spec.paused, clock jumps, invalid specs, failing pods, deletion.
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
using sim::Pause;
using sim::Rollout;
using sim::SetModel;
using sim::SetWeight;
using sim::World;

// ---- new revisions during a canary
TEST(NewSpec, ReplacesTheCanaryStableUntouched) {
  Rollout r({SetWeight(50), Pause(10min)});
  const std::string v3 = r.To("v3");
  EXPECT_EQ(r.w.md.status.canary_revision, v3);
  EXPECT_EQ(r.w.md.status.stable_revision, r.v1);
  EXPECT_EQ(r.w.md.status.current_step_index, 1);
  EXPECT_EQ(r.w.ReplicasOf(v3), 2);
  EXPECT_EQ(r.w.ReplicasOf(r.v1), 2);
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 0);
  EXPECT_EQ(r.w.OutcomeOf(r.v2), api::RevisionOutcome::kSuperseded);
}

TEST(NewSpec, RapidSuccessiveAppliesWithoutSettling) {
  Rollout r({SetWeight(50), Pause(10min)});
  std::vector<std::string> revs;
  r.w.pods_become_ready = false;
  for (const char* v : {"v3", "v4", "v5", "v6"}) {
    api::ModelDeploymentSpec s = r.w.md.spec;
    SetModel(&s, v);
    r.w.Apply(s);
    revs.push_back(r.w.Revision());
    r.w.Step();  // one decision each, pods never get ready in between
    r.w.Advance(100ms);
  }
  EXPECT_EQ(r.w.md.status.canary_revision, revs.back());
  EXPECT_EQ(r.w.md.status.stable_revision, r.v1);
  EXPECT_EQ(r.w.ReplicasOf(r.v1), 2);
  for (size_t i = 0; i + 1 < revs.size(); ++i) {
    EXPECT_EQ(r.w.OutcomeOf(revs[i]), api::RevisionOutcome::kSuperseded);
    EXPECT_EQ(r.w.ReplicasOf(revs[i]), 0);
  }
  EXPECT_EQ(r.w.md.status.observed_generation, r.w.md.Generation());
  r.w.pods_become_ready = true;
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.current_step_index, 1);
}

TEST(NewSpec, ReplicaChangeDuringACanaryKeepsTheStep) {
  Rollout r({SetWeight(50), Pause(10min)});
  api::ModelDeploymentSpec s = r.w.md.spec;
  s.replicas = 10;
  r.w.Apply(s);
  r.w.Settle();
  EXPECT_EQ(r.w.Revision(), r.v2) << "replicas are not part of the revision";
  EXPECT_EQ(r.w.md.status.canary_revision, r.v2);
  EXPECT_EQ(r.w.md.status.current_step_index, 1);
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 5);
  EXPECT_EQ(r.w.ReplicasOf(r.v1), 5);
  EXPECT_EQ(r.w.md.status.observed_generation, r.w.md.Generation());
}

TEST(NewSpec, StepsEditedUnderARunningCanaryAreClamped) {
  Rollout r({SetWeight(10), SetWeight(20), Pause(), SetWeight(50)});
  ASSERT_EQ(r.w.md.status.current_step_index, 2);
  api::ModelDeploymentSpec s = r.w.md.spec;
  s.strategy.canary->steps = {SetWeight(30)};
  r.w.Apply(s);
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.current_step_index, 1) << "past the last step: the final ramp";
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 4);
}

// ---- undo
TEST(Undo, SpecBackAtStableDropsTheCanaryAtOnce) {
  Rollout r({SetWeight(50), Pause(10min)});
  r.To("v1");
  EXPECT_EQ(r.w.Revision(), r.v1);
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kHealthy);
  EXPECT_EQ(r.w.md.status.canary_revision, "");
  EXPECT_EQ(r.w.ReplicasOf(r.v1), 4);
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 0);
  EXPECT_EQ(r.w.OutcomeOf(r.v2), api::RevisionOutcome::kSuperseded);
  EXPECT_TRUE(r.w.HasEvent(api::kEventReasonRolledBack));
}

TEST(Undo, ToAnOlderRevisionIsACanaryOfThatExactRevision) {
  Rollout r({SetWeight(50)});
  r.Feed(Verdict::kSuccessful);
  ASSERT_EQ(r.w.md.status.stable_revision, r.v2);
  const std::string back = r.To("v1");
  EXPECT_EQ(back, r.v1) << "same content, same revision";
  EXPECT_EQ(r.w.md.status.canary_revision, r.v1);
  EXPECT_EQ(r.w.md.status.history.front().revision, r.v1);
  EXPECT_EQ(r.w.md.status.history.front().outcome, api::RevisionOutcome::kActive);
  EXPECT_EQ(r.w.ReplicasOf(r.v1), 4) << "its old ReplicaSet is reused: final ramp";
  r.Feed(Verdict::kSuccessful);
  EXPECT_EQ(r.w.md.status.stable_revision, r.v1);
  EXPECT_EQ(r.w.OutcomeOf(r.v2), api::RevisionOutcome::kPromoted);
}

TEST(Undo, ToStableAfterAnAbortClearsDegraded) {
  Rollout r({SetWeight(50), Pause(10min)});
  r.Feed(Verdict::kFailed);
  r.To("v1");
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kHealthy);
  EXPECT_FALSE(r.w.md.status.abort.has_value());
  EXPECT_EQ(r.w.ConditionStatus(api::kConditionDegraded), "False");
}

// ---- progress deadline
TEST(ProgressDeadline, DegradedThenRecovers) {
  World w(CanarySpec({SetWeight(50), Pause(10min)}));
  w.md.spec.progress_deadline_seconds = 60;
  w.Settle();
  api::ModelDeploymentSpec s = w.md.spec;
  SetModel(&s, "v2");
  w.Apply(s);
  w.pods_become_ready = false;
  w.Step();
  EXPECT_EQ(*w.last.requeue_after, 60s);
  w.Advance(60s);
  w.Step();
  EXPECT_EQ(w.md.status.phase, api::Phase::kDegraded);
  EXPECT_EQ(w.ConditionReason(api::kConditionDegraded), api::kReasonProgressDeadlineExceeded);
  EXPECT_EQ(w.md.status.canary_revision, w.Revision()) << "still trying, not aborted";
  EXPECT_EQ(w.CountEvents(api::kEventReasonProgressDeadlineExceeded), 1);
  w.Step();
  EXPECT_EQ(w.CountEvents(api::kEventReasonProgressDeadlineExceeded), 1) << "once";
  w.pods_become_ready = true;
  w.Step();
  w.Settle();
  EXPECT_EQ(w.md.status.phase, api::Phase::kProgressing);
  EXPECT_EQ(w.ConditionStatus(api::kConditionDegraded), "False");
}

TEST(ProgressDeadline, AbortsWhenAsked) {
  World w(CanarySpec({SetWeight(50), Pause(10min)}));
  w.md.spec.progress_deadline_seconds = 60;
  w.md.spec.progress_deadline_abort = true;
  w.Settle();
  const std::string v1 = w.Revision();
  api::ModelDeploymentSpec s = w.md.spec;
  SetModel(&s, "v2");
  w.Apply(s);
  w.pods_become_ready = false;
  w.Step();
  w.Advance(61s);
  w.Step();
  ASSERT_TRUE(w.md.status.abort.has_value());
  EXPECT_EQ(w.md.status.abort->reason, api::kReasonProgressDeadlineExceeded);
  EXPECT_EQ(w.last.serving_revisions, std::vector<std::string>{v1});
}

TEST(ProgressDeadline, WaitingForAnalysisAfterAPauseCounts) {
  World w(CanarySpec({SetWeight(50), Pause(5min)}));
  w.md.spec.progress_deadline_seconds = 120;
  w.Settle();
  api::ModelDeploymentSpec s = w.md.spec;
  SetModel(&s, "v2");
  w.Apply(s);
  w.Settle();
  w.Advance(5min + 119s);
  w.Settle();
  EXPECT_EQ(w.md.status.phase, api::Phase::kProgressing) << "the pause itself is not counted";
  w.Advance(1s);
  w.Settle();
  EXPECT_EQ(w.md.status.phase, api::Phase::kDegraded);
}

TEST(FirstDeployment, FailingPodsAndDeadlineAreDegradedWithoutAbort) {
  World w(CanarySpec({SetWeight(50)}));
  w.newest_pods_failing = Problem{api::kReasonModelDigestMismatch, "sha256 mismatch"};
  w.Step();
  EXPECT_EQ(w.md.status.phase, api::Phase::kDegraded);
  EXPECT_EQ(w.ConditionReason(api::kConditionDegraded), api::kReasonModelDigestMismatch);
  EXPECT_TRUE(w.HasEvent(api::kEventReasonModelDigestMismatch));
  EXPECT_FALSE(w.md.status.abort.has_value());
  w.newest_pods_failing.reset();
  w.pods_become_ready = false;
  w.Advance(600s);
  w.Step();
  EXPECT_EQ(w.ConditionReason(api::kConditionDegraded), api::kReasonProgressDeadlineExceeded);
}

// ---- spec.paused
TEST(SpecPaused, FreezesStepsAndTraffic) {
  Rollout r({SetWeight(20), Pause(5min), SetWeight(60)});
  api::ModelDeploymentSpec s = r.w.md.spec;
  s.paused = true;
  r.w.Apply(s);
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kPaused);
  EXPECT_EQ(r.w.ConditionReason(api::kConditionPaused), api::kReasonSpecPaused);
  const std::vector<ObservedReplicaSet> frozen = r.w.replica_sets;
  r.w.Advance(10min);
  r.Feed(Verdict::kSuccessful);
  EXPECT_EQ(r.w.md.status.current_step_index, 1) << "no advance while paused";
  EXPECT_EQ(r.w.replica_sets, frozen);
  EXPECT_EQ(r.w.ConditionStatus(api::kConditionReady), "False");
  // A new revision waits too.
  api::ModelDeploymentSpec s3 = r.w.md.spec;
  SetModel(&s3, "v3");
  r.w.Apply(s3);
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.canary_revision, r.v2);
  EXPECT_NE(r.w.md.status.message.find(r.w.Revision()), std::string::npos);
  // Unpausing resumes: v3 replaces v2.
  s3.paused = false;
  r.w.Apply(s3);
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.canary_revision, r.w.Revision());
  EXPECT_TRUE(r.w.HasEvent(api::kEventReasonResumed));
}

TEST(SpecPaused, UnpauseResumesAndRestartsTheDeadline) {
  Rollout r({SetWeight(20), Pause(5min), SetWeight(60)});
  api::ModelDeploymentSpec s = r.w.md.spec;
  s.paused = true;
  r.w.Apply(s);
  r.w.Settle();
  r.w.Advance(2h);  // far beyond progressDeadlineSeconds
  r.w.Settle();
  s.paused = false;
  r.w.Apply(s);
  r.w.pods_become_ready = false;
  r.Feed(Verdict::kSuccessful);
  EXPECT_EQ(r.w.md.status.current_step_index, 2);
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kProgressing) << r.w.md.status.message;
}

TEST(SpecPaused, FailuresStillAbort) {
  Rollout r({SetWeight(20), Pause(5min)});
  r.w.md.spec.paused = true;
  r.Feed(Verdict::kFailed);
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kDegraded);
}

// ---- clock jumps
TEST(Clock, BackwardsJumpRestartsTheStepTimerOnce) {
  Rollout r({SetWeight(20), Pause(5min)});
  const TimePoint started = *r.w.md.status.current_step_started_at;
  r.w.now = started - 1h;
  r.w.Settle();
  EXPECT_EQ(*r.w.md.status.current_step_started_at, r.w.now);
  EXPECT_EQ(*r.w.last.requeue_after, 5min) << "not 1h05m";
  const api::ModelDeploymentStatus st = r.w.md.status;
  r.w.Advance(1min);
  r.w.Settle();
  EXPECT_EQ(r.w.md.status, st) << "stable after the first correction";
  r.w.Advance(4min);
  r.Feed(Verdict::kSuccessful);
  EXPECT_EQ(r.w.md.status.stable_revision, r.v2);
}

TEST(Clock, ForwardJumpEndsThePauseButStillNeedsAnalysis) {
  Rollout r({SetWeight(20), Pause(5min)});
  r.w.Advance(48h);
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.current_step_index, 1);
  EXPECT_EQ(r.w.ConditionReason(api::kConditionProgressing), api::kReasonAnalysisRunning);
  r.Feed(Verdict::kSuccessful);
  EXPECT_EQ(r.w.md.status.stable_revision, r.v2);
}

TEST(Clock, AbortTimeInTheFutureIsClamped) {
  Rollout r({SetWeight(50), Pause(5min)});
  r.Feed(Verdict::kFailed);
  r.w.now -= 2h;
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.abort->time, r.w.now);
  EXPECT_EQ(*r.w.last.requeue_after, kAbortScaleDownDelay);
}

// ---- invalid spec and unusable references
TEST(InvalidSpec, NothingServingChanges) {
  Rollout r({SetWeight(50), Pause(5min)});
  const std::vector<ObservedReplicaSet> before = r.w.replica_sets;
  const std::vector<std::string> serving = r.w.last.serving_revisions;
  api::ModelDeploymentSpec s = r.w.md.spec;
  s.model.digest = "md5:nope";
  r.w.Apply(s);
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kDegraded);
  EXPECT_EQ(r.w.ConditionStatus(api::kConditionInvalidSpec), "True");
  EXPECT_EQ(r.w.ConditionReason(api::kConditionInvalidSpec), api::kReasonValidationFailed);
  EXPECT_EQ(r.w.ConditionStatus(api::kConditionStalled), "True");
  EXPECT_NE(r.w.md.status.message.find("spec.model.digest"), std::string::npos);
  EXPECT_EQ(r.w.md.status.observed_generation, r.w.md.Generation());
  EXPECT_EQ(r.w.replica_sets, before);
  EXPECT_EQ(r.w.last.serving_revisions, serving);
  EXPECT_TRUE(r.w.last.delete_revisions.empty());
  EXPECT_EQ(r.w.CountEvents(api::kEventReasonInvalidSpec), 1);
  EXPECT_FALSE(r.w.last.requeue_after.has_value()) << "no hot retry loop";
  r.w.Advance(1h);
  r.w.Settle();
  EXPECT_EQ(r.w.CountEvents(api::kEventReasonInvalidSpec), 1);
  // Fixed: the canary carries on where it was.
  r.To("v2");
  EXPECT_EQ(r.w.ConditionStatus(api::kConditionInvalidSpec), "False");
  EXPECT_EQ(r.w.md.status.canary_revision, r.v2);
  EXPECT_EQ(r.w.md.status.current_step_index, 1);
}

TEST(InvalidSpec, MissingBaselineIsAProblemOfTheSpec) {
  World w(CanarySpec({SetWeight(50)}));
  w.spec_problem = Problem{api::kReasonBaselineNotFound, "ConfigMap ml/fraud-baseline not found"};
  w.Settle();
  EXPECT_EQ(w.ConditionReason(api::kConditionInvalidSpec), api::kReasonBaselineNotFound);
  EXPECT_TRUE(w.replica_sets.empty()) << "nothing is created";
  EXPECT_TRUE(w.last.replica_sets.empty());
}

// ---- deletion
TEST(Deletion, MidRolloutChangesNothing) {
  Rollout r({SetWeight(50), Pause(5min)});
  r.w.md.metadata["deletionTimestamp"] = "2026-11-26T10:00:00Z";
  const Input in = r.w.MakeInput();
  r.w.Advance(1h);
  const Plan p = Decide(r.w.MakeInput());
  EXPECT_EQ(p.status, in.md.status);
  EXPECT_TRUE(p.events.empty());
  EXPECT_TRUE(p.delete_revisions.empty());
  for (const DesiredReplicaSet& rs : p.replica_sets) {
    EXPECT_EQ(rs.replicas, r.w.ReplicasOf(rs.revision));
  }
}

}  // namespace
}  // namespace skewgate::rollout

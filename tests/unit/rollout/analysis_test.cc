// Analysis verdicts and what they do to a canary (advance, pause, abort), and abort/retry.
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

// ---- analysis verdicts (table): what a sequence of runs does during a 10m pause
TEST(Analysis, VerdictSequences) {
  struct Case {
    const char* what;
    std::vector<Verdict> runs;
    int failure_limit, inconclusive_limit;
    api::Phase phase;
    const char* reason;  // of Degraded (aborted) or Paused; "" for neither
    int failed, inconclusive;
  };
  const Case cases[] = {
      {"one failure aborts with failureLimit 1",
       {Verdict::kFailed},
       1,
       3,
       api::Phase::kDegraded,
       api::kReasonAnalysisFailed,
       1,
       0},
      {"failureLimit 2 tolerates one",
       {Verdict::kFailed},
       2,
       3,
       api::Phase::kProgressing,
       "",
       1,
       0},
      {"failures need not be consecutive",
       {Verdict::kFailed, Verdict::kSuccessful, Verdict::kFailed},
       2,
       3,
       api::Phase::kDegraded,
       api::kReasonAnalysisFailed,
       2,
       0},
      {"inconclusive below the limit waits",
       {Verdict::kInconclusive, Verdict::kInconclusive},
       1,
       3,
       api::Phase::kProgressing,
       "",
       0,
       2},
      {"inconclusive limit pauses",
       {Verdict::kInconclusive, Verdict::kInconclusive, Verdict::kInconclusive},
       1,
       3,
       api::Phase::kPaused,
       api::kReasonInconclusiveLimit,
       0,
       3},
      {"a success resets the inconclusive streak",
       {Verdict::kInconclusive, Verdict::kInconclusive, Verdict::kSuccessful,
        Verdict::kInconclusive},
       1,
       3,
       api::Phase::kProgressing,
       "",
       0,
       1},
      {"a success after the inconclusive pause resumes",
       {Verdict::kInconclusive, Verdict::kInconclusive, Verdict::kSuccessful},
       1,
       2,
       api::Phase::kProgressing,
       "",
       0,
       0},
      {"a failure while paused for inconclusive still aborts",
       {Verdict::kInconclusive, Verdict::kFailed},
       1,
       1,
       api::Phase::kDegraded,
       api::kReasonAnalysisFailed,
       1,
       0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Rollout r({SetWeight(20), Pause(10min), SetWeight(50)}, c.failure_limit, c.inconclusive_limit);
    for (Verdict v : c.runs) r.Feed(v, {"amount"});
    EXPECT_EQ(r.w.md.status.phase, c.phase) << r.w.md.status.message;
    EXPECT_EQ(r.w.md.status.failed_runs, c.failed);
    EXPECT_EQ(r.w.md.status.consecutive_inconclusive_runs, c.inconclusive);
    const std::string reason = c.reason;
    if (c.phase == api::Phase::kDegraded) {
      EXPECT_EQ(r.w.ConditionReason(api::kConditionDegraded), reason);
    } else if (c.phase == api::Phase::kPaused) {
      EXPECT_EQ(r.w.ConditionReason(api::kConditionPaused), reason);
    } else {
      EXPECT_EQ(r.w.md.status.current_step_index, 1) << "never advanced by time alone";
    }
  }
}

TEST(Analysis, TheInconclusivePauseSaysWhyTheLastRunWas) {
  Rollout r({SetWeight(20), Pause(10min), SetWeight(50)}, 1, /*inconclusive_limit=*/2);
  for (int i = 0; i < 2; ++i) {
    r.w.Advance(30s);
    r.w.analysis = AnalysisRun(r.v2, r.w.now, Verdict::kInconclusive);
    r.w.analysis->message = "querying Prometheus at http://prom:9090/api/v1/query: refused";
    r.w.Settle();
  }
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kPaused);
  EXPECT_NE(r.w.md.status.message.find(
                "2 inconclusive analysis runs in a row; the last: querying Prometheus at "
                "http://prom:9090/api/v1/query: refused ("),
            std::string::npos)
      << r.w.md.status.message;
}

TEST(Analysis, SameRunIsCountedOnce) {
  Rollout r({SetWeight(20), Pause(10min)}, /*failure_limit=*/3);
  r.Feed(Verdict::kFailed);
  for (int i = 0; i < 5; ++i) {
    r.w.Advance(1s);
    r.w.Settle();  // the same run again
  }
  EXPECT_EQ(r.w.md.status.failed_runs, 1);
  EXPECT_EQ(r.w.CountEvents(api::kEventReasonAnalysisFailed), 1);
}

TEST(Analysis, RunsOfOtherRevisionsAndOldRunsAreIgnored) {
  Rollout r({SetWeight(20), Pause(10min)});
  r.w.analysis = AnalysisRun(r.v1, r.w.now + 1s, Verdict::kFailed);
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.failed_runs, 0);
  r.w.analysis = AnalysisRun(r.v2, r.w.now - 1h, Verdict::kFailed);  // before this attempt
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.failed_runs, 0);
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kProgressing);
}

TEST(Analysis, NothingIsPromotedWithoutASuccessfulRun) {
  Rollout r({SetWeight(50)}, 1, /*inconclusive_limit=*/100);
  for (int i = 0; i < 20; ++i) r.Feed(Verdict::kInconclusive);
  EXPECT_EQ(r.w.md.status.stable_revision, r.v1);
  EXPECT_EQ(r.w.ConditionReason(api::kConditionProgressing), api::kReasonAnalysisRunning);
  r.Feed(Verdict::kSuccessful);
  EXPECT_EQ(r.w.md.status.stable_revision, r.v2);
}

// ---- abort
TEST(Abort, OnFailedAnalysisTrafficBackAtOnceCanaryDrainsLater) {
  Rollout r({SetWeight(50), Pause(10min)});
  ASSERT_EQ(r.w.ReplicasOf(r.v2), 2);
  r.Feed(Verdict::kFailed, {"amount", "country"});
  const api::ModelDeploymentStatus& st = r.w.md.status;
  EXPECT_EQ(st.phase, api::Phase::kDegraded);
  ASSERT_TRUE(st.abort.has_value());
  EXPECT_EQ(st.abort->revision, r.v2);
  EXPECT_EQ(st.abort->reason, api::kReasonAnalysisFailed);
  EXPECT_EQ(st.abort->features, (std::vector<std::string>{"amount", "country"}));
  EXPECT_EQ(st.canary_revision, "");
  EXPECT_EQ(st.stable_revision, r.v1);
  EXPECT_EQ(r.w.last.serving_revisions, std::vector<std::string>{r.v1});
  EXPECT_EQ(r.w.ReplicasOf(r.v1), 4);
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 2) << "kept for the scale-down delay";
  EXPECT_EQ(*r.w.last.requeue_after, kAbortScaleDownDelay);
  EXPECT_EQ(r.w.OutcomeOf(r.v2), api::RevisionOutcome::kAborted);
  EXPECT_EQ(r.w.ConditionStatus(api::kConditionStalled), "True");
  EXPECT_EQ(r.w.ConditionStatus(api::kConditionReady), "False");
  EXPECT_EQ(r.w.CountEvents(api::kEventReasonAborted), 1);
  r.w.Advance(kAbortScaleDownDelay);
  r.w.Settle();
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 0);
  // Stays Degraded across resyncs, with no writes, until retry or a new spec.
  r.w.ClearEvents();
  r.w.Advance(1h);
  r.w.Settle();
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kDegraded);
  EXPECT_TRUE(r.w.events.empty());
}

// The delay is the controller's setting (--abort-scale-down-delay): the canary keeps its
// pods exactly that long after the abort, and 0 scales it down in the abort's own plan.
TEST(Abort, TheCanaryIsKeptForTheConfiguredScaleDownDelay) {
  Rollout r({SetWeight(50), Pause(10min)});
  r.w.abort_scale_down_delay = std::chrono::seconds(3);
  r.Feed(Verdict::kFailed);
  ASSERT_EQ(r.w.md.status.phase, api::Phase::kDegraded);
  const TimePoint aborted = r.w.md.status.abort->time;
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 2) << "kept for the scale-down delay";
  EXPECT_EQ(*r.w.last.requeue_after, std::chrono::seconds(3));
  r.w.Advance(std::chrono::seconds(2));
  r.w.Settle();
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 2) << "2 s of 3";
  EXPECT_EQ(*r.w.last.requeue_after, std::chrono::seconds(1));
  r.w.Advance(std::chrono::seconds(1));
  r.w.Settle();
  EXPECT_EQ(r.w.now - aborted, std::chrono::seconds(3));
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 0);
  EXPECT_EQ(r.w.ReplicasOf(r.v1), 4);

  Rollout at_once({SetWeight(50), Pause(10min)});
  at_once.w.abort_scale_down_delay = Duration::zero();
  at_once.Feed(Verdict::kFailed);
  EXPECT_EQ(at_once.w.md.status.phase, api::Phase::kDegraded);
  EXPECT_EQ(at_once.w.ReplicasOf(at_once.v2), 0);
  EXPECT_EQ(at_once.w.ReplicasOf(at_once.v1), 4);
}

TEST(Abort, DuringAManualPause) {
  Rollout r({SetWeight(20), Pause()});
  ASSERT_EQ(r.w.md.status.phase, api::Phase::kPaused);
  r.Feed(Verdict::kFailed);
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kDegraded);
  EXPECT_EQ(r.w.ConditionStatus(api::kConditionPaused), "False");
}

TEST(Abort, FailingPodsOfTheCanaryAbortAtOnce) {
  Rollout r({SetWeight(20), Pause(10min)});
  r.w.newest_pods_failing = Problem{api::kReasonModelDigestMismatch, "model digest mismatch"};
  r.w.Settle();
  ASSERT_TRUE(r.w.md.status.abort.has_value());
  EXPECT_EQ(r.w.md.status.abort->reason, api::kReasonModelDigestMismatch);
  EXPECT_EQ(r.w.ConditionReason(api::kConditionDegraded), api::kReasonModelDigestMismatch);
}

TEST(Retry, RerunsTheAbortedCanaryFromStepZero) {
  Rollout r({SetWeight(20), Pause(10min), SetWeight(60)}, /*failure_limit=*/1);
  r.Feed(Verdict::kFailed);
  ASSERT_EQ(r.w.md.status.phase, api::Phase::kDegraded);
  r.w.Advance(1min);
  r.w.RequestRetry();
  r.w.Settle();
  const api::ModelDeploymentStatus& st = r.w.md.status;
  EXPECT_EQ(st.canary_revision, r.v2);
  EXPECT_FALSE(st.abort.has_value());
  EXPECT_EQ(st.failed_runs, 0);
  EXPECT_EQ(st.current_step_index, 1);  // step 0 (setWeight) done at once, now pausing
  EXPECT_EQ(st.phase, api::Phase::kProgressing);
  EXPECT_EQ(st.gates.retry->result, api::kGateAccepted);
  EXPECT_EQ(r.w.OutcomeOf(r.v2), api::RevisionOutcome::kActive);
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 1);
  // The failed run of the first attempt is not counted again.
  EXPECT_EQ(st.last_analysis->verdict, Verdict::kFailed);
  r.w.Advance(10min);
  r.Feed(Verdict::kSuccessful);
  EXPECT_EQ(r.w.md.status.stable_revision, r.v2);
}

TEST(NewSpec, AfterAnAbortStartsANewCanary) {
  Rollout r({SetWeight(20), Pause(10min)});
  r.Feed(Verdict::kFailed);
  const std::string v3 = r.To("v3");
  EXPECT_EQ(r.w.md.status.canary_revision, v3);
  EXPECT_FALSE(r.w.md.status.abort.has_value());
  EXPECT_EQ(r.w.md.status.phase, api::Phase::kProgressing);
  EXPECT_EQ(r.w.ReplicasOf(r.v2), 0);
  EXPECT_EQ(r.w.OutcomeOf(r.v2), api::RevisionOutcome::kAborted);
}

}  // namespace
}  // namespace skewgate::rollout

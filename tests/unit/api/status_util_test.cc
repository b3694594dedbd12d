#include "api/status_util.h"

#include <gtest/gtest.h>

#include "api/conditions.h"

namespace skewgate::api {
namespace {

const TimePoint kT0 = FromUnixSeconds(1795687200);
const TimePoint kT1 = FromUnixSeconds(1795687260);

Condition Ready(const char* status, const char* reason, int64_t gen = 1) {
  return {kConditionReady, status, reason, "msg", gen, {}};
}

TEST(SetCondition, AddsWithTransitionTimeNow) {
  ModelDeploymentStatus st;
  EXPECT_TRUE(SetCondition(&st, Ready(kConditionFalse, kReasonRolloutInProgress), kT0));
  ASSERT_NE(FindCondition(st, kConditionReady), nullptr);
  EXPECT_EQ(FindCondition(st, kConditionReady)->last_transition_time, kT0);
  EXPECT_FALSE(IsConditionTrue(st, kConditionReady));
  EXPECT_EQ(FindCondition(st, kConditionPaused), nullptr);
}

TEST(SetCondition, KeepsTransitionTimeWhenStatusDoesNotFlip) {
  ModelDeploymentStatus st;
  ASSERT_TRUE(SetCondition(&st, Ready(kConditionFalse, kReasonRolloutInProgress), kT0));
  // Same everything: no change, so no status write is needed.
  EXPECT_FALSE(SetCondition(&st, Ready(kConditionFalse, kReasonRolloutInProgress), kT1));
  // New reason, same status: a change, but the transition time stays.
  EXPECT_TRUE(SetCondition(&st, Ready(kConditionFalse, kReasonAnalysisFailed), kT1));
  EXPECT_EQ(st.conditions[0].last_transition_time, kT0);
  EXPECT_EQ(st.conditions[0].reason, kReasonAnalysisFailed);
  // Flip: the transition time moves.
  EXPECT_TRUE(SetCondition(&st, Ready(kConditionTrue, kReasonRolloutComplete), kT1));
  EXPECT_EQ(st.conditions[0].last_transition_time, kT1);
  EXPECT_TRUE(IsConditionTrue(st, kConditionReady));
  EXPECT_EQ(st.conditions.size(), 1u);
}

TEST(RemoveCondition, RemovesOnlyThatType) {
  ModelDeploymentStatus st;
  (void)SetCondition(&st, Ready(kConditionTrue, kReasonRolloutComplete), kT0);
  (void)SetCondition(&st, {kConditionPaused, kConditionFalse, kReasonNotPaused, "", 1, {}}, kT0);
  EXPECT_TRUE(RemoveCondition(&st, kConditionReady));
  EXPECT_FALSE(RemoveCondition(&st, kConditionReady));
  ASSERT_EQ(st.conditions.size(), 1u);
  EXPECT_EQ(st.conditions[0].type, kConditionPaused);
}

TEST(ComputeKStatus, FollowsTheKstatusRules) {
  ModelDeploymentStatus st;
  EXPECT_EQ(ComputeKStatus(st, 1), KStatus::kInProgress);  // never observed
  st.observed_generation = 1;
  EXPECT_EQ(ComputeKStatus(st, 1), KStatus::kCurrent);
  EXPECT_EQ(ComputeKStatus(st, 2), KStatus::kInProgress);  // a newer spec is not seen yet
  (void)SetCondition(&st, {kConditionStalled, kConditionTrue, kReasonAnalysisFailed, "", 1, {}},
                     kT0);
  EXPECT_EQ(ComputeKStatus(st, 1), KStatus::kFailed);
  (void)SetCondition(&st, {kConditionReconciling, kConditionTrue, kReasonNewRevision, "", 1, {}},
                     kT0);
  EXPECT_EQ(ComputeKStatus(st, 1), KStatus::kInProgress);
}

}  // namespace
}  // namespace skewgate::api

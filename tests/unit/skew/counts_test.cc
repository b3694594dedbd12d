#include "skew/counts.h"

#include <gtest/gtest.h>

#include "test_baselines.h"

namespace skewgate::skew {
namespace {

using testing::CountsFor;
using testing::TwoFeatureBaseline;

TEST(Counts, NewCountsHasEveryFeatureAtZero) {
  Baseline b = TwoFeatureBaseline();
  Counts c = NewCounts(b);
  EXPECT_EQ(c.baseline_hash, b.hash);
  EXPECT_EQ(c.features.at("amount").size(), 6u);
  EXPECT_EQ(c.features.at("country").size(), 4u);
  EXPECT_EQ(c.Total("amount"), 0u);
  EXPECT_TRUE(CheckCountsMatch(b, c).ok());
}

TEST(Counts, AddMergesBucketwise) {
  Baseline b = TwoFeatureBaseline();
  Counts a = CountsFor(b, {{"amount", {1, 2, 3, 4, 5, 6}}});
  Counts x = CountsFor(b, {{"amount", {10, 0, 0, 0, 0, 1}}, {"country", {1, 1, 1, 1}}});
  ASSERT_TRUE(AddCounts(a, x).ok());
  EXPECT_EQ(a.features.at("amount"), (std::vector<uint64_t>{11, 2, 3, 4, 5, 7}));
  EXPECT_EQ(a.Total("country"), 4u);
}

TEST(Counts, AddIsAssociativeAndCommutative) {
  Baseline b = TwoFeatureBaseline();
  Counts x = CountsFor(b, {{"amount", {1, 0, 3, 0, 0, 2}}});
  Counts y = CountsFor(b, {{"amount", {0, 5, 0, 1, 1, 0}}, {"country", {2, 0, 0, 1}}});
  Counts z = CountsFor(b, {{"country", {7, 7, 0, 0}}});
  Counts left = x;
  ASSERT_TRUE(AddCounts(left, y).ok());
  ASSERT_TRUE(AddCounts(left, z).ok());
  Counts yz = y;
  ASSERT_TRUE(AddCounts(yz, z).ok());
  Counts right = x;
  ASSERT_TRUE(AddCounts(right, yz).ok());
  EXPECT_EQ(left.features, right.features);
  Counts zyx = z;
  ASSERT_TRUE(AddCounts(zyx, y).ok());
  ASSERT_TRUE(AddCounts(zyx, x).ok());
  EXPECT_EQ(left.features, zyx.features);
}

TEST(Counts, ForeignHashIsRefusedAndLeavesTheTargetUnchanged) {
  Baseline b = TwoFeatureBaseline();
  Counts a = CountsFor(b, {{"amount", {1, 1, 1, 1, 1, 1}}});
  Counts foreign = a;
  foreign.baseline_hash = "sha256:0000";
  const Counts before = a;
  Status s = AddCounts(a, foreign);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("sha256:0000"), std::string::npos);
  EXPECT_EQ(a.features, before.features);
  EXPECT_FALSE(SubtractCounts(foreign, a).ok());
  EXPECT_FALSE(CheckCountsMatch(b, foreign).ok());
}

TEST(Counts, BucketCountMismatchIsRefused) {
  Baseline b = TwoFeatureBaseline();
  Counts a = NewCounts(b);
  Counts bad = NewCounts(b);
  bad.features["amount"].push_back(1);
  EXPECT_FALSE(AddCounts(a, bad).ok());
  EXPECT_FALSE(CheckCountsMatch(b, bad).ok());
  Counts unknown = NewCounts(b);
  unknown.features["zip"] = {1};
  EXPECT_FALSE(CheckCountsMatch(b, unknown).ok());
}

TEST(Counts, SubtractGivesTheWindowDelta) {
  Baseline b = TwoFeatureBaseline();
  Counts prev = CountsFor(b, {{"amount", {1, 2, 3, 4, 5, 6}}});
  prev.start_id = "pod-a/1";
  Counts cur = CountsFor(b, {{"amount", {2, 2, 5, 4, 9, 6}}, {"country", {1, 0, 0, 0}}});
  cur.start_id = "pod-a/1";
  CountsDelta d = SubtractCounts(cur, prev).value();
  EXPECT_FALSE(d.reset);
  EXPECT_EQ(d.delta.features.at("amount"), (std::vector<uint64_t>{1, 0, 2, 0, 4, 0}));
  EXPECT_EQ(d.delta.features.at("country"), (std::vector<uint64_t>{1, 0, 0, 0}));
}

TEST(Counts, SubtractDetectsResets) {
  Baseline b = TwoFeatureBaseline();
  Counts prev = CountsFor(b, {{"amount", {10, 10, 10, 10, 0, 0}}});
  prev.start_id = "pod-a/1";
  // The same process but a counter went down: a reset.
  Counts down = CountsFor(b, {{"amount", {3, 10, 10, 10, 0, 0}}});
  down.start_id = "pod-a/1";
  CountsDelta d1 = SubtractCounts(down, prev).value();
  EXPECT_TRUE(d1.reset);
  EXPECT_NE(d1.reset_reason.find("went down"), std::string::npos);
  EXPECT_EQ(d1.delta.features.at("amount"), down.features.at("amount"));
  // A new start id: a reset even when every counter grew.
  Counts restarted = CountsFor(b, {{"amount", {20, 20, 20, 20, 0, 0}}});
  restarted.start_id = "pod-a/2";
  CountsDelta d2 = SubtractCounts(restarted, prev).value();
  EXPECT_TRUE(d2.reset);
  EXPECT_EQ(d2.delta.features.at("amount"), restarted.features.at("amount"));
}

TEST(Counts, JsonRoundTrip) {
  Baseline b = TwoFeatureBaseline();
  Counts c = CountsFor(b, {{"amount", {1, 2, 3, 4, 5, 18446744073709551615ull}}});
  c.start_id = "abc";
  StatusOr<Counts> back = CountsFromJson(CountsToJson(c));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->baseline_hash, c.baseline_hash);
  EXPECT_EQ(back->start_id, "abc");
  EXPECT_EQ(back->features, c.features);
}

TEST(Counts, BadJsonNamesTheField) {
  auto r = CountsFromJson(R"({"baselineHash":"sha256:1","features":{"amount":[1,-2]}})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("counts.features.amount[1]"), std::string::npos)
      << r.status().message();
  auto r2 = CountsFromJson(R"({"features":{}})");
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("baselineHash"), std::string::npos);
  auto r3 = CountsFromJson(R"({"baselineHash":"sha256:1","features":{"a":[1,2)");
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace skewgate::skew

#include "analysis/window.h"

#include <gtest/gtest.h>

#include "unit/analysis/test_baseline.h"

namespace skewgate::analysis {
namespace {

using testing::CountryBaseline;
using testing::CountryCounts;
using namespace std::chrono_literals;

class RevisionWindowTest : public ::testing::Test {
 protected:
  skew::Baseline b_ = CountryBaseline();
  TimePoint start_ = FromUnixSeconds(1000);
  TimePoint before_ = start_ - 60s;
  TimePoint after_ = start_ + 5s;

  std::vector<uint64_t> Merged(const RevisionWindow& w) {
    auto m = w.Merged();
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? m->features.at("country") : std::vector<uint64_t>{};
  }
};

TEST_F(RevisionWindowTest, PodOlderThanTheWindowCountsOnlyIncreasesAfterItsAnchor) {
  RevisionWindow w(start_, b_.hash);
  ASSERT_TRUE(w.Observe({"pod-a", before_, CountryCounts(b_.hash, "s1", 100, 50)}).ok());
  EXPECT_EQ(Merged(w), (std::vector<uint64_t>{0, 0, 0, 0}));
  ASSERT_TRUE(w.Observe({"pod-a", before_, CountryCounts(b_.hash, "s1", 130, 60)}).ok());
  EXPECT_EQ(Merged(w), (std::vector<uint64_t>{30, 10, 0, 0}));
}

TEST_F(RevisionWindowTest, PodCreatedInsideTheWindowCountsFromZero) {
  RevisionWindow w(start_, b_.hash);
  ASSERT_TRUE(w.Observe({"pod-b", after_, CountryCounts(b_.hash, "s1", 7, 3)}).ok());
  EXPECT_EQ(Merged(w), (std::vector<uint64_t>{7, 3, 0, 0}));
}

TEST_F(RevisionWindowTest, CounterResetKeepsWhatWasCountedAndAddsWhatCameAfter) {
  RevisionWindow w(start_, b_.hash);
  ASSERT_TRUE(w.Observe({"pod-a", before_, CountryCounts(b_.hash, "s1", 100, 100)}).ok());
  ASSERT_TRUE(w.Observe({"pod-a", before_, CountryCounts(b_.hash, "s1", 120, 110)}).ok());
  // The sidecar restarted (new start id): 5/4 since the restart.
  ASSERT_TRUE(w.Observe({"pod-a", before_, CountryCounts(b_.hash, "s2", 5, 4)}).ok());
  ASSERT_TRUE(w.Observe({"pod-a", before_, CountryCounts(b_.hash, "s2", 8, 4, 1)}).ok());
  EXPECT_EQ(Merged(w), (std::vector<uint64_t>{20 + 8, 10 + 4, 1, 0}));
  EXPECT_EQ(w.resets_seen(), 1);
}

TEST_F(RevisionWindowTest, ABucketGoingDownIsAResetEvenWithTheSameStartId) {
  RevisionWindow w(start_, b_.hash);
  ASSERT_TRUE(w.Observe({"pod-a", after_, CountryCounts(b_.hash, "s1", 50, 50)}).ok());
  ASSERT_TRUE(w.Observe({"pod-a", after_, CountryCounts(b_.hash, "s1", 2, 60)}).ok());
  EXPECT_EQ(Merged(w), (std::vector<uint64_t>{52, 110, 0, 0}));
}

TEST_F(RevisionWindowTest, PodsThatWentAwayKeepTheirContribution) {
  RevisionWindow w(start_, b_.hash);
  ASSERT_TRUE(w.Observe({"pod-a", after_, CountryCounts(b_.hash, "s1", 10, 0)}).ok());
  ASSERT_TRUE(w.Observe({"pod-b", after_, CountryCounts(b_.hash, "s9", 0, 5)}).ok());
  // pod-a is gone from later scrapes; pod-b keeps counting.
  ASSERT_TRUE(w.Observe({"pod-b", after_, CountryCounts(b_.hash, "s9", 1, 9)}).ok());
  EXPECT_EQ(Merged(w), (std::vector<uint64_t>{11, 9, 0, 0}));
  EXPECT_EQ(w.pods_observed(), 2);
}

TEST_F(RevisionWindowTest, ForeignBaselineIsRefusedAndChangesNothing) {
  RevisionWindow w(start_, b_.hash);
  ASSERT_TRUE(w.Observe({"pod-a", after_, CountryCounts(b_.hash, "s1", 10, 0)}).ok());
  Status s = w.Observe({"pod-b", after_, CountryCounts("sha256:other", "s1", 99, 99)});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("sha256:other"), std::string::npos);
  EXPECT_EQ(Merged(w), (std::vector<uint64_t>{10, 0, 0, 0}));
}

}  // namespace
}  // namespace skewgate::analysis

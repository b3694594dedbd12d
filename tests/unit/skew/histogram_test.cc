// CompactHistogram: shares per bucket on the baseline's buckets, numeric order kept and
// merged evenly past the row limit, categorical largest first with the rest folded.
#include "skew/histogram.h"

#include <gtest/gtest.h>

#include "unit/skew/test_baselines.h"

namespace skewgate::skew {
namespace {

using testing::TwoFeatureBaseline;

TEST(CompactHistogramTest, NumericKeepsValueOrderAndShowsNanOnlyWhenSeen) {
  Baseline b = TwoFeatureBaseline();
  // Live: 10 < 1, 30 in [2, 3), 10 NaN; nothing in [1, 2) or >= 3; no missing.
  auto rows = CompactHistogram(b.features[0], {10, 0, 30, 0, 10, 0}, 24);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], (HistogramRow{"< 1", 0.25, 0.2}));
  EXPECT_EQ(rows[1], (HistogramRow{"[1, 2)", 0.25, 0.0}));
  EXPECT_EQ(rows[2], (HistogramRow{"[2, 3)", 0.25, 0.6}));
  EXPECT_EQ(rows[3], (HistogramRow{">= 3", 0.25, 0.0}));
  EXPECT_EQ(rows[4], (HistogramRow{"NaN", 0.0, 0.2}));
}

TEST(CompactHistogramTest, NumericMergesAdjacentBucketsPastTheLimit) {
  Baseline b = TwoFeatureBaseline();
  // Four value buckets in three rows: pairs, labelled by the span they cover.
  auto rows = CompactHistogram(b.features[0], {1, 1, 0, 2, 0, 0}, 3);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (HistogramRow{"< 2", 0.5, 0.5}));
  EXPECT_EQ(rows[1], (HistogramRow{">= 2", 0.5, 0.5}));
  // A point cut closes the span on its side.
  FeatureBaseline f = b.features[0];
  f.numeric.cuts = {1, 2, 3, 4, 5};
  f.numeric.point = {false, true, false, false, false};
  f.counts = std::vector<uint64_t>(static_cast<size_t>(f.BucketCount()), 1);
  f.counts[f.numeric.NanBucket()] = 0;
  f.counts[f.numeric.MissingBucket()] = 0;
  // Buckets: <1, [1,2), {2}, (2,3), [3,4), [4,5), >=5 — seven in three rows of three.
  rows = CompactHistogram(f, {}, 3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].bucket, "<= 2");
  EXPECT_EQ(rows[1].bucket, "(2, 5)");
  EXPECT_EQ(rows[2].bucket, ">= 5");
  EXPECT_DOUBLE_EQ(rows[0].baseline, 3.0 / 7);
  EXPECT_EQ(rows[0].live, 0.0) << "no live values: shares are 0, not NaN";
}

TEST(CompactHistogramTest, CategoricalLargestFirstAndTheRestFolded) {
  Baseline b = TwoFeatureBaseline();
  // Live: US 10, FR 20, other 70.
  auto rows = CompactHistogram(b.features[1], {10, 20, 70, 0}, 24);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (HistogramRow{"(other)", 0.0, 0.7}));
  EXPECT_EQ(rows[1], (HistogramRow{"US", 0.6, 0.1}));
  EXPECT_EQ(rows[2], (HistogramRow{"FR", 0.4, 0.2}));

  FeatureBaseline many = b.features[1];
  many.categorical.labels.clear();
  many.counts.clear();
  for (int i = 0; i < 30; ++i) {
    many.categorical.labels.push_back("c" + std::to_string(i));
    many.counts.push_back(static_cast<uint64_t>(100 - i));
  }
  many.counts.push_back(0);
  many.counts.push_back(0);
  rows = CompactHistogram(many, {}, 10);
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows[0].bucket, "c0");
  EXPECT_EQ(rows[8].bucket, "c8");
  EXPECT_EQ(rows[9].bucket, "(21 more)");
  double total = 0;
  for (const auto& r : rows) total += r.baseline;
  EXPECT_NEAR(total, 1.0, 1e-12) << "folding keeps every value";
}

}  // namespace
}  // namespace skewgate::skew

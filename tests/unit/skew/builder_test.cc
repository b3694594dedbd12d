#include "skew/builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace skewgate::skew {
namespace {

TEST(Quantile, LinearDefinitionLikeNumpy) {
  std::vector<double> x = {1, 2, 3, 4};
  EXPECT_EQ(QuantileLinear(x, 0), 1);
  EXPECT_EQ(QuantileLinear(x, 1), 4);
  EXPECT_DOUBLE_EQ(QuantileLinear(x, 0.5), 2.5);    // h = 1.5
  EXPECT_DOUBLE_EQ(QuantileLinear(x, 0.25), 1.75);  // h = 0.75
  std::vector<double> one = {7};
  EXPECT_EQ(QuantileLinear(one, 0.3), 7);
}

TEST(CutsFromQuantiles, DuplicatesCollapseIntoPointCuts) {
  std::vector<double> q = {0, 0, 0, 1, 2, 2, 3};
  NumericBins b = CutsFromQuantiles(q);
  EXPECT_EQ(b.cuts, (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(b.point, (std::vector<bool>{true, false, true, false}));
}

std::vector<ColumnSpec> OneNumeric() { return {{"x", FeatureKind::kNumeric}}; }

TEST(Builder, EqualProbabilityBinsFromExactQuantiles) {
  std::vector<double> values(1000);
  for (int i = 0; i < 1000; ++i) values[i] = i;
  std::shuffle(values.begin(), values.end(), std::mt19937(1));
  BuilderOptions o;
  o.bins = 4;
  o.summary_quantiles = {0.5};
  BaselineBuilder b(OneNumeric(), o, nullptr);
  for (double v : values) {
    b.AddNumber(0, v);
    b.EndRow();
  }
  b.AddMissing(0);
  Baseline base = b.Finish().value();
  const FeatureBaseline& f = base.features[0];
  // (n-1) p = 249.75, 499.5, 749.25 on 0..999.
  EXPECT_EQ(f.numeric.cuts, (std::vector<double>{249.75, 499.5, 749.25}));
  EXPECT_EQ(f.counts, (std::vector<uint64_t>{250, 250, 250, 250, 0, 1}));
  EXPECT_EQ(f.numeric_stats.count, 1000u);
  EXPECT_EQ(f.numeric_stats.missing, 1u);
  EXPECT_DOUBLE_EQ(*f.numeric_stats.mean, 499.5);
  EXPECT_NEAR(*f.numeric_stats.std, std::sqrt((1000.0 * 1000 - 1) / 12), 1e-9);
  EXPECT_EQ(*f.numeric_stats.min, 0);
  EXPECT_EQ(*f.numeric_stats.max, 999);
  ASSERT_EQ(f.numeric_stats.quantiles.size(), 1u);
  EXPECT_EQ(f.numeric_stats.quantiles[0].second, 499.5);
  EXPECT_EQ(base.rows, 1000u);
  EXPECT_EQ(base.hash, ComputeBaselineHash(base));
}

TEST(Builder, MassPointGetsItsOwnBucket) {
  BuilderOptions o;
  o.bins = 10;
  BaselineBuilder b(OneNumeric(), o, nullptr);
  for (int i = 0; i < 600; ++i) b.AddNumber(0, 0.0);  // 60% zeros
  for (int i = 1; i <= 400; ++i) b.AddNumber(0, i);
  Baseline base = b.Finish().value();
  const FeatureBaseline& f = base.features[0];
  ASSERT_FALSE(f.numeric.cuts.empty());
  EXPECT_EQ(f.numeric.cuts[0], 0);
  EXPECT_TRUE(f.numeric.point[0]);
  EXPECT_EQ(f.counts[0], 0u);    // < 0
  EXPECT_EQ(f.counts[1], 600u);  // {0}
  uint64_t total = 0;
  for (uint64_t c : f.counts) total += c;
  EXPECT_EQ(total, 1000u);
}

TEST(Builder, SpillingGivesTheSameBaselineAsMemory) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> heavy(0, 2);
  std::normal_distribution<double> normal(5, 1);
  std::vector<ColumnSpec> cols = {{"a", FeatureKind::kNumeric}, {"b", FeatureKind::kNumeric}};
  BuilderOptions big;
  big.memory_budget_bytes = 64 << 20;
  BuilderOptions small = big;
  small.memory_budget_bytes = 16 * 1024;  // 2048 values in memory across both columns
  InMemoryRunStore store;
  BaselineBuilder in_memory(cols, big, nullptr);
  BaselineBuilder spilling(cols, small, &store);
  for (int i = 0; i < 50'000; ++i) {
    const double a = std::round(heavy(rng) * 100) / 100;  // heavy tail with ties
    const double b = normal(rng);
    for (BaselineBuilder* x : {&in_memory, &spilling}) {
      x->AddNumber(0, a);
      if (i % 7 == 0) {
        x->AddMissing(1);
      } else {
        x->AddNumber(1, b);
      }
      x->EndRow();
    }
  }
  EXPECT_GT(spilling.spilled_runs(), 20u);
  EXPECT_LE(spilling.buffered_bytes(), small.memory_budget_bytes);
  Baseline m = in_memory.Finish().value();
  Baseline s = spilling.Finish().value();
  EXPECT_EQ(SerializeBaseline(m), SerializeBaseline(s));
}

TEST(Builder, OverBudgetWithoutStoreIsAnError) {
  BuilderOptions o;
  o.memory_budget_bytes = 8 * 1024;
  BaselineBuilder b(OneNumeric(), o, nullptr);
  for (int i = 0; i < 2000; ++i) b.AddNumber(0, i);
  StatusOr<Baseline> r = b.Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST(Builder, CategoricalTopKWithOovAndMissing) {
  BuilderOptions o;
  o.top_k = 2;
  BaselineBuilder b({{"c", FeatureKind::kCategorical}}, o, nullptr);
  for (int i = 0; i < 5; ++i) b.AddLabel(0, "US");
  for (int i = 0; i < 3; ++i) b.AddLabel(0, "FR");
  for (int i = 0; i < 3; ++i) b.AddLabel(0, "DE");  // ties FR: DE sorts first
  b.AddLabel(0, "IT");
  b.AddMissing(0);
  Baseline base = b.Finish().value();
  const FeatureBaseline& f = base.features[0];
  EXPECT_EQ(f.categorical.labels, (std::vector<std::string>{"US", "DE"}));
  EXPECT_EQ(f.counts, (std::vector<uint64_t>{5, 3, 4, 1}));  // US, DE, other(FR+IT), missing
  EXPECT_EQ(f.categorical_stats.distinct, 4u);
  EXPECT_EQ(f.categorical_stats.count, 12u);
}

TEST(Builder, TooManyDistinctLabelsSuggestsIgnore) {
  BuilderOptions o;
  o.max_distinct_labels = 100;
  BaselineBuilder b({{"user_id", FeatureKind::kCategorical}}, o, nullptr);
  for (int i = 0; i < 200; ++i) b.AddLabel(0, "u" + std::to_string(i));
  StatusOr<Baseline> r = b.Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--ignore user_id"), std::string::npos);
}

TEST(Builder, OnlyNanColumnAndInfinitiesAreCountedNotDropped) {
  const double inf = std::numeric_limits<double>::infinity();
  BaselineBuilder b({{"nan", FeatureKind::kNumeric}, {"inf", FeatureKind::kNumeric}},
                    BuilderOptions{}, nullptr);
  for (int i = 0; i < 10; ++i) {
    b.AddNumber(0, std::nan(""));
    b.AddNumber(1, i);
  }
  b.AddNumber(1, inf);
  b.AddNumber(1, -inf);
  Baseline base = b.Finish().value();
  const FeatureBaseline& n = base.features[0];
  EXPECT_TRUE(n.numeric.cuts.empty());
  EXPECT_EQ(n.counts, (std::vector<uint64_t>{0, 10, 0}));  // all, NaN, missing
  EXPECT_FALSE(n.numeric_stats.mean.has_value());
  const FeatureBaseline& x = base.features[1];
  EXPECT_EQ(x.numeric_stats.count, 10u);
  EXPECT_EQ(x.numeric_stats.pos_inf, 1u);
  EXPECT_EQ(x.numeric_stats.neg_inf, 1u);
  EXPECT_EQ(*x.numeric_stats.max, 9);                         // infinities stay out of the stats
  EXPECT_EQ(x.counts.front(), 2u);                            // 0 and -inf
  EXPECT_EQ(x.counts[x.numeric.ValueBucketCount() - 1], 2u);  // 9 and +inf
  EXPECT_TRUE(ParseBaseline(SerializeBaseline(base)).ok());
}

TEST(Builder, EqualWidthStrategy) {
  BuilderOptions o;
  o.bins = 4;
  o.strategy = BinStrategy::kEqualWidth;
  BaselineBuilder b(OneNumeric(), o, nullptr);
  for (double v : {0.0, 1.0, 2.0, 3.0, 8.0}) b.AddNumber(0, v);
  Baseline base = b.Finish().value();
  EXPECT_EQ(base.features[0].numeric.cuts, (std::vector<double>{2, 4, 6}));
  EXPECT_EQ(base.features[0].counts, (std::vector<uint64_t>{2, 2, 0, 1, 0, 0}));
  EXPECT_EQ(base.strategy, BinStrategy::kEqualWidth);
}

TEST(Builder, ConstantColumnIsOnePointBucket) {
  BaselineBuilder b(OneNumeric(), BuilderOptions{}, nullptr);
  for (int i = 0; i < 100; ++i) b.AddNumber(0, 3.5);
  Baseline base = b.Finish().value();
  EXPECT_EQ(base.features[0].numeric.cuts, (std::vector<double>{3.5}));
  EXPECT_EQ(base.features[0].counts, (std::vector<uint64_t>{0, 100, 0, 0, 0}));
}

TEST(Builder, OptionsAreValidated) {
  BuilderOptions o;
  o.bins = 0;
  EXPECT_FALSE(ValidateBuilderOptions(o).ok());
  o.bins = 20;
  o.top_k = 1001;
  EXPECT_FALSE(ValidateBuilderOptions(o).ok());
  BaselineBuilder b(OneNumeric(), o, nullptr);
  EXPECT_FALSE(b.Finish().ok());
}

}  // namespace
}  // namespace skewgate::skew

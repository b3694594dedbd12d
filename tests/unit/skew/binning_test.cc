#include "skew/binning.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_baselines.h"

namespace skewgate::skew {
namespace {

FeatureBaseline NumericWithPoint() {
  // cuts 0 (point), 5, 9 -> buckets: <0, {0}, (0,5), [5,9), >=9, NaN, missing
  FeatureBaseline f;
  f.name = "x";
  f.kind = FeatureKind::kNumeric;
  f.numeric.cuts = {0, 5, 9};
  f.numeric.point = {true, false, false};
  f.counts.assign(f.BucketCount(), 0);
  return f;
}

TEST(NumericBins, BucketLayoutWithPointCut) {
  FeatureBaseline f = NumericWithPoint();
  EXPECT_EQ(f.numeric.ValueBucketCount(), 5);
  EXPECT_EQ(f.BucketCount(), 7);
  EXPECT_EQ(f.numeric.DescribeBucket(0), "< 0");
  EXPECT_EQ(f.numeric.DescribeBucket(1), "{0}");
  EXPECT_EQ(f.numeric.DescribeBucket(2), "(0, 5)");
  EXPECT_EQ(f.numeric.DescribeBucket(3), "[5, 9)");
  EXPECT_EQ(f.numeric.DescribeBucket(4), ">= 9");
  EXPECT_EQ(f.numeric.DescribeBucket(5), "NaN");
  EXPECT_EQ(f.numeric.DescribeBucket(6), "missing");
}

TEST(FeatureBinner, NumericLookupMatchesTheLayout) {
  FeatureBinner b(NumericWithPoint());
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(b.Numeric(-1), 0);
  EXPECT_EQ(b.Numeric(-inf), 0);
  EXPECT_EQ(b.Numeric(-0.0), 1);  // -0 == 0: the point bucket
  EXPECT_EQ(b.Numeric(0), 1);
  EXPECT_EQ(b.Numeric(1e-300), 2);
  EXPECT_EQ(b.Numeric(4.999), 2);
  EXPECT_EQ(b.Numeric(5), 3);
  EXPECT_EQ(b.Numeric(8.5), 3);
  EXPECT_EQ(b.Numeric(9), 4);
  EXPECT_EQ(b.Numeric(1e308), 4);
  EXPECT_EQ(b.Numeric(inf), 4);
  EXPECT_EQ(b.Numeric(std::nan("")), 5);
  EXPECT_EQ(b.Missing(), 6);
  // Text on a numeric feature is parsed; text that is not a number counts as NaN.
  EXPECT_EQ(b.Label("5"), 3);
  EXPECT_EQ(b.Label(" 1e1 "), 4);
  EXPECT_EQ(b.Label("abc"), 5);
}

TEST(FeatureBinner, AgreesWithLinearScanOnManyCutLayouts) {
  for (int k = 0; k <= 40; ++k) {
    FeatureBaseline f;
    f.kind = FeatureKind::kNumeric;
    for (int j = 0; j < k; ++j) {
      f.numeric.cuts.push_back(j * 2.0);
      f.numeric.point.push_back(j % 3 == 1);
    }
    f.counts.assign(f.BucketCount(), 0);
    FeatureBinner b(f);
    for (double v = -3; v < 2.0 * k + 3; v += 0.5) {
      // Reference: walk the layout.
      int want = 0;
      if (k > 0 && v >= f.numeric.cuts[0]) {
        int bucket = 1;
        for (int j = 0; j < k; ++j) {
          const bool in = v >= f.numeric.cuts[j] && (j + 1 == k || v < f.numeric.cuts[j + 1]);
          if (in) {
            want = f.numeric.point[j] ? (v == f.numeric.cuts[j] ? bucket : bucket + 1) : bucket;
            break;
          }
          bucket += f.numeric.point[j] ? 2 : 1;
        }
      }
      ASSERT_EQ(b.Numeric(v), want) << "k=" << k << " v=" << v;
    }
  }
}

TEST(FeatureBinner, CategoricalLookupWithOovAndNumbers) {
  Baseline base = testing::TwoFeatureBaseline();
  BinIndexer idx(base);
  ASSERT_EQ(idx.Find("country"), 1);
  EXPECT_EQ(idx.Find("nope"), -1);
  const FeatureBinner& c = idx.feature(1);
  EXPECT_EQ(c.Label("US"), 0);
  EXPECT_EQ(c.Label("FR"), 1);
  EXPECT_EQ(c.Label("DE"), 2);
  EXPECT_EQ(c.Label("us"), 2);  // labels are case-sensitive
  EXPECT_EQ(c.Missing(), 3);
  EXPECT_EQ(idx.baseline_hash(), base.hash);
}

TEST(FeatureBinner, NumbersOnCategoricalFeaturesUseTheirTextForm) {
  FeatureBaseline f;
  f.kind = FeatureKind::kCategorical;
  f.categorical.labels = {"3", "2.5"};
  f.counts.assign(f.BucketCount(), 0);
  FeatureBinner b(f);
  EXPECT_EQ(b.Numeric(3.0), 0);  // JSON 3 matches CSV "3"
  EXPECT_EQ(b.Numeric(2.5), 1);
  EXPECT_EQ(b.Numeric(4), 2);
}

TEST(NumberToLabel, IntegralValuesHaveNoDecimalPoint) {
  EXPECT_EQ(NumberToLabel(3.0), "3");
  EXPECT_EQ(NumberToLabel(-0.0), "0");
  EXPECT_EQ(NumberToLabel(-12), "-12");
  EXPECT_EQ(NumberToLabel(2.5), "2.5");
  EXPECT_EQ(NumberToLabel(0.1), "0.1");
  EXPECT_EQ(NumberToLabel(1e20), "1e+20");
}

TEST(ParseNumber, AcceptsNumbersAndSpecialValues) {
  double v = 0;
  EXPECT_TRUE(ParseNumber("12.5", &v));
  EXPECT_EQ(v, 12.5);
  EXPECT_TRUE(ParseNumber("+3", &v));
  EXPECT_EQ(v, 3);
  EXPECT_TRUE(ParseNumber("-1e-3", &v));
  EXPECT_EQ(v, -1e-3);
  EXPECT_TRUE(ParseNumber("NaN", &v));
  EXPECT_TRUE(std::isnan(v));
  EXPECT_TRUE(ParseNumber("-inf", &v));
  EXPECT_EQ(v, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(ParseNumber("Infinity", &v));
  EXPECT_TRUE(std::isinf(v));
  EXPECT_TRUE(ParseNumber("1e999", &v));  // overflow is infinity, not an error
  EXPECT_TRUE(std::isinf(v));
  EXPECT_FALSE(ParseNumber("", &v));
  EXPECT_FALSE(ParseNumber("12abc", &v));
  EXPECT_FALSE(ParseNumber("1,5", &v));
  EXPECT_FALSE(ParseNumber("++1", &v));
}

}  // namespace
}  // namespace skewgate::skew

#include "analysis/evaluate.h"

#include <gtest/gtest.h>

#include "unit/analysis/test_baseline.h"

namespace skewgate::analysis {
namespace {

using testing::CountryBaseline;
using testing::CountryCounts;

class RunAnalysisTest : public ::testing::Test {
 protected:
  skew::Baseline b_ = CountryBaseline();
  TimePoint now_ = FromUnixSeconds(5000);
  skew::AnalysisConfig Config(int64_t min_samples = 100) {
    api::AnalysisSpec spec;
    spec.min_samples = min_samples;
    spec.skew.categorical = {api::SkewMetric::kLInfinity, 0.1};
    return ToSkewConfig(spec);
  }
};

TEST_F(RunAnalysisTest, MatchingTrafficIsSuccessful) {
  Evidence e;
  e.canary = CountryCounts(b_.hash, "", 510, 490);
  auto s = RunAnalysis(b_, e, Config(), "rev1", now_);
  EXPECT_EQ(s.verdict, api::Verdict::kSuccessful) << s.message;
  ASSERT_EQ(s.features.size(), 1u);
  EXPECT_NEAR(s.features[0].score, 0.01, 1e-12);  // |0.51 - 0.5|
  EXPECT_EQ(s.features[0].samples, 1000);
  EXPECT_EQ(s.revision, "rev1");
  EXPECT_EQ(s.time, now_);
}

TEST_F(RunAnalysisTest, WorstFeaturesCarryBaselineAndLiveHistograms) {
  // Twelve features, the first the worst: histograms for the ten worst only.
  skew::Baseline b;
  for (int i = 0; i < 12; ++i) {
    skew::FeatureBaseline f = CountryBaseline().features[0];
    f.name = "f" + std::to_string(i);
    b.features.push_back(f);
  }
  b.rows = 1000;
  b.hash = skew::ComputeBaselineHash(b);
  skew::Counts live;
  live.baseline_hash = b.hash;
  for (int i = 0; i < 12; ++i) {
    const uint64_t shift = static_cast<uint64_t>(12 - i) * 10;  // f0: 620/380, f11: 510/490
    live.features["f" + std::to_string(i)] = {500 + shift, 500 - shift, 0, 0};
  }
  Evidence e;
  e.canary = live;
  auto s = RunAnalysis(b, e, Config(), "rev1", now_);
  ASSERT_EQ(s.features.size(), 12u);
  EXPECT_EQ(s.features[0].name, "f0");
  ASSERT_EQ(s.features[0].histogram.size(), 2u);
  EXPECT_EQ(s.features[0].histogram[0], (api::HistogramBin{"de", 0.5, 0.62}));
  EXPECT_EQ(s.features[0].histogram[1], (api::HistogramBin{"fr", 0.5, 0.38}));
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(s.features[i].histogram.empty(), i >= 10) << s.features[i].name;
  }
  EXPECT_EQ(s.max_score, 0.12);
}

TEST_F(RunAnalysisTest, MaxScoreIsRoundedForTheSkewColumnWhileScoresStayExact) {
  Evidence e;
  e.canary = CountryCounts(b_.hash, "", 100, 200);  // de 1/3: L∞ = 1/6
  auto s = RunAnalysis(b_, e, Config(), "rev1", now_);
  ASSERT_EQ(s.features.size(), 1u);
  EXPECT_DOUBLE_EQ(s.features[0].score, 1.0 / 6);
  EXPECT_EQ(s.max_score, 0.1667);
  EXPECT_EQ(s.features[0].histogram[0], (api::HistogramBin{"fr", 0.5, 0.6667}));
}

TEST_F(RunAnalysisTest, ReEncodedCategoryFailsAndNamesTheFeature) {
  Evidence e;
  e.canary = CountryCounts(b_.hash, "", 0, 0, 1000);  // every label unknown: L∞ = 1 (OOV)
  auto s = RunAnalysis(b_, e, Config(), "rev1", now_);
  EXPECT_EQ(s.verdict, api::Verdict::kFailed);
  EXPECT_EQ(s.max_feature, "country");
  EXPECT_NEAR(s.max_score, 1.0, 1e-12);
  EXPECT_NE(s.message.find("country"), std::string::npos) << s.message;
}

TEST_F(RunAnalysisTest, TooFewSamplesIsInconclusiveNeverSuccessful) {
  Evidence e;
  e.canary = CountryCounts(b_.hash, "", 5, 5);
  EXPECT_EQ(RunAnalysis(b_, e, Config(100), "rev1", now_).verdict, api::Verdict::kInconclusive);
}

TEST_F(RunAnalysisTest, AFailedSourceIsInconclusiveWithItsReason) {
  Evidence e;
  e.canary = CountryCounts(b_.hash, "", 500, 500);
  e.problem = "scrape of 127.100.0.3:9090 timed out";
  auto s = RunAnalysis(b_, e, Config(), "rev1", now_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_EQ(s.message, e.problem);
}

TEST_F(RunAnalysisTest, NoCanaryCountsIsInconclusive) {
  EXPECT_EQ(RunAnalysis(b_, Evidence{}, Config(), "rev1", now_).verdict,
            api::Verdict::kInconclusive);
}

TEST_F(RunAnalysisTest, CountsFromAnotherBaselineAreInconclusive) {
  Evidence e;
  e.canary = CountryCounts("sha256:someoneelse", "", 500, 500);
  auto s = RunAnalysis(b_, e, Config(), "rev1", now_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
}

TEST_F(RunAnalysisTest, CompareToStableForgivesDriftBothRevisionsSee) {
  api::AnalysisSpec spec;
  spec.min_samples = 100;
  spec.skew.categorical = {api::SkewMetric::kLInfinity, 0.1};
  spec.skew.compare_to_stable = true;
  spec.skew.stable_margin = 0.02;
  Evidence e;
  e.canary = CountryCounts(b_.hash, "", 800, 200);  // L∞ 0.3
  e.stable = CountryCounts(b_.hash, "", 790, 210);  // L∞ 0.29: the world drifted
  EXPECT_EQ(RunAnalysis(b_, e, ToSkewConfig(spec), "rev1", now_).verdict,
            api::Verdict::kSuccessful);
  spec.skew.compare_to_stable = false;
  EXPECT_EQ(RunAnalysis(b_, e, ToSkewConfig(spec), "rev1", now_).verdict, api::Verdict::kFailed);
}

TEST(ToSkewConfigTest, CarriesEveryField) {
  api::AnalysisSpec spec;
  spec.min_samples = 42;
  spec.skew.numeric = {api::SkewMetric::kPsi, 0.2};
  spec.skew.features.push_back({"amount", api::SkewMetric::kKs, 0.05, true, false});
  spec.skew.max_failing_features = 2;
  auto c = ToSkewConfig(spec);
  EXPECT_EQ(c.min_samples, 42u);
  EXPECT_EQ(c.numeric.metric, skew::Metric::kPsi);
  EXPECT_DOUBLE_EQ(c.numeric.threshold, 0.2);
  ASSERT_EQ(c.features.size(), 1u);
  EXPECT_EQ(c.features[0].metric, skew::Metric::kKolmogorovSmirnov);
  EXPECT_TRUE(c.features[0].critical);
  EXPECT_EQ(c.max_failing_features, 2);
}

}  // namespace
}  // namespace skewgate::analysis

#include "skew/verdict.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "test_baselines.h"

namespace skewgate::skew {
namespace {

using testing::CountsFor;
using testing::TwoFeatureBaseline;
using Buckets = std::vector<uint64_t>;

// Live windows on TwoFeatureBaseline (amount: 25/25/25/25 over <1,[1,2),[2,3),>=3;
// country: US 60, FR 40). Scores worked out by hand:
//   kAmountSame   : same shares           -> js 0
//   kAmountShift  : (0, 0, .5, .5)        -> js = (.5 + .5 log2(2/3) + log2(4/3)) / 2 = 0.3113
//   kCountrySame  : (.6, .4)              -> linf 0
//   kCountryShift : (.3, .4, .3 other)    -> linf .3
const Buckets kAmountSame = {500, 500, 500, 500, 0, 0};
const Buckets kAmountShift = {0, 0, 1000, 1000, 0, 0};
const Buckets kCountrySame = {1200, 800, 0, 0};
const Buckets kCountryShift = {600, 800, 600, 0};
const Buckets kCountryFew = {30, 20, 0, 0};  // 50 samples

AnalysisConfig Config() {
  AnalysisConfig c;
  c.min_samples = 1000;
  return c;
}

struct Case {
  std::string name;
  std::map<std::string, Buckets> canary;
  std::optional<std::map<std::string, Buckets>> stable;
  std::function<void(AnalysisConfig&)> configure;
  RunVerdict want;
  std::vector<std::string> want_failing;
};

TEST(Verdict, Table) {
  const std::vector<Case> cases = {
      // Everything like training -> Successful.
      {"same",
       {{"amount", kAmountSame}, {"country", kCountrySame}},
       {},
       nullptr,
       RunVerdict::kSuccessful,
       {}},
      // amount js 0.31 > 0.1 and no failure allowed -> Failed.
      {"numeric shift",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       {},
       nullptr,
       RunVerdict::kFailed,
       {"amount"}},
      // country linf 0.3 > 0.1 -> Failed.
      {"categorical shift",
       {{"amount", kAmountSame}, {"country", kCountryShift}},
       {},
       nullptr,
       RunVerdict::kFailed,
       {"country"}},
      // 50 country samples < minSamples 1000: inconclusive, never passing.
      {"too few samples",
       {{"amount", kAmountSame}, {"country", kCountryFew}},
       {},
       nullptr,
       RunVerdict::kInconclusive,
       {}},
      // A feature absent from the counts has 0 samples -> inconclusive.
      {"feature absent",
       {{"amount", kAmountSame}, {"country", {0, 0, 0, 0}}},
       {},
       nullptr,
       RunVerdict::kInconclusive,
       {}},
      // A failure is decisive even while another feature lacks evidence.
      {"fail beats inconclusive",
       {{"amount", kAmountShift}, {"country", kCountryFew}},
       {},
       nullptr,
       RunVerdict::kFailed,
       {"amount"}},
      // One failing feature allowed: the run succeeds with amount over threshold.
      {"within allowance",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       {},
       [](AnalysisConfig& c) { c.max_failing_features = 1; },
       RunVerdict::kSuccessful,
       {"amount"}},
      // ...unless amount is critical: it fails the run on its own.
      {"critical",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       {},
       [](AnalysisConfig& c) {
         c.max_failing_features = 1;
         c.features.push_back({.name = "amount", .critical = true});
       },
       RunVerdict::kFailed,
       {"amount"}},
      // A per-feature threshold above the score: passes.
      {"feature threshold",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       {},
       [](AnalysisConfig& c) { c.features.push_back({.name = "amount", .threshold = 0.5}); },
       RunVerdict::kSuccessful,
       {}},
      // Ignored features are not scored.
      {"ignored",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       {},
       [](AnalysisConfig& c) { c.features.push_back({.name = "amount", .ignore = true}); },
       RunVerdict::kSuccessful,
       {}},
      // compareToStable: stable shows the same shift (0.311 <= 0.311 + 0.02): the world
      // drifted, the canary is not to blame.
      {"stable shows the same drift",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       std::map<std::string, Buckets>{{"amount", kAmountShift}, {"country", kCountrySame}},
       [](AnalysisConfig& c) { c.compare_to_stable = true; },
       RunVerdict::kSuccessful,
       {}},
      // compareToStable: stable is clean (0), canary 0.311 > 0 + 0.02 -> the canary's fault.
      {"only canary drifts",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       std::map<std::string, Buckets>{{"amount", kAmountSame}, {"country", kCountrySame}},
       [](AnalysisConfig& c) { c.compare_to_stable = true; },
       RunVerdict::kFailed,
       {"amount"}},
      // compareToStable without stable counts: cannot exonerate -> inconclusive.
      {"stable missing",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       {},
       [](AnalysisConfig& c) { c.compare_to_stable = true; },
       RunVerdict::kInconclusive,
       {}},
      // Stable with too few samples cannot exonerate either.
      {"stable too few",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       std::map<std::string, Buckets>{{"amount", {0, 0, 5, 5, 0, 0}}},
       [](AnalysisConfig& c) { c.compare_to_stable = true; },
       RunVerdict::kInconclusive,
       {}},
      // Significance guard: 10 samples, tiny threshold: js over it, chi-square p large ->
      // inconclusive rather than failing on noise.
      {"not significant",
       {{"amount", {3, 2, 3, 2, 0, 0}}, {"country", {6, 4, 0, 0}}},
       {},
       [](AnalysisConfig& c) {
         c.min_samples = 10;
         c.numeric.threshold = 0.001;
         c.significance_alpha = 0.05;
       },
       RunVerdict::kInconclusive,
       {}},
      // The same guard lets a real shift fail (p tiny).
      {"significant",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       {},
       [](AnalysisConfig& c) { c.significance_alpha = 0.05; },
       RunVerdict::kFailed,
       {"amount"}},
      // Another metric per feature: KS of the shift is .5 > .1.
      {"ks metric",
       {{"amount", kAmountShift}, {"country", kCountrySame}},
       {},
       [](AnalysisConfig& c) {
         c.features.push_back({.name = "amount", .metric = Metric::kKolmogorovSmirnov});
       },
       RunVerdict::kFailed,
       {"amount"}},
  };
  const Baseline b = TwoFeatureBaseline();
  for (const Case& tc : cases) {
    AnalysisConfig cfg = Config();
    if (tc.configure) tc.configure(cfg);
    Counts canary = CountsFor(b, tc.canary);
    Counts stable_counts;
    StableEvidence stable;
    if (tc.stable) {
      stable_counts = CountsFor(b, *tc.stable);
      stable.counts = &stable_counts;
    }
    StatusOr<Verdict> v = Evaluate(b, canary, stable, cfg);
    ASSERT_TRUE(v.ok()) << tc.name << ": " << v.status().ToString();
    EXPECT_EQ(v->verdict, tc.want) << tc.name << ": " << v->Summary();
    EXPECT_EQ(v->failing_features, tc.want_failing) << tc.name << ": " << v->Summary();
    EXPECT_FALSE(v->reasons.empty()) << tc.name;
  }
}

TEST(Verdict, FeatureResultsCarryScoresAndReasons) {
  const Baseline b = TwoFeatureBaseline();
  AnalysisConfig cfg = Config();
  cfg.compare_to_stable = true;
  Counts canary = CountsFor(b, {{"amount", kAmountShift}, {"country", kCountryFew}});
  Counts stable_counts = CountsFor(b, {{"amount", kAmountSame}, {"country", kCountrySame}});
  Verdict v = Evaluate(b, canary, {nullptr, &stable_counts}, cfg).value();
  ASSERT_EQ(v.features.size(), 2u);
  const FeatureResult& amount = v.features[0];
  EXPECT_EQ(amount.verdict, FeatureVerdict::kFail);
  EXPECT_NEAR(amount.score, (0.5 + 0.5 * std::log2(2.0 / 3) + std::log2(4.0 / 3)) / 2, 1e-12);
  EXPECT_EQ(amount.samples, 2000u);
  ASSERT_TRUE(amount.stable_score.has_value());
  EXPECT_EQ(*amount.stable_score, 0.0);
  EXPECT_NE(amount.reason.find("jensenShannon 0.3113 > 0.1"), std::string::npos) << amount.reason;
  const FeatureResult& country = v.features[1];
  EXPECT_EQ(country.verdict, FeatureVerdict::kInconclusive);
  EXPECT_EQ(country.samples, 50u);
  EXPECT_NE(country.reason.find("fewer than minSamples 1000"), std::string::npos);
  EXPECT_EQ(v.verdict, RunVerdict::kFailed);
  EXPECT_NE(v.Summary().find("Failed: amount"), std::string::npos) << v.Summary();
}

TEST(Verdict, StableMayUseItsOwnBaseline) {
  const Baseline canary_base = TwoFeatureBaseline();
  Baseline stable_base = TwoFeatureBaseline();
  // The stable model was trained on data already shifted like today's traffic.
  stable_base.features[0].counts = {0, 0, 50, 50, 0, 0};
  stable_base.hash = ComputeBaselineHash(stable_base);
  AnalysisConfig cfg = Config();
  cfg.compare_to_stable = true;
  Counts canary = CountsFor(canary_base, {{"amount", kAmountShift}, {"country", kCountrySame}});
  Counts stable_counts =
      CountsFor(stable_base, {{"amount", kAmountShift}, {"country", kCountrySame}});
  // Stable scores 0 against its own training data, so the canary's 0.311 is its own.
  Verdict v = Evaluate(canary_base, canary, {&stable_base, &stable_counts}, cfg).value();
  EXPECT_EQ(v.verdict, RunVerdict::kFailed);
  // Stable counts checked against the wrong baseline are refused.
  EXPECT_FALSE(Evaluate(canary_base, canary, {nullptr, &stable_counts}, cfg).ok());
}

TEST(Verdict, OutputsCanBeReportedWithoutGating) {
  Baseline b = TwoFeatureBaseline();
  b.features[1].role = FeatureRole::kOutput;
  b.hash = ComputeBaselineHash(b);
  AnalysisConfig cfg = Config();
  cfg.gate_on_outputs = false;
  Counts c = CountsFor(b, {{"amount", kAmountSame}, {"country", kCountryShift}});
  Verdict v = Evaluate(b, c, {}, cfg).value();
  EXPECT_EQ(v.verdict, RunVerdict::kSuccessful) << v.Summary();
  EXPECT_EQ(v.features[1].verdict, FeatureVerdict::kIgnored);
  EXPECT_NEAR(v.features[1].score, 0.3, 1e-12);
  cfg.gate_on_outputs = true;
  EXPECT_EQ(Evaluate(b, c, {}, cfg).value().verdict, RunVerdict::kFailed);
}

TEST(Verdict, ScoreEqualToThresholdPasses) {
  const Baseline b = TwoFeatureBaseline();
  AnalysisConfig cfg = Config();
  cfg.categorical.threshold = 0.3;  // country shift scores exactly .3 (within rounding)
  Counts c = CountsFor(b, {{"amount", kAmountSame}, {"country", {600, 800, 600, 0}}});
  Verdict v = Evaluate(b, c, {}, cfg).value();
  EXPECT_LE(v.features[1].score, 0.3 + 1e-15);
  EXPECT_EQ(v.features[1].verdict,
            v.features[1].score <= 0.3 ? FeatureVerdict::kPass : FeatureVerdict::kFail);
}

TEST(Verdict, ErrorsForForeignCountsAndBadConfig) {
  const Baseline b = TwoFeatureBaseline();
  Counts foreign = NewCounts(b);
  foreign.baseline_hash = "sha256:beef";
  auto r = Evaluate(b, foreign, {}, Config());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("canary"), std::string::npos);

  AnalysisConfig unknown = Config();
  unknown.features.push_back({.name = "zip"});
  auto r2 = Evaluate(b, NewCounts(b), {}, unknown);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("no feature 'zip'"), std::string::npos);

  AnalysisConfig ks_on_category = Config();
  ks_on_category.features.push_back({.name = "country", .metric = Metric::kWasserstein});
  EXPECT_FALSE(ValidateAnalysisConfig(ks_on_category, b).ok());
  AnalysisConfig negative = Config();
  negative.numeric.threshold = -1;
  EXPECT_FALSE(ValidateAnalysisConfig(negative, b).ok());
}

TEST(ScoreFeature, UsesAllBucketsForJsAndOrderedOnesForKs) {
  const Baseline b = TwoFeatureBaseline();
  // All live values missing: JS sees it (missing is a bucket), KS has no ordered values.
  const Buckets all_missing = {0, 0, 0, 0, 0, 100};
  EXPECT_DOUBLE_EQ(ScoreFeature(b.features[0], all_missing, Metric::kJensenShannon).value(), 1.0);
  EXPECT_FALSE(ScoreFeature(b.features[0], all_missing, Metric::kKolmogorovSmirnov).ok());
  // Wasserstein centres: (min + c0)/2, midpoints, (c_last + max)/2 = .5, 1.5, 2.5, 3.5.
  EXPECT_EQ(BucketCentres(b.features[0]), (std::vector<double>{0.5, 1.5, 2.5, 3.5}));
  // A quarter of the mass moves one bucket (1 unit) up: W = .25, over std 1.2.
  EXPECT_NEAR(
      ScoreFeature(b.features[0], Buckets{0, 50, 25, 25, 0, 0}, Metric::kWasserstein).value(),
      0.25 / 1.2, 1e-12);
}

}  // namespace
}  // namespace skewgate::skew

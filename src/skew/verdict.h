// The verdict of one analysis run: from a baseline, the canary's counts in the window,
// optionally the stable revision's counts in the same window, and the analysis config, to
// per-feature scores and one run verdict (Successful / Failed / Inconclusive) with reasons.
//
//   SG_ASSIGN_OR_RETURN(Verdict v, Evaluate(baseline, canary_counts, nullptr, config));
//   if (v.verdict == RunVerdict::kFailed) Abort(v.Summary());
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "skew/baseline.h"
#include "skew/counts.h"
#include "skew/distance.h"

namespace skewgate::skew {

struct MetricThreshold {
  Metric metric;
  double threshold;
};

// Overrides for one feature, by name.
struct FeatureRule {
  std::string name;
  std::optional<Metric> metric{};  // default: the one for the feature's kind
  std::optional<double> threshold{};
  bool critical = false;  // exceeding fails the run on its own
  bool ignore = false;    // not scored at all
};

struct AnalysisConfig {
  MetricThreshold numeric{Metric::kJensenShannon, 0.1};
  MetricThreshold categorical{Metric::kLInfinity, 0.1};
  std::vector<FeatureRule> features;
  // A feature with fewer live observations (all its buckets, missing included) than this
  // is inconclusive, never passing.
  uint64_t min_samples = 1000;
  // The run fails when more than this many features exceed their thresholds (critical
  // features fail it on their own).
  int max_failing_features = 0;
  // Only blame the canary for skew beyond the stable revision's in the same window:
  // a feature fails when canary > threshold AND canary > stable + stable_margin.
  bool compare_to_stable = false;
  double stable_margin = 0.02;
  // Optional significance guard: when > 0, a feature over its threshold whose chi-square
  // homogeneity p-value (baseline vs live counts) is >= alpha is inconclusive rather than
  // failing — the difference could still be sampling noise.
  double significance_alpha = 0;
  // Model outputs are scored like inputs; set false to report them without gating.
  bool gate_on_outputs = true;
};

// Checks the config against the baseline: thresholds finite and >= 0, metrics valid for the
// feature kind (KS and Wasserstein need ordered buckets), rules name known features once.
Status ValidateAnalysisConfig(const AnalysisConfig& c, const Baseline& b);

enum class FeatureVerdict { kPass, kFail, kInconclusive, kIgnored };
enum class RunVerdict { kSuccessful, kFailed, kInconclusive };
std::string_view FeatureVerdictName(FeatureVerdict v);  // "Pass", "Fail", ...
std::string_view RunVerdictName(RunVerdict v);          // "Successful", "Failed", ...

struct FeatureResult {
  std::string name;
  FeatureKind kind = FeatureKind::kNumeric;
  FeatureRole role = FeatureRole::kInput;
  Metric metric = Metric::kJensenShannon;
  double score = 0;  // canary vs baseline; 0 when there were no samples
  double threshold = 0;
  bool critical = false;
  uint64_t samples = 0;
  std::optional<double> stable_score;  // stable vs its baseline, with compare_to_stable
  std::optional<double> p_value;       // with significance_alpha > 0
  FeatureVerdict verdict = FeatureVerdict::kInconclusive;
  std::string reason;  // one line, names the numbers that decided
};

struct Verdict {
  RunVerdict verdict = RunVerdict::kInconclusive;
  std::vector<FeatureResult> features;  // in baseline order
  std::vector<std::string> reasons;     // why the run verdict is what it is
  std::vector<std::string> failing_features;
  // "Failed: amount (critical) jensenShannon 0.31 > 0.05; ..." — for Events and status.
  std::string Summary() const;
};

// The stable revision's evidence for compare_to_stable. Its counts may use its own
// baseline (a different model version): each revision's score is against its own training
// data, and features are matched by name. baseline == nullptr means the canary's baseline.
struct StableEvidence {
  const Baseline* baseline = nullptr;
  const Counts* counts = nullptr;
};

// Decides one analysis run. Pure and deterministic. Errors (FailedPrecondition /
// InvalidArgument) are for counts that do not belong to the baseline or an invalid config;
// missing evidence is never an error but an Inconclusive verdict.
//
// Worked examples (threshold 0.1, min_samples 1000, max_failing_features 0):
//   amount js 0.02 (5000 samples), country linf 0.04 (5000)      -> Successful
//   amount js 0.25 (5000 samples)                                -> Failed: amount
//   amount js 0.02 (5000), country 400 samples                   -> Inconclusive: country
//   amount js 0.25 (5000) stable js 0.24, margin 0.02            -> amount passes (drift
//                                                                   both revisions see)
StatusOr<Verdict> Evaluate(const Baseline& baseline, const Counts& canary,
                           const StableEvidence& stable, const AnalysisConfig& config);

// The score of live counts against one baseline feature with one metric: JS, PSI and L∞
// over all buckets (NaN/OOV and missing included: a pipeline that starts sending nulls is
// skew); KS and Wasserstein over the ordered value buckets only.
StatusOr<double> ScoreFeature(const FeatureBaseline& f, std::span<const uint64_t> live,
                              Metric metric);

// Support points of a numeric feature's value buckets for Wasserstein: interval midpoints,
// the point value for point buckets, and for the open-ended ends the midpoint between the
// training min (max) and the nearest cut.
std::vector<double> BucketCentres(const FeatureBaseline& f);

}  // namespace skewgate::skew

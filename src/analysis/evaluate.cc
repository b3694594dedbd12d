#include "analysis/evaluate.h"

#include <algorithm>
#include <cmath>

#include "skew/histogram.h"

namespace skewgate::analysis {
namespace {

skew::Metric ToSkewMetric(api::SkewMetric m) {
  switch (m) {
    case api::SkewMetric::kJensenShannon: return skew::Metric::kJensenShannon;
    case api::SkewMetric::kPsi: return skew::Metric::kPsi;
    case api::SkewMetric::kKs: return skew::Metric::kKolmogorovSmirnov;
    case api::SkewMetric::kWasserstein: return skew::Metric::kWasserstein;
    case api::SkewMetric::kLInfinity: return skew::Metric::kLInfinity;
  }
  return skew::Metric::kJensenShannon;
}

api::SkewMetric ToApiMetric(skew::Metric m) {
  switch (m) {
    case skew::Metric::kJensenShannon: return api::SkewMetric::kJensenShannon;
    case skew::Metric::kPsi: return api::SkewMetric::kPsi;
    case skew::Metric::kKolmogorovSmirnov: return api::SkewMetric::kKs;
    case skew::Metric::kWasserstein: return api::SkewMetric::kWasserstein;
    case skew::Metric::kLInfinity: return api::SkewMetric::kLInfinity;
  }
  return api::SkewMetric::kJensenShannon;
}

api::FeatureVerdict ToApiVerdict(skew::FeatureVerdict v) {
  switch (v) {
    case skew::FeatureVerdict::kPass: return api::FeatureVerdict::kPass;
    case skew::FeatureVerdict::kFail: return api::FeatureVerdict::kFail;
    case skew::FeatureVerdict::kInconclusive: return api::FeatureVerdict::kInconclusive;
    case skew::FeatureVerdict::kIgnored: return api::FeatureVerdict::kIgnored;
  }
  return api::FeatureVerdict::kInconclusive;
}

// Four decimals: what a person reads in the Skew column and in the bars.
double Round4(double v) { return std::round(v * 1e4) / 1e4; }

api::AnalysisStatus Inconclusive(const std::string& revision, TimePoint now, std::string why) {
  api::AnalysisStatus s;
  s.revision = revision;
  s.time = now;
  s.verdict = api::Verdict::kInconclusive;
  s.message = std::move(why);
  return s;
}

}  // namespace

skew::AnalysisConfig ToSkewConfig(const api::AnalysisSpec& spec) {
  skew::AnalysisConfig c;
  c.numeric = {ToSkewMetric(spec.skew.numeric.metric), spec.skew.numeric.threshold};
  c.categorical = {ToSkewMetric(spec.skew.categorical.metric), spec.skew.categorical.threshold};
  for (const auto& f : spec.skew.features) {
    skew::FeatureRule r;
    r.name = f.name;
    if (f.metric) r.metric = ToSkewMetric(*f.metric);
    r.threshold = f.threshold;
    r.critical = f.critical;
    r.ignore = f.ignore;
    c.features.push_back(std::move(r));
  }
  c.min_samples = spec.min_samples > 0 ? static_cast<uint64_t>(spec.min_samples) : 0;
  c.max_failing_features = spec.skew.max_failing_features;
  c.compare_to_stable = spec.skew.compare_to_stable;
  c.stable_margin = spec.skew.stable_margin;
  return c;
}

api::AnalysisStatus RunAnalysis(const skew::Baseline& baseline, const Evidence& evidence,
                                const skew::AnalysisConfig& config, const std::string& revision,
                                TimePoint now) {
  if (!evidence.problem.empty()) return Inconclusive(revision, now, evidence.problem);
  if (!evidence.canary) return Inconclusive(revision, now, "no counts from the canary yet");
  if (config.compare_to_stable && !evidence.stable) {
    return Inconclusive(revision, now,
                        "compareToStable is set but the stable revision has no counts");
  }
  skew::StableEvidence stable;
  if (evidence.stable) stable.counts = &*evidence.stable;
  auto verdict = skew::Evaluate(baseline, *evidence.canary, stable, config);
  if (!verdict.ok()) return Inconclusive(revision, now, verdict.status().message());

  api::AnalysisStatus s;
  s.revision = revision;
  s.time = now;
  switch (verdict->verdict) {
    case skew::RunVerdict::kSuccessful: s.verdict = api::Verdict::kSuccessful; break;
    case skew::RunVerdict::kFailed: s.verdict = api::Verdict::kFailed; break;
    case skew::RunVerdict::kInconclusive: s.verdict = api::Verdict::kInconclusive; break;
  }
  s.message = verdict->Summary();
  std::vector<api::FeatureAnalysis> features;
  for (const auto& f : verdict->features) {
    api::FeatureAnalysis a;
    a.name = f.name;
    a.type = f.kind == skew::FeatureKind::kNumeric ? api::FeatureType::kNumeric
                                                   : api::FeatureType::kCategorical;
    a.metric = ToApiMetric(f.metric);
    a.score = f.score;
    a.stable_score = f.stable_score;
    a.threshold = f.threshold;
    a.samples = static_cast<int64_t>(f.samples);
    a.critical = f.critical;
    a.verdict = ToApiVerdict(f.verdict);
    s.samples = std::max<int64_t>(s.samples, a.samples);
    if (a.verdict != api::FeatureVerdict::kIgnored && a.score >= s.max_score) {
      s.max_score = a.score;
      s.max_feature = a.name;
    }
    features.push_back(std::move(a));
  }
  // Worst first, so a truncated list still shows what matters.
  std::stable_sort(features.begin(), features.end(),
                   [](const auto& a, const auto& b) { return a.score > b.score; });
  if (features.size() > static_cast<size_t>(api::kMaxFeatureAnalyses)) {
    s.features_omitted = static_cast<int32_t>(features.size()) - api::kMaxFeatureAnalyses;
    features.resize(api::kMaxFeatureAnalyses);
  }
  // Baseline vs live bars for the worst features only, so the status stays small; shares
  // to 4 decimals (a bar is 1/100 wide at best).
  int drawn = 0;
  for (api::FeatureAnalysis& a : features) {
    if (drawn == api::kMaxFeatureHistograms) break;
    const int i = baseline.FindFeature(a.name);
    if (i < 0 || a.verdict == api::FeatureVerdict::kIgnored) continue;
    auto live = evidence.canary->features.find(a.name);
    const std::vector<uint64_t> none;
    for (const skew::HistogramRow& row :
         skew::CompactHistogram(baseline.features[static_cast<size_t>(i)],
                                live == evidence.canary->features.end() ? none : live->second,
                                api::kMaxHistogramBins)) {
      a.histogram.push_back({row.bucket, Round4(row.baseline), Round4(row.live)});
    }
    ++drawn;
  }
  s.max_score = Round4(s.max_score);
  s.features = std::move(features);
  return s;
}

}  // namespace skewgate::analysis

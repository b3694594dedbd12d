#include "skew/verdict.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <unordered_map>

namespace skewgate::skew {

std::string_view FeatureVerdictName(FeatureVerdict v) {
  switch (v) {
    case FeatureVerdict::kPass: return "Pass";
    case FeatureVerdict::kFail: return "Fail";
    case FeatureVerdict::kInconclusive: return "Inconclusive";
    case FeatureVerdict::kIgnored: return "Ignored";
  }
  return "Unknown";
}

std::string_view RunVerdictName(RunVerdict v) {
  switch (v) {
    case RunVerdict::kSuccessful: return "Successful";
    case RunVerdict::kFailed: return "Failed";
    case RunVerdict::kInconclusive: return "Inconclusive";
  }
  return "Unknown";
}

namespace {

std::string Num(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 4);
  return std::string(buf, r.ptr);
}

bool MetricNeedsOrder(Metric m) {
  return m == Metric::kKolmogorovSmirnov || m == Metric::kWasserstein;
}

}  // namespace

std::vector<double> BucketCentres(const FeatureBaseline& f) {
  const auto& cuts = f.numeric.cuts;
  std::vector<double> out;
  if (f.kind != FeatureKind::kNumeric) return out;
  const double lo = f.numeric_stats.min.value_or(cuts.empty() ? 0.0 : cuts.front());
  const double hi = f.numeric_stats.max.value_or(cuts.empty() ? 0.0 : cuts.back());
  if (cuts.empty()) {
    out.push_back((lo + hi) / 2);
    return out;
  }
  out.push_back((std::min(lo, cuts.front()) + cuts.front()) / 2);
  for (size_t j = 0; j < cuts.size(); ++j) {
    const double next = j + 1 < cuts.size() ? cuts[j + 1] : std::max(hi, cuts[j]);
    if (f.numeric.point[j]) out.push_back(cuts[j]);
    out.push_back((cuts[j] + next) / 2);
  }
  return out;
}

StatusOr<double> ScoreFeature(const FeatureBaseline& f, std::span<const uint64_t> live,
                              Metric metric) {
  if (static_cast<int>(live.size()) != f.BucketCount()) {
    return InvalidArgumentError("feature '" + f.name + "': " + std::to_string(live.size()) +
                                " live buckets, the baseline has " +
                                std::to_string(f.BucketCount()));
  }
  // Small buckets vectors stay on the stack: a verdict scores every feature of a baseline.
  constexpr size_t kInline = 64;
  double pbuf[kInline], qbuf[kInline];
  std::vector<double> pheap, qheap;
  std::span<double> p, q;
  if (live.size() <= kInline) {
    p = std::span<double>(pbuf, live.size());
    q = std::span<double>(qbuf, live.size());
  } else {
    pheap.resize(live.size());
    qheap.resize(live.size());
    p = pheap;
    q = qheap;
  }
  for (size_t i = 0; i < live.size(); ++i) {
    p[i] = static_cast<double>(f.counts[i]);
    q[i] = static_cast<double>(live[i]);
  }
  switch (metric) {
    case Metric::kJensenShannon: return JensenShannon(p, q);
    case Metric::kPsi: return Psi(p, q);
    case Metric::kLInfinity: return LInfinity(p, q);
    case Metric::kKolmogorovSmirnov:
    case Metric::kWasserstein: {
      if (f.kind != FeatureKind::kNumeric) {
        return InvalidArgumentError("feature '" + f.name + "': " + std::string(MetricName(metric)) +
                                    " needs ordered (numeric) buckets");
      }
      const size_t n = static_cast<size_t>(f.OrderedBucketCount());
      std::span<const double> po(p.data(), n), qo(q.data(), n);
      if (metric == Metric::kKolmogorovSmirnov) return BinnedKolmogorovSmirnov(po, qo);
      const double sd = f.numeric_stats.std.value_or(0);
      // A constant training feature has no spread to normalise by: report raw units.
      return Wasserstein(BucketCentres(f), po, qo, sd > 0 ? sd : 1.0);
    }
  }
  return InternalError("unknown metric");
}

Status ValidateAnalysisConfig(const AnalysisConfig& c, const Baseline& b) {
  auto check_threshold = [](double t, const std::string& where) -> Status {
    if (!std::isfinite(t) || t < 0) {
      return InvalidArgumentError(where + ": threshold must be a finite number >= 0");
    }
    return OkStatus();
  };
  SG_RETURN_IF_ERROR(check_threshold(c.numeric.threshold, "numeric"));
  SG_RETURN_IF_ERROR(check_threshold(c.categorical.threshold, "categorical"));
  if (MetricNeedsOrder(c.categorical.metric)) {
    return InvalidArgumentError("categorical: metric " +
                                std::string(MetricName(c.categorical.metric)) +
                                " needs ordered buckets; use lInfinity, jensenShannon or psi");
  }
  if (c.max_failing_features < 0) {
    return InvalidArgumentError("maxFailingFeatures must be >= 0");
  }
  if (!std::isfinite(c.stable_margin) || c.stable_margin < 0) {
    return InvalidArgumentError("stableMargin must be a finite number >= 0");
  }
  if (!(c.significance_alpha >= 0 && c.significance_alpha < 1)) {
    return InvalidArgumentError("significanceAlpha must be in [0, 1)");
  }
  std::unordered_map<std::string, int> seen;
  for (size_t i = 0; i < c.features.size(); ++i) {
    const FeatureRule& r = c.features[i];
    const std::string where = "features[" + std::to_string(i) + "] (" + r.name + ")";
    if (!seen.emplace(r.name, static_cast<int>(i)).second) {
      return InvalidArgumentError(where + ": feature listed twice");
    }
    const int fi = b.FindFeature(r.name);
    if (fi < 0) {
      return InvalidArgumentError(where + ": the baseline has no feature '" + r.name + "'");
    }
    if (r.threshold) SG_RETURN_IF_ERROR(check_threshold(*r.threshold, where));
    if (r.metric && MetricNeedsOrder(*r.metric) && b.features[fi].kind != FeatureKind::kNumeric) {
      return InvalidArgumentError(where + ": metric " + std::string(MetricName(*r.metric)) +
                                  " needs a numeric feature");
    }
  }
  return OkStatus();
}

std::string Verdict::Summary() const {
  std::string s(RunVerdictName(verdict));
  for (size_t i = 0; i < reasons.size(); ++i) s += (i == 0 ? ": " : "; ") + reasons[i];
  return s;
}

namespace {

// Decides one feature. Fills everything in `r` except the identity fields.
void DecideFeature(const FeatureBaseline& f, const Counts& canary, const Baseline* stable_base,
                   int stable_index, const Counts* stable_counts, const AnalysisConfig& cfg,
                   FeatureResult& r) {
  static const std::vector<uint64_t> kNone;
  auto it = canary.features.find(f.name);
  const std::vector<uint64_t>& live = it == canary.features.end() ? kNone : it->second;
  for (uint64_t c : live) r.samples += c;
  if (r.samples < cfg.min_samples) {
    r.verdict = FeatureVerdict::kInconclusive;
    r.reason = std::to_string(r.samples) + " samples, fewer than minSamples " +
               std::to_string(cfg.min_samples);
    return;
  }
  StatusOr<double> score = ScoreFeature(f, live, r.metric);
  if (!score.ok()) {
    r.verdict = FeatureVerdict::kInconclusive;
    r.reason = "cannot score: " + score.status().message();
    return;
  }
  r.score = *score;
  const std::string metric(MetricName(r.metric));
  // Stable's score against its own training data, reported whenever available.
  std::string stable_problem;
  if (cfg.compare_to_stable) {
    const int si = stable_index;
    auto sit = stable_counts ? stable_counts->features.find(f.name)
                             : std::map<std::string, std::vector<uint64_t>>::const_iterator();
    if (!stable_base || !stable_counts) {
      stable_problem = "no stable counts to compare with";
    } else if (si < 0 || sit == stable_counts->features.end()) {
      stable_problem = "the stable revision does not measure this feature";
    } else {
      uint64_t stable_samples = 0;
      for (uint64_t c : sit->second) stable_samples += c;
      if (stable_samples < cfg.min_samples) {
        stable_problem = "stable has " + std::to_string(stable_samples) +
                         " samples, fewer than minSamples " + std::to_string(cfg.min_samples);
      } else {
        StatusOr<double> s = ScoreFeature(stable_base->features[si], sit->second, r.metric);
        if (s.ok()) {
          r.stable_score = *s;
        } else {
          stable_problem = "cannot score stable: " + s.status().message();
        }
      }
    }
  }
  if (r.score <= r.threshold) {
    r.verdict = FeatureVerdict::kPass;
    r.reason = metric + " " + Num(r.score) + " <= " + Num(r.threshold);
    return;
  }
  if (cfg.compare_to_stable) {
    if (!r.stable_score) {
      r.verdict = FeatureVerdict::kInconclusive;
      r.reason = metric + " " + Num(r.score) + " > " + Num(r.threshold) +
                 " but cannot compare to stable: " + stable_problem;
      return;
    }
    if (r.score <= *r.stable_score + cfg.stable_margin) {
      r.verdict = FeatureVerdict::kPass;
      r.reason = metric + " " + Num(r.score) + " > " + Num(r.threshold) + " but stable shows " +
                 Num(*r.stable_score) + " (margin " + Num(cfg.stable_margin) +
                 "): drift both revisions see";
      return;
    }
  }
  if (cfg.significance_alpha > 0) {
    StatusOr<ChiSquareResult> chi = ChiSquareHomogeneity(ToWeights(f.counts), ToWeights(live));
    if (chi.ok()) {
      r.p_value = chi->p_value;
      if (chi->p_value >= cfg.significance_alpha) {
        r.verdict = FeatureVerdict::kInconclusive;
        r.reason = metric + " " + Num(r.score) + " > " + Num(r.threshold) +
                   " but not significant (chi-square p " + Num(chi->p_value) +
                   " >= " + Num(cfg.significance_alpha) + ")";
        return;
      }
    }
  }
  r.verdict = FeatureVerdict::kFail;
  r.reason = metric + " " + Num(r.score) + " > " + Num(r.threshold);
  if (r.stable_score) r.reason += " (stable " + Num(*r.stable_score) + ")";
}

}  // namespace

StatusOr<Verdict> Evaluate(const Baseline& baseline, const Counts& canary,
                           const StableEvidence& stable, const AnalysisConfig& config) {
  SG_RETURN_IF_ERROR(ValidateAnalysisConfig(config, baseline));
  if (Status s = CheckCountsMatch(baseline, canary); !s.ok()) return s.WithContext("canary");
  const Baseline* stable_base = stable.baseline ? stable.baseline : &baseline;
  if (stable.counts) {
    if (Status s = CheckCountsMatch(*stable_base, *stable.counts); !s.ok()) {
      return s.WithContext("stable");
    }
  }
  std::unordered_map<std::string_view, const FeatureRule*> rules;
  for (const auto& r : config.features) rules.emplace(r.name, &r);
  std::unordered_map<std::string_view, int> stable_index;
  if (config.compare_to_stable && stable.counts) {
    stable_index.reserve(stable_base->features.size());
    for (size_t i = 0; i < stable_base->features.size(); ++i) {
      stable_index.emplace(stable_base->features[i].name, static_cast<int>(i));
    }
  }

  Verdict v;
  v.features.reserve(baseline.features.size());
  std::vector<std::string> critical_fails, inconclusive;
  int scored = 0;
  for (const FeatureBaseline& f : baseline.features) {
    FeatureResult r;
    r.name = f.name;
    r.kind = f.kind;
    r.role = f.role;
    const MetricThreshold& def =
        f.kind == FeatureKind::kNumeric ? config.numeric : config.categorical;
    r.metric = def.metric;
    r.threshold = def.threshold;
    auto rit = rules.find(f.name);
    const FeatureRule* rule = rit == rules.end() ? nullptr : rit->second;
    if (rule) {
      if (rule->metric) r.metric = *rule->metric;
      if (rule->threshold) r.threshold = *rule->threshold;
      r.critical = rule->critical;
    }
    if (rule && rule->ignore) {
      r.verdict = FeatureVerdict::kIgnored;
      r.reason = "ignored by the analysis config";
      v.features.push_back(std::move(r));
      continue;
    }
    auto sit = stable_index.find(f.name);
    DecideFeature(f, canary, stable.counts ? stable_base : nullptr,
                  sit == stable_index.end() ? -1 : sit->second, stable.counts, config, r);
    if (f.role == FeatureRole::kOutput && !config.gate_on_outputs) {
      r.reason = "model output, reported only: " + r.reason;
      r.verdict = FeatureVerdict::kIgnored;
    }
    switch (r.verdict) {
      case FeatureVerdict::kFail:
        ++scored;
        v.failing_features.push_back(r.name);
        if (r.critical) critical_fails.push_back(r.name + " (critical) " + r.reason);
        break;
      case FeatureVerdict::kPass: ++scored; break;
      case FeatureVerdict::kInconclusive: inconclusive.push_back(r.name + ": " + r.reason); break;
      case FeatureVerdict::kIgnored: break;
    }
    v.features.push_back(std::move(r));
  }

  const int failing = static_cast<int>(v.failing_features.size());
  if (!critical_fails.empty()) {
    v.verdict = RunVerdict::kFailed;
    v.reasons = critical_fails;
  } else if (failing > config.max_failing_features) {
    v.verdict = RunVerdict::kFailed;
    for (const auto& r : v.features) {
      if (r.verdict == FeatureVerdict::kFail) v.reasons.push_back(r.name + " " + r.reason);
    }
    v.reasons.push_back(std::to_string(failing) + " feature(s) over threshold, at most " +
                        std::to_string(config.max_failing_features) + " allowed");
  } else if (!inconclusive.empty()) {
    v.verdict = RunVerdict::kInconclusive;
    v.reasons = inconclusive;
  } else if (scored == 0) {
    v.verdict = RunVerdict::kInconclusive;
    v.reasons.push_back("no feature was scored");
  } else {
    v.verdict = RunVerdict::kSuccessful;
    v.reasons.push_back(std::to_string(scored) + " feature(s) within thresholds");
    if (failing > 0) {
      v.reasons.push_back(std::to_string(failing) + " over threshold, within the " +
                          std::to_string(config.max_failing_features) + " allowed");
    }
  }
  return v;
}

}  // namespace skewgate::skew

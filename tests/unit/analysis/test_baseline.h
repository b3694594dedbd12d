// A tiny baseline for analysis tests: one categorical feature "country" with labels
// {de, fr} (buckets: de, fr, OOV, missing), trained 50/50.
#pragma once

#include "skew/baseline.h"
#include "skew/counts.h"

namespace skewgate::analysis::testing {

inline skew::Baseline CountryBaseline() {
  skew::Baseline b;
  skew::FeatureBaseline f;
  f.name = "country";
  f.kind = skew::FeatureKind::kCategorical;
  f.categorical.labels = {"de", "fr"};
  f.categorical_stats.count = 1000;
  f.categorical_stats.distinct = 2;
  f.counts = {500, 500, 0, 0};
  b.rows = 1000;
  b.features.push_back(f);
  b.hash = skew::ComputeBaselineHash(b);
  return b;
}

inline skew::Counts CountryCounts(const std::string& hash, const std::string& start_id, uint64_t de,
                                  uint64_t fr, uint64_t oov = 0) {
  skew::Counts c;
  c.baseline_hash = hash;
  c.start_id = start_id;
  c.features["country"] = {de, fr, oov, 0};
  return c;
}

}  // namespace skewgate::analysis::testing

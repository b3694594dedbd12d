// Small hand-made baselines shared by the skew unit tests.
//
//   Baseline b = testing::TwoFeatureBaseline();   // "amount" numeric, "country" categorical
//   Counts c = testing::CountsFor(b, {{"amount", {25, 25, 25, 25, 0, 0}}});
#pragma once

#include <map>
#include <string>
#include <vector>

#include "skew/baseline.h"
#include "skew/counts.h"

namespace skewgate::skew::testing {

// amount: cuts 1, 2, 3 (no points) -> buckets <1, [1,2), [2,3), >=3, NaN, missing with
// training counts 25 each. country: labels US, FR -> buckets US, FR, other, missing.
inline Baseline TwoFeatureBaseline() {
  Baseline b;
  b.rows = 100;
  FeatureBaseline amount;
  amount.name = "amount";
  amount.kind = FeatureKind::kNumeric;
  amount.numeric.cuts = {1, 2, 3};
  amount.numeric.point = {false, false, false};
  amount.counts = {25, 25, 25, 25, 0, 0};
  amount.numeric_stats.count = 100;
  amount.numeric_stats.mean = 2;
  amount.numeric_stats.std = 1.2;
  amount.numeric_stats.min = 0;
  amount.numeric_stats.max = 4;
  FeatureBaseline country;
  country.name = "country";
  country.kind = FeatureKind::kCategorical;
  country.categorical.labels = {"US", "FR"};
  country.counts = {60, 40, 0, 0};
  country.categorical_stats.count = 100;
  country.categorical_stats.distinct = 2;
  b.features = {amount, country};
  b.hash = ComputeBaselineHash(b);
  return b;
}

// Counts for `b` with the given features scaled: each entry is the bucket vector.
inline Counts CountsFor(const Baseline& b,
                        const std::map<std::string, std::vector<uint64_t>>& features) {
  Counts c = NewCounts(b);
  for (const auto& [name, buckets] : features) c.features[name] = buckets;
  return c;
}

}  // namespace skewgate::skew::testing

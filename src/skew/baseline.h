// The training baseline: per-feature bins and training counts that every party (sidecar,
// controller, CLI) shares, so live counts add up exactly across pods and windows.
//
//   SG_ASSIGN_OR_RETURN(Baseline b, ParseBaseline(json_text));   // verifies version + hash
//   std::string text = SerializeBaseline(b);                      // canonical, hash filled in
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace skewgate::skew {

inline constexpr std::string_view kBaselineApiVersion = "skewgate.io/baseline/v1";
inline constexpr std::string_view kBaselineKind = "Baseline";

enum class FeatureKind { kNumeric, kCategorical };
// Inputs are what the model receives; outputs are what it returns (scores, labels). Both
// are measured the same way; the role only labels reports.
enum class FeatureRole { kInput, kOutput };
enum class BinStrategy { kEqualProbability, kEqualWidth };

std::string_view FeatureKindName(FeatureKind k);  // "numeric" / "categorical"
std::string_view FeatureRoleName(FeatureRole r);  // "input" / "output"
std::string_view BinStrategyName(BinStrategy s);  // "equalProbability" / "equalWidth"

// Numeric bins are defined by strictly increasing finite cuts c_0 < ... < c_{k-1}:
//   bucket 0            : v < c_0                       (open-ended; also -inf)
//   for each cut j      : if point[j]: {c_j} then (c_j, c_{j+1})
//                         else         [c_j, c_{j+1})   with c_k = +inf (open-ended; +inf)
//   then one NaN bucket and one missing bucket.
// A point cut marks a value that several quantiles landed on (a mass point): it gets its
// own bucket instead of an empty zero-width interval. No cuts means one bucket (-inf, inf).
struct NumericBins {
  std::vector<double> cuts;
  std::vector<bool> point;  // same length as cuts

  int ValueBucketCount() const;  // cuts.size() + 1 + number of point cuts
  int NanBucket() const { return ValueBucketCount(); }
  int MissingBucket() const { return ValueBucketCount() + 1; }
  int BucketCount() const { return ValueBucketCount() + 2; }
  // Closed-form description of value bucket i, for reports: "[1.5, 3)", "{0}", "< 1.5".
  std::string DescribeBucket(int i) const;
};

struct NumericStats {
  uint64_t count = 0;  // finite values (the ones quantiles, mean and std are over)
  uint64_t nan = 0;
  uint64_t missing = 0;
  uint64_t pos_inf = 0;
  uint64_t neg_inf = 0;
  // Over finite values only; absent when count == 0.
  std::optional<double> mean, std, min, max;  // std is the population std (ddof = 0)
  // (probability, value) pairs, numpy "linear" (type 7) definition, exact.
  std::vector<std::pair<double, double>> quantiles;
};

// Buckets: labels[0..K-1] (training top-K by count, ties by label), then out-of-vocabulary,
// then missing.
struct CategoricalBins {
  std::vector<std::string> labels;

  int OovBucket() const { return static_cast<int>(labels.size()); }
  int MissingBucket() const { return static_cast<int>(labels.size()) + 1; }
  int BucketCount() const { return static_cast<int>(labels.size()) + 2; }
};

struct CategoricalStats {
  uint64_t count = 0;  // non-missing values
  uint64_t missing = 0;
  uint64_t distinct = 0;  // distinct labels in training (may exceed labels.size())
};

struct FeatureBaseline {
  std::string name;
  FeatureKind kind = FeatureKind::kNumeric;
  FeatureRole role = FeatureRole::kInput;
  NumericBins numeric;          // when kind == kNumeric
  NumericStats numeric_stats;   // when kind == kNumeric
  CategoricalBins categorical;  // when kind == kCategorical
  CategoricalStats categorical_stats;
  // Training counts per bucket, in the bucket order above (NaN/OOV and missing last).
  std::vector<uint64_t> counts;

  int BucketCount() const {
    return kind == FeatureKind::kNumeric ? numeric.BucketCount() : categorical.BucketCount();
  }
  // Buckets that carry an order (numeric value buckets); KS and Wasserstein use only these.
  int OrderedBucketCount() const {
    return kind == FeatureKind::kNumeric ? numeric.ValueBucketCount() : 0;
  }
  std::string DescribeBucket(int i) const;
};

struct Baseline {
  std::string hash;  // "sha256:<hex>" over the canonical serialisation without "hash"
  uint64_t rows = 0;
  BinStrategy strategy = BinStrategy::kEqualProbability;
  int bins = 20;     // requested value bins per numeric feature
  int top_k = 1000;  // requested labels per categorical feature
  std::vector<FeatureBaseline> features;

  // Index into features, or -1.
  int FindFeature(std::string_view name) const;
};

// Parses and validates a baseline document. Errors are InvalidArgument (or DataLoss for a
// truncated document) and name the field: "features[2].numeric.cuts[4]: not increasing",
// "apiVersion: got skewgate.io/baseline/v2, this build reads skewgate.io/baseline/v1",
// "hash: file says sha256:ab…, content hashes to sha256:cd… (edited by hand?)".
StatusOr<Baseline> ParseBaseline(std::string_view json_text);

// Checks the invariants ParseBaseline enforces (bucket counts match bins, cuts increasing
// and finite, labels unique, K <= 1000, names unique). Does not check the hash.
Status ValidateBaseline(const Baseline& b);

// Canonical JSON (sorted keys, shortest round-trip numbers, no whitespace unless `pretty`)
// with the "hash" field recomputed. The hash does not depend on `pretty`.
std::string SerializeBaseline(const Baseline& b, bool pretty = false);

// "sha256:<hex>" of the canonical form of `b` without its hash field.
std::string ComputeBaselineHash(const Baseline& b);

}  // namespace skewgate::skew

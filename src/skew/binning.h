// Fast value -> bucket lookup on a baseline's bins, for the sidecar's hot counting path
// and the builder. Built once per baseline; lookups are const, allocation-free and
// thread-safe.
//
//   BinIndexer idx(baseline);                       // copies what it needs from baseline
//   counts.features["amount"][idx.feature(0).Numeric(12.5)] += 1;
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "skew/baseline.h"

namespace skewgate::skew {

namespace internal {
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
}  // namespace internal

// The bucket lookup of one feature. Every method returns a valid bucket index in
// [0, BucketCount()): values never fall outside the baseline's buckets.
class FeatureBinner {
 public:
  explicit FeatureBinner(const FeatureBaseline& f);

  FeatureKind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  int BucketCount() const { return bucket_count_; }
  int MissingBucket() const { return bucket_count_ - 1; }

  // Numeric features: NaN -> NaN bucket, -inf -> first bucket, +inf -> last value bucket.
  // On a categorical feature the number is turned into its label text first ("3", "2.5").
  int Numeric(double v) const;
  // Categorical features: unknown labels -> out-of-vocabulary bucket. On a numeric feature
  // the text is parsed as a number; text that is not a number counts in the NaN bucket.
  int Label(std::string_view label) const;
  int Missing() const { return MissingBucket(); }

 private:
  int NumericBucket(double v) const;

  std::string name_;
  FeatureKind kind_;
  int bucket_count_ = 0;
  // Numeric: cuts padded to a power of two with +inf for a branch-light search.
  std::vector<double> cuts_;
  int real_cuts_ = 0;
  std::vector<int32_t> bucket_at_cut_;  // bucket of values == cut (or starting at the cut)
  std::vector<uint8_t> is_point_;
  int nan_bucket_ = 0;
  // Categorical.
  std::unordered_map<std::string, int, internal::StringHash, std::equal_to<>> labels_;
  int oov_bucket_ = 0;
};

// Lookups for every feature of a baseline, addressable by position or name.
class BinIndexer {
 public:
  explicit BinIndexer(const Baseline& b);

  const std::string& baseline_hash() const { return hash_; }
  int FeatureCount() const { return static_cast<int>(features_.size()); }
  const FeatureBinner& feature(int i) const { return features_[i]; }
  // Position in the baseline, or -1 when the baseline does not know the feature.
  int Find(std::string_view name) const;

 private:
  std::string hash_;
  std::vector<FeatureBinner> features_;
  std::unordered_map<std::string, int, internal::StringHash, std::equal_to<>> by_name_;
};

// The label text of a number on a categorical feature, shared by the CLI (JSONL training
// data) and the sidecar (JSON payloads) so both sides agree: integral values without a
// decimal point ("3", also for 3.0), others in shortest round-trip form ("2.5").
std::string NumberToLabel(double v);

// Parses a number the way training data is read: decimal/scientific, "nan", "inf",
// "-inf", "infinity" (any case), surrounding spaces trimmed. Returns false when `text` is
// not a number.
bool ParseNumber(std::string_view text, double* out);

}  // namespace skewgate::skew

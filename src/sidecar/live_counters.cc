#include "sidecar/live_counters.h"

namespace skewgate::sidecar {

LiveCounters::LiveCounters(std::shared_ptr<const skew::Baseline> baseline)
    : baseline_(std::move(baseline)) {
  if (!baseline_) return;
  indexer_ = std::make_unique<skew::BinIndexer>(*baseline_);
  size_t total = 0;
  for (int i = 0; i < indexer_->FeatureCount(); ++i) {
    offset_.push_back(total);
    total += static_cast<size_t>(indexer_->feature(i).BucketCount());
  }
  counts_.assign(total, 0);
  seen_.assign(static_cast<size_t>(indexer_->FeatureCount()), 0);
}

void LiveCounters::BeginRow() { std::fill(seen_.begin(), seen_.end(), 0); }

void LiveCounters::Value(std::string_view feature, const FeatureValue& value) {
  if (!indexer_) return;
  int i = indexer_->Find(feature);
  if (i < 0) {
    ++staged_unknown_;
    return;
  }
  seen_[static_cast<size_t>(i)] = 1;
  const skew::FeatureBinner& b = indexer_->feature(i);
  int bucket;
  switch (value.kind) {
    case FeatureValue::Kind::kNumber: bucket = b.Numeric(value.number); break;
    case FeatureValue::Kind::kString: bucket = b.Label(value.text); break;
    case FeatureValue::Kind::kBool:
      bucket =
          b.kind() == skew::FeatureKind::kNumeric ? b.Numeric(value.number) : b.Label(value.text);
      break;
    case FeatureValue::Kind::kMissing: bucket = b.Missing(); break;
    case FeatureValue::Kind::kSkipped: return;
    case FeatureValue::Kind::kInvalid:
      // An array or object where a value belongs: the value is unusable, so it counts as
      // missing, and the mismatch is reported.
      ++staged_mismatches_;
      bucket = b.Missing();
      break;
    default: return;
  }
  staged_.push_back(
      static_cast<uint32_t>(offset_[static_cast<size_t>(i)] + static_cast<size_t>(bucket)));
}

void LiveCounters::EndRow() {
  ++staged_rows_;
  if (!indexer_) return;
  for (size_t i = 0; i < seen_.size(); ++i) {
    if (seen_[i] || baseline_->features[i].role != role_) continue;
    const skew::FeatureBinner& b = indexer_->feature(static_cast<int>(i));
    staged_.push_back(static_cast<uint32_t>(offset_[i] + static_cast<size_t>(b.Missing())));
  }
}

void LiveCounters::Commit() {
  for (uint32_t slot : staged_) ++counts_[slot];
  rows_ += staged_rows_;
  unknown_values_ += staged_unknown_;
  type_mismatches_ += staged_mismatches_;
  Discard();
}

void LiveCounters::Discard() {
  staged_.clear();
  staged_rows_ = staged_unknown_ = staged_mismatches_ = 0;
}

skew::Counts LiveCounters::Snapshot(const std::string& start_id) const {
  skew::Counts c;
  c.start_id = start_id;
  if (!baseline_) return c;
  c.baseline_hash = baseline_->hash;
  for (size_t i = 0; i < offset_.size(); ++i) {
    size_t n = static_cast<size_t>(indexer_->feature(static_cast<int>(i)).BucketCount());
    auto begin = counts_.begin() + static_cast<std::ptrdiff_t>(offset_[i]);
    c.features[baseline_->features[i].name] =
        std::vector<uint64_t>(begin, begin + static_cast<std::ptrdiff_t>(n));
  }
  return c;
}

}  // namespace skewgate::sidecar

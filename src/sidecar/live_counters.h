// LiveCounters: the per-feature bucket counts of one sidecar, on the baseline's bins.
// It is a RowSink: a payload's values are staged and only applied by Commit(), so a
// payload that fails to decode half-way counts nothing. Not thread-safe: owned by the
// statistics thread (StatsCollector locks around it).
//
//   LiveCounters c(indexer);  c.SetRole(skew::FeatureRole::kInput);
//   decoder.DecodeRequest(doc, c).ok() ? c.Commit() : c.Discard();
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sidecar/payload.h"
#include "skew/baseline.h"
#include "skew/binning.h"
#include "skew/counts.h"

namespace skewgate::sidecar {

class LiveCounters : public RowSink {
 public:
  // `baseline` may be null: then rows are counted but no feature is.
  explicit LiveCounters(std::shared_ptr<const skew::Baseline> baseline);

  // Which features count as missing when a row does not mention them.
  void SetRole(skew::FeatureRole role) { role_ = role; }

  // RowSink
  void BeginRow() override;
  void Value(std::string_view feature, const FeatureValue& value) override;
  void EndRow() override;

  void Commit();
  void Discard();

  // A copy of the committed counts, tagged with the baseline hash and `start_id`.
  skew::Counts Snapshot(const std::string& start_id) const;

  uint64_t rows() const { return rows_; }
  uint64_t unknown_feature_values() const { return unknown_values_; }
  uint64_t type_mismatches() const { return type_mismatches_; }

 private:
  std::shared_ptr<const skew::Baseline> baseline_;
  std::unique_ptr<skew::BinIndexer> indexer_;
  std::vector<size_t> offset_;    // first slot of feature i in counts_
  std::vector<uint64_t> counts_;  // all features' buckets, flattened
  std::vector<uint32_t> staged_;  // slots to increment on Commit
  std::vector<uint8_t> seen_;     // features seen in the current row
  skew::FeatureRole role_ = skew::FeatureRole::kInput;
  uint64_t rows_ = 0, staged_rows_ = 0;
  uint64_t unknown_values_ = 0, staged_unknown_ = 0;
  uint64_t type_mismatches_ = 0, staged_mismatches_ = 0;
};

}  // namespace skewgate::sidecar

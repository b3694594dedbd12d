// Builds a Baseline from training data streamed one value at a time, with exact quantiles.
//
//   BaselineBuilder b({{"amount", FeatureKind::kNumeric}, {"country", FeatureKind::kCategorical}},
//                     BuilderOptions{}, &run_store);  b.AddNumber(0, 12.5); ...; b.Finish();
//
// Exact quantiles without holding the data in memory: finite numeric values are buffered
// per column; when all buffers together exceed options.memory_budget_bytes, the largest
// buffer is sorted and handed to the RunStore as one run. Finish() k-way merges the runs
// (plus what is still buffered) in ascending order and reads off the order statistics the
// quantiles need (numpy's "linear" definition), then re-reads the values to count them
// into the bins. One pass over the input, two over the spilled runs; memory stays within
// the budget plus one read block per run. Without spilling, quantiles come from in-place
// selection (nth_element) on the buffer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "skew/baseline.h"
#include "skew/binning.h"
#include "skew/run_store.h"

namespace skewgate::skew {

struct ColumnSpec {
  std::string name;
  FeatureKind kind = FeatureKind::kNumeric;
  FeatureRole role = FeatureRole::kInput;
};

struct BuilderOptions {
  int bins = 20;  // value bins per numeric feature, 1..1000
  BinStrategy strategy = BinStrategy::kEqualProbability;
  int top_k = 1000;  // labels kept per categorical feature, 1..1000
  // Buffered numeric values (8 bytes each) before a run is spilled to the RunStore.
  uint64_t memory_budget_bytes = 256ull << 20;
  // Distinct labels tracked per categorical column; beyond this the build fails with a
  // message suggesting --ignore (an identifier column, not a category).
  uint64_t max_distinct_labels = 1'000'000;
  // Extra quantiles reported in each numeric feature's stats.
  std::vector<double> summary_quantiles = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};
};

Status ValidateBuilderOptions(const BuilderOptions& o);

class BaselineBuilder {
 public:
  // `spill` may be null: exceeding the budget is then a ResourceExhausted error.
  BaselineBuilder(std::vector<ColumnSpec> columns, BuilderOptions options, RunStore* spill);

  // Values of column `column` (index into the constructor's columns). AddNumber on a
  // categorical column and AddLabel on a numeric one are bugs (checked). Errors (spill
  // failure, too many labels) are latched: later calls are ignored and status() tells.
  void AddNumber(int column, double v);
  void AddLabel(int column, std::string_view label);
  void AddMissing(int column);
  void EndRow() { ++rows_; }

  const Status& status() const { return status_; }
  uint64_t rows() const { return rows_; }
  uint64_t spilled_runs() const { return spilled_runs_; }
  uint64_t buffered_bytes() const { return buffered_values_ * sizeof(double); }

  // Computes the baseline (hash filled in). Call once.
  StatusOr<Baseline> Finish();

 private:
  struct Column {
    ColumnSpec spec;
    // Numeric.
    std::vector<double> buffer;
    std::vector<int> runs;
    std::vector<uint64_t> run_sizes;
    uint64_t finite = 0, nan = 0, pos_inf = 0, neg_inf = 0, missing = 0;
    double min = 0, max = 0;
    // Welford running mean / M2 for a numerically stable std.
    double mean = 0, m2 = 0;
    // Categorical.
    std::unordered_map<std::string, uint64_t, internal::StringHash, std::equal_to<>> labels;
  };
  void SpillLargest();
  StatusOr<FeatureBaseline> FinishNumeric(Column& c);
  StatusOr<FeatureBaseline> FinishCategorical(Column& c);

  std::vector<Column> columns_;
  BuilderOptions options_;
  RunStore* spill_;
  Status status_;
  uint64_t rows_ = 0;
  uint64_t buffered_values_ = 0;
  uint64_t spilled_runs_ = 0;
  bool finished_ = false;
};

// numpy.quantile(sorted, p) with the default "linear" method, on ascending data.
double QuantileLinear(std::span<const double> sorted, double p);

// Cuts from quantile values: duplicates collapse into one point cut (a mass point).
NumericBins CutsFromQuantiles(std::span<const double> quantile_values);

}  // namespace skewgate::skew

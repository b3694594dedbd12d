// Where the baseline builder parks sorted runs of numeric values that do not fit its
// memory budget (external sort for exact quantiles). The interface keeps src/skew free of
// I/O: the CLI supplies a temp-file implementation, tests the in-memory one below.
//
//   InMemoryRunStore store;
//   BaselineBuilder builder(columns, options, &store);
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace skewgate::skew {

class RunStore {
 public:
  virtual ~RunStore() = default;
  // Persists one run (values already sorted ascending) and returns its id. An error aborts
  // the build; the builder does not retry.
  virtual StatusOr<int> WriteRun(std::span<const double> sorted_values) = 0;
  // Copies up to out.size() values of run `id`, starting at value `offset`, into out and
  // returns how many were copied (0 at the end of the run). Reads of a run may interleave
  // with reads of other runs.
  virtual StatusOr<size_t> ReadRun(int id, uint64_t offset, std::span<double> out) = 0;
};

// Keeps runs in memory; for tests and for callers that only want the builder's budget
// accounting.
class InMemoryRunStore final : public RunStore {
 public:
  // RunStore
  StatusOr<int> WriteRun(std::span<const double> sorted_values) override;
  StatusOr<size_t> ReadRun(int id, uint64_t offset, std::span<double> out) override;

  size_t run_count() const { return runs_.size(); }

 private:
  std::vector<std::vector<double>> runs_;
};

}  // namespace skewgate::skew

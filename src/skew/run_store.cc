#include "skew/run_store.h"

#include <algorithm>

namespace skewgate::skew {

StatusOr<int> InMemoryRunStore::WriteRun(std::span<const double> sorted_values) {
  runs_.emplace_back(sorted_values.begin(), sorted_values.end());
  return static_cast<int>(runs_.size() - 1);
}

StatusOr<size_t> InMemoryRunStore::ReadRun(int id, uint64_t offset, std::span<double> out) {
  if (id < 0 || static_cast<size_t>(id) >= runs_.size()) {
    return InvalidArgumentError("no spilled run " + std::to_string(id));
  }
  const auto& run = runs_[id];
  if (offset >= run.size()) return size_t{0};
  const size_t n = std::min<size_t>(out.size(), run.size() - offset);
  std::copy_n(run.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
  return n;
}

}  // namespace skewgate::skew

// RunStore over anonymous temp files: where `skewgate baseline` spills sorted runs of
// numeric values when a training file does not fit its memory limit. Files are unlinked
// as soon as they are created, so nothing is left behind even if the process dies.
//
//   FileRunStoreImpl store("/tmp");
//   BaselineBuilder builder(columns, options, &store);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "skew/run_store.h"

namespace skewgate::cli {

class FileRunStoreImpl final : public skew::RunStore {
 public:
  explicit FileRunStoreImpl(std::string dir);
  ~FileRunStoreImpl() override;
  FileRunStoreImpl(const FileRunStoreImpl&) = delete;
  FileRunStoreImpl& operator=(const FileRunStoreImpl&) = delete;

  // skew::RunStore
  StatusOr<int> WriteRun(std::span<const double> sorted_values) override;
  StatusOr<size_t> ReadRun(int id, uint64_t offset, std::span<double> out) override;

  uint64_t bytes_written() const { return bytes_written_; }

 private:
  std::string dir_;
  std::vector<int> fds_;
  std::vector<uint64_t> sizes_;
  uint64_t bytes_written_ = 0;
};

}  // namespace skewgate::cli

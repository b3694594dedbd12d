#include "cli/file_run_store_impl.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace skewgate::cli {

FileRunStoreImpl::FileRunStoreImpl(std::string dir) : dir_(std::move(dir)) {}

FileRunStoreImpl::~FileRunStoreImpl() {
  for (int fd : fds_) ::close(fd);
}

StatusOr<int> FileRunStoreImpl::WriteRun(std::span<const double> sorted_values) {
  std::string tmpl = dir_ + "/skewgate-spill-XXXXXX";
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    return UnavailableError("cannot create a spill file in " + dir_ + ": " + std::strerror(errno) +
                            " (set --temp-dir)");
  }
  ::unlink(tmpl.c_str());
  const char* p = reinterpret_cast<const char*>(sorted_values.data());
  size_t left = sorted_values.size_bytes();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return UnavailableError("writing a spill file in " + dir_ + " failed: " + why +
                              " (disk full? set --temp-dir)");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  bytes_written_ += sorted_values.size_bytes();
  fds_.push_back(fd);
  sizes_.push_back(sorted_values.size());
  return static_cast<int>(fds_.size() - 1);
}

StatusOr<size_t> FileRunStoreImpl::ReadRun(int id, uint64_t offset, std::span<double> out) {
  if (id < 0 || static_cast<size_t>(id) >= fds_.size()) {
    return InvalidArgumentError("no spilled run " + std::to_string(id));
  }
  if (offset >= sizes_[id]) return size_t{0};
  const size_t want = std::min<uint64_t>(out.size(), sizes_[id] - offset);
  char* p = reinterpret_cast<char*>(out.data());
  size_t got = 0;
  const size_t bytes = want * sizeof(double);
  while (got < bytes) {
    const ssize_t n =
        ::pread(fds_[id], p + got, bytes - got, static_cast<off_t>(offset * sizeof(double) + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return DataLossError("reading spill run " + std::to_string(id) + " failed: " +
                           (n == 0 ? std::string("short file") : std::strerror(errno)));
    }
    got += static_cast<size_t>(n);
  }
  return want;
}

}  // namespace skewgate::cli

#include "kube/request_metrics.h"

namespace skewgate::kube {

void RequestCounter::OnRequest(std::string_view verb, int code, Duration latency) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[Key{std::string(verb), code}];
}

std::map<RequestCounter::Key, uint64_t> RequestCounter::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

uint64_t RequestCounter::Count(std::string_view verb, int code) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(Key{std::string(verb), code});
  return it == counts_.end() ? 0 : it->second;
}

}  // namespace skewgate::kube

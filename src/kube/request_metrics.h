// A hook counting API requests by verb and response code, for the runtime's /metrics
// (rest_client_requests_total in client-go terms). Code 0 means no response arrived.
//
//   RequestCounter counter;  ClientOptions opts;  opts.observer = &counter;
//   for (auto& [key, n] : counter.Snapshot()) out << key.verb << " " << key.code << " " << n;
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace skewgate::kube {

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // Called once per HTTP attempt (a retried 429 counts twice), from any thread; must be
  // cheap and must not call back into the Client. `verb` is one of get, list, watch,
  // create, update, patch, apply, delete.
  virtual void OnRequest(std::string_view verb, int code, Duration latency) = 0;
};

// The plain implementation: thread-safe counters keyed by (verb, code).
class RequestCounter final : public RequestObserver {
 public:
  struct Key {
    std::string verb;
    int code = 0;
    friend bool operator<(const Key& a, const Key& b) {
      return a.verb != b.verb ? a.verb < b.verb : a.code < b.code;
    }
  };

  // RequestObserver
  void OnRequest(std::string_view verb, int code, Duration latency) override;

  std::map<Key, uint64_t> Snapshot() const;
  uint64_t Count(std::string_view verb, int code) const;

 private:
  mutable std::mutex mu_;
  std::map<Key, uint64_t> counts_;
};

}  // namespace skewgate::kube

// Reads one sidecar's cumulative counters from its admin port (GET /stats).
//
//   std::unique_ptr<StatsClient> c = NewHttpStatsClient(std::chrono::seconds(2));
//   StatusOr<SidecarStats> s = c->Fetch("127.100.0.3", 9090);
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "skew/counts.h"

namespace skewgate::analysis {

struct SidecarStats {
  std::string baseline_hash;
  std::string start_id;
  std::string revision;
  skew::Counts counts;
  uint64_t dropped = 0;
};

// Parses the sidecar's /stats JSON document. Errors name the field.
StatusOr<SidecarStats> ParseSidecarStats(const std::string& body);

class StatsClient {
 public:
  virtual ~StatsClient() = default;
  // One GET of http://host:port/stats. Unavailable when the pod does not answer within the
  // client's timeout or answers non-200; DataLoss when the body is not a /stats document.
  // Safe to call from several threads.
  virtual StatusOr<SidecarStats> Fetch(const std::string& host, int port) = 0;
};

std::unique_ptr<StatsClient> NewHttpStatsClient(std::chrono::milliseconds timeout);

// A plain HTTP/1.1 GET with a deadline; returns the body of a 200 response. `target` is
// the path and query ("/stats").
StatusOr<std::string> HttpGet(const std::string& host, int port, const std::string& target,
                              std::chrono::milliseconds timeout);

// The same GET, returning any answer with its status code (Prometheus' query API answers
// its errors as JSON with 400/422/503). Unavailable only when no answer arrived.
struct HttpAnswer {
  int status = 0;
  std::string body;
};
StatusOr<HttpAnswer> HttpGetAnswer(const std::string& host, int port, const std::string& target,
                                   std::chrono::milliseconds timeout);

}  // namespace skewgate::analysis

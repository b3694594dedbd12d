// The sidecar's data plane: an HTTP/1.1 reverse proxy on Boost.Asio/Beast that relays
// each message's raw bytes (so responses are byte-identical to the upstream's), keeps
// upstream connections in a per-thread pool, copies bounded payloads to a SampleSink, and
// mirrors a share of requests to another address without waiting for it.
//
//   Proxy proxy(options, &stats);
//   SG_RETURN_IF_ERROR(proxy.Start());  proxy.Run();  // until Drain() finishes
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "sidecar/sample_sink.h"

namespace skewgate::sidecar {

struct ProxyOptions {
  std::string listen_address = "0.0.0.0";
  uint16_t port = 8080;  // 0 picks a free port (tests)
  std::string upstream_host = "127.0.0.1";
  uint16_t upstream_port = 8081;
  int io_threads = 1;
  uint64_t max_body_bytes = 32ull << 20;             // larger request bodies get 413
  size_t max_header_bytes = 64 << 10;                // larger request headers get 431
  size_t stats_capture_bytes = 1 << 20;              // bodies above this are not sampled
  size_t replay_bytes = 64 << 10;                    // requests up to this can be retried/mirrored
  std::chrono::milliseconds header_timeout{10'000};  // slowloris guard
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive between requests
  std::chrono::milliseconds body_timeout{60'000};    // whole request body
  std::chrono::milliseconds upstream_timeout{60'000};  // connect + response
  size_t max_idle_upstream = 256;                      // pooled connections per thread
  // Mirroring: host:port and the share of requests (0..100) sent there too.
  std::string mirror_host;
  uint16_t mirror_port = 0;
  double mirror_percent = 0;
  int mirror_max_in_flight = 64;
};

// Counters of the data plane, read by /metrics.
struct ProxyCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> responses{0};
  std::atomic<uint64_t> upstream_errors{0};  // 502s we generated
  std::atomic<uint64_t> client_errors{0};    // 400/408/413/431 we generated
  std::atomic<uint64_t> upstream_connects{0};
  std::atomic<uint64_t> upstream_retries{0};  // stale pooled connection, replayed
  std::atomic<uint64_t> mirror_sent{0};
  std::atomic<uint64_t> mirror_dropped{0};  // over the in-flight limit or not replayable
  std::atomic<uint64_t> mirror_failed{0};
  std::atomic<uint64_t> active_connections{0};
  std::atomic<uint64_t> in_flight{0};
};

class Proxy {
 public:
  Proxy(ProxyOptions options, SampleSink* sink);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Resolves the upstream and mirror, binds and listens. Errors name the address.
  Status Start();
  // Changes mirroring while serving (the shadow step begins or ends under running pods):
  // resolves `host` here, then every I/O thread switches before its next request. An empty
  // host or percent 0 stops mirroring. On a resolution error nothing changes. Any thread.
  Status SetMirror(const std::string& host, uint16_t port, double percent);
  // The bound port (useful when options.port was 0). Valid after Start().
  uint16_t port() const;
  // Runs the I/O threads; returns after Drain() completed or Stop().
  void Run();
  // Stops accepting, lets in-flight exchanges finish (up to `grace`), then stops.
  // Callable from any thread (a signal handler thread, a test).
  void Drain(std::chrono::milliseconds grace);
  void Stop();

  const ProxyCounters& counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skewgate::sidecar

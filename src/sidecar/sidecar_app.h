// SidecarApp: the whole sidecar process: the proxy, the statistics thread, the admin
// server (/stats, /metrics, /healthz, /readyz), the upstream readiness probe, and the
// configuration/baseline reload that restarts the counters under a new start id, and
// the mirror reload (the controller switches mirroring on and off under running pods).
//
//   SidecarApp app(config);  SG_RETURN_IF_ERROR(app.Start());
//   app.Run();  // returns after Shutdown() (SIGTERM) has drained the proxy
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status.h"
#include "sidecar/http_server.h"
#include "sidecar/proxy.h"
#include "sidecar/sidecar_config.h"
#include "sidecar/stats_collector.h"

namespace skewgate::sidecar {

// Reads and parses a baseline file (ParseBaseline at the adapter).
StatusOr<std::shared_ptr<const skew::Baseline>> LoadBaselineFile(const std::string& path);

class SidecarApp {
 public:
  explicit SidecarApp(SidecarConfig config, Clock& clock = RealClock::Get());
  ~SidecarApp();

  // Loads the baseline, binds both ports. Errors name the file or address.
  Status Start();
  uint16_t port() const { return proxy_->port(); }
  uint16_t admin_port() const { return admin_->port(); }
  // Serves until Shutdown() has drained the proxy.
  void Run();
  // Begins the graceful drain (readiness turns false at once). Any thread.
  void Shutdown();

  // Handles one admin request; public for tests.
  HttpResponse HandleAdmin(const HttpRequest& r);

 private:
  void Maintenance();  // reload + readiness probe loop
  void Reload();
  void ApplyMirror();  // makes the proxy mirror as wanted_mirror_ says (retried until it can)
  bool ProbeUpstream();
  std::string MetricsText();

  SidecarConfig config_;
  Clock& clock_;
  std::unique_ptr<StatsCollector> stats_;
  std::unique_ptr<Proxy> proxy_;
  std::unique_ptr<HttpServer> admin_;
  std::atomic<bool> upstream_ready_{false};
  std::atomic<bool> draining_{false};
  std::string loaded_config_text_, loaded_baseline_text_, loaded_baseline_hash_;
  // Mirroring: what the file last said, what is wanted (the file once it changes; flags
  // at start), and what the proxy does. Touched by Start() and the maintenance thread.
  struct Mirror {
    std::string host;
    uint16_t port = 0;
    double percent = 0;
    bool operator==(const Mirror&) const = default;
  };
  static Mirror MirrorOf(const ProxyOptions& p);
  static Mirror FileMirror(const std::string& text);
  Mirror file_mirror_, wanted_mirror_, applied_mirror_, failed_mirror_;
  std::atomic<double> mirror_percent_{0};  // applied_mirror_.percent, for /metrics
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread maintenance_;
};

}  // namespace skewgate::sidecar

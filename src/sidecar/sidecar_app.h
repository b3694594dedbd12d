// SidecarApp: the whole sidecar process: the proxy, the statistics thread, the admin
// server (/stats, /metrics, /healthz, /readyz), the upstream readiness probe, and the
// configuration/baseline reload that restarts the counters under a new start id.
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
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread maintenance_;
};

}  // namespace skewgate::sidecar

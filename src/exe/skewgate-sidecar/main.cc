// skewgate-sidecar: the reverse proxy in every serving pod (see docs/sidecar.md).
// Prints one JSON line {"event":"listening","port":P,"adminPort":A} on stdout once bound,
// so scripts and tests that pass port 0 learn the ports.
#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "common/log.h"
#include "sidecar/sidecar_app.h"

int main(int argc, char** argv) {
  using namespace skewgate;
  auto config = sidecar::LoadSidecarConfig(std::vector<std::string>(argv + 1, argv + argc));
  if (!config.ok()) {
    std::cerr << "skewgate-sidecar: " << config.status().message() << "\n";
    return 2;
  }
  if (config->help) {
    std::cout << config->usage;
    return 0;
  }
  if (const char* ns = std::getenv("POD_NAMESPACE");
      ns != nullptr && config->pod_namespace.empty()) {
    config->pod_namespace = ns;
  }
  LogConfig lc = DefaultLogConfig("sidecar");
  if (!ParseLogLevel(config->log_level, &lc.min_level)) {
    std::cerr << "skewgate-sidecar: --log-level: '" << config->log_level
              << "' is not one of debug, info, warn, error\n";
    return 2;
  }
  ConfigureLogging(lc);
  // Block the shutdown signals in every thread; one thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  sidecar::SidecarApp app(std::move(config).value());
  if (Status s = app.Start(); !s.ok()) {
    std::cerr << "skewgate-sidecar: " << s.message() << "\n";
    return 1;
  }
  std::cout << "{\"event\":\"listening\",\"port\":" << app.port()
            << ",\"adminPort\":" << app.admin_port() << "}" << std::endl;
  std::thread signals([&app, set] {
    int sig = 0;
    sigwait(&set, &sig);
    app.Shutdown();
  });
  signals.detach();
  app.Run();
  return 0;
}

// skewgate-pod-runner: runs the real processes of KWOK-simulated serving pods on this
// host (see pod_runner.h). Test and demo infrastructure, not shipped.
//   skewgate-pod-runner --kubeconfig .cluster/kubeconfig --bin-dir build/bin --work-dir /tmp/pods
#include <csignal>
#include <iostream>
#include <thread>

#include "common/flags.h"
#include "common/log.h"
#include "kube/config.h"
#include "pod_runner/pod_runner.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  using namespace skewgate;
  FlagSet f("skewgate-pod-runner [flags]", "Runs the processes of KWOK-simulated serving pods.");
  f.String("kubeconfig", "", "kubeconfig of the local cluster").Required();
  f.String("namespace", "", "only pods of this namespace (default: all)");
  f.String("bin-dir", "", "folder with the skewgate binaries").Required();
  f.String("work-dir", "/tmp/skewgate-pods", "per-pod folders and logs");
  Status s = f.Parse(std::vector<std::string>(argv + 1, argv + argc));
  if (f.help_requested()) {
    std::cout << f.Usage();
    return 0;
  }
  if (!s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 2;
  }
  ConfigureLogging(DefaultLogConfig("pod-runner"));
  auto cfg = kube::LoadKubeConfigFile(f.Get("kubeconfig"));
  if (!cfg.ok()) {
    std::cerr << "error: " << cfg.status().message() << "\n";
    return 1;
  }
  auto client = kube::NewClient(*cfg);
  if (!client.ok()) {
    std::cerr << "error: " << client.status().message() << "\n";
    return 1;
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGCHLD, SIG_DFL);
  testing::PodRunner runner(**client, {f.Get("namespace"), f.Get("bin-dir"), f.Get("work-dir")});
  while (!g_stop) {
    Status sync = runner.SyncOnce();
    if (!sync.ok()) SG_LOG(Warn, "").Msg("sync failed").Field("error", sync.message());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  runner.StopAll();
  return 0;
}

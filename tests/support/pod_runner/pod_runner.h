// The pod runner gives KWOK-simulated pods real processes, for the closed-loop tests and
// the demo. For each Running serving pod (label skewgate.io/revision) it materialises the
// pod's volumes (ConfigMap keys as files, emptyDirs as folders), runs its init containers
// in order and then its containers as local processes — the commands and arguments the
// controller wrote, with $(VAR) expanded from the container's env (POD_IP from the
// downward API) and mount paths mapped to local folders — bound to the pod's loopback IP.
// Pod readiness follows the processes: the runner patches the pod's Ready condition from
// the sidecar's readiness probe, and marks a pod whose init container failed (a model
// digest mismatch) as never Ready. When a pod goes away its processes are stopped.
// As a kubelet does, it keeps ConfigMap volumes up to date (every second here, atomically
// by rename), so a sidecar sees the controller switch mirroring on for the shadow step; a
// Service URL in them (`http://name.ns.svc:port`) is rewritten to a local proxy over the
// Service's Ready pods (service_proxy.h), which stands in for cluster DNS and kube-proxy.
//
//   PodRunner runner(client, {.namespace_ = "demo", .bin_dir = "build/bin"});
//   while (!stop) runner.SyncOnce();   // every 300 ms
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/client.h"
#include "pod_runner/service_proxy.h"

namespace skewgate::testing {

struct PodRunnerOptions {
  std::string namespace_;  // "" = all namespaces
  std::string bin_dir;     // where the product binaries are (build/bin)
  std::string work_dir;    // per-pod folders and logs go here
};

// Pure helpers (unit-tested): $(VAR) expansion as the kubelet does it, and mount-path
// mapping of an argument.
std::string ExpandVars(const std::string& text, const std::map<std::string, std::string>& env);
std::string MapPaths(const std::string& arg, const std::map<std::string, std::string>& mounts);
// The pod's own view of the network and the file system, simulated for a file the pod
// reads (a ConfigMap its containers mount): "127.0.0.1" and "0.0.0.0" — the pod's shared
// loopback and any-address — become the pod's IP, and every mount path becomes the local
// folder that stands for it.
std::string RewriteForPod(const std::string& text, const std::map<std::string, std::string>& mounts,
                          const std::string& pod_ip);

class PodRunner {
 public:
  PodRunner(kube::Client& client, PodRunnerOptions options);
  ~PodRunner();

  // Lists the serving pods once and converges the local processes on them.
  Status SyncOnce();
  // Stops every process it started.
  void StopAll();

 private:
  struct Running {
    std::string uid, ns, name, ip;
    std::string dir;
    std::vector<pid_t> pids;
    // What each container runs, to restart it when it exits (restartPolicy Always): e.g. a
    // sidecar that could not bind because the previous owner of the pod's IP (KWOK hands
    // out a freed IP again at once) was still shutting down.
    struct Container {
      std::vector<std::string> argv;
      std::map<std::string, std::string> env;
      std::string log;
      std::chrono::steady_clock::time_point started;
      int restarts = 0;
    };
    std::vector<Container> containers;  // parallel to pids
    std::string readiness_url_host;
    int readiness_port = 0;
    std::string readiness_path;
    bool failed = false;           // an init container failed: never Ready
    std::string failed_container;  // which one, its exit code and last log line
    int failed_exit_code = 0;
    std::string failed_message;
    int last_ready = -1;                             // last Ready value written (-1: none yet)
    int probe_failures = 0;                          // readiness probes failed in a row
    nlohmann::json volumes;                          // the pod's spec.volumes
    std::map<std::string, std::string> volume_dirs;  // volume name → local folder
    std::map<std::string, std::string> all_mounts;   // mount path → local folder
  };
  using ConfigMapCache = std::map<std::pair<std::string, std::string>, nlohmann::json>;
  Status Start(const nlohmann::json& pod, Running& r);
  // Writes the pod's ConfigMap volumes (only files whose content changed, by rename).
  Status WriteConfigMapVolumes(Running& r, ConfigMapCache& cache);
  void Stop(Running& r);
  void UpdateReadiness(Running& r);
  void RestartExited(Running& r);

  kube::Client& client_;
  PodRunnerOptions options_;
  std::map<std::string, Running> pods_;  // by uid
  ServiceProxies services_;
  std::chrono::steady_clock::time_point next_volume_refresh_{};
};

}  // namespace skewgate::testing

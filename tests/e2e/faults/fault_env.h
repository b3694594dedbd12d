// Faults on the real local control plane for the fault tests: restarting kube-apiserver
// (kwokctl's pid files and `kwokctl start cluster`), compacting etcd through its v3 HTTP
// gateway, and a fault-injecting HTTPS proxy (tests/support/fault_proxy/) between one
// controller and the API server. Run them on a cluster of their own when you can:
// SKEWGATE_CLUSTER_DIR=.cluster-faults (see docs/testing.md).
//
//   ASSERT_TRUE(RestartApiServer(60s, &down));   // back when /readyz answers ok
//   FaultProxy p;  ASSERT_TRUE(p.Start());  p.SetFaults({{"throttle_percent", 50}});
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster/controller/controller_env.h"
#include "support/cluster_env.h"

namespace skewgate::faults {

// The controller's cluster-test helpers and the cluster's, as every fault test uses them.
using controller::testing::ApplyJson;
using controller::testing::BaselineConfigMapJson;
using controller::testing::ControllerProcess;
using controller::testing::GetJson;
using controller::testing::ModelDeploymentJson;
using controller::testing::PollUntil;
using nlohmann::json;
using skewgate::testing::BinPath;
using skewgate::testing::CommandResult;
using skewgate::testing::Kubectl;
using skewgate::testing::RepoRoot;
using skewgate::testing::RunCommand;
using skewgate::testing::Spawn;

// Processes and files of the tests (a process is started by Spawn): SIGKILL and reap
// (pid <= 0: nothing); a whole file ("" when unreadable); a fresh folder
// /tmp/<prefix>-XXXXXX.
void KillAndReap(pid_t pid);
std::string ReadFile(const std::string& path);
std::string TempDir(const std::string& prefix);

// How big the fault tests are: SKEWGATE_FAULTS=full (make test-faults) runs the issue's
// figures; anything else (make test, CI) a reduced form of the same scenarios.
struct FaultScale {
  bool full = false;
  int rollouts = 8;            // concurrent rollouts in the controller-kill test
  int kills = 4;               // SIGKILLs of the controller during them
  int apiserver_rollouts = 6;  // rollouts across the API server restart
  int throttled_rollouts = 2;  // rollouts behind the throttling proxy
  // The leader test's SIGKILL hand-over (the SIGSTOP one, which also checks that the old
  // leader writes nothing, always runs).
  bool leader_kill = false;
};
FaultScale Scale();

// The cluster's folder (SKEWGATE_CLUSTER_DIR or <repo>/.cluster) and kwokctl's folder of
// the cluster in it.
std::string ClusterDir();
std::string KwokClusterDir();

// Applies crds/ (server-side) and waits until the ModelDeployment CRD is Established.
bool InstallCrds();

// kubectl get --raw /readyz answers "ok".
bool ApiServerReady();
// SIGTERM to kube-apiserver (SIGKILL if it has not exited 3 s later), waits for it to
// exit, `kwokctl start cluster` (which starts only what is not running), waits for
// /readyz, then until kube-controller-manager and kube-scheduler have renewed their
// leases — starting them again if they exited for having lost them. *down_seconds: from
// the signal to /readyz ok.
bool RestartApiServer(std::chrono::seconds timeout, double* down_seconds);
// etcd's current revision (0 on failure) and a physical compaction at `revision`.
int64_t EtcdRevision();
bool CompactEtcd(int64_t revision);

// One request seen by the proxy.
struct ProxiedRequest {
  double time = 0;  // unix seconds
  std::string method;
  std::string path;
  int status = 0;  // 429 when injected
  bool IsWrite() const { return method != "GET" && method != "HEAD"; }
};

class FaultProxy {
 public:
  FaultProxy();
  ~FaultProxy();
  // Starts the proxy in front of the cluster's API server; writes kubeconfig() (the proxy
  // as server, its own CA, the cluster's client certificate).
  bool Start();
  void Stop();
  // Replaces the injected faults (see fault_proxy.py).
  void SetFaults(const nlohmann::json& faults);
  std::vector<ProxiedRequest> Requests() const;
  const std::string& kubeconfig() const { return kubeconfig_; }

 private:
  std::string work_;
  std::string kubeconfig_;
  pid_t pid_ = -1;
};

// A kubeconfig equal to the cluster's but trusting `ca_file` instead of the cluster's CA.
std::string KubeconfigWithCa(const std::string& path, const std::string& ca_file);
// Generates a throwaway CA (certificate at <dir>/ca.crt); false when openssl failed.
bool MakeCa(const std::string& dir);

// Sends `sig` to pid.
void Signal(pid_t pid, int sig);
// The ModelDeployments' statuses as recorded by `kubectl get md -w`: one line per version
// seen, "name phase stableRevision canaryRevision".
class StatusRecorder {
 public:
  explicit StatusRecorder(const std::string& ns);
  ~StatusRecorder();
  // Stops the watch and returns every line recorded.
  std::vector<std::string> Finish();

 private:
  std::string path_;
  pid_t pid_ = -1;
};

}  // namespace skewgate::faults

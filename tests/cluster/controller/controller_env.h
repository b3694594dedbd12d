// Helpers for the controller's cluster tests: the real skewgate-controller binary as a
// subprocess (SIGTERM / SIGKILL, its /metrics), kubectl JSON reads, polling with deadlines,
// and ModelDeployment manifests.
//
//   ControllerProcess c({"--namespace", ns});  ASSERT_TRUE(c.Start());
//   ASSERT_TRUE(PollUntil([&] { return Phase(ns, "m") == "Healthy"; }, 60s, "Healthy"));
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace skewgate::controller::testing {

class ControllerProcess {
 public:
  explicit ControllerProcess(std::vector<std::string> extra_args);
  ~ControllerProcess();
  // Starts the binary with --kubeconfig of the local cluster, --metrics-address
  // 127.0.0.1:0 and the extra args; waits until it logs its metrics port.
  bool Start();
  // SIGTERM (graceful) or SIGKILL; returns the exit status (128+signal when killed).
  int Stop(bool kill = false);
  // Waits up to `timeout` for the process to exit on its own; its exit status as Stop's, or
  // -1 when it is still running.
  int WaitExit(std::chrono::milliseconds timeout);
  int metrics_port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string Log() const;
  // The sum of skewgate_api_requests_total over the writing verbs.
  long long ApiWrites() const;
  std::string Metrics() const;

 private:
  std::vector<std::string> args_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// kubectl get ... -o json; null on failure.
nlohmann::json GetJson(const std::vector<std::string>& args);
// kubectl apply --server-side of one JSON object; returns the exit code (stderr on failure
// is added to *err).
int ApplyJson(const nlohmann::json& object, std::string* err = nullptr);

// Calls `done` every 200 ms until it returns true or `timeout` passes.
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// A ModelDeployment with a model port, `replicas` and optional canary `strategy`; the
// model digest's hex digits are all `digest_char`, so changing it makes a new revision.
nlohmann::json ModelDeploymentJson(const std::string& ns, const std::string& name, int replicas,
                                   char digest_char, const nlohmann::json& strategy = nullptr);
// The baseline ConfigMap "<name>-baseline" with a valid baseline.
nlohmann::json BaselineConfigMapJson(const std::string& ns, const std::string& name);

// Writes a gate request into status.gates.<gate> (as the CLI does).
int WriteGate(const std::string& ns, const std::string& name, const std::string& gate,
              const std::string& id);

// HTTP GET of http://127.0.0.1:port/path; "" on failure.
std::string HttpGet(int port, const std::string& path);

}  // namespace skewgate::controller::testing

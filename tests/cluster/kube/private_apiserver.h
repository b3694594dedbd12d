// A second kube-apiserver for tests that must restart one: same binary, flags and etcd
// as the shared cluster's, on its own port. Killing it disturbs nobody else's tests, and
// the shared apiserver is never touched, so the cluster stays as it was even when a test
// fails half-way. The process dies with the test (PR_SET_PDEATHSIG) and in the destructor.
//
//   PrivateApiServer api;  ASSERT_TRUE(api.Start().ok());  // same port on every Start
//   api.Kill();  ASSERT_TRUE(api.Start().ok());             // a restart mid-watch
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "kube/config.h"

namespace skewgate::kube::testing {

class PrivateApiServer {
 public:
  // `shared` is the cluster's config (for credentials); the shared apiserver's command
  // line is read from its pid file under <repo>/.cluster/kwok/clusters/skewgate/pids.
  explicit PrivateApiServer(KubeConfig shared);
  ~PrivateApiServer();
  PrivateApiServer(const PrivateApiServer&) = delete;
  PrivateApiServer& operator=(const PrivateApiServer&) = delete;

  // Starts the process and waits until /readyz says ok (or `limit` passes).
  Status Start(std::chrono::seconds limit = std::chrono::seconds(60));
  // SIGKILL and reap; a no-op when not running.
  void Kill();

  // The shared config pointed at this apiserver.
  const KubeConfig& config() const { return config_; }
  bool running() const { return pid_ > 0; }

 private:
  Status Prepare();
  bool Ready();

  KubeConfig config_;
  std::vector<std::string> argv_;
  std::string cwd_;
  std::string log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace skewgate::kube::testing

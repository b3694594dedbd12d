// Helpers for tests that run against the real local control plane (`make cluster-up`).
// A cluster test that finds no cluster FAILS with a message saying how to start one;
// it never skips.
//
//   class MyTest : public skewgate::testing::ClusterTest {};
//   TEST_F(MyTest, Works) { auto r = Kubectl({"get", "nodes"}); ASSERT_EQ(r.exit_code, 0); }
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace skewgate::testing {

// The repository root (from SKEWGATE_REPO_ROOT, set by CTest) and the kubeconfig that
// `make cluster-up` writes there.
std::string RepoRoot();
std::string KubeconfigPath();
// The build directory (SKEWGATE_BUILD_DIR) and its bin/ folder with the product binaries.
std::string BuildDir();
std::string BinPath(const std::string& name);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv (no shell) with an optional stdin, capturing stdout and stderr.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_text = "");
// Runs kubectl with --kubeconfig pointing at the local cluster.
CommandResult Kubectl(const std::vector<std::string>& args, const std::string& stdin_text = "");
// Starts argv (no shell; PATH searched when argv[0] has no slash) in the background with
// stdout and stderr to `log` (truncated) and returns its pid, -1 when fork failed. Whoever
// starts it stops and reaps it.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log);

// A unique, DNS-1123 name for per-test namespaces and objects: "<prefix>-<random>".
std::string UniqueName(const std::string& prefix);

// Base fixture: fails the test (not skip) unless the cluster answers /readyz.
class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // Creates a namespace for this test and deletes it in TearDown (without waiting).
  std::string CreateNamespace(const std::string& prefix);
  void TearDown() override;

 private:
  std::vector<std::string> namespaces_;
};

}  // namespace skewgate::testing

// The local control plane's acceptance, driven through kubectl: the API server is ready,
// the fake nodes are Ready, and a Deployment's pods become Running and Ready (which needs
// kube-controller-manager, kube-scheduler and KWOK all working) on loopback pod IPs.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/cluster_env.h"

namespace skewgate::testing {
namespace {

using nlohmann::json;

class ClusterSmokeTest : public ClusterTest {};

json GetJson(const std::vector<std::string>& args) {
  std::vector<std::string> full = args;
  full.push_back("-o");
  full.push_back("json");
  auto r = Kubectl(full);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? json::parse(r.out) : json::object();
}

bool ConditionTrue(const json& obj, const std::string& type) {
  for (const auto& c : obj["status"].value("conditions", json::array())) {
    if (c.value("type", "") == type) return c.value("status", "") == "True";
  }
  return false;
}

TEST_F(ClusterSmokeTest, ApiServerIsReadyAndServesItsPinnedVersion) {
  auto r = Kubectl({"get", "--raw", "/readyz"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok");
  auto v = json::parse(Kubectl({"get", "--raw", "/version"}).out);
  EXPECT_EQ(v.value("major", ""), "1");
  EXPECT_TRUE(v.value("gitVersion", "").rfind("v1.", 0) == 0) << v.dump();
}

TEST_F(ClusterSmokeTest, FakeNodesAreReady) {
  json nodes = GetJson({"get", "nodes"});
  ASSERT_GE(nodes["items"].size(), 3u);
  for (const auto& n : nodes["items"]) {
    EXPECT_TRUE(ConditionTrue(n, "Ready")) << n["metadata"]["name"];
  }
}

TEST_F(ClusterSmokeTest, DeploymentPodsBecomeRunningAndReadyOnLoopbackIps) {
  std::string ns = CreateNamespace("smoke");
  auto r = Kubectl(
      {"-n", ns, "create", "deployment", "web", "--image=registry.example/web:1", "--replicas=3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  json pods;
  int ready = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pods = GetJson({"-n", ns, "get", "pods", "-l", "app=web"});
    ready = 0;
    for (const auto& p : pods["items"]) {
      if (p["status"].value("phase", "") == "Running" && ConditionTrue(p, "Ready")) ++ready;
    }
    if (ready == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_EQ(ready, 3) << "pods not Running and Ready within 60 s: " << pods.dump(1);
  for (const auto& p : pods["items"]) {
    std::string ip = p["status"].value("podIP", "");
    EXPECT_EQ(ip.rfind("127.", 0), 0u) << "pod IP " << ip << " is not on loopback";
  }
}

}  // namespace
}  // namespace skewgate::testing

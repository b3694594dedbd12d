// The pod runner on the real local cluster: a KWOK pod whose container is the real
// skewgate-model-server gets a real process on its loopback IP, its Ready condition
// follows the process's readiness probe, and deleting the pod stops the process.
#include "pod_runner/pod_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "analysis/stats_client.h"
#include "kube/config.h"
#include "kube/resource.h"
#include "support/cluster_env.h"

namespace skewgate::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(ExpandVarsTest, ExpandsKnownReferencesLikeTheKubelet) {
  std::map<std::string, std::string> env = {{"POD_IP", "127.100.0.7"}};
  EXPECT_EQ(ExpandVars("--listen=$(POD_IP):8081", env), "--listen=127.100.0.7:8081");
  EXPECT_EQ(ExpandVars("$(UNKNOWN)/x", env), "$(UNKNOWN)/x");
  EXPECT_EQ(ExpandVars("$$(POD_IP)", env), "$(POD_IP)");
  EXPECT_EQ(ExpandVars("$(POD_IP", env), "$(POD_IP");
}

TEST(MapPathsTest, MapsTheLongestMountAtAPathBoundary) {
  std::map<std::string, std::string> mounts = {{"/models", "/tmp/a"}, {"/models/cache", "/tmp/b"}};
  EXPECT_EQ(MapPaths("/models/model.json", mounts), "/tmp/a/model.json");
  EXPECT_EQ(MapPaths("--to=/models/cache/x", mounts), "--to=/tmp/b/x");
  EXPECT_EQ(MapPaths("/modelsfoo", mounts), "/modelsfoo");
  EXPECT_EQ(MapPaths("/etc/models", mounts), "/etc/models");
}

TEST(RewriteForPodTest, GivesThePodItsOwnAddressAndFolders) {
  std::map<std::string, std::string> mounts = {{"/etc/skewgate", "/tmp/p/a"},
                                               {"/etc/skewgate/baseline", "/tmp/p/b"}};
  std::string in = R"({"upstream":"127.0.0.1:8081","listenAddress":"0.0.0.0",)"
                   R"("baselinePath":"/etc/skewgate/baseline/baseline.json","x":"/etc/skewgatex"})";
  EXPECT_EQ(RewriteForPod(in, mounts, "127.100.0.9"),
            R"({"upstream":"127.100.0.9:8081","listenAddress":"127.100.0.9",)"
            R"("baselinePath":"/tmp/p/b/baseline.json","x":"/etc/skewgatex"})");
}

TEST(RewriteServiceUrlsTest, RewritesClusterServiceUrlsOnly) {
  std::vector<std::string> asked;
  auto resolve = [&](const std::string& ns, const std::string& name, int port) {
    asked.push_back(ns + "/" + name + ":" + std::to_string(port));
    return name == "gone" ? std::string() : "127.0.0.1:4" + std::to_string(port);
  };
  EXPECT_EQ(RewriteServiceUrls(
                R"({"mirror":{"url":"http://fraud-canary.ml.svc:8080","percent":20}})", resolve),
            R"({"mirror":{"url":"http://127.0.0.1:48080","percent":20}})");
  EXPECT_EQ(
      RewriteServiceUrls("a http://s.n.svc.cluster.local:81/x b http://s2.n2.svc:82", resolve),
      "a http://127.0.0.1:481/x b http://127.0.0.1:482");
  // Not a Service URL, or one the resolver does not know: unchanged.
  for (std::string same : {"http://example.com:80", "http://s.n.svc", "http://s.svc:80",
                           "http://Upper.n.svc:80", "http://gone.n.svc:80", "http://s.n.svcx:80"}) {
    EXPECT_EQ(RewriteServiceUrls(same, resolve), same);
  }
  EXPECT_EQ(asked,
            (std::vector<std::string>{"ml/fraud-canary:8080", "n/s:81", "n2/s2:82", "n/gone:80"}));
}

class PodRunnerClusterTest : public ClusterTest {};

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool PodReady(const json& pod) {
  for (const auto& c : pod["status"].value("conditions", json::array())) {
    if (Str(c, "type") == "Ready") return Str(c, "status") == "True";
  }
  return false;
}

TEST_F(PodRunnerClusterTest, RunsThePodsProcessOnItsIpAndFollowsItsReadiness) {
  std::string ns = CreateNamespace("runner");
  auto cfg = kube::LoadKubeConfigFile(KubeconfigPath());
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  auto client = kube::NewClient(*cfg);
  ASSERT_TRUE(client.ok());
  std::string model =
      R"({"name":"m","kind":"linear","features":["a","b"],"weights":[1,2],"bias":0.5})";
  json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "model"}}},
             {"data", {{"model.json", model}}}};
  ASSERT_TRUE((*client)->Create(kube::resources::ConfigMaps(), ns, cm, {}).ok());
  json pod = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "server", "labels": {"skewgate.io/revision": "r1"}},
    "spec": {
      "volumes": [{"name": "model", "configMap": {"name": "model"}}],
      "containers": [{
        "name": "server", "image": "skewgate:test",
        "command": ["skewgate-model-server"],
        "args": ["--model", "/model/model.json", "--listen", "$(POD_IP):8081"],
        "env": [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
        "volumeMounts": [{"name": "model", "mountPath": "/model"}],
        "readinessProbe": {"httpGet": {"path": "/v2/health/ready", "port": 8081}}
      }]
    }})");
  ASSERT_TRUE((*client)->Create(kube::resources::Pods(), ns, pod, {}).ok());

  std::string work = std::filesystem::temp_directory_path() / UniqueName("pods");
  PodRunner runner(**client, {ns, BuildDir() + "/bin", work});
  std::string ip;
  bool ready = false;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline && !ready) {
    ASSERT_TRUE(runner.SyncOnce().ok());
    auto p = (*client)->Get(kube::resources::Pods(), ns, "server");
    ASSERT_TRUE(p.ok());
    ip = Str((*p)["status"], "podIP");
    ready =
        PodReady(*p) && !ip.empty() && analysis::HttpGet(ip, 8081, "/v2/health/ready", 500ms).ok();
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(ready) << "the pod's model server never answered on " << ip << ":8081 (logs in "
                     << work << ")";
  ASSERT_EQ(ip.rfind("127.", 0), 0u);

  // Deleting the pod stops its process.
  ASSERT_TRUE((*client)->Delete(kube::resources::Pods(), ns, "server", {}).ok());
  deadline = std::chrono::steady_clock::now() + 30s;
  bool stopped = false;
  while (std::chrono::steady_clock::now() < deadline && !stopped) {
    ASSERT_TRUE(runner.SyncOnce().ok());
    stopped = !analysis::HttpGet(ip, 8081, "/v2/health/ready", 300ms).ok();
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(stopped) << "the model server kept running after its pod was deleted";
  runner.StopAll();
  std::filesystem::remove_all(work);
}

}  // namespace
}  // namespace skewgate::testing

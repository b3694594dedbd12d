// The benchmark, reduced, as a cluster test: spec change → canary ReplicaSet
// written, over 50 changes on the local control plane, with the real controller binary
// (`make bench-scale` measures the full 200 changes with 1,000 objects present). Each change is
// a server-side apply of the ModelDeployment through the kube client (t0 just before the
// request); t1 is when a LIST-poll (every 2 ms) first sees the new revision's ReplicaSet.
// Between changes the test waits until the controller has written the status of the
// change, so each one starts from an idle controller, not behind the previous clean-up.
// Prints p50/p99/max; fails only when far off the goal (p50 50 ms, p99 250 ms), so that a
// loaded machine does not make it flaky.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <thread>

#include "api/types.h"
#include "cluster/controller/controller_env.h"
#include "controller/labels.h"
#include "kube/client.h"
#include "kube/config.h"
#include "support/cluster_env.h"

namespace skewgate::controller {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class LatencyClusterTest : public skewgate::testing::ClusterTest {};

TEST_F(LatencyClusterTest, SpecChangeToCanaryReplicaSetWritten) {
  for (const std::string& path : {skewgate::testing::RepoRoot() + "/crds/"}) {
    auto r = skewgate::testing::Kubectl({"apply", "--server-side", "--force-conflicts",
                                         "--field-manager=skewgate-controller-tests", "-f", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string ns = CreateNamespace("ctl-lat");
  StatusOr<kube::KubeConfig> cfg = kube::LoadKubeConfigFile(skewgate::testing::KubeconfigPath());
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  StatusOr<std::unique_ptr<kube::Client>> client = kube::NewClient(*cfg);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  kube::Client& c = **client;

  testing::ControllerProcess controller({"--namespace", ns});
  ASSERT_TRUE(controller.Start()) << controller.Log();
  json strategy = {{"canary", {{"steps", {{{"setWeight", 25}}, {{"pause", json::object()}}}}}}};
  ASSERT_EQ(testing::ApplyJson(testing::BaselineConfigMapJson(ns, "lat")), 0);
  json md = testing::ModelDeploymentJson(ns, "lat", 2, 'a', strategy);
  ASSERT_EQ(testing::ApplyJson(md), 0);
  kube::ListOptions sel;
  sel.label_selector = std::string(kLabelModelDeployment) + "=lat";
  std::set<std::string> seen;
  auto new_revision = [&]() -> bool {
    StatusOr<kube::ListResult> l = c.List(kube::resources::ReplicaSets(), ns, sel);
    if (!l.ok()) return false;
    bool found = false;
    for (const json& rs : l->items) {
      std::string rev = rs["metadata"]["labels"].value(kLabelRevision, "");
      if (seen.insert(rev).second) found = true;
    }
    return found;
  };
  ASSERT_TRUE(testing::PollUntil(new_revision, 60s)) << controller.Log();
  // Let v1 become stable so every change below is a canary.
  ASSERT_TRUE(testing::PollUntil(
      [&] {
        json s = testing::GetJson({"md", "lat", "-n", ns});
        return s.value("/status/phase"_json_pointer, std::string()) == "Healthy";
      },
      60s));

  kube::ApplyOptions ao;
  ao.field_manager = "skewgate-latency-test";
  ao.force = true;
  std::vector<double> ms;
  // p99 of 50 is the second-slowest change: enough to catch a change that waits for a
  // resync or a retry instead of the watch event.
  const int kChanges = 50;
  for (int i = 1; i <= kChanges; ++i) {
    char digest[80];
    std::snprintf(digest, sizeof(digest), "sha256:%064x", i);
    md["spec"]["model"]["digest"] = digest;
    auto t0 = std::chrono::steady_clock::now();
    StatusOr<json> applied = c.Apply(kube::resources::ModelDeployments(), ns, md, ao);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    bool ok = false;
    while (std::chrono::steady_clock::now() - t0 < 10s) {
      if (new_revision()) {
        ok = true;
        break;
      }
      std::this_thread::sleep_for(2ms);
    }
    ASSERT_TRUE(ok) << "change " << i << ": no new ReplicaSet within 10 s\n" << controller.Log();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    // Measure from an idle controller: wait until it has written the status of this
    // generation (and finished the old canary's clean-up) before the next change.
    int64_t gen = applied->value("/metadata/generation"_json_pointer, int64_t{0});
    ASSERT_TRUE(testing::PollUntil(
        [&] {
          StatusOr<json> now = c.Get(kube::resources::ModelDeployments(), ns, "lat");
          return now.ok() &&
                 now->value("/status/observedGeneration"_json_pointer, int64_t{-1}) == gen;
        },
        10s));
    std::this_thread::sleep_for(100ms);
  }
  std::sort(ms.begin(), ms.end());
  double p50 = ms[ms.size() / 2];
  double p99 = ms[static_cast<size_t>(ms.size() * 0.99) - 1];
  std::fprintf(stderr,
               "spec change -> canary ReplicaSet written, %d changes: p50 %.1f ms, p99 %.1f ms, "
               "max %.1f ms\n",
               kChanges, p50, p99, ms.back());
  RecordProperty("p50_ms", std::to_string(p50));
  RecordProperty("p99_ms", std::to_string(p99));
  EXPECT_LT(p50, 500) << "10x the goal";
  EXPECT_LT(p99, 2500) << "10x the goal";
}

}  // namespace
}  // namespace skewgate::controller

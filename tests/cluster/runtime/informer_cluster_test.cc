// The informer, owner mapping and Manager against the real control plane: a label-
// filtered ConfigMap cache syncs and follows changes; a change to an owned object
// (controller ownerReference) enqueues its owner; /readyz turns 200 once synced.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "kube/client.h"
#include "kube/config.h"
#include "kube/resource.h"
#include "runtime/event_handler.h"
#include "runtime/manager.h"
#include "support/cluster_env.h"
#include "unit/runtime/http_get.h"

namespace skewgate::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

template <typename Pred>
bool WaitFor(Pred pred, std::chrono::steady_clock::duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

class RecordingReconciler : public runtime::Reconciler {
 public:
  runtime::ReconcileResult Reconcile(const runtime::ObjectKey& key) override {
    std::lock_guard<std::mutex> l(mu_);
    seen_.insert(key.ToString());
    return runtime::ReconcileResult::Done();
  }
  bool Saw(const std::string& key) {
    std::lock_guard<std::mutex> l(mu_);
    return seen_.count(key) > 0;
  }
  void Clear() {
    std::lock_guard<std::mutex> l(mu_);
    seen_.clear();
  }

 private:
  std::mutex mu_;
  std::set<std::string> seen_;
};

class InformerClusterTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    auto cfg = kube::LoadKubeConfigFile(KubeconfigPath());
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    auto c = kube::NewClient(*cfg);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::move(*c);
  }

  json ConfigMap(const std::string& ns, const std::string& name, bool labelled) {
    json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", name}, {"namespace", ns}}},
               {"data", {{"v", "1"}}}};
    if (labelled) cm["metadata"]["labels"] = {{"skewgate.io/test", "informer"}};
    return cm;
  }

  std::unique_ptr<kube::Client> client_;
};

TEST_F(InformerClusterTest, FilteredCacheSyncsFollowsChangesAndMapsOwners) {
  std::string ns = CreateNamespace("rt-inf");
  const auto& cms = kube::resources::ConfigMaps();
  auto owner = client_->Create(cms, ns, ConfigMap(ns, "owner", true), {});
  ASSERT_TRUE(owner.ok()) << owner.status().ToString();
  json child = ConfigMap(ns, "child", true);
  child["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "v1"},
                                                       {"kind", "ConfigMap"},
                                                       {"name", "owner"},
                                                       {"uid", (*owner)["metadata"]["uid"]},
                                                       {"controller", true}}});
  ASSERT_TRUE(client_->Create(cms, ns, child, {}).ok());
  ASSERT_TRUE(client_->Create(cms, ns, ConfigMap(ns, "unlabelled", false), {}).ok());

  runtime::MetricsRegistry registry;
  runtime::ManagerOptions options;
  options.probe_address = "127.0.0.1:0";
  runtime::Manager mgr(*client_, registry, options);
  runtime::InformerOptions io;
  io.label_selector = "skewgate.io/test=informer";
  io.projection = runtime::KeepOnly({"/data"});
  runtime::Informer& informer = mgr.AddInformer(cms, ns, io);
  RecordingReconciler reconciler;
  runtime::ControllerOptions co;
  co.name = "owner";
  runtime::Controller& controller = mgr.AddController(std::move(co), reconciler);
  informer.store_impl().AddHandler(runtime::EnqueueOwner(controller.queue(), "", "ConfigMap"));

  kube::Cancellation stop;
  auto run = std::async(std::launch::async, [&] { return mgr.Run(stop); });
  ASSERT_TRUE(WaitFor([&] { return mgr.Leading(); }, 20s)) << "caches never synced";
  const runtime::Store& store = informer.store();
  EXPECT_TRUE(store.HasSynced());
  EXPECT_NE(store.Get(ns + "/owner"), nullptr);
  ASSERT_NE(store.Get(ns + "/child"), nullptr);
  EXPECT_EQ(store.Get(ns + "/unlabelled"), nullptr) << "label selector not applied";
  // Projection: only identity metadata and /data are cached.
  EXPECT_FALSE((*store.Get(ns + "/child"))["metadata"].contains("managedFields"));
  EXPECT_EQ((*store.Get(ns + "/child"))["data"]["v"], "1");
  // The initial list of the owned child already enqueued its owner.
  EXPECT_TRUE(WaitFor([&] { return reconciler.Saw(ns + "/owner"); }, 10s));

  // A change to the owned object reaches the cache and enqueues the owner again.
  reconciler.Clear();
  ASSERT_TRUE(client_->MergePatch(cms, ns, "child", {{"data", {{"v", "2"}}}}, {}).ok());
  EXPECT_TRUE(WaitFor(
      [&] {
        auto c = store.Get(ns + "/child");
        return c && (*c)["data"]["v"] == "2";
      },
      10s));
  EXPECT_TRUE(WaitFor([&] { return reconciler.Saw(ns + "/owner"); }, 10s));
  // Objects without a controller reference never enqueue anything.
  EXPECT_FALSE(reconciler.Saw(ns + "/child"));

  // Deletion leaves the cache.
  ASSERT_TRUE(client_->Delete(cms, ns, "child", {}).ok());
  EXPECT_TRUE(WaitFor([&] { return store.Get(ns + "/child") == nullptr; }, 10s));

  // Probes and metrics over HTTP (Run has bound the port by the time it leads).
  EXPECT_EQ(runtime::testing::HttpGet(mgr.probe_port(), "/readyz").status, 200);
  auto metrics = runtime::testing::HttpGet(mgr.probe_port(), "/metrics").body;
  EXPECT_NE(metrics.find("skewgate_informer_lists_total{resource=\"configmaps\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("skewgate_reconcile_total{controller=\"owner\",result=\"done\"}"),
            std::string::npos);
  stop.Cancel();
  EXPECT_TRUE(run.get().ok());
}

}  // namespace
}  // namespace skewgate::testing

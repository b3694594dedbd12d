// The list-watch loop against the real API server: many concurrent changes, a 410 that
// forces a relist, and a kube-apiserver restarted in the middle of a watch.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "kube/errors.h"
#include "kube/list_watcher.h"
#include "kube/resource.h"
#include "kube_fixture.h"
#include "private_apiserver.h"

namespace skewgate::kube::testing {
namespace {

using nlohmann::json;
using State = std::map<std::string, std::string>;  // name -> data.v

std::string NameOf(const json& o) { return o["metadata"]["name"].get<std::string>(); }
std::string ValueOf(const json& o) {
  return o.contains("data") && o["data"].contains("v") ? o["data"]["v"].get<std::string>() : "";
}

// The smallest store: what the sink believes the collection is.
class MapSink final : public WatchSink {
 public:
  // WatchSink
  void ListBegin() override { staging_.clear(); }
  void ListItem(json&& o) override { staging_[NameOf(o)] = ValueOf(o); }
  void ListDone(const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    state_.swap(staging_);
    staging_.clear();
  }
  void ListAborted() override { staging_.clear(); }
  void Event(WatchEventType type, json&& o) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (type == WatchEventType::kDeleted) {
      state_.erase(NameOf(o));
    } else {
      state_[NameOf(o)] = ValueOf(o);
    }
    if (type == WatchEventType::kAdded) ++added_;
  }

  State state() const {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }
  int added() const {
    std::lock_guard<std::mutex> lock(mu_);
    return added_;
  }

 private:
  mutable std::mutex mu_;
  State state_, staging_;
  int added_ = 0;
};

// Every object these tests make carries this label; the namespace also holds objects
// that the control plane makes (kube-root-ca.crt), which the tests leave out.
constexpr const char* kLabel = "skewgate-test";
constexpr const char* kSelector = "skewgate-test=watch";

json Labeled(json o) {
  o["metadata"]["labels"][kLabel] = "watch";
  return o;
}

ListWatchOptions Selected() {
  ListWatchOptions o;
  o.label_selector = kSelector;
  return o;
}

// Runs a ListWatcher on its own thread; stops and joins on destruction.
class Running {
 public:
  Running(Client& c, const std::string& ns, WatchSink& sink)
      : lw_(c, resources::ConfigMaps(), ns, Selected(), sink) {
    thread_ = std::thread([this] { result_ = lw_.Run(stop_); });
  }
  ~Running() {
    stop_.Cancel();
    thread_.join();
  }
  ListWatcher& lw() { return lw_; }
  const Status& result() const { return result_; }

 private:
  ListWatcher lw_;
  Cancellation stop_;
  Status result_;
  std::thread thread_;
};

class WatchTest : public KubeClusterTest {
 protected:
  State Truth() {
    ListOptions lo;
    lo.label_selector = kSelector;
    auto all = ListAll(client(), resources::ConfigMaps(), ns(), lo);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    State s;
    if (!all.ok()) return s;
    for (auto& o : all->items) s[NameOf(o)] = ValueOf(o);
    return s;
  }
  Status Put(const std::string& name, const std::string& v) {
    ApplyOptions ao{"watch-test", true, false};
    return client()
        .Apply(resources::ConfigMaps(), ns(), Labeled(ConfigMap(name, {{"v", v}})), ao)
        .status();
  }
};

TEST_F(WatchTest, ThousandConcurrentCreatesAndUpdatesAllObservedWithFinalState) {
  MapSink sink;
  Running run(client(), ns(), sink);
  ASSERT_TRUE(Eventually([&] { return run.lw().lists() >= 1; }));

  constexpr int kObjects = 1000, kWriters = 8;
  std::atomic<int> errors{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = w; i < kObjects; i += kWriters) {
        std::string name = "o-" + std::to_string(i);
        auto c = client().Create(resources::ConfigMaps(), ns(),
                                 Labeled(ConfigMap(name, {{"v", "0"}})), {});
        if (!c.ok()) ++errors;
        auto p = client().MergePatch(resources::ConfigMaps(), ns(), name,
                                     {{"data", {{"v", "final-" + std::to_string(i)}}}}, {});
        if (!p.ok()) ++errors;
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(errors.load(), 0);

  State truth = Truth();
  ASSERT_EQ(truth.size(), static_cast<size_t>(kObjects));
  ASSERT_TRUE(Eventually([&] { return sink.state() == truth; }, std::chrono::seconds(60)))
      << "sink has " << sink.state().size() << " of " << truth.size();
  for (int i = 0; i < kObjects; ++i) {
    EXPECT_EQ(sink.state()["o-" + std::to_string(i)], "final-" + std::to_string(i));
  }
  // Every object came through the watch (one ADDED each), not through a relist.
  EXPECT_EQ(sink.added(), kObjects);
  EXPECT_EQ(run.lw().lists(), 1u);
}

// Forwards to a real client, but the first watch resumes from resourceVersion "1",
// which the API server has long forgotten: a real 410 Expired. Before that watch, it
// changes the collection, so only a correct relist can show those changes.
class GoneOnceClient final : public Client {
 public:
  GoneOnceClient(Client& real, std::function<void()> before_first_watch)
      : real_(real), hook_(std::move(before_first_watch)) {}

  // Client
  const KubeConfig& config() const override { return real_.config(); }
  StatusOr<json> Get(const ResourceType& t, std::string_view ns, std::string_view n) override {
    return real_.Get(t, ns, n);
  }
  StatusOr<ListResult> List(const ResourceType& t, std::string_view ns,
                            const ListOptions& o) override {
    ++lists;
    return real_.List(t, ns, o);
  }
  StatusOr<json> Create(const ResourceType& t, std::string_view ns, const json& o,
                        const WriteOptions& w) override {
    return real_.Create(t, ns, o, w);
  }
  StatusOr<json> Update(const ResourceType& t, std::string_view ns, const json& o,
                        const WriteOptions& w) override {
    return real_.Update(t, ns, o, w);
  }
  Status Delete(const ResourceType& t, std::string_view ns, std::string_view n,
                const DeleteOptions& d) override {
    return real_.Delete(t, ns, n, d);
  }
  StatusOr<json> MergePatch(const ResourceType& t, std::string_view ns, std::string_view n,
                            const json& p, const WriteOptions& w) override {
    return real_.MergePatch(t, ns, n, p, w);
  }
  StatusOr<json> Apply(const ResourceType& t, std::string_view ns, const json& o,
                       const ApplyOptions& a) override {
    return real_.Apply(t, ns, o, a);
  }
  StatusOr<json> GetStatus(const ResourceType& t, std::string_view ns,
                           std::string_view n) override {
    return real_.GetStatus(t, ns, n);
  }
  StatusOr<json> UpdateStatus(const ResourceType& t, std::string_view ns, const json& o,
                              const WriteOptions& w) override {
    return real_.UpdateStatus(t, ns, o, w);
  }
  StatusOr<json> PatchStatus(const ResourceType& t, std::string_view ns, std::string_view n,
                             const json& p, const WriteOptions& w) override {
    return real_.PatchStatus(t, ns, n, p, w);
  }
  StatusOr<json> ApplyStatus(const ResourceType& t, std::string_view ns, const json& o,
                             const ApplyOptions& a) override {
    return real_.ApplyStatus(t, ns, o, a);
  }
  Status Watch(const ResourceType& t, std::string_view ns, const WatchOptions& o,
               const WatchEventHandler& h, const Cancellation& c) override {
    if (first_) {
      first_ = false;
      hook_();
      WatchOptions too_old = o;
      too_old.resource_version = "1";
      first_result = real_.Watch(t, ns, too_old, h, c);
      return first_result;
    }
    return real_.Watch(t, ns, o, h, c);
  }

  std::atomic<int> lists{0};
  Status first_result;

 private:
  Client& real_;
  std::function<void()> hook_;
  bool first_ = true;
};

TEST_F(WatchTest, GoneTriggersARelistThatLosesNothing) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Put("g-" + std::to_string(i), "before").ok());
  GoneOnceClient gone(client(), [&] {
    // Changes between the list and the (expired) watch: invisible unless relisted.
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(Put("g-" + std::to_string(i), "changed").ok());
    for (int i = 5; i < 10; ++i) {
      EXPECT_TRUE(
          client().Delete(resources::ConfigMaps(), ns(), "g-" + std::to_string(i), {}).ok());
    }
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(Put("new-" + std::to_string(i), "new").ok());
  });
  MapSink sink;
  Running run(gone, ns(), sink);
  ASSERT_TRUE(Eventually([&] { return run.lw().relists_on_gone() >= 1; }))
      << "no 410 seen; first watch returned " << gone.first_result.ToString();
  EXPECT_TRUE(IsGone(gone.first_result)) << gone.first_result.ToString();
  ASSERT_TRUE(Eventually([&] { return run.lw().lists() >= 2; }));
  // Changes after the relist still flow through the resumed watch.
  ASSERT_TRUE(Put("after", "relist").ok());
  State truth = Truth();
  EXPECT_EQ(truth.size(), 21u);  // 20 - 5 deleted + 5 new + 1 after
  ASSERT_TRUE(Eventually([&] { return sink.state() == truth; }));
  EXPECT_EQ(sink.state()["g-0"], "changed");
  EXPECT_EQ(sink.state().count("g-5"), 0u);
  EXPECT_EQ(sink.state()["new-4"], "new");
}

TEST_F(WatchTest, ApiServerRestartMidWatchConvergesWithin10sOfItsReturn) {
  PrivateApiServer api(config());
  Status started = api.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto watched = NewClient(api.config());
  ASSERT_TRUE(watched.ok()) << watched.status().ToString();

  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Put("r-" + std::to_string(i), "v1").ok());
  MapSink sink;
  Running run(**watched, ns(), sink);
  ASSERT_TRUE(Eventually([&] { return sink.state() == Truth(); }));
  uint64_t watches_before = run.lw().watch_restarts();

  // Kill the apiserver the watch is connected to; the world moves on through the shared
  // apiserver (same etcd) while it is gone.
  auto killed_at = std::chrono::steady_clock::now();
  api.Kill();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Put("r-" + std::to_string(i), "v2").ok());
  for (int i = 10; i < 20; ++i) {
    ASSERT_TRUE(client().Delete(resources::ConfigMaps(), ns(), "r-" + std::to_string(i), {}).ok());
  }
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Put("during-" + std::to_string(i), "x").ok());
  ASSERT_TRUE(Eventually([&] { return run.lw().failures() >= 1; }))
      << "the watcher did not notice the apiserver going away";

  started = api.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto returned_at = std::chrono::steady_clock::now();
  // And more changes right after its return.
  for (int i = 20; i < 25; ++i) ASSERT_TRUE(Put("r-" + std::to_string(i), "v3").ok());

  State truth = Truth();
  bool converged = Eventually([&] { return sink.state() == truth; }, std::chrono::seconds(10));
  auto converged_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(converged) << "store did not converge within 10s of the apiserver's return";
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::fprintf(stderr,
               "apiserver down for %lld ms; store converged %lld ms after its return "
               "(watch restarts %llu, relists on 410 %llu, failures %llu)\n",
               static_cast<long long>(ms(returned_at - killed_at)),
               static_cast<long long>(ms(converged_at - returned_at)),
               static_cast<unsigned long long>(run.lw().watch_restarts() - watches_before),
               static_cast<unsigned long long>(run.lw().relists_on_gone()),
               static_cast<unsigned long long>(run.lw().failures()));
  EXPECT_EQ(sink.state()["r-0"], "v2");
  EXPECT_EQ(sink.state().count("r-10"), 0u);
  EXPECT_EQ(sink.state()["r-20"], "v3");
}

}  // namespace
}  // namespace skewgate::kube::testing

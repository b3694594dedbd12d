// The reconciler against an in-memory API server (FakeCluster) and a FakeClock: what it
// writes for each situation, and that a converged ModelDeployment costs zero writes.
#include "controller/reconciler.h"

#include <gtest/gtest.h>

#include <memory>

#include "api/codec.h"
#include "api/conditions.h"
#include "common/sha256.h"
#include "controller/labels.h"
#include "controller/observe.h"
#include "rollout/revision.h"
#include "runtime/store_impl.h"
#include "unit/controller/fake_cluster.h"
#include "unit/controller/test_objects.h"

namespace skewgate::controller {
namespace {

using nlohmann::json;
using runtime::ReconcileResult;
using testing::FakeCluster;
using testing::FakeRecorder;

class ReconcilerTest : public ::testing::Test {
 protected:
  FakeCluster cluster;
  FakeRecorder events;
  ManualAnalysisSource analysis;
  FakeClock clock{FromUnixSeconds(1'800'000'000)};
  ModelDeploymentReconciler reconciler{cluster,  cluster.caches(),
                                       analysis, events,
                                       clock,    ReconcilerOptions{.image = "skewgate:test"}};
  const runtime::ObjectKey key{"ml", "fraud"};

  api::ModelDeployment Stored() {
    StatusOr<api::ModelDeployment> md =
        api::FromJson(cluster.Object("modeldeployments", "ml", "fraud"));
    EXPECT_TRUE(md.ok()) << md.status().ToString();
    return md.ok() ? *md : api::ModelDeployment{};
  }
  const api::Condition* Condition(const api::ModelDeploymentStatus& s, const std::string& type) {
    for (const api::Condition& c : s.conditions) {
      if (c.type == type) return &c;
    }
    return nullptr;
  }
  // Reconciles (with KWOK's "pods become ready") until a reconcile writes nothing.
  int Converge(int max_rounds = 20) {
    for (int i = 0; i < max_rounds; ++i) {
      cluster.ResetCounts();
      ReconcileResult r = reconciler.Reconcile(key);
      EXPECT_NE(r.kind(), ReconcileResult::Kind::kTerminalError) << r.status().ToString();
      if (cluster.writes() == 0) return i;
      cluster.MakeReplicaSetsReady();
    }
    ADD_FAILURE() << "no fixed point after " << max_rounds << " reconciles";
    return max_rounds;
  }
  std::string RevisionOf(const json& md_json) {
    StatusOr<api::ModelDeployment> md = api::FromJson(md_json);
    return rollout::RevisionHash(md->spec, "sha256:" + Sha256Hex(testing::BaselineText()));
  }
  int32_t Replicas(const std::string& rs) {
    json o = cluster.Object("replicasets", "ml", rs);
    return o.is_null() ? -1 : o["spec"].value("replicas", -1);
  }
  // A reconciler reading baselines through a summary cache, as the controller's does, with
  // the ConfigMap `cm` listed into that cache.
  struct BaselineCache {
    BaselineReaders readers;
    runtime::StoreImpl store{SummarizeReadBaselines(readers), /*compact=*/true};
    std::unique_ptr<ModelDeploymentReconciler> reconciler;
  };
  std::unique_ptr<BaselineCache> WithBaselineCache(const json& cm) {
    auto c = std::make_unique<BaselineCache>();
    Caches caches = cluster.caches();
    caches.baselines = &c->store;
    c->reconciler = std::make_unique<ModelDeploymentReconciler>(
        cluster, caches, analysis, events, clock,
        ReconcilerOptions{.image = "skewgate:test", .baseline_readers = &c->readers});
    c->store.ListBegin();
    c->store.ListItem(json(cm));
    c->store.ListDone(cm["metadata"]["resourceVersion"]);
    return c;
  }
};

TEST_F(ReconcilerTest, WaitsForCachesAndWritesNothingBeforeTheyAreSynced) {
  cluster.Put(testing::MdJson("ml", "fraud"));
  cluster.md_store().synced = false;
  ReconcileResult r = reconciler.Reconcile(key);
  EXPECT_EQ(r.kind(), ReconcileResult::Kind::kRequeueAfter);
  EXPECT_EQ(r.after(), std::chrono::seconds(1));
  EXPECT_EQ(cluster.writes(), 0);
  EXPECT_EQ(cluster.gets, 0);
}

TEST_F(ReconcilerTest, AGoneModelDeploymentIsDone) {
  ReconcileResult r = reconciler.Reconcile(key);
  EXPECT_EQ(r.kind(), ReconcileResult::Kind::kDone);
  EXPECT_EQ(cluster.writes(), 0);
}

TEST_F(ReconcilerTest, MissingBaselineIsReportedOnceChangesNothingAndIsRecheckedSlowly) {
  cluster.Put(testing::MdJson("ml", "fraud"));
  ReconcileResult r = reconciler.Reconcile(key);
  EXPECT_EQ(r.kind(), ReconcileResult::Kind::kRequeueAfter);
  EXPECT_LE(r.after(), std::chrono::seconds(30));
  EXPECT_GE(r.after(), std::chrono::seconds(1)) << "no hot retry loop";
  EXPECT_TRUE(cluster.All("replicasets").empty());
  EXPECT_TRUE(cluster.All("services").empty());
  api::ModelDeployment md = Stored();
  std::string all;
  for (const api::Condition& c : md.status.conditions) all += c.reason + ": " + c.message + "\n";
  EXPECT_NE(all.find("ConfigMap ml/fraud-baseline not found"), std::string::npos) << all;
  EXPECT_FALSE(events.events.empty());
  EXPECT_EQ(events.events[0].type, runtime::EventType::kWarning);

  // The same world again: nothing to write, no new Event.
  size_t n = events.events.size();
  cluster.ResetCounts();
  reconciler.Reconcile(key);
  EXPECT_EQ(cluster.writes(), 0) << ::testing::PrintToString(cluster.write_log());
  EXPECT_EQ(events.events.size(), n);
}

TEST_F(ReconcilerTest, FirstRevisionGoesToFullSizeAndSteadyStateCostsZeroWrites) {
  cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  json md_json = cluster.Put(testing::MdJson("ml", "fraud"));
  std::string rev = RevisionOf(md_json);
  std::string rs = "fraud-" + rev;

  reconciler.Reconcile(key);
  EXPECT_EQ(Replicas(rs), 4);
  json cm = cluster.Object("configmaps", "ml", rs + "-sidecar");
  ASSERT_FALSE(cm.is_null());
  EXPECT_NE(cm["data"]["sidecar.json"].get<std::string>().find(rev), std::string::npos);

  Converge();
  api::ModelDeployment md = Stored();
  EXPECT_EQ(md.status.phase, api::Phase::kHealthy);
  EXPECT_EQ(md.status.stable_revision, rev);
  EXPECT_EQ(md.status.observed_generation, 1);
  const api::Condition* ready = Condition(md.status, api::kConditionReady);
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, api::kConditionTrue);
  EXPECT_EQ(cluster.Object("services", "ml", "fraud")["spec"]["selector"][kLabelRevision], rev);
  // No canary yet and no route: the per-revision Services are not made.
  EXPECT_TRUE(cluster.Object("services", "ml", "fraud-stable").is_null());
  EXPECT_TRUE(cluster.Object("services", "ml", "fraud-canary").is_null());

  // Resyncs, with time passing: zero writes, zero Events.
  size_t n = events.events.size();
  for (int i = 0; i < 3; ++i) {
    clock.Advance(std::chrono::minutes(5));
    cluster.ResetCounts();
    reconciler.Reconcile(key);
    EXPECT_EQ(cluster.writes(), 0) << ::testing::PrintToString(cluster.write_log());
  }
  EXPECT_EQ(events.events.size(), n);
}

// New objects are POSTed (cheaper for the API server than an apply that creates); an
// object the cache has not seen yet but that exists is applied instead, as before.
TEST_F(ReconcilerTest, NewObjectsAreCreatedWithAPostAndAppliedWhenTheCacheWasBehind) {
  cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  json md_json = cluster.Put(testing::MdJson("ml", "fraud"));
  std::string rs = "fraud-" + RevisionOf(md_json);
  cluster.ResetCounts();
  reconciler.Reconcile(key);
  std::map<std::string, int> log = cluster.write_log();
  EXPECT_EQ(log["create replicasets"], 1) << ::testing::PrintToString(log);
  EXPECT_EQ(log["create configmaps"], 1) << ::testing::PrintToString(log);
  EXPECT_EQ(log["create services"], 1) << ::testing::PrintToString(log);
  for (auto& [what, n] : log) EXPECT_EQ(what.rfind("apply", 0), std::string::npos) << what;

  cluster.replica_set_store().hidden.insert("ml/" + rs);
  cluster.config_map_store().hidden.insert("ml/" + rs + "-sidecar");
  cluster.service_store().hidden.insert("ml/fraud");
  cluster.ResetCounts();
  ReconcileResult r = reconciler.Reconcile(key);
  EXPECT_EQ(r.kind(), ReconcileResult::Kind::kRequeueAfter) << r.status().ToString();
  log = cluster.write_log();
  for (const char* kind : {"replicasets", "configmaps", "services"}) {
    EXPECT_EQ(log[std::string("create ") + kind], 1) << kind;
    EXPECT_EQ(log[std::string("apply ") + kind], 1) << kind;
  }
  EXPECT_EQ(Replicas(rs), 4);
}

// With the baseline cache: a new generation reads the ConfigMap itself (an edit of the
// baseline just before the spec change must count), the rest use the cached digest, and
// the reconciler tells which baseline it read so that a change enqueues it.
TEST_F(ReconcilerTest, ACachedBaselineSavesTheGetOnceTheGenerationIsObserved) {
  json cm = cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  std::unique_ptr<BaselineCache> cache = WithBaselineCache(cm);
  BaselineReaders& readers = cache->readers;
  runtime::StoreImpl& baselines = cache->store;
  ModelDeploymentReconciler& cached = *cache->reconciler;
  json md_json = cluster.Put(testing::MdJson("ml", "fraud"));

  cluster.ResetCounts();
  cached.Reconcile(key);
  EXPECT_EQ(cluster.gets, 1) << "generation 1 not yet observed: a read";
  EXPECT_EQ(readers.Readers("ml/fraud-baseline"), (std::vector<std::string>{"ml/fraud"}));
  for (int i = 0; i < 5; ++i) {
    cluster.MakeReplicaSetsReady();
    cached.Reconcile(key);
  }
  ASSERT_EQ(Stored().status.phase, api::Phase::kHealthy);
  ASSERT_EQ(Stored().status.stable_revision, RevisionOf(md_json));
  cluster.ResetCounts();
  cached.Reconcile(key);
  EXPECT_EQ(cluster.gets, 0);
  EXPECT_EQ(cluster.writes(), 0) << ::testing::PrintToString(cluster.write_log());

  // The baseline becomes invalid: the cache says so without a read.
  json bad = cm;
  bad["data"]["baseline.json"] = "{}";
  baselines.Event(kube::WatchEventType::kModified, json(bad));
  cached.Reconcile(key);
  EXPECT_EQ(cluster.gets, 0);
  const api::ModelDeployment after_bad = Stored();  // Condition() points into it
  EXPECT_EQ(after_bad.status.stable_revision, RevisionOf(md_json));
  const api::Condition* invalid = Condition(after_bad.status, api::kConditionInvalidSpec);
  ASSERT_NE(invalid, nullptr);
  EXPECT_EQ(invalid->reason, api::kReasonBaselineInvalid);

  // Not in the cache (not seen yet, or gone): a read.
  baselines.Event(kube::WatchEventType::kDeleted, json(bad));
  cluster.ResetCounts();
  cached.Reconcile(key);
  EXPECT_EQ(cluster.gets, 1);

  // The ModelDeployment is gone: it reads nothing any more.
  cluster.Erase("modeldeployments", "ml", "fraud");
  cached.Reconcile(key);
  EXPECT_TRUE(readers.Readers("ml/fraud-baseline").empty());
}

// The baseline cache summarises only keys that are read, so a ConfigMap cached before its
// ModelDeployment existed (or before a restart) holds the key unread: one GET reads it, and
// that read serves the reconciles of the same version; once the ConfigMap changes the
// cache summarises the key itself. A read of another version is never taken for the cached
// one.
TEST_F(ReconcilerTest, ABaselineCachedBeforeItWasReadIsReadOnceForItsVersion) {
  const json unread = {{"unread", true}};
  auto key_summary = [&](const runtime::Store& s, const char* data_key) {
    return s.Get("ml/fraud-baseline")->at("baselines")["data"][data_key];
  };
  auto edit = [&](const char* extra_key) {
    json cm = cluster.Object("configmaps", "ml", "fraud-baseline");
    cm["metadata"].erase("resourceVersion");
    cm["data"][extra_key] = "not a baseline";
    return cluster.Put(std::move(cm));
  };
  json cm = cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  std::unique_ptr<BaselineCache> cache = WithBaselineCache(cm);
  runtime::StoreImpl& baselines = cache->store;
  ModelDeploymentReconciler& cached = *cache->reconciler;
  ASSERT_EQ(key_summary(baselines, "baseline.json"), unread) << "nobody read it yet";
  json md_json = cluster.Put(testing::MdJson("ml", "fraud"));

  cluster.ResetCounts();
  cached.Reconcile(key);
  EXPECT_EQ(cluster.gets, 1);
  for (int i = 0; i < 5; ++i) {
    cluster.MakeReplicaSetsReady();
    cached.Reconcile(key);
  }
  ASSERT_EQ(Stored().status.phase, api::Phase::kHealthy);
  const std::string stable = RevisionOf(md_json);  // hashes sha256 of the baseline text
  ASSERT_EQ(Stored().status.stable_revision, stable);
  cluster.ResetCounts();
  cached.Reconcile(key);
  EXPECT_EQ(cluster.gets, 0) << "the read of this very version";
  EXPECT_EQ(cluster.writes(), 0) << ::testing::PrintToString(cluster.write_log());
  EXPECT_EQ(key_summary(baselines, "baseline.json"), unread);

  // The ConfigMap changes: the cache summarises the key that is read now, and no other.
  baselines.Event(kube::WatchEventType::kModified, edit("notes.txt"));
  EXPECT_TRUE(key_summary(baselines, "baseline.json").contains("digest"));
  EXPECT_EQ(key_summary(baselines, "notes.txt"), unread);
  cluster.ResetCounts();
  cached.Reconcile(key);
  EXPECT_EQ(cluster.gets, 0);
  EXPECT_EQ(cluster.writes(), 0) << ::testing::PrintToString(cluster.write_log());

  // A restart: a new cache lists the ConfigMap before anything is read, and the API server
  // is a version ahead of it. The GET reads that newer version, which says nothing about
  // the cached one: every reconcile reads until the cache catches up.
  std::unique_ptr<BaselineCache> restart =
      WithBaselineCache(cluster.Object("configmaps", "ml", "fraud-baseline"));
  BaselineReaders& readers2 = restart->readers;
  runtime::StoreImpl& baselines2 = restart->store;
  ModelDeploymentReconciler& restarted = *restart->reconciler;
  json ahead = edit("more.txt");
  cluster.ResetCounts();
  restarted.Reconcile(key);
  restarted.Reconcile(key);
  EXPECT_EQ(cluster.gets, 2);
  EXPECT_NE(readers2.ReadAt("ml/fraud-baseline", ahead["metadata"]["resourceVersion"]), nullptr);
  baselines2.Event(kube::WatchEventType::kModified, json(ahead));
  cluster.ResetCounts();
  restarted.Reconcile(key);
  EXPECT_EQ(cluster.gets, 0);
  EXPECT_EQ(cluster.writes(), 0) << ::testing::PrintToString(cluster.write_log());
  EXPECT_EQ(Stored().status.stable_revision, stable);
}

// A reconcile woken (by a new ReplicaSet, say) before the watch has delivered our own last
// status write would decide on the version that write replaced, and lose to a 409: it
// waits for the cache instead, and writes nothing.
TEST_F(ReconcilerTest, ACacheBehindOurOwnStatusWriteIsNotDecidedOn) {
  cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  json before = cluster.Put(testing::MdJson("ml", "fraud"));
  reconciler.Reconcile(key);
  ASSERT_NE(cluster.Object("modeldeployments", "ml", "fraud")["metadata"]["resourceVersion"],
            before["metadata"]["resourceVersion"]);
  cluster.md_store().stale["ml/fraud"] = before;
  cluster.ResetCounts();
  ReconcileResult r = reconciler.Reconcile(key);
  EXPECT_EQ(r.kind(), ReconcileResult::Kind::kRequeueAfter);
  EXPECT_LE(r.after(), std::chrono::seconds(1));
  EXPECT_EQ(cluster.writes(), 0) << ::testing::PrintToString(cluster.write_log());
  EXPECT_EQ(cluster.gets, 0);

  // The write arrives (or anyone's newer version): decided on as usual, no conflict.
  cluster.md_store().stale.clear();
  cluster.MakeReplicaSetsReady();
  r = reconciler.Reconcile(key);
  EXPECT_NE(r.kind(), ReconcileResult::Kind::kRetryableError) << r.status().ToString();
  EXPECT_EQ(Stored().status.phase, api::Phase::kHealthy);
}

TEST_F(ReconcilerTest, NewRevisionRollsAsACanaryWithReplicaRatioAndHoldsAtAManualGate) {
  cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  json v1 = testing::MdJson("ml", "fraud");
  v1["spec"]["strategy"] = {
      {"canary", {{"steps", {{{"setWeight", 25}}, {{"pause", json::object()}}}}}}};
  json stored = cluster.Put(v1);
  std::string rev1 = RevisionOf(stored);
  Converge();
  ASSERT_EQ(Stored().status.phase, api::Phase::kHealthy);

  json v2 = cluster.Object("modeldeployments", "ml", "fraud");
  v2["spec"]["model"]["digest"] = "sha256:" + std::string(64, 'b');
  v2["metadata"]["generation"] = 2;
  std::string rev2 = RevisionOf(cluster.Put(v2));
  ASSERT_NE(rev1, rev2);
  Converge();
  api::ModelDeployment md = Stored();
  EXPECT_EQ(md.status.canary_revision, rev2);
  EXPECT_EQ(md.status.stable_revision, rev1);
  EXPECT_EQ(md.status.phase, api::Phase::kPaused);
  EXPECT_EQ(md.status.canary_weight, 25);
  EXPECT_EQ(md.status.actual_canary_weight, 25);
  EXPECT_EQ(Replicas("fraud-" + rev2), 1);
  EXPECT_EQ(Replicas("fraud-" + rev1), 3);
  // Both revisions serve through the one Service: the selector is the ModelDeployment's.
  EXPECT_EQ(cluster.Object("services", "ml", "fraud")["spec"]["selector"],
            json({{kLabelModelDeployment, "fraud"}}));
  // The first canary brings the per-revision Services.
  EXPECT_EQ(cluster.Object("services", "ml", "fraud-canary")["spec"]["selector"][kLabelRevision],
            rev2);
  EXPECT_EQ(cluster.Object("services", "ml", "fraud-stable")["spec"]["selector"][kLabelRevision],
            rev1);

  // Held: time passes, nothing is written.
  clock.Advance(std::chrono::hours(1));
  cluster.ResetCounts();
  reconciler.Reconcile(key);
  EXPECT_EQ(cluster.writes(), 0) << ::testing::PrintToString(cluster.write_log());
}

TEST_F(ReconcilerTest, PerRevisionServicesComeWithTheFirstCanaryAndStayAfterPromotion) {
  cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  json v1 = testing::MdJson("ml", "fraud");
  v1["spec"]["strategy"] = {{"canary", {{"steps", {{{"setWeight", 50}}}}}}};
  cluster.Put(v1);
  Converge();
  ASSERT_EQ(Stored().status.phase, api::Phase::kHealthy);
  EXPECT_TRUE(cluster.Object("services", "ml", "fraud-stable").is_null());
  EXPECT_TRUE(cluster.Object("services", "ml", "fraud-canary").is_null());

  json v2 = cluster.Object("modeldeployments", "ml", "fraud");
  v2["spec"]["model"]["digest"] = "sha256:" + std::string(64, 'b');
  v2["metadata"]["generation"] = 2;
  std::string rev2 = RevisionOf(cluster.Put(v2));
  Converge();
  api::ModelDeployment md = Stored();
  ASSERT_EQ(md.status.phase, api::Phase::kHealthy);
  ASSERT_EQ(md.status.stable_revision, rev2) << "promoted after its only step";
  EXPECT_TRUE(md.status.canary_revision.empty());
  // Kept after the rollout, both on the new stable revision ("-canary" follows stable).
  for (const char* svc : {"fraud-stable", "fraud-canary"}) {
    json service = cluster.Object("services", "ml", svc);
    ASSERT_FALSE(service.is_null()) << svc;
    EXPECT_EQ(service["spec"]["selector"][kLabelRevision], rev2) << svc;
  }

  // And at rest they cost nothing.
  clock.Advance(std::chrono::minutes(5));
  cluster.ResetCounts();
  reconciler.Reconcile(key);
  EXPECT_EQ(cluster.writes(), 0) << ::testing::PrintToString(cluster.write_log());
}

// Analysis runs arrive on their own schedule: a run that fails in the middle of a long timed
// step must abort within about a second, not at the step's end.
TEST_F(ReconcilerTest, AFailedRunInsideALongPauseAbortsAtTheNextLook) {
  analysis.SetDefault({.enabled = true, .latest = std::nullopt});
  cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  json v1 = testing::MdJson("ml", "fraud");
  v1["spec"]["strategy"] = {
      {"canary",
       {{"steps", {{{"setWeight", 50}}, {{"pause", {{"duration", "10m"}}}}}},
        {"analysis", {{"interval", "5s"}, {"minSamples", 10}, {"failureLimit", 1}}}}}};
  cluster.Put(v1);
  Converge();
  ASSERT_EQ(Stored().status.phase, api::Phase::kHealthy);
  json v2 = cluster.Object("modeldeployments", "ml", "fraud");
  v2["spec"]["model"]["digest"] = "sha256:" + std::string(64, 'b');
  v2["metadata"]["generation"] = 2;
  std::string rev2 = RevisionOf(cluster.Put(v2));
  Converge();
  ASSERT_EQ(Stored().status.canary_revision, rev2);
  ASSERT_EQ(Stored().status.current_step_index, 1);  // inside the 10-minute pause
  ReconcileResult r = reconciler.Reconcile(key);
  ASSERT_EQ(r.kind(), ReconcileResult::Kind::kRequeueAfter);
  EXPECT_LE(r.after(), std::chrono::seconds(1)) << "the pause's end is 10 minutes away";

  clock.Advance(std::chrono::seconds(30));
  api::AnalysisStatus failed;
  failed.revision = rev2;
  failed.time = std::chrono::floor<std::chrono::seconds>(clock.Now());
  failed.verdict = api::Verdict::kFailed;
  failed.message = "amount over its threshold";
  analysis.SetDefault({.enabled = true, .latest = failed});
  reconciler.Reconcile(key);  // the next look
  api::ModelDeployment md = Stored();
  ASSERT_TRUE(md.status.abort.has_value());
  EXPECT_EQ(md.status.abort->revision, rev2);
  EXPECT_EQ(md.status.phase, api::Phase::kDegraded);
  // Aborted: nothing is analysed any more, so no more fast looks.
  r = reconciler.Reconcile(key);
  EXPECT_GT(r.after(), std::chrono::seconds(1));
}

TEST_F(ReconcilerTest, HttpRouteWeightsFollowThePlanAndAMissingRouteIsReported) {
  cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  json v1 = testing::MdJson("ml", "fraud");
  v1["spec"]["strategy"] = {{"canary",
                             {{"steps", {{{"setWeight", 20}}, {{"pause", json::object()}}}},
                              {"traffic", {{"gatewayAPI", {{"httpRoute", "fraud-route"}}}}}}}};
  cluster.Put(v1);
  reconciler.Reconcile(key);
  EXPECT_TRUE(cluster.All("replicasets").empty()) << "nothing deployed without the route";
  std::string all;
  for (const api::Condition& c : Stored().status.conditions) all += c.message + "\n";
  EXPECT_NE(all.find("HTTPRoute ml/fraud-route not found"), std::string::npos) << all;

  cluster.Put(json::parse(R"({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "fraud-route", "namespace": "ml"},
    "spec": {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": [
      {"name": "fraud-stable", "port": 8080, "weight": 1},
      {"name": "fraud-canary", "port": 8080, "weight": 1}]}]}})"));
  Converge();
  // The route names both per-revision Services, so they exist from the first revision.
  std::string rev1 = Stored().status.stable_revision;
  for (const char* svc : {"fraud-stable", "fraud-canary"}) {
    EXPECT_EQ(cluster.Object("services", "ml", svc)["spec"]["selector"][kLabelRevision], rev1)
        << svc;
  }
  json route = cluster.Object("httproutes", "ml", "fraud-route");
  EXPECT_EQ(route["spec"]["rules"][0]["backendRefs"][0]["weight"], 100);
  EXPECT_EQ(route["spec"]["rules"][0]["backendRefs"][1]["weight"], 0);
  EXPECT_EQ(route["spec"]["parentRefs"][0]["name"], "gw");

  json v2 = cluster.Object("modeldeployments", "ml", "fraud");
  v2["spec"]["model"]["digest"] = "sha256:" + std::string(64, 'c');
  v2["metadata"]["generation"] = 2;
  std::string rev2 = RevisionOf(cluster.Put(v2));
  Converge();
  route = cluster.Object("httproutes", "ml", "fraud-route");
  EXPECT_EQ(route["spec"]["rules"][0]["backendRefs"][0]["weight"], 80);
  EXPECT_EQ(route["spec"]["rules"][0]["backendRefs"][1]["weight"], 20);
  // Exact weights: stable keeps every pod, the canary gets enough for its share.
  EXPECT_EQ(Replicas("fraud-" + rev2), 1);
}

TEST_F(ReconcilerTest, AStatusConflictIsRetriedAndItsEventsAreNotRecorded) {
  cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  cluster.Put(testing::MdJson("ml", "fraud"));
  cluster.conflict_next_status = true;
  ReconcileResult r = reconciler.Reconcile(key);
  EXPECT_EQ(r.kind(), ReconcileResult::Kind::kRetryableError);
  EXPECT_TRUE(events.events.empty());
  r = reconciler.Reconcile(key);
  EXPECT_NE(r.kind(), ReconcileResult::Kind::kRetryableError) << r.status().ToString();
  EXPECT_FALSE(events.events.empty());
}

TEST_F(ReconcilerTest, AnInvalidSpecIsReportedWithTheFieldAndNothingIsDeployed) {
  cluster.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
  json bad = testing::MdJson("ml", "fraud");
  bad["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 9000;
  cluster.Put(bad);
  reconciler.Reconcile(key);
  EXPECT_TRUE(cluster.All("replicasets").empty());
  api::ModelDeployment md = Stored();
  const api::Condition* invalid = Condition(md.status, api::kConditionInvalidSpec);
  ASSERT_NE(invalid, nullptr);
  EXPECT_EQ(invalid->status, api::kConditionTrue);
  EXPECT_NE(invalid->message.find("containerPort 8081"), std::string::npos) << invalid->message;
}

}  // namespace
}  // namespace skewgate::controller

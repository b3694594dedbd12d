#include <gtest/gtest.h>

#include "runtime/event_handler.h"
#include "runtime/store_impl.h"
#include "runtime/work_queue.h"

namespace skewgate::runtime {
namespace {

using nlohmann::json;

json Obj(const std::string& ns, const std::string& name, const std::string& rv) {
  return {{"metadata", {{"namespace", ns}, {"name", name}, {"resourceVersion", rv}}}};
}

class Recorder : public ResourceEventHandler {
 public:
  void OnAdd(const json& o) override { log.push_back("add " + ObjectKeyOf(o)); }
  void OnUpdate(const json& a, const json& b) override {
    log.push_back("update " + ObjectKeyOf(b) + " " +
                  a["metadata"]["resourceVersion"].get<std::string>() + "->" +
                  b["metadata"]["resourceVersion"].get<std::string>());
  }
  void OnDelete(const json& o) override { log.push_back("delete " + ObjectKeyOf(o)); }
  std::vector<std::string> log;
};

TEST(StoreTest, SyncedOnlyAfterFirstCompleteList) {
  StoreImpl s;
  EXPECT_FALSE(s.HasSynced());
  s.ListBegin();
  s.ListItem(Obj("ml", "a", "1"));
  // A list in progress is invisible.
  EXPECT_EQ(s.Size(), 0u);
  EXPECT_FALSE(s.HasSynced());
  s.ListDone("10");
  EXPECT_TRUE(s.HasSynced());
  ASSERT_NE(s.Get("ml/a"), nullptr);
  EXPECT_EQ(s.Get("ml/b"), nullptr);
}

TEST(StoreTest, AbortedListKeepsPreviousContents) {
  StoreImpl s;
  s.ListBegin();
  s.ListItem(Obj("ml", "a", "1"));
  s.ListDone("10");
  s.ListBegin();
  s.ListItem(Obj("ml", "b", "2"));
  s.ListAborted();
  EXPECT_NE(s.Get("ml/a"), nullptr);
  EXPECT_EQ(s.Get("ml/b"), nullptr);
}

TEST(StoreTest, RelistEmitsTheDifference) {
  StoreImpl s;
  auto rec = std::make_shared<Recorder>();
  s.AddHandler(rec);
  s.ListBegin();
  s.ListItem(Obj("ml", "a", "1"));
  s.ListItem(Obj("ml", "b", "1"));
  s.ListDone("10");
  rec->log.clear();
  // b deleted and c added while we were not watching; a changed.
  s.ListBegin();
  s.ListItem(Obj("ml", "a", "2"));
  s.ListItem(Obj("ml", "c", "1"));
  s.ListDone("20");
  EXPECT_EQ(rec->log, (std::vector<std::string>{"update ml/a 1->2", "add ml/c", "delete ml/b"}));
  EXPECT_EQ(s.Size(), 2u);
}

TEST(StoreTest, WatchEventsUpdateStoreBeforeHandlersRun) {
  StoreImpl s;
  struct Checker : ResourceEventHandler {
    StoreImpl* s;
    int seen = 0;
    void OnAdd(const json& o) override { seen += s->Get(ObjectKeyOf(o)) != nullptr; }
    void OnUpdate(const json&, const json& o) override {
      seen += (*s->Get(ObjectKeyOf(o)))["metadata"]["resourceVersion"] == "2";
    }
    void OnDelete(const json& o) override { seen += s->Get(ObjectKeyOf(o)) == nullptr; }
  };
  auto c = std::make_shared<Checker>();
  c->s = &s;
  s.AddHandler(c);
  s.Event(kube::WatchEventType::kAdded, Obj("ml", "a", "1"));
  s.Event(kube::WatchEventType::kModified, Obj("ml", "a", "2"));
  s.Event(kube::WatchEventType::kDeleted, Obj("ml", "a", "3"));
  EXPECT_EQ(c->seen, 3);
  EXPECT_EQ(s.Size(), 0u);
}

TEST(StoreTest, ListByNamespaceAndIgnoresNamelessObjects) {
  StoreImpl s;
  s.ListBegin();
  s.ListItem(Obj("a", "x", "1"));
  s.ListItem(Obj("ab", "y", "1"));
  s.ListItem(json{{"metadata", json::object()}});
  s.ListDone("1");
  EXPECT_EQ(s.Size(), 2u);
  ASSERT_EQ(s.List("a").size(), 1u);
  EXPECT_EQ((*s.List("a")[0])["metadata"]["name"], "x");
}

json Labelled(const std::string& ns, const std::string& name, const std::string& rv,
              const std::string& owner) {
  json o = Obj(ns, name, rv);
  if (!owner.empty()) o["metadata"]["labels"]["skewgate.io/modeldeployment"] = owner;
  return o;
}

std::vector<std::string> Keys(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const ObjectPtr& o : objects) out.push_back(ObjectKeyOf(*o));
  return out;
}

TEST(StoreTest, ListByLabelFollowsListsAndWatchEvents) {
  const std::string label = "skewgate.io/modeldeployment";
  StoreImpl indexed;
  indexed.IndexByLabel(label);
  StoreImpl scanned;  // no index: the Store default filters List(ns)
  StoreImpl packed_indexed(StripBookkeeping, /*compact=*/true);
  packed_indexed.IndexByLabel(label);
  StoreImpl packed_scanned(StripBookkeeping, /*compact=*/true);
  for (StoreImpl* s : {&indexed, &scanned, &packed_indexed, &packed_scanned}) {
    s->ListBegin();
    s->ListItem(Labelled("ml", "a-1", "1", "a"));
    s->ListItem(Labelled("ml", "b-1", "1", "b"));
    s->ListItem(Labelled("ml", "a-0", "1", "a"));
    s->ListItem(Labelled("other", "a-1", "1", "a"));
    s->ListItem(Labelled("ml", "none", "1", ""));
    s->ListDone("1");
    // The label moves from b to a; one is deleted, one added.
    s->Event(kube::WatchEventType::kModified, Labelled("ml", "b-1", "2", "a"));
    s->Event(kube::WatchEventType::kDeleted, Labelled("ml", "a-0", "2", "a"));
    s->Event(kube::WatchEventType::kAdded, Labelled("ml", "b-2", "3", "b"));
  }
  for (const StoreImpl* s : {&indexed, &scanned, &packed_indexed, &packed_scanned}) {
    EXPECT_EQ(Keys(s->ListByLabel("ml", label, "a")),
              (std::vector<std::string>{"ml/a-1", "ml/b-1"}));
    EXPECT_EQ(Keys(s->ListByLabel("ml", label, "b")), (std::vector<std::string>{"ml/b-2"}));
    EXPECT_EQ(Keys(s->ListByLabel("other", label, "a")), (std::vector<std::string>{"other/a-1"}));
    EXPECT_TRUE(s->ListByLabel("ml", label, "c").empty());
    EXPECT_EQ(Keys(s->ListByLabel("ml", "team", "x")), std::vector<std::string>{});
  }
  // A relist rebuilds the index from what the server has now.
  for (StoreImpl* s : {&indexed, &packed_indexed}) {
    s->ListBegin();
    s->ListItem(Labelled("ml", "b-2", "4", "a"));
    s->ListDone("4");
    EXPECT_EQ(Keys(s->ListByLabel("ml", label, "a")), (std::vector<std::string>{"ml/b-2"}));
    EXPECT_TRUE(s->ListByLabel("ml", label, "b").empty());
  }
}

// A ModelDeployment-like object with every kind of JSON value a packed store must give
// back unchanged: nested objects, arrays, signed, unsigned and fractional numbers, bools,
// null, empty containers and non-ASCII text.
json RichObject(const std::string& rv) {
  json o = Labelled("ml", "fraud", rv, "fraud");
  o["apiVersion"] = "skewgate.io/v1alpha1";
  o["kind"] = "ModelDeployment";
  o["metadata"]["generation"] = 7;
  o["spec"] = {
      {"replicas", 3},
      {"model", {{"uri", "s3://models/fraud"}, {"digest", "sha256:ab"}}},
      {"strategy",
       {{"canary", {{"steps", {{{"setWeight", 10}}, {{"pause", {{"duration", "5m"}}}}}}}}}},
      {"analysis", {{"threshold", 0.2}, {"minSamples", 200}, {"features", json::array()}}},
      {"labels", json::object()}};
  o["status"] = {{"phase", "Progressing"},
                 {"observedGeneration", 7},
                 {"canaryWeight", 10},
                 {"offset", -3},
                 {"big", 18446744073709551615ull},
                 {"paused", false},
                 {"message", "skew in “amount” — 0.31 > 0.2"},
                 {"abortedAt", nullptr},
                 {"lastAnalysis",
                  {{"verdict", "Failed"},
                   {"features",
                    {{{"name", "amount"}, {"score", 0.3125}, {"threshold", 0.2}},
                     {{"name", "country"}, {"score", 1e-9}, {"threshold", 0.25}}}}}}};
  return o;
}

TEST(StoreTest, CompactStoreReturnsEqualObjectsAsFreshSnapshots) {
  StoreImpl decoded(nullptr);
  StoreImpl packed(nullptr, /*compact=*/true);
  for (StoreImpl* s : {&decoded, &packed}) {
    s->ListBegin();
    s->ListItem(RichObject("1"));
    s->ListItem(Obj("ml", "plain", "1"));
    s->ListDone("1");
  }
  ObjectPtr a = packed.Get("ml/fraud");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(*a, RichObject("1"));
  EXPECT_EQ(*a, *decoded.Get("ml/fraud"));
  EXPECT_EQ(a->dump(), RichObject("1").dump());  // the same text, not only ==
  EXPECT_EQ(packed.Get("ml/nope"), nullptr);
  // A packed store decodes a new snapshot per read; a decoded one shares its object.
  EXPECT_NE(packed.Get("ml/fraud").get(), a.get());
  EXPECT_EQ(decoded.Get("ml/fraud").get(), decoded.Get("ml/fraud").get());
  ASSERT_EQ(packed.List().size(), 2u);
  EXPECT_EQ(*packed.List()[0], *decoded.List()[0]);
  EXPECT_EQ(*packed.List("ml")[1], Obj("ml", "plain", "1"));
  EXPECT_TRUE(packed.List("other").empty());
}

TEST(StoreTest, CompactStoreProjectsBeforePacking) {
  StoreImpl packed(KeepOnly({"/status/phase"}), /*compact=*/true);
  packed.Event(kube::WatchEventType::kAdded, RichObject("1"));
  ObjectPtr o = packed.Get("ml/fraud");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ((*o)["status"], (json{{"phase", "Progressing"}}));
  EXPECT_FALSE(o->contains("spec"));
  EXPECT_EQ((*o)["metadata"]["generation"], 7);
}

TEST(StoreTest, CompactStoreSnapshotsStayValidAfterUpdatesAndDeletes) {
  StoreImpl packed(StripBookkeeping, /*compact=*/true);
  packed.Event(kube::WatchEventType::kAdded, RichObject("1"));
  ObjectPtr v1 = packed.Get("ml/fraud");
  std::vector<ObjectPtr> listed = packed.List();
  json v2 = RichObject("2");
  v2["status"]["phase"] = "Healthy";
  packed.Event(kube::WatchEventType::kModified, json(v2));
  ObjectPtr now = packed.Get("ml/fraud");
  ASSERT_NE(now, nullptr);
  EXPECT_EQ(*now, v2);
  // What readers took before still reads as it was.
  EXPECT_EQ(*v1, RichObject("1"));
  EXPECT_EQ((*listed[0])["status"]["phase"], "Progressing");
  packed.Event(kube::WatchEventType::kDeleted, json(v2));
  EXPECT_EQ(packed.Get("ml/fraud"), nullptr);
  EXPECT_EQ((*now)["metadata"]["resourceVersion"], "2");
  // A relist that drops everything leaves earlier snapshots alone too.
  packed.Event(kube::WatchEventType::kAdded, RichObject("3"));
  ObjectPtr v3 = packed.Get("ml/fraud");
  packed.ListBegin();
  packed.ListDone("4");
  EXPECT_EQ(packed.Size(), 0u);
  EXPECT_EQ((*v3)["metadata"]["resourceVersion"], "3");
}

// Records whole objects, to check that handlers of a packed store see decoded ones.
class ObjectRecorder : public ResourceEventHandler {
 public:
  void OnAdd(const json& o) override { seen.push_back({"add", json(), o}); }
  void OnUpdate(const json& a, const json& b) override { seen.push_back({"update", a, b}); }
  void OnDelete(const json& o) override { seen.push_back({"delete", json(), o}); }
  struct Call {
    std::string what;
    json old_object, object;
  };
  std::vector<Call> seen;
};

TEST(StoreTest, CompactStoreHandlersSeeOldAndNewObjects) {
  StoreImpl packed(StripBookkeeping, /*compact=*/true);
  auto rec = std::make_shared<ObjectRecorder>();
  packed.AddHandler(rec);
  json v2 = RichObject("2");
  v2["status"]["lastAnalysis"]["verdict"] = "Successful";
  packed.Event(kube::WatchEventType::kAdded, RichObject("1"));
  packed.Event(kube::WatchEventType::kModified, json(v2));
  packed.Event(kube::WatchEventType::kDeleted, RichObject("3"));
  ASSERT_EQ(rec->seen.size(), 3u);
  EXPECT_EQ(rec->seen[0].what, "add");
  EXPECT_EQ(rec->seen[0].object, RichObject("1"));
  EXPECT_EQ(rec->seen[1].what, "update");
  EXPECT_EQ(rec->seen[1].old_object, RichObject("1"));
  EXPECT_EQ(rec->seen[1].object, v2);
  // A delete reports the last state the store held, not the tombstone's.
  EXPECT_EQ(rec->seen[2].what, "delete");
  EXPECT_EQ(rec->seen[2].object, v2);

  // A relist's difference: unchanged resourceVersions are not reported.
  rec->seen.clear();
  packed.ListBegin();
  packed.ListItem(RichObject("5"));
  packed.ListItem(Obj("ml", "b", "1"));
  packed.ListDone("5");
  packed.ListBegin();
  packed.ListItem(RichObject("6"));
  packed.ListItem(Obj("ml", "b", "1"));
  packed.ListDone("6");
  packed.ListBegin();
  packed.ListDone("7");
  ASSERT_EQ(rec->seen.size(), 5u);
  EXPECT_EQ(rec->seen[0].what + " " + ObjectKeyOf(rec->seen[0].object), "add ml/b");
  EXPECT_EQ(rec->seen[1].what, "add");
  EXPECT_EQ(rec->seen[1].object, RichObject("5"));
  EXPECT_EQ(rec->seen[2].what, "update");
  EXPECT_EQ(rec->seen[2].old_object, RichObject("5"));
  EXPECT_EQ(rec->seen[2].object, RichObject("6"));
  EXPECT_EQ(rec->seen[3].what + " " + ObjectKeyOf(rec->seen[3].object), "delete ml/b");
  EXPECT_EQ(rec->seen[4].what, "delete");
  EXPECT_EQ(rec->seen[4].object, RichObject("6"));
}

TEST(StoreTest, WatchEventsUpdateACompactStoreBeforeHandlersRun) {
  StoreImpl packed(StripBookkeeping, /*compact=*/true);
  struct Checker : ResourceEventHandler {
    StoreImpl* s;
    int seen = 0;
    void OnAdd(const json& o) override { seen += *s->Get(ObjectKeyOf(o)) == o; }
    void OnUpdate(const json&, const json& o) override { seen += *s->Get(ObjectKeyOf(o)) == o; }
    void OnDelete(const json& o) override { seen += s->Get(ObjectKeyOf(o)) == nullptr; }
  };
  auto c = std::make_shared<Checker>();
  c->s = &packed;
  packed.AddHandler(c);
  packed.Event(kube::WatchEventType::kAdded, Obj("ml", "a", "1"));
  packed.Event(kube::WatchEventType::kModified, Obj("ml", "a", "2"));
  packed.Event(kube::WatchEventType::kDeleted, Obj("ml", "a", "3"));
  EXPECT_EQ(c->seen, 3);
}

TEST(ProjectionTest, StripBookkeepingDropsManagedFieldsAndLastApplied) {
  json o = Obj("ml", "a", "1");
  o["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
  o["metadata"]["annotations"] = {{"kubectl.kubernetes.io/last-applied-configuration", "{}"},
                                  {"keep", "me"}};
  json p = StripBookkeeping(std::move(o));
  EXPECT_FALSE(p["metadata"].contains("managedFields"));
  EXPECT_EQ(p["metadata"]["annotations"], (json{{"keep", "me"}}));
}

TEST(ProjectionTest, KeepOnlyKeepsRequestedPathsAndIdentity) {
  json o = Obj("ml", "a", "7");
  o["metadata"]["labels"] = {{"app", "x"}};
  o["metadata"]["ownerReferences"] = json::array({{{"name", "o"}}});
  o["metadata"]["annotations"] = {{"big", std::string(1000, 'x')}};
  o["spec"] = {{"replicas", 3}, {"template", {{"big", "x"}}}};
  o["status"] = {{"readyReplicas", 2}};
  json p = KeepOnly({"/spec/replicas", "/status/readyReplicas", "/status/missing"})(std::move(o));
  EXPECT_EQ(p["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(p["metadata"]["labels"]["app"], "x");
  EXPECT_TRUE(p["metadata"].contains("ownerReferences"));
  EXPECT_FALSE(p["metadata"].contains("annotations"));
  EXPECT_EQ(p["spec"], (json{{"replicas", 3}}));
  EXPECT_EQ(p["status"], (json{{"readyReplicas", 2}}));
}

json Owned(const std::string& api_version, const std::string& kind, bool controller) {
  json o = Obj("ml", "fraud-7f3c", "1");
  o["metadata"]["ownerReferences"] = json::array({{{"apiVersion", api_version},
                                                   {"kind", kind},
                                                   {"name", "fraud"},
                                                   {"controller", controller}}});
  return o;
}

TEST(OwnerTest, ControllerOwnerKeyMatchesGroupAndKind) {
  EXPECT_EQ(ControllerOwnerKey(Owned("skewgate.io/v1alpha1", "ModelDeployment", true),
                               "skewgate.io", "ModelDeployment"),
            "ml/fraud");
  // Not the controller reference.
  EXPECT_EQ(ControllerOwnerKey(Owned("skewgate.io/v1alpha1", "ModelDeployment", false),
                               "skewgate.io", "ModelDeployment"),
            std::nullopt);
  // Same kind, other group.
  EXPECT_EQ(ControllerOwnerKey(Owned("other.io/v1", "ModelDeployment", true), "skewgate.io",
                               "ModelDeployment"),
            std::nullopt);
  // Core group.
  EXPECT_EQ(ControllerOwnerKey(Owned("v1", "Service", true), "", "Service"), "ml/fraud");
  // Malformed references are ignored, not thrown on.
  json bad = Obj("ml", "x", "1");
  bad["metadata"]["ownerReferences"] = "not a list";
  EXPECT_EQ(ControllerOwnerKey(bad, "", "Service"), std::nullopt);
  EXPECT_EQ(ControllerOwnerKey(json(42), "", "Service"), std::nullopt);
}

TEST(OwnerTest, EventsOnOwnedObjectsEnqueueTheOwner) {
  FakeClock clock;
  WorkQueue q(clock, DefaultControllerRateLimiter(clock));
  StoreImpl rs_store;
  rs_store.AddHandler(EnqueueOwner(q, "skewgate.io", "ModelDeployment"));
  rs_store.Event(kube::WatchEventType::kAdded,
                 Owned("skewgate.io/v1alpha1", "ModelDeployment", true));
  json unowned = Obj("ml", "other", "1");
  rs_store.Event(kube::WatchEventType::kAdded, std::move(unowned));
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.Get(), "ml/fraud");
  // Deleting the owned object enqueues the owner too (so it can recreate it).
  q.Done("ml/fraud");
  rs_store.Event(kube::WatchEventType::kDeleted,
                 Owned("skewgate.io/v1alpha1", "ModelDeployment", true));
  EXPECT_EQ(q.Get(), "ml/fraud");
}

TEST(OwnerTest, EnqueueObjectUsesTheObjectsKey) {
  FakeClock clock;
  WorkQueue q(clock, DefaultControllerRateLimiter(clock));
  StoreImpl s;
  s.AddHandler(EnqueueObject(q));
  s.Event(kube::WatchEventType::kAdded, Obj("ml", "fraud", "1"));
  s.Event(kube::WatchEventType::kModified, Obj("ml", "fraud", "2"));
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.Get(), "ml/fraud");
}

}  // namespace
}  // namespace skewgate::runtime

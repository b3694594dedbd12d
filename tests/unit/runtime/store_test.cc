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
  for (StoreImpl* s : {&indexed, &scanned}) {
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
  for (const StoreImpl* s : {&indexed, &scanned}) {
    EXPECT_EQ(Keys(s->ListByLabel("ml", label, "a")),
              (std::vector<std::string>{"ml/a-1", "ml/b-1"}));
    EXPECT_EQ(Keys(s->ListByLabel("ml", label, "b")), (std::vector<std::string>{"ml/b-2"}));
    EXPECT_EQ(Keys(s->ListByLabel("other", label, "a")), (std::vector<std::string>{"other/a-1"}));
    EXPECT_TRUE(s->ListByLabel("ml", label, "c").empty());
    EXPECT_EQ(Keys(s->ListByLabel("ml", "team", "x")), std::vector<std::string>{});
  }
  // A relist rebuilds the index from what the server has now.
  indexed.ListBegin();
  indexed.ListItem(Labelled("ml", "b-2", "4", "a"));
  indexed.ListDone("4");
  EXPECT_EQ(Keys(indexed.ListByLabel("ml", label, "a")), (std::vector<std::string>{"ml/b-2"}));
  EXPECT_TRUE(indexed.ListByLabel("ml", label, "b").empty());
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

// Which ModelDeployments read which baseline, and that a change of it enqueues exactly them.
#include "controller/baseline_readers.h"

#include <gtest/gtest.h>

#include <set>

#include "common/clock.h"
#include "runtime/rate_limiter.h"
#include "runtime/store_impl.h"

namespace skewgate::controller {
namespace {

using nlohmann::json;

TEST(BaselineReadersTest, ReadersFollowTheLastNoteAndAreForgotten) {
  BaselineReaders r;
  r.Note("ml/a", "ml/base", "baseline.json");
  r.Note("ml/b", "ml/base", "baseline.json");
  r.Note("ml/b", "ml/base", "baseline.json");  // again: no duplicate
  EXPECT_EQ(r.Readers("ml/base"), (std::vector<std::string>{"ml/a", "ml/b"}));
  EXPECT_EQ(r.Keys("ml/base"), (std::set<std::string>{"baseline.json"}));
  r.Note("ml/b", "ml/base", "v2.json");  // another key of the same ConfigMap
  EXPECT_EQ(r.Readers("ml/base"), (std::vector<std::string>{"ml/a", "ml/b"}));
  EXPECT_EQ(r.Keys("ml/base"), (std::set<std::string>{"baseline.json", "v2.json"}));
  r.Note("ml/b", "ml/other", "v2.json");  // its spec names another ConfigMap now
  EXPECT_EQ(r.Readers("ml/base"), (std::vector<std::string>{"ml/a"}));
  EXPECT_EQ(r.Keys("ml/base"), (std::set<std::string>{"baseline.json"}));
  EXPECT_EQ(r.Readers("ml/other"), (std::vector<std::string>{"ml/b"}));
  r.Forget("ml/a");
  r.Forget("ml/unknown");
  EXPECT_TRUE(r.Readers("ml/base").empty());
  EXPECT_TRUE(r.Keys("ml/base").empty());
  EXPECT_EQ(r.Size(), 1u);
}

json Summary(const std::string& rv, json data) {
  return {{"metadata", {{"name", "base"}, {"namespace", "ml"}, {"resourceVersion", rv}}},
          {"baselines", {{"data", std::move(data)}}}};
}

// What a GET read of a key the cache had not summarised is kept for that version only, and
// only while someone reads the ConfigMap.
TEST(BaselineReadersTest, AReadIsKeptForItsVersionWhileTheConfigMapIsRead) {
  BaselineReaders r;
  json a7 = Summary("7", {{"a.json", {{"digest", "sha256:aa"}}}, {"b.json", {{"unread", true}}}});
  r.NoteRead("ml/base", a7);
  EXPECT_EQ(r.ReadAt("ml/base", "7"), nullptr) << "nobody reads it: not kept";

  r.Note("ml/x", "ml/base", "a.json");
  r.Note("ml/y", "ml/base", "b.json");
  r.NoteRead("ml/base", a7);
  ASSERT_NE(r.ReadAt("ml/base", "7"), nullptr);
  EXPECT_EQ(*r.ReadAt("ml/base", "7"), a7);
  EXPECT_EQ(r.ReadAt("ml/base", "6"), nullptr) << "another version: another content";
  EXPECT_EQ(r.ReadAt("ml/base", ""), nullptr);
  EXPECT_EQ(r.ReadAt("ml/other", "7"), nullptr);

  // The same version read for the other key: both summaries add up.
  r.NoteRead("ml/base", Summary("7", {{"a.json", {{"unread", true}}},
                                      {"b.json", {{"invalid", "not a baseline"}}}}));
  EXPECT_EQ(*r.ReadAt("ml/base", "7"), Summary("7", {{"a.json", {{"digest", "sha256:aa"}}},
                                                     {"b.json", {{"invalid", "not a baseline"}}}}));
  // A newer version replaces it.
  json a8 = Summary("8", {{"a.json", {{"digest", "sha256:a8"}}}, {"b.json", {{"unread", true}}}});
  r.NoteRead("ml/base", a8);
  EXPECT_EQ(r.ReadAt("ml/base", "7"), nullptr);
  EXPECT_EQ(*r.ReadAt("ml/base", "8"), a8);
  // Kept while someone reads the ConfigMap.
  r.Forget("ml/x");
  EXPECT_NE(r.ReadAt("ml/base", "8"), nullptr);
  r.Note("ml/y", "ml/elsewhere", "b.json");
  EXPECT_EQ(r.ReadAt("ml/base", "8"), nullptr);
}

// The projection summarises the keys read when the ConfigMap arrives: a ConfigMap cached
// before anyone read it keeps them unread until it changes.
TEST(BaselineReadersTest, TheProjectionSummarisesOnlyTheKeysThatAreRead) {
  BaselineReaders readers;
  runtime::StoreImpl store(SummarizeReadBaselines(readers), /*compact=*/true);
  json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "base"}, {"namespace", "ml"}, {"resourceVersion", "1"}}},
             {"data", {{"a.json", "{}"}, {"big.csv", std::string(1 << 20, 'x')}}}};
  store.ListBegin();
  store.ListItem(json(cm));
  store.ListDone("1");
  const json unread = {{"unread", true}};
  EXPECT_EQ(store.Get("ml/base")->at("baselines")["data"]["a.json"], unread);
  EXPECT_EQ(store.Get("ml/base")->at("baselines")["data"]["big.csv"], unread);

  readers.Note("ml/x", "ml/base", "a.json");
  cm["metadata"]["resourceVersion"] = "2";
  store.Event(kube::WatchEventType::kModified, json(cm));
  EXPECT_TRUE(store.Get("ml/base")->at("baselines")["data"]["a.json"].contains("invalid"));
  EXPECT_EQ(store.Get("ml/base")->at("baselines")["data"]["big.csv"], unread);
}

json Cm(const std::string& name, const std::string& rv) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "ml"}, {"resourceVersion", rv}}},
          {"data", {{"k", "v" + rv}}}};
}

std::vector<std::string> Drain(runtime::WorkQueue& q) {
  std::vector<std::string> out;
  while (q.Len() > 0) {
    std::optional<std::string> k = q.Get();
    if (!k) break;
    out.push_back(*k);
    q.Done(*k);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(BaselineReadersTest, AChangedOrDeletedConfigMapEnqueuesItsReadersOnly) {
  FakeClock clock(FromUnixSeconds(1'800'000'000));
  runtime::WorkQueue q(clock, runtime::DefaultControllerRateLimiter(clock));
  BaselineReaders readers;
  runtime::StoreImpl store;
  store.AddHandler(EnqueueBaselineReaders(q, readers));
  store.ListBegin();
  store.ListItem(Cm("base", "1"));
  store.ListItem(Cm("unread", "1"));
  store.ListDone("1");
  EXPECT_TRUE(Drain(q).empty()) << "nobody read them yet";

  readers.Note("ml/a", "ml/base", "k");
  readers.Note("ml/b", "ml/base", "k");
  readers.Note("ml/c", "ml/elsewhere", "k");
  store.Event(kube::WatchEventType::kModified, Cm("base", "2"));
  store.Event(kube::WatchEventType::kModified, Cm("unread", "2"));
  EXPECT_EQ(Drain(q), (std::vector<std::string>{"ml/a", "ml/b"}));
  store.Event(kube::WatchEventType::kDeleted, Cm("base", "3"));
  EXPECT_EQ(Drain(q), (std::vector<std::string>{"ml/a", "ml/b"}));
  store.Event(kube::WatchEventType::kAdded, Cm("elsewhere", "4"));
  EXPECT_EQ(Drain(q), (std::vector<std::string>{"ml/c"}));
}

}  // namespace
}  // namespace skewgate::controller

// Which ModelDeployments read which baseline, and that a change of it enqueues exactly them.
#include "controller/baseline_readers.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "runtime/rate_limiter.h"
#include "runtime/store_impl.h"

namespace skewgate::controller {
namespace {

using nlohmann::json;

TEST(BaselineReadersTest, ReadersFollowTheLastNoteAndAreForgotten) {
  BaselineReaders r;
  r.Note("ml/a", "ml/base");
  r.Note("ml/b", "ml/base");
  r.Note("ml/b", "ml/base");  // again: no duplicate
  EXPECT_EQ(r.Readers("ml/base"), (std::vector<std::string>{"ml/a", "ml/b"}));
  r.Note("ml/b", "ml/other");  // its spec names another ConfigMap now
  EXPECT_EQ(r.Readers("ml/base"), (std::vector<std::string>{"ml/a"}));
  EXPECT_EQ(r.Readers("ml/other"), (std::vector<std::string>{"ml/b"}));
  r.Forget("ml/a");
  r.Forget("ml/unknown");
  EXPECT_TRUE(r.Readers("ml/base").empty());
  EXPECT_EQ(r.Size(), 1u);
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

  readers.Note("ml/a", "ml/base");
  readers.Note("ml/b", "ml/base");
  readers.Note("ml/c", "ml/elsewhere");
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

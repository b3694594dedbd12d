#include "kube/list_watcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <thread>

#include "kube/errors.h"

namespace skewgate::kube {
namespace {

using nlohmann::json;

json Obj(const std::string& name, const std::string& rv) {
  return {{"metadata", {{"name", name}, {"resourceVersion", rv}}}};
}

// Lists and watches come from scripts; everything else is unused by the ListWatcher.
class ScriptedClient final : public Client {
 public:
  using WatchStep = std::function<Status(const WatchOptions&, const WatchEventHandler&)>;

  void PushList(StatusOr<ListResult> r) {
    std::lock_guard<std::mutex> lock(mu_);
    lists_.push_back(std::move(r));
  }
  void PushWatch(WatchStep step) {
    std::lock_guard<std::mutex> lock(mu_);
    watches_.push_back(std::move(step));
  }

  std::vector<WatchOptions> watch_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return watch_calls_;
  }
  std::vector<ListOptions> list_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return list_calls_;
  }

  // Client
  const KubeConfig& config() const override { return config_; }
  StatusOr<json> Get(const ResourceType&, std::string_view, std::string_view) override {
    return UnimplementedError("");
  }
  StatusOr<ListResult> List(const ResourceType&, std::string_view, const ListOptions& o) override {
    std::lock_guard<std::mutex> lock(mu_);
    list_calls_.push_back(o);
    if (lists_.empty()) return UnavailableError("no scripted list");
    StatusOr<ListResult> r = std::move(lists_.front());
    lists_.pop_front();
    return r;
  }
  StatusOr<json> Create(const ResourceType&, std::string_view, const json&,
                        const WriteOptions&) override {
    return UnimplementedError("");
  }
  StatusOr<json> Update(const ResourceType&, std::string_view, const json&,
                        const WriteOptions&) override {
    return UnimplementedError("");
  }
  Status Delete(const ResourceType&, std::string_view, std::string_view,
                const DeleteOptions&) override {
    return UnimplementedError("");
  }
  StatusOr<json> MergePatch(const ResourceType&, std::string_view, std::string_view, const json&,
                            const WriteOptions&) override {
    return UnimplementedError("");
  }
  StatusOr<json> Apply(const ResourceType&, std::string_view, const json&,
                       const ApplyOptions&) override {
    return UnimplementedError("");
  }
  StatusOr<json> GetStatus(const ResourceType&, std::string_view, std::string_view) override {
    return UnimplementedError("");
  }
  StatusOr<json> UpdateStatus(const ResourceType&, std::string_view, const json&,
                              const WriteOptions&) override {
    return UnimplementedError("");
  }
  StatusOr<json> PatchStatus(const ResourceType&, std::string_view, std::string_view, const json&,
                             const WriteOptions&) override {
    return UnimplementedError("");
  }
  StatusOr<json> ApplyStatus(const ResourceType&, std::string_view, const json&,
                             const ApplyOptions&) override {
    return UnimplementedError("");
  }
  Status Watch(const ResourceType&, std::string_view, const WatchOptions& o,
               const WatchEventHandler& h, const Cancellation& cancel) override {
    WatchStep step;
    {
      std::lock_guard<std::mutex> lock(mu_);
      watch_calls_.push_back(o);
      if (!watches_.empty()) {
        step = std::move(watches_.front());
        watches_.pop_front();
      }
    }
    if (step) return step(o, h);
    // Script exhausted: behave like a quiet, healthy watch until cancelled.
    std::mutex mu;
    std::condition_variable cv;
    CancellationRegistration reg(cancel, [&] {
      std::lock_guard<std::mutex> l(mu);
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return cancel.cancelled(); });
    return CancelledError("cancelled");
  }

 private:
  KubeConfig config_;
  std::mutex mu_;
  std::deque<StatusOr<ListResult>> lists_;
  std::deque<WatchStep> watches_;
  std::vector<WatchOptions> watch_calls_;
  std::vector<ListOptions> list_calls_;
};

class RecordingSink final : public WatchSink {
 public:
  void ListBegin() override { Log("begin"); }
  void ListItem(json&& o) override { Log("item " + o["metadata"]["name"].get<std::string>()); }
  void ListDone(const std::string& rv) override { Log("done " + rv); }
  void ListAborted() override { Log("aborted"); }
  void Event(WatchEventType t, json&& o) override {
    Log(std::string(WatchEventTypeName(t)) + " " + o["metadata"]["name"].get<std::string>());
  }
  std::vector<std::string> log() {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }

 private:
  void Log(std::string s) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(std::move(s));
  }
  std::mutex mu_;
  std::vector<std::string> log_;
};

ListResult Page(std::vector<json> items, std::string rv, std::string cont = "") {
  ListResult r;
  r.items = std::move(items);
  r.resource_version = std::move(rv);
  r.continue_token = std::move(cont);
  return r;
}

ScriptedClient::WatchStep Deliver(std::vector<WatchEvent> events, Status end) {
  return [events, end](const WatchOptions&, const WatchEventHandler& h) {
    for (auto e : events) h(std::move(e));
    return end;
  };
}

// A FakeClock that knows when someone waits on it and for which deadline, so the test
// can move time exactly to that deadline instead of guessing.
class GatedClock final : public Clock {
 public:
  TimePoint Now() const override { return fake_.Now(); }
  std::chrono::steady_clock::time_point SteadyNow() const override { return fake_.SteadyNow(); }
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 std::chrono::steady_clock::time_point deadline) const override {
    {
      std::lock_guard<std::mutex> l(mu_);
      deadline_ = deadline;
      ++waiting_;
    }
    fake_.WaitUntil(lock, cv, deadline);
    std::lock_guard<std::mutex> l(mu_);
    --waiting_;
  }
  // Moves time to the earliest pending deadline; false when nobody waits.
  bool AdvanceToDeadline() {
    std::chrono::steady_clock::time_point d;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (waiting_ == 0) return false;
      d = deadline_;
    }
    auto now = fake_.SteadyNow();
    if (d > now) fake_.Advance(d - now);
    return true;
  }

 private:
  FakeClock fake_;
  mutable std::mutex mu_;
  mutable int waiting_ = 0;
  mutable std::chrono::steady_clock::time_point deadline_;
};

// Runs the loop on a thread and drives the fake clock until `until` holds.
class LoopHarness {
 public:
  LoopHarness(ScriptedClient& c, RecordingSink& s, GatedClock& clock, ListWatchOptions o = {})
      : clock_(clock), lw_(c, resources::ConfigMaps(), "ns", WithSeed(o), s, clock) {
    thread_ = std::thread([this] { result_ = lw_.Run(cancel_); });
  }
  ~LoopHarness() { Stop(); }
  // Moves fake time from one deadline of the loop to the next until `until` holds. The
  // real-time bound only turns a bug into a failure instead of a hang.
  bool DriveUntil(const std::function<bool()>& until) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < give_up) {
      if (until()) return true;
      clock_.AdvanceToDeadline();
      std::this_thread::yield();
    }
    return until();
  }
  void Stop() {
    if (thread_.joinable()) {
      cancel_.Cancel();
      thread_.join();
    }
  }
  ListWatcher& lw() { return lw_; }
  const Status& result() const { return result_; }

 private:
  static ListWatchOptions WithSeed(ListWatchOptions o) {
    o.seed = 42;
    return o;
  }
  GatedClock& clock_;
  ListWatcher lw_;
  Cancellation cancel_;
  Status result_;
  std::thread thread_;
};

TEST(ListWatcherTest, ListsPagesThenWatchesAndResumesFromLastResourceVersion) {
  ScriptedClient client;
  RecordingSink sink;
  GatedClock clock;
  client.PushList(Page({Obj("a", "1")}, "10", "page2"));
  client.PushList(Page({Obj("b", "2")}, "ignored-later-page-rv"));
  client.PushWatch(Deliver(
      {{WatchEventType::kAdded, Obj("c", "11")}, {WatchEventType::kBookmark, Obj("", "15")}},
      OkStatus()));
  client.PushWatch(Deliver({{WatchEventType::kDeleted, Obj("a", "16")}}, OkStatus()));
  LoopHarness h(client, sink, clock);
  ASSERT_TRUE(h.DriveUntil([&] { return client.watch_calls().size() >= 3; }));
  h.Stop();
  EXPECT_EQ(sink.log(), (std::vector<std::string>{"begin", "item a", "item b", "done 10", "ADDED c",
                                                  "DELETED a"}));
  auto lists = client.list_calls();
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(lists[0].limit, 500);
  EXPECT_EQ(lists[1].continue_token, "page2");
  auto watches = client.watch_calls();
  EXPECT_EQ(watches[0].resource_version, "10");
  EXPECT_EQ(watches[1].resource_version, "15");  // the bookmark moved the resume point
  EXPECT_EQ(watches[2].resource_version, "16");
  for (const auto& w : watches) {
    EXPECT_TRUE(w.allow_watch_bookmarks);
    EXPECT_GE(w.timeout_seconds, 300);
    EXPECT_LE(w.timeout_seconds, 600);
    EXPECT_EQ(w.idle_timeout, std::chrono::seconds(w.timeout_seconds + 30));
  }
  EXPECT_EQ(h.lw().lists(), 1u);
  EXPECT_EQ(h.result().code(), StatusCode::kCancelled);
}

TEST(ListWatcherTest, GoneRelistsAtOnceAndWatchesFromTheNewList) {
  ScriptedClient client;
  RecordingSink sink;
  GatedClock clock;
  client.PushList(Page({Obj("a", "1")}, "10"));
  client.PushWatch(Deliver({}, OutOfRangeError("too old resource version: 10 (35)")));
  client.PushList(Page({Obj("b", "30")}, "40"));
  LoopHarness h(client, sink, clock);
  ASSERT_TRUE(h.DriveUntil([&] { return client.watch_calls().size() >= 2; }));
  h.Stop();
  EXPECT_EQ(h.lw().relists_on_gone(), 1u);
  EXPECT_EQ(h.lw().lists(), 2u);
  EXPECT_EQ(client.watch_calls()[1].resource_version, "40");
  EXPECT_EQ(sink.log(),
            (std::vector<std::string>{"begin", "item a", "done 10", "begin", "item b", "done 40"}));
  EXPECT_EQ(h.lw().failures(), 0u) << "a 410 is not a failure";
  // No fake time passed: a relist after 410 does not wait for a backoff.
  EXPECT_EQ(clock.SteadyNow(), std::chrono::steady_clock::time_point{});
}

TEST(ListWatcherTest, FailuresBackOffExponentiallyOnTheClock) {
  ScriptedClient client;
  RecordingSink sink;
  GatedClock clock;
  auto start = clock.SteadyNow();
  std::vector<std::chrono::steady_clock::time_point> attempts;
  std::mutex mu;
  auto record = [&] {
    std::lock_guard<std::mutex> lock(mu);
    attempts.push_back(clock.SteadyNow());
  };
  client.PushList(Page({}, "10"));
  for (int i = 0; i < 4; ++i) {
    client.PushWatch([&](const WatchOptions&, const WatchEventHandler&) {
      record();
      return UnavailableError("connection refused");
    });
  }
  ListWatchOptions o;
  o.backoff.jitter = 0;  // exact arithmetic: 800ms, 1.6s, 3.2s
  LoopHarness h(client, sink, clock, o);
  ASSERT_TRUE(h.DriveUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return attempts.size() >= 4;
  }));
  h.Stop();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(attempts[0] - start, Duration(0));
  auto gap = [&](int i) { return attempts[i] - attempts[i - 1]; };
  EXPECT_EQ(gap(1), std::chrono::milliseconds(800));
  EXPECT_EQ(gap(2), std::chrono::milliseconds(1600));
  EXPECT_EQ(gap(3), std::chrono::milliseconds(3200));
  EXPECT_EQ(h.lw().failures(), 4u);
}

TEST(ListWatcherTest, FailedListMidwayIsAbortedAndRetried) {
  ScriptedClient client;
  RecordingSink sink;
  GatedClock clock;
  client.PushList(Page({Obj("a", "1")}, "10", "more"));
  client.PushList(UnavailableError("connection reset"));
  client.PushList(Page({Obj("a", "1"), Obj("b", "2")}, "12"));
  LoopHarness h(client, sink, clock);
  ASSERT_TRUE(h.DriveUntil([&] { return !client.watch_calls().empty(); }));
  h.Stop();
  EXPECT_EQ(sink.log(), (std::vector<std::string>{"begin", "item a", "aborted", "begin", "item a",
                                                  "item b", "done 12"}));
  EXPECT_EQ(client.watch_calls()[0].resource_version, "12");
  EXPECT_EQ(h.lw().failures(), 1u);
  // The retry starts over from the first page, not from the dead continue token.
  EXPECT_TRUE(client.list_calls()[2].continue_token.empty());
}

TEST(ListWatcherTest, CancelEndsABlockedWatchPromptly) {
  ScriptedClient client;
  RecordingSink sink;
  GatedClock clock;
  client.PushList(Page({}, "10"));
  LoopHarness h(client, sink, clock);
  ASSERT_TRUE(h.DriveUntil([&] { return client.watch_calls().size() == 1; }));
  h.Stop();  // joins: would hang if the watch ignored the cancellation
  EXPECT_EQ(h.result().code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace skewgate::kube

#include "runtime/controller.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>

namespace skewgate::runtime {
namespace {

using namespace std::chrono_literals;

// Returns scripted results in order and records the keys it saw.
class ScriptedReconciler : public Reconciler {
 public:
  ReconcileResult Reconcile(const ObjectKey& key) override {
    std::lock_guard<std::mutex> l(mu_);
    seen.push_back(key.ToString());
    if (script.empty()) return ReconcileResult::Done();
    auto r = script.front();
    script.pop_front();
    return r;
  }
  std::mutex mu_;
  std::deque<ReconcileResult> script;
  std::vector<std::string> seen;
};

ControllerOptions Options(const std::string& name, int workers) {
  ControllerOptions o;
  o.name = name;
  o.workers = workers;
  return o;
}

struct Fixture {
  FakeClock clock;
  MetricsRegistry registry;
  ScriptedReconciler reconciler;
  Controller controller{Options("test", 1), reconciler, clock, &registry};
};

double ResultCount(MetricsRegistry& r, const std::string& result) {
  auto fam = r.AddCounter("skewgate_reconcile_total", "", {"controller", "result"});
  return (*fam)->WithLabels({"test", result})->Value();
}

TEST(ControllerTest, DoneForgetsAndDoesNotRequeue) {
  Fixture f;
  f.controller.queue().Add("ns/a");
  ASSERT_TRUE(f.controller.ProcessNext());
  EXPECT_EQ(f.reconciler.seen, std::vector<std::string>{"ns/a"});
  f.clock.Advance(1h);
  EXPECT_EQ(f.controller.queue().Len(), 0u);
  EXPECT_EQ(ResultCount(f.registry, "done"), 1);
}

TEST(ControllerTest, RequeueAfterComesBackAfterTheDelay) {
  Fixture f;
  f.reconciler.script.push_back(ReconcileResult::RequeueAfter(30s));
  f.controller.queue().Add("ns/a");
  ASSERT_TRUE(f.controller.ProcessNext());
  f.clock.Advance(29s);
  EXPECT_EQ(f.controller.queue().Len(), 0u);
  f.clock.Advance(1s);
  EXPECT_EQ(f.controller.queue().Len(), 1u);
  // Requeue-after is not a failure.
  EXPECT_EQ(f.controller.queue().NumRequeues("ns/a"), 0);
  EXPECT_EQ(ResultCount(f.registry, "requeue_after"), 1);
}

TEST(ControllerTest, RetryableErrorBacksOffThenSuccessForgets) {
  Fixture f;
  f.reconciler.script = {ReconcileResult::RetryableError(UnavailableError("down")),
                         ReconcileResult::RetryableError(UnavailableError("down")),
                         ReconcileResult::Done()};
  f.controller.queue().Add("ns/a");
  ASSERT_TRUE(f.controller.ProcessNext());
  f.clock.Advance(4ms);
  EXPECT_EQ(f.controller.queue().Len(), 0u);
  f.clock.Advance(1ms);  // 5ms
  ASSERT_TRUE(f.controller.ProcessNext());
  f.clock.Advance(9ms);
  EXPECT_EQ(f.controller.queue().Len(), 0u);
  f.clock.Advance(1ms);  // 10ms
  EXPECT_EQ(f.controller.queue().NumRequeues("ns/a"), 2);
  ASSERT_TRUE(f.controller.ProcessNext());
  EXPECT_EQ(f.controller.queue().NumRequeues("ns/a"), 0);
  EXPECT_EQ(f.reconciler.seen.size(), 3u);
  EXPECT_EQ(ResultCount(f.registry, "retryable_error"), 2);
}

TEST(ControllerTest, TerminalErrorIsNotRetried) {
  Fixture f;
  f.reconciler.script.push_back(
      ReconcileResult::TerminalError(InvalidArgumentError("spec.replicas must be >= 0")));
  f.controller.queue().Add("ns/a");
  ASSERT_TRUE(f.controller.ProcessNext());
  f.clock.Advance(2000s);
  EXPECT_EQ(f.controller.queue().Len(), 0u);
  EXPECT_EQ(f.controller.queue().DelayedLen(), 0u);
  EXPECT_EQ(ResultCount(f.registry, "terminal_error"), 1);
}

TEST(ControllerTest, MalformedKeyIsTerminalWithoutCallingReconciler) {
  Fixture f;
  f.controller.queue().Add("a/b/c");
  ASSERT_TRUE(f.controller.ProcessNext());
  EXPECT_TRUE(f.reconciler.seen.empty());
  EXPECT_EQ(ResultCount(f.registry, "terminal_error"), 1);
}

TEST(ControllerTest, WorkersDrainQueueAndStopFinishesInFlight) {
  FakeClock clock;
  ScriptedReconciler reconciler;
  Controller c(Options("pool", 3), reconciler, clock, nullptr);
  for (int i = 0; i < 50; ++i) c.queue().Add("ns/k" + std::to_string(i));
  c.Start();
  for (int i = 0; i < 1000000 && (c.queue().Len() > 0 || c.InFlight() > 0); ++i) {
    std::this_thread::yield();
  }
  c.Stop();
  EXPECT_EQ(reconciler.seen.size(), 50u);
  EXPECT_FALSE(c.ProcessNext());
}

TEST(ObjectKeyTest, ParsesAndRejects) {
  auto k = ObjectKey::Parse("ml/fraud");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->ns, "ml");
  EXPECT_EQ(k->name, "fraud");
  auto cluster = ObjectKey::Parse("node-1");
  ASSERT_TRUE(cluster.ok());
  EXPECT_EQ(cluster->ns, "");
  EXPECT_FALSE(ObjectKey::Parse("").ok());
  EXPECT_FALSE(ObjectKey::Parse("ml/").ok());
  EXPECT_FALSE(ObjectKey::Parse("/x").ok());
}

}  // namespace
}  // namespace skewgate::runtime

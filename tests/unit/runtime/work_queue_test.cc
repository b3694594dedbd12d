#include "runtime/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace skewgate::runtime {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<WorkQueue> NewQueue(FakeClock& clock, WorkQueueMetrics m = {}) {
  return std::make_unique<WorkQueue>(clock, DefaultControllerRateLimiter(clock), m);
}

// Waits (without advancing any clock) until `n` Get() callers are parked in the queue.
void WaitForWaiters(const WorkQueue& q, size_t n) {
  for (int i = 0; i < 100000 && q.Waiters() < n; ++i) std::this_thread::yield();
  ASSERT_GE(q.Waiters(), n);
}

TEST(WorkQueueTest, DeduplicatesWaitingKeys) {
  FakeClock clock;
  auto q = NewQueue(clock);
  q->Add("ns/a");
  q->Add("ns/a");
  q->Add("ns/b");
  q->Add("ns/a");
  EXPECT_EQ(q->Len(), 2u);
  EXPECT_EQ(q->Get(), "ns/a");
  EXPECT_EQ(q->Get(), "ns/b");
  EXPECT_EQ(q->Len(), 0u);
}

TEST(WorkQueueTest, KeyBeingProcessedIsParkedUntilDone) {
  FakeClock clock;
  auto q = NewQueue(clock);
  q->Add("ns/a");
  ASSERT_EQ(q->Get(), "ns/a");
  // Re-added while a worker holds it: not ready for a second worker.
  q->Add("ns/a");
  q->Add("ns/a");
  EXPECT_EQ(q->Len(), 0u);
  EXPECT_EQ(q->ProcessingLen(), 1u);
  auto second = std::async(std::launch::async, [&] { return q->Get(); });
  WaitForWaiters(*q, 1);
  EXPECT_EQ(second.wait_for(0s), std::future_status::timeout);
  q->Done("ns/a");
  EXPECT_EQ(second.get(), "ns/a");
  q->Done("ns/a");
  // Both adds during processing collapsed into one.
  EXPECT_EQ(q->Len(), 0u);
}

TEST(WorkQueueTest, DoneWithoutReAddDoesNotRequeue) {
  FakeClock clock;
  auto q = NewQueue(clock);
  q->Add("a");
  ASSERT_EQ(q->Get(), "a");
  q->Done("a");
  EXPECT_EQ(q->Len(), 0u);
  EXPECT_EQ(q->ProcessingLen(), 0u);
}

TEST(WorkQueueTest, NoConcurrentProcessingOfOneKeyUnderLoad) {
  FakeClock clock;
  auto q = NewQueue(clock);
  std::atomic<int> holders{0};
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q->Get()) {
        if (holders.fetch_add(1) != 0) overlap = true;
        std::this_thread::yield();
        holders.fetch_sub(1);
        processed++;
        q->Done(*key);
      }
    });
  }
  for (int i = 0; i < 20000; ++i) q->Add("ns/hot");
  // Drain: wait until nothing is queued or held, then stop.
  for (int i = 0; i < 1000000 && (q->Len() > 0 || q->ProcessingLen() > 0); ++i) {
    std::this_thread::yield();
  }
  q->ShutDown();
  for (auto& t : workers) t.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_GE(processed.load(), 1);
}

TEST(WorkQueueTest, AddAfterBecomesReadyOnlyWhenDue) {
  FakeClock clock;
  auto q = NewQueue(clock);
  q->AddAfter("a", 5s);
  EXPECT_EQ(q->Len(), 0u);
  EXPECT_EQ(q->DelayedLen(), 1u);
  clock.Advance(4999ms);
  EXPECT_EQ(q->Len(), 0u);
  clock.Advance(1ms);
  EXPECT_EQ(q->Len(), 1u);
  EXPECT_EQ(q->Get(), "a");
  EXPECT_EQ(q->DelayedLen(), 0u);
}

TEST(WorkQueueTest, BlockedGetWakesWhenDelayPasses) {
  FakeClock clock;
  auto q = NewQueue(clock);
  q->AddAfter("late", 10s);
  auto got = std::async(std::launch::async, [&] { return q->Get(); });
  WaitForWaiters(*q, 1);
  clock.Advance(9s);
  EXPECT_EQ(got.wait_for(20ms), std::future_status::timeout);
  clock.Advance(1s);
  EXPECT_EQ(got.get(), "late");
}

TEST(WorkQueueTest, EarliestDelayedAddWinsAndImmediateAddDedupes) {
  FakeClock clock;
  auto q = NewQueue(clock);
  q->AddAfter("a", 10s);
  q->AddAfter("a", 2s);
  q->AddAfter("a", 30s);
  EXPECT_EQ(q->DelayedLen(), 1u);
  clock.Advance(2s);
  EXPECT_EQ(q->Get(), "a");
  q->Done("a");
  // The superseded 10s and 30s entries do not fire again.
  clock.Advance(60s);
  EXPECT_EQ(q->Len(), 0u);
  // A delayed add of a key that is already waiting still yields one item.
  q->Add("b");
  q->AddAfter("b", 1s);
  clock.Advance(1s);
  EXPECT_EQ(q->Get(), "b");
  EXPECT_EQ(q->Len(), 0u);
}

TEST(WorkQueueTest, DelayedKeysComeOutInDueOrder) {
  FakeClock clock;
  auto q = NewQueue(clock);
  q->AddAfter("c", 3s);
  q->AddAfter("a", 1s);
  q->AddAfter("b", 2s);
  clock.Advance(3s);
  EXPECT_EQ(q->Get(), "a");
  EXPECT_EQ(q->Get(), "b");
  EXPECT_EQ(q->Get(), "c");
}

TEST(WorkQueueTest, AddRateLimitedBacksOffExponentially) {
  FakeClock clock;
  auto q = NewQueue(clock);
  q->AddRateLimited("a");  // 5ms
  clock.Advance(4ms);
  EXPECT_EQ(q->Len(), 0u);
  clock.Advance(1ms);
  ASSERT_EQ(q->Get(), "a");
  q->Done("a");
  q->AddRateLimited("a");  // 10ms
  clock.Advance(9ms);
  EXPECT_EQ(q->Len(), 0u);
  clock.Advance(1ms);
  ASSERT_EQ(q->Get(), "a");
  q->Done("a");
  EXPECT_EQ(q->NumRequeues("a"), 2);
  q->Forget("a");
  EXPECT_EQ(q->NumRequeues("a"), 0);
  q->AddRateLimited("a");  // back to 5ms
  clock.Advance(5ms);
  EXPECT_EQ(q->Len(), 1u);
}

TEST(WorkQueueTest, ShutDownReleasesWaitersAndRefusesAdds) {
  FakeClock clock;
  auto q = NewQueue(clock);
  auto got = std::async(std::launch::async, [&] { return q->Get(); });
  WaitForWaiters(*q, 1);
  q->ShutDown();
  EXPECT_EQ(got.get(), std::nullopt);
  q->Add("a");
  q->AddAfter("b", 1s);
  EXPECT_EQ(q->Len(), 0u);
  EXPECT_EQ(q->Get(), std::nullopt);
}

TEST(WorkQueueTest, ShutDownStopsHandingOutWaitingKeys) {
  FakeClock clock;
  auto q = NewQueue(clock);
  q->Add("a");
  q->Add("b");
  ASSERT_EQ(q->Get(), "a");
  q->ShutDown();
  // "Stop taking work": b stays unprocessed, the in-flight a may still finish.
  EXPECT_EQ(q->Get(), std::nullopt);
  q->Done("a");
  EXPECT_EQ(q->ProcessingLen(), 0u);
}

TEST(WorkQueueTest, MetricsTrackDepthAddsAndLatency) {
  FakeClock clock;
  MetricsRegistry registry;
  auto m = RegisterWorkQueueMetrics(registry, "test");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto q = NewQueue(clock, *m);
  q->Add("a");
  q->Add("a");
  q->Add("b");
  EXPECT_EQ(m->depth->Value(), 2);
  EXPECT_EQ(m->adds->Value(), 2);
  clock.Advance(3s);
  ASSERT_EQ(q->Get(), "a");
  EXPECT_EQ(m->depth->Value(), 1);
  clock.Advance(2s);
  q->Done("a");
  auto lat = m->queue_latency->Read();
  EXPECT_EQ(lat.count, 1u);
  EXPECT_DOUBLE_EQ(lat.sum, 3.0);
  auto work = m->work_duration->Read();
  EXPECT_DOUBLE_EQ(work.sum, 2.0);
  q->AddRateLimited("c");
  EXPECT_EQ(m->retries->Value(), 1);
  EXPECT_NE(registry.Render().find("skewgate_workqueue_depth{name=\"test\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace skewgate::runtime

#include "kube/cancellation.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace skewgate::kube {
namespace {

TEST(CancellationTest, CallbacksRunOnceAndLateRegistrationsRunAtOnce) {
  Cancellation c;
  int runs = 0;
  c.Register([&] { ++runs; });
  uint64_t gone = c.Register([&] { runs += 100; });
  c.Unregister(gone);
  c.Cancel();
  c.Cancel();
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(c.cancelled());
  c.Register([&] { ++runs; });
  EXPECT_EQ(runs, 2);
}

TEST(CancellationTest, SleepForEndsEarlyOnCancelAndOtherwiseWaitsForTheClock) {
  FakeClock clock;
  Cancellation c;
  std::atomic<int> result{-1};
  std::thread t([&] { result = c.SleepFor(clock, std::chrono::seconds(10)) ? 1 : 0; });
  clock.Advance(std::chrono::seconds(5));
  c.Cancel();
  t.join();
  EXPECT_EQ(result, 0);

  Cancellation d;
  std::thread u([&] { result = d.SleepFor(clock, std::chrono::seconds(1)) ? 1 : 0; });
  while (result != 1) {
    clock.Advance(std::chrono::milliseconds(100));
    std::this_thread::yield();
  }
  u.join();
}

// A registration's owner frees what the callback uses right after Unregister; so
// Unregister must not return while Cancel is still running that callback.
TEST(CancellationTest, UnregisterWaitsForARunningCallback) {
  Cancellation c;
  std::atomic<bool> started{false}, release{false}, finished{false};
  std::atomic<bool> finished_when_unregistered{false};
  uint64_t id = c.Register([&] {
    started = true;
    while (!release) std::this_thread::yield();
    finished = true;
  });
  std::thread canceller([&] { c.Cancel(); });
  while (!started) std::this_thread::yield();
  std::thread owner([&] {
    c.Unregister(id);
    finished_when_unregistered = finished.load();
  });
  for (int i = 0; i < 10000; ++i) std::this_thread::yield();
  release = true;
  owner.join();
  canceller.join();
  EXPECT_TRUE(finished_when_unregistered);
}

TEST(CancellationTest, RegistrationScopeUnregisters) {
  Cancellation c;
  int runs = 0;
  {
    CancellationRegistration r(c, [&] { ++runs; });
  }
  c.Cancel();
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace skewgate::kube

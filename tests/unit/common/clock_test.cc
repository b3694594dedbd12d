#include "common/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace skewgate {
namespace {

using namespace std::chrono_literals;

TEST(Rfc3339Test, FormatsAndParsesRoundTrip) {
  TimePoint t = FromUnixSeconds(1'764'151'200);  // 2025-11-26T10:00:00Z
  EXPECT_EQ(FormatRfc3339(t), "2025-11-26T10:00:00Z");
  TimePoint parsed;
  ASSERT_TRUE(ParseRfc3339("2025-11-26T10:00:00Z", &parsed));
  EXPECT_EQ(parsed, t);
  TimePoint micro = t + 123456us;
  EXPECT_EQ(FormatRfc3339Micro(micro), "2025-11-26T10:00:00.123456Z");
  ASSERT_TRUE(ParseRfc3339(FormatRfc3339Micro(micro), &parsed));
  EXPECT_EQ(parsed, micro);
}

TEST(Rfc3339Test, HonoursNumericOffsets) {
  TimePoint a, b;
  ASSERT_TRUE(ParseRfc3339("2025-11-26T12:00:00+02:00", &a));
  ASSERT_TRUE(ParseRfc3339("2025-11-26T10:00:00Z", &b));
  EXPECT_EQ(a, b);
}

TEST(Rfc3339Test, RejectsMalformedText) {
  TimePoint t;
  for (const char* bad : {"", "2025-11-26", "2025-11-26T10:00:00", "2025-13-26T10:00:00Z",
                          "2025-11-26T10:00:00.Z", "2025-11-26T10:00:00Zjunk", "yesterday"}) {
    EXPECT_FALSE(ParseRfc3339(bad, &t)) << bad;
  }
}

TEST(FakeClockTest, AdvanceMovesBothClocksAndJumpMovesOnlyWall) {
  FakeClock clock(FromUnixSeconds(100));
  auto steady0 = clock.SteadyNow();
  clock.Advance(5s);
  EXPECT_EQ(clock.Now(), FromUnixSeconds(105));
  EXPECT_EQ(clock.SteadyNow() - steady0, 5s);
  clock.SetWallTime(FromUnixSeconds(50));
  EXPECT_EQ(clock.Now(), FromUnixSeconds(50));
  EXPECT_EQ(clock.SteadyNow() - steady0, 5s);
}

TEST(FakeClockTest, WaiterWakesOnlyWhenFakeTimeReachesDeadline) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> woke{false};
  auto deadline = clock.SteadyNow() + 10s;
  std::thread waiter([&] {
    std::unique_lock<std::mutex> l(mu);
    while (clock.SteadyNow() < deadline) clock.WaitUntil(l, cv, deadline);
    woke = true;
  });
  clock.Advance(9s);
  EXPECT_FALSE(woke.load());
  clock.Advance(1s);
  waiter.join();
  EXPECT_TRUE(woke.load());
}

}  // namespace
}  // namespace skewgate

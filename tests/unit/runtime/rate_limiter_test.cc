#include "runtime/rate_limiter.h"

#include <gtest/gtest.h>

namespace skewgate::runtime {
namespace {

using namespace std::chrono_literals;

TEST(ItemExponentialRateLimiterTest, DoublesPerFailureFromBase) {
  ItemExponentialRateLimiter l(5ms, 1000s);
  EXPECT_EQ(l.When("a"), 5ms);
  EXPECT_EQ(l.When("a"), 10ms);
  EXPECT_EQ(l.When("a"), 20ms);
  EXPECT_EQ(l.When("a"), 40ms);
  EXPECT_EQ(l.NumRequeues("a"), 4);
  // Keys are independent.
  EXPECT_EQ(l.When("b"), 5ms);
}

TEST(ItemExponentialRateLimiterTest, CapsAtMaxAndNeverOverflows) {
  ItemExponentialRateLimiter l(5ms, 1000s);
  // 5ms * 2^17 = 655.36s < 1000s; 5ms * 2^18 = 1310.72s is capped.
  for (int i = 0; i < 17; ++i) (void)l.When("a");
  EXPECT_EQ(l.When("a"), Duration(655'360'000'000));
  EXPECT_EQ(l.When("a"), 1000s);
  // Far past where 2^n overflows a 64-bit integer the delay stays at the cap.
  for (int i = 0; i < 200; ++i) (void)l.When("a");
  EXPECT_EQ(l.When("a"), 1000s);
}

TEST(ItemExponentialRateLimiterTest, ForgetResetsToBase) {
  ItemExponentialRateLimiter l(5ms, 1000s);
  (void)l.When("a");
  (void)l.When("a");
  l.Forget("a");
  EXPECT_EQ(l.NumRequeues("a"), 0);
  EXPECT_EQ(l.When("a"), 5ms);
}

TEST(TokenBucketRateLimiterTest, BurstThenQps) {
  FakeClock clock;
  TokenBucketRateLimiter l(clock, 10.0, 100);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(l.When("k" + std::to_string(i)), 0ns) << i;
  EXPECT_EQ(l.When("x"), 100ms);
  EXPECT_EQ(l.When("y"), 200ms);
  EXPECT_EQ(l.When("z"), 300ms);
}

TEST(TokenBucketRateLimiterTest, RefillsWithTimeUpToBurst) {
  FakeClock clock;
  TokenBucketRateLimiter l(clock, 10.0, 100);
  for (int i = 0; i < 102; ++i) (void)l.When("k");  // 2 tokens in debt
  clock.Advance(1s);                                // +10 tokens: 8 available
  for (int i = 0; i < 8; ++i) ASSERT_EQ(l.When("k"), 0ns) << i;
  EXPECT_EQ(l.When("k"), 100ms);
  // A long idle period refills only up to the burst.
  clock.Advance(1h);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(l.When("k"), 0ns) << i;
  EXPECT_EQ(l.When("k"), 100ms);
}

TEST(MaxOfRateLimiterTest, DefaultControllerLimiterTakesTheLonger) {
  FakeClock clock;
  auto l = DefaultControllerRateLimiter(clock);
  // Per-item backoff dominates while the bucket has tokens.
  EXPECT_EQ(l->When("a"), 5ms);
  EXPECT_EQ(l->When("a"), 10ms);
  EXPECT_EQ(l->NumRequeues("a"), 2);
  // Drain the bucket with other keys (98 tokens left, then 2 more calls already used).
  for (int i = 0; i < 98; ++i) (void)l->When("k" + std::to_string(i));
  // Bucket empty: a fresh key would get 5ms from backoff but 100ms from the bucket.
  EXPECT_EQ(l->When("fresh"), 100ms);
  l->Forget("a");
  EXPECT_EQ(l->NumRequeues("a"), 0);
}

}  // namespace
}  // namespace skewgate::runtime

#include "rollout/traffic.h"

#include <gtest/gtest.h>

#include <cmath>

namespace skewgate::rollout {
namespace {

struct SplitCase {
  int32_t total, weight;
  ReplicaSplit want;
};

// Every worked example of traffic.h, plus the edges.
TEST(SplitReplicas, Table) {
  const SplitCase cases[] = {
      {4, 10, {1, 3, 25}},   {4, 50, {2, 2, 50}},   {4, 90, {3, 1, 75}},
      {4, 100, {4, 0, 100}}, {10, 25, {3, 7, 30}},  {10, 5, {1, 9, 10}},
      {3, 50, {2, 1, 67}},   {1, 10, {1, 1, 50}},   {0, 50, {0, 0, 0}},
      {5, 0, {0, 5, 0}},     {2, 99, {1, 1, 50}},   {1, 0, {0, 1, 0}},
      {1, 100, {1, 0, 100}}, {100, 1, {1, 99, 1}},  {100, 33, {33, 67, 33}},
      {10, 95, {9, 1, 90}},  {7, 1, {1, 6, 14}},    {1000, 100, {1000, 0, 100}},
      {4, -5, {0, 4, 0}},    {4, 150, {4, 0, 100}}, {-3, 50, {0, 0, 0}},
  };
  for (const SplitCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << "total " << c.total << " weight " << c.weight);
    const ReplicaSplit got = SplitReplicas(c.total, c.weight);
    EXPECT_EQ(got.canary, c.want.canary);
    EXPECT_EQ(got.stable, c.want.stable);
    EXPECT_EQ(got.achieved_weight, c.want.achieved_weight);
  }
}

// The rules of the comment, over every total and weight in range.
TEST(SplitReplicas, RulesHoldEverywhere) {
  for (int32_t total = 0; total <= 60; ++total) {
    for (int32_t w = 0; w <= 100; ++w) {
      const ReplicaSplit s = SplitReplicas(total, w);
      SCOPED_TRACE(::testing::Message() << "total " << total << " weight " << w);
      if (total == 0) {
        EXPECT_EQ(s, ReplicaSplit{});
        continue;
      }
      if (w == 0) {
        EXPECT_EQ(s.canary, 0);
      }
      if (w > 0) {
        EXPECT_GE(s.canary, 1);
      }
      if (w == 100) {
        EXPECT_EQ(s.stable, 0);
      }
      if (w < 100) {
        EXPECT_GE(s.stable, 1);
      }
      EXPECT_EQ(s.canary + s.stable, total == 1 && w > 0 && w < 100 ? 2 : total);
      // The achieved weight is the closest the pods allow: no other canary count in range
      // is strictly nearer the desired weight (ties may go either way).
      const int32_t pods = s.canary + s.stable;
      if (pods > 1 && w > 0 && w < 100) {
        const double err = std::abs(100.0 * s.canary / pods - w);
        for (int32_t c = 1; c < pods; ++c) {
          EXPECT_LE(err, std::abs(100.0 * c / pods - w) + 1e-9);
        }
      }
    }
  }
}

TEST(SplitReplicas, MonotoneInWeight) {
  for (int32_t total = 1; total <= 30; ++total) {
    for (int32_t w = 1; w <= 100; ++w) {
      EXPECT_GE(SplitReplicas(total, w).canary, SplitReplicas(total, w - 1).canary);
    }
  }
}

TEST(RoutedCanaryReplicas, Table) {
  struct {
    int32_t total, weight, want;
  } cases[] = {{4, 10, 1},  {4, 50, 2}, {10, 25, 3},   {3, 34, 2},  {4, 0, 0}, {0, 20, 0},
               {4, 100, 4}, {1, 1, 1},  {10, 101, 10}, {100, 1, 1}, {7, 50, 4}};
  for (const auto& c : cases) {
    EXPECT_EQ(RoutedCanaryReplicas(c.total, c.weight), c.want)
        << "total " << c.total << " weight " << c.weight;
  }
}

TEST(ShadowCanaryReplicas, Table) {
  struct {
    int32_t total, percent, want;
  } cases[] = {{4, 20, 1}, {10, 25, 3}, {1, 100, 1}, {0, 50, 0}, {4, 100, 4}, {3, 1, 1}};
  for (const auto& c : cases) {
    EXPECT_EQ(ShadowCanaryReplicas(c.total, c.percent), c.want)
        << "total " << c.total << " percent " << c.percent;
  }
}

}  // namespace
}  // namespace skewgate::rollout

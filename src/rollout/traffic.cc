#include "rollout/traffic.h"

#include <algorithm>

namespace skewgate::rollout {
namespace {

// round(num/den) for num, den >= 0, halves up; den > 0.
int64_t RoundDiv(int64_t num, int64_t den) { return (2 * num + den) / (2 * den); }
// ceil(num/den) for num >= 0, den > 0.
int64_t CeilDiv(int64_t num, int64_t den) { return (num + den - 1) / den; }

}  // namespace

ReplicaSplit SplitReplicas(int32_t total, int32_t weight) {
  ReplicaSplit s;
  total = std::max(total, 0);
  if (total == 0) return s;
  if (weight <= 0) {
    s.stable = total;
  } else if (weight >= 100) {
    s.canary = total;
  } else if (total == 1) {
    s.canary = 1;
    s.stable = 1;
  } else {
    const int64_t c = RoundDiv(int64_t{total} * weight, 100);
    s.canary = static_cast<int32_t>(std::clamp<int64_t>(c, 1, total - 1));
    s.stable = total - s.canary;
  }
  s.achieved_weight = static_cast<int32_t>(RoundDiv(int64_t{100} * s.canary, s.canary + s.stable));
  return s;
}

int32_t RoutedCanaryReplicas(int32_t total, int32_t weight) {
  if (total <= 0 || weight <= 0) return 0;
  weight = std::min(weight, 100);
  return static_cast<int32_t>(std::max<int64_t>(1, CeilDiv(int64_t{total} * weight, 100)));
}

int32_t ShadowCanaryReplicas(int32_t total, int32_t percent) {
  if (total <= 0) return 0;
  percent = std::clamp(percent, 0, 100);
  return static_cast<int32_t>(std::max<int64_t>(1, CeilDiv(int64_t{total} * percent, 100)));
}

}  // namespace skewgate::rollout

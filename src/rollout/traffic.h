// Replica arithmetic of a canary: how many pods each revision gets for a desired weight,
// and the weight that split actually achieves. Pure functions, no state.
//
//   ReplicaSplit s = SplitReplicas(/*total=*/4, /*weight=*/10);  // canary 1, stable 3, 25%
//   int32_t c = RoutedCanaryReplicas(/*total=*/4, /*weight=*/10);  // 1 (stable keeps 4)
#pragma once

#include <cstdint>

namespace skewgate::rollout {

struct ReplicaSplit {
  int32_t canary = 0;
  int32_t stable = 0;
  int32_t achieved_weight = 0;  // percent of pods (hence of traffic) on the canary
  friend bool operator==(const ReplicaSplit&, const ReplicaSplit&) = default;
};

// Replica-ratio traffic (one Service over the pods of both revisions): the pods ARE the
// weight, so the split must keep both sides honest.
//   - weight <= 0   → canary 0, stable total            (nothing on the canary)
//   - weight >= 100 → canary total, stable 0            (everything on the canary)
//   - otherwise     → canary = round(total·weight/100) clamped to [1, total−1], so a
//                     positive weight always puts at least one pod on the canary and a
//                     weight below 100 always keeps one on stable.
//   - total pods = total, except total == 1 with 0 < weight < 100: one pod cannot be split,
//     so the split surges to 2 pods (canary 1, stable 1, 50%) rather than send 100% or 0%.
//   - achieved = round(100·canary/(canary+stable)), halves away from zero; 0 when no pods.
// Worked examples (total, weight → canary, stable, achieved):
//   (4, 10) → 1, 3, 25    (4, 50) → 2, 2, 50    (4, 90) → 3, 1, 75    (4, 100) → 4, 0, 100
//   (10, 25) → 3, 7, 30   (10, 5) → 1, 9, 10    (3, 50) → 2, 1, 67    (1, 10) → 1, 1, 50
//   (0, 50) → 0, 0, 0     (5, 0) → 0, 5, 0      (2, 99) → 1, 1, 50
ReplicaSplit SplitReplicas(int32_t total, int32_t weight);

// Gateway API traffic (HTTPRoute backend weights are exact): stable keeps all `total` pods
// (it must carry 100% again at once on abort) and the canary gets enough pods for its
// share, ceil(total·weight/100), at least 1 when weight > 0. Pods surge by that amount.
//   (4, 10) → 1    (4, 50) → 2    (10, 25) → 3    (3, 34) → 2    (4, 0) → 0    (0, 20) → 0
int32_t RoutedCanaryReplicas(int32_t total, int32_t weight);

// Pods for a shadow step (the canary takes mirrored requests only): enough for the
// mirrored share, ceil(total·percent/100), at least 1 when total > 0. Stable keeps all
// of its pods.
//   (4, 20) → 1    (10, 25) → 3    (1, 100) → 1    (0, 50) → 0
int32_t ShadowCanaryReplicas(int32_t total, int32_t percent);

}  // namespace skewgate::rollout

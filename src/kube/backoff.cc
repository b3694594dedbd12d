#include "kube/backoff.h"

#include <algorithm>

namespace skewgate::kube {

Duration Backoff::Next(double u) {
  Duration base = std::min(next_, policy_.max);
  auto grown = std::chrono::duration_cast<Duration>(
      std::chrono::duration<double, std::nano>(static_cast<double>(base.count()) * policy_.factor));
  next_ = std::min(grown, policy_.max);
  u = std::clamp(u, 0.0, 1.0);
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::nano>(
      static_cast<double>(base.count()) * (1.0 + policy_.jitter * u)));
}

}  // namespace skewgate::kube

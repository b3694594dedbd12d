// Exponential backoff with jitter, as client-go's reflector uses between failed
// list/watch attempts: 800 ms doubling to a 30 s cap. Pure: the caller supplies the
// random draw, so the arithmetic is tested without a clock.
//
//   Backoff b(BackoffPolicy{});  Duration d = b.Next(uniform01(rng));  // 800ms..1s
//   b.Reset();                     // after a watch that delivered events
#pragma once

#include <chrono>

#include "common/clock.h"

namespace skewgate::kube {

struct BackoffPolicy {
  Duration initial = std::chrono::milliseconds(800);
  Duration max = std::chrono::seconds(30);
  double factor = 2.0;
  // Each delay is stretched by up to this fraction: d * (1 + jitter * u), u in [0, 1).
  // Kept small so that a reconnect after a short outage is not pushed far past it.
  double jitter = 0.25;
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {}) : policy_(policy), next_(policy.initial) {}

  // The delay before the next attempt; `u` is a uniform draw in [0, 1). Examples with the
  // defaults and u = 0: 800ms, 1.6s, 3.2s, 6.4s, 12.8s, 25.6s, 30s, 30s ...; with u = 0.5
  // the first is 900ms. The cap applies before jitter, so the longest is 37.5s.
  Duration Next(double u);
  void Reset() { next_ = policy_.initial; }

 private:
  BackoffPolicy policy_;
  Duration next_;
};

}  // namespace skewgate::kube

#include "kube/retry.h"

#include <random>
#include <string>

#include "kube/errors.h"

namespace skewgate::kube {

Status RetryOnConflict(const Clock& clock, const std::function<Status()>& fn,
                       const ConflictRetryPolicy& policy) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Duration delay = policy.delay;
  Status last;
  for (int attempt = 1; attempt <= policy.attempts; ++attempt) {
    last = fn();
    if (!IsConflict(last)) return last;
    if (attempt == policy.attempts) break;
    Duration wait = std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::nano>(
        static_cast<double>(delay.count()) * (1.0 + policy.jitter * uniform(rng))));
    // Waiting through the clock lets tests advance time instead of sleeping.
    std::mutex mu;
    std::condition_variable cv;
    std::unique_lock<std::mutex> lock(mu);
    auto deadline = clock.SteadyNow() + wait;
    while (clock.SteadyNow() < deadline) clock.WaitUntil(lock, cv, deadline);
    delay = std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::nano>(
        static_cast<double>(delay.count()) * policy.factor));
  }
  return last.WithContext("still conflicting after " + std::to_string(policy.attempts) +
                          " attempts");
}

}  // namespace skewgate::kube

// Rate limiters that decide how long a work-queue key waits before it is retried, with
// client-go's semantics: per-item exponential backoff combined (max of) with an overall
// token bucket so that a storm of failures cannot hammer the API server.
//
//   auto limiter = DefaultControllerRateLimiter(RealClock::Get());
//   Duration wait = limiter->When("ml/fraud");  // 5ms, 10ms, 20ms, ... capped at 1000s
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"

namespace skewgate::runtime {

// Decides the delay before a failed key is processed again.
// Thread-safe: the work queue calls it from every worker.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Records one more failure of `key` and returns how long to wait before retrying it.
  virtual Duration When(const std::string& key) = 0;
  // Clears the failure history of `key` (it succeeded or gave up); the next When() starts
  // from the base delay again.
  virtual void Forget(const std::string& key) = 0;
  // How many times When() was called for `key` since the last Forget().
  virtual int NumRequeues(const std::string& key) = 0;
};

// base * 2^failures, capped at max_delay. Saturates instead of overflowing.
//   base 5ms: 5ms, 10ms, 20ms, 40ms, ... 1000s (after ~18 failures) forever after.
class ItemExponentialRateLimiter final : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Duration base, Duration max_delay);

  // RateLimiter
  Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  const Duration base_;
  const Duration max_;
  std::mutex mu_;
  std::map<std::string, int> failures_;
};

// A token bucket of `burst` tokens refilled at `qps` per second (golang.org/x/time/rate
// Reserve semantics): every When() takes a token even if none is left, and the delay is
// the time until the bucket is back at zero. Keys are not distinguished.
//   qps 10, burst 100: 100 calls at one instant get 0; the 101st waits 100ms, the 102nd 200ms.
class TokenBucketRateLimiter final : public RateLimiter {
 public:
  TokenBucketRateLimiter(const Clock& clock, double qps, int burst);

  // RateLimiter
  Duration When(const std::string& key) override;
  void Forget(const std::string& key) override {}
  int NumRequeues(const std::string& key) override { return 0; }

 private:
  const Clock& clock_;
  const double qps_;
  const double burst_;
  std::mutex mu_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

// The longest delay of all children; Forget and NumRequeues go to (and come from) all.
class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);

  // RateLimiter
  Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// Per-item exponential 5ms → 1000s, max'ed with a 10 qps / burst 100 bucket (client-go's
// DefaultControllerRateLimiter).
std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(const Clock& clock);

}  // namespace skewgate::runtime

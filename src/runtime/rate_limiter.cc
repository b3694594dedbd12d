#include "runtime/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace skewgate::runtime {

using namespace std::chrono_literals;

ItemExponentialRateLimiter::ItemExponentialRateLimiter(Duration base, Duration max_delay)
    : base_(base), max_(max_delay) {}

Duration ItemExponentialRateLimiter::When(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  int exp = failures_[key]++;
  // Compute in double so that 2^exp for large exp saturates at max_ rather than overflowing.
  double backoff = static_cast<double>(base_.count()) * std::pow(2.0, exp);
  if (!(backoff < static_cast<double>(max_.count()))) return max_;
  return Duration(static_cast<Duration::rep>(backoff));
}

void ItemExponentialRateLimiter::Forget(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  failures_.erase(key);
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

TokenBucketRateLimiter::TokenBucketRateLimiter(const Clock& clock, double qps, int burst)
    : clock_(clock), qps_(qps), burst_(burst), tokens_(burst), last_(clock.SteadyNow()) {}

Duration TokenBucketRateLimiter::When(const std::string& /*key*/) {
  std::lock_guard<std::mutex> l(mu_);
  auto now = clock_.SteadyNow();
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  tokens_ -= 1.0;
  if (tokens_ >= 0) return 0ns;
  // Time until the debt is repaid; rounded to whole nanoseconds.
  double wait_s = -tokens_ / qps_;
  return Duration(static_cast<Duration::rep>(std::llround(wait_s * 1e9)));
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {}

Duration MaxOfRateLimiter::When(const std::string& key) {
  Duration longest = 0ns;
  for (auto& l : limiters_) longest = std::max(longest, l->When(key));
  return longest;
}

void MaxOfRateLimiter::Forget(const std::string& key) {
  for (auto& l : limiters_) l->Forget(key);
}

int MaxOfRateLimiter::NumRequeues(const std::string& key) {
  int most = 0;
  for (auto& l : limiters_) most = std::max(most, l->NumRequeues(key));
  return most;
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(const Clock& clock) {
  std::vector<std::unique_ptr<RateLimiter>> v;
  v.push_back(std::make_unique<ItemExponentialRateLimiter>(5ms, 1000s));
  v.push_back(std::make_unique<TokenBucketRateLimiter>(clock, 10.0, 100));
  return std::make_unique<MaxOfRateLimiter>(std::move(v));
}

}  // namespace skewgate::runtime

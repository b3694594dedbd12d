#include "common/clock.h"

#include <cstdio>
#include <ctime>

namespace skewgate {

namespace {
std::string Format(TimePoint t, bool micro) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  std::time_t tt = secs.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  if (micro) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count();
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(us));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}
}  // namespace

std::string FormatRfc3339(TimePoint t) { return Format(t, false); }
std::string FormatRfc3339Micro(TimePoint t) { return Format(t, true); }

bool ParseRfc3339(const std::string& text, TimePoint* out) {
  int y, mo, d, h, mi, s;
  int n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
      n != 19) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  size_t i = 19;
  int64_t frac_ns = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int64_t scale = 100'000'000;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (digits < 9) frac_ns += (text[i] - '0') * scale, scale /= 10;
      ++i, ++digits;
    }
    if (digits == 0) return false;
  }
  int64_t offset = 0;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    ++i;
  } else if (i + 6 == text.size() && (text[i] == '+' || text[i] == '-') && text[i + 3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(text.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return false;
    offset = (oh * 3600 + om * 60) * (text[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return false;
  }
  if (i != text.size()) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::time_t tt = timegm(&tm);
  *out = TimePoint(std::chrono::seconds(tt - offset)) + std::chrono::nanoseconds(frac_ns);
  return true;
}

RealClock& RealClock::Get() {
  static RealClock clock;
  return clock;
}
TimePoint RealClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
}
std::chrono::steady_clock::time_point RealClock::SteadyNow() const {
  return std::chrono::steady_clock::now();
}
void RealClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          std::chrono::steady_clock::time_point deadline) const {
  cv.wait_until(lock, deadline);
}

FakeClock::FakeClock(TimePoint start) : wall_(start), steady_() {}

TimePoint FakeClock::Now() const {
  std::lock_guard<std::mutex> l(mu_);
  return wall_;
}
std::chrono::steady_clock::time_point FakeClock::SteadyNow() const {
  std::lock_guard<std::mutex> l(mu_);
  return steady_;
}
void FakeClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          std::chrono::steady_clock::time_point deadline) const {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (steady_ >= deadline) return;
    waiters_.insert(&cv);
    ++blocked_waits_;
  }
  // Advance() notifies registered waiters; the short real timeout only closes the
  // window between the check above and the wait below, it never decides the outcome.
  cv.wait_for(lock, std::chrono::milliseconds(5));
  std::lock_guard<std::mutex> l(mu_);
  waiters_.erase(&cv);
}
void FakeClock::Advance(Duration d) {
  std::lock_guard<std::mutex> l(mu_);
  wall_ += d;
  steady_ += d;
  // Notified under mu_: a waiter deregisters under mu_ before its cv can go away.
  for (auto* cv : waiters_) cv->notify_all();
}
uint64_t FakeClock::BlockedWaits() const {
  std::lock_guard<std::mutex> l(mu_);
  return blocked_waits_;
}
void FakeClock::SetWallTime(TimePoint t) {
  std::lock_guard<std::mutex> l(mu_);
  wall_ = t;
}

}  // namespace skewgate

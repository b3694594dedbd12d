// Injectable clocks. Pure code takes a time point as an argument; code that waits or
// schedules takes a Clock& so tests can drive time with FakeClock instead of sleeping.
//
//   FakeClock clock(FromUnixSeconds(1'700'000'000));
//   queue.AddAfter("ns/a", 5s); clock.Advance(5s);  // "ns/a" is now due
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

namespace skewgate {

using Duration = std::chrono::nanoseconds;
// Wall-clock time as used in the Kubernetes API (status timestamps, Lease renew times).
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;

inline TimePoint FromUnixSeconds(int64_t s) { return TimePoint(std::chrono::seconds(s)); }
inline int64_t ToUnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// RFC 3339 in UTC with second precision ("2026-11-26T10:00:00Z"), as metav1.Time.
std::string FormatRfc3339(TimePoint t);
// RFC 3339 with microseconds ("2026-11-26T10:00:00.123456Z"), as metav1.MicroTime.
std::string FormatRfc3339Micro(TimePoint t);
// Parses both forms above (and a numeric offset); returns false on malformed input.
bool ParseRfc3339(const std::string& text, TimePoint* out);

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock now; may jump (NTP). Used for timestamps written to the API.
  virtual TimePoint Now() const = 0;
  // Monotonic now, for measuring intervals and deadlines.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
  // Blocks until `deadline` (monotonic) or until `cv` is notified; returns when either.
  // The fake implementation wakes waiters when time is advanced.
  virtual void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         std::chrono::steady_clock::time_point deadline) const = 0;
};

class RealClock final : public Clock {
 public:
  static RealClock& Get();
  TimePoint Now() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 std::chrono::steady_clock::time_point deadline) const override;
};

// A clock that moves only when told to. Thread-safe. Waiters registered through
// WaitUntil are woken when Advance() is called so they can re-check their deadline.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = FromUnixSeconds(1'700'000'000));
  TimePoint Now() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 std::chrono::steady_clock::time_point deadline) const override;

  void Advance(Duration d);
  // How many times a waiter has started waiting for a deadline still ahead of the fake
  // time. A test that advances the clock can wait for this to grow to know that a thread
  // has seen the new time and is blocked again, instead of guessing with yields.
  uint64_t BlockedWaits() const;
  // Moves wall time only (a clock jump); monotonic time is unaffected.
  void SetWallTime(TimePoint t);

 private:
  mutable std::mutex mu_;
  TimePoint wall_;
  std::chrono::steady_clock::time_point steady_;
  mutable std::set<std::condition_variable*> waiters_;
  mutable uint64_t blocked_waits_ = 0;
};

}  // namespace skewgate

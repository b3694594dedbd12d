// A one-shot cancellation signal shared by a blocking call and whoever wants to stop it
// (shutdown, a lost lease). Waits are on an injected Clock, so tests never sleep.
//
//   Cancellation stop;  std::thread t([&] { watcher.Run(stop); });
//   stop.Cancel();  t.join();   // Run returns promptly, the open watch is aborted
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/clock.h"

namespace skewgate::kube {

class Cancellation {
 public:
  Cancellation() = default;
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;

  // Idempotent. Runs every registered callback once, outside the lock.
  void Cancel();
  bool cancelled() const;

  // Registers `fn` to run on Cancel (at once if already cancelled). Returns an id for
  // Unregister. Used by the transport to close a socket blocked in a read. Unregister
  // waits for a concurrently running `fn` to return, so `fn` may use state that dies
  // right after Unregister.
  // Const because observers (a transport) may listen without being able to cancel.
  uint64_t Register(std::function<void()> fn) const;
  void Unregister(uint64_t id) const;

  // Waits for `d` of `clock` time; returns false early if cancelled.
  bool SleepFor(const Clock& clock, Duration d) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool cancelled_ = false;
  mutable uint64_t next_id_ = 1;
  mutable std::map<uint64_t, std::function<void()>> callbacks_;
  // Callbacks Cancel() took out of callbacks_ and has not finished running yet.
  mutable std::set<uint64_t> running_;
  std::thread::id cancelling_thread_;
};

// Unregisters on scope exit: a callback must not outlive the request it aborts.
class CancellationRegistration {
 public:
  CancellationRegistration(const Cancellation& c, std::function<void()> fn);
  ~CancellationRegistration();
  CancellationRegistration(const CancellationRegistration&) = delete;
  CancellationRegistration& operator=(const CancellationRegistration&) = delete;

 private:
  const Cancellation& c_;
  uint64_t id_;
};

}  // namespace skewgate::kube

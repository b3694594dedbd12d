// The controller work queue, with client-go's guarantees: a key waiting in the queue is
// held once however often it is added (dedupe); a key is never handed to two workers at
// once (an Add while it is being processed is parked until Done); delayed adds; and
// rate-limited re-adds for failures. Time comes from an injected Clock, so tests drive
// delays with FakeClock and no background thread is needed: Get() itself promotes keys
// whose delay has passed.
//
//   WorkQueue q(clock, DefaultControllerRateLimiter(clock));
//   q.Add("ml/fraud"); auto key = q.Get(); /* reconcile */ q.Forget(*key); q.Done(*key);
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "runtime/metrics.h"
#include "runtime/rate_limiter.h"

namespace skewgate::runtime {

// Optional instruments; any may be null.
struct WorkQueueMetrics {
  Gauge* depth = nullptr;              // keys ready and waiting for a worker
  Counter* adds = nullptr;             // Add calls that were not deduplicated away
  Counter* retries = nullptr;          // AddRateLimited calls
  Histogram* queue_latency = nullptr;  // seconds from ready to picked up by a worker
  Histogram* work_duration = nullptr;  // seconds from Get to Done
};

// Registers the skewgate_workqueue_* families (label "name") and returns the series for
// queue `name`. Fails only if the names clash with something already registered.
StatusOr<WorkQueueMetrics> RegisterWorkQueueMetrics(MetricsRegistry& registry,
                                                    const std::string& name);

class WorkQueue {
 public:
  WorkQueue(const Clock& clock, std::unique_ptr<RateLimiter> limiter,
            WorkQueueMetrics metrics = {});
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Makes `key` ready. No-op if it is already waiting or the queue is shut down; if the
  // key is being processed it becomes ready again when the worker calls Done.
  void Add(const std::string& key);
  // Adds `key` once `delay` has passed on the clock. Several delayed adds of one key keep
  // the earliest. A delay <= 0 is an immediate Add.
  void AddAfter(const std::string& key, Duration delay);
  // Adds `key` after the rate limiter's delay for it (one more failure).
  void AddRateLimited(const std::string& key);
  // Clears the key's failure history in the rate limiter (call after success or give-up).
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key);

  // Blocks until a key is ready and returns it, marking it as being processed: the caller
  // must call Done(key) when finished. Returns nullopt once the queue is shut down, even
  // if keys are still waiting: shutting down means "take no more work".
  std::optional<std::string> Get();
  // Ends processing of `key`; if it was added meanwhile it becomes ready again.
  void Done(const std::string& key);

  // Wakes all Get() callers with nullopt and refuses further adds. Keys being processed
  // may still call Done.
  void ShutDown();
  bool ShuttingDown() const;

  // Keys ready for a worker (not counting delayed or in-process keys).
  size_t Len() const;
  // Keys waiting for their delay to pass.
  size_t DelayedLen() const;
  // Keys currently being processed.
  size_t ProcessingLen() const;
  // Number of Get() callers currently blocked (lets tests wait for a worker to park
  // without sleeping).
  size_t Waiters() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  void AddLocked(const std::string& key, SteadyTime now);
  void PromoteDueLocked(SteadyTime now);
  void UpdateDepthLocked();

  const Clock& clock_;
  std::unique_ptr<RateLimiter> limiter_;
  WorkQueueMetrics metrics_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool shutting_down_ = false;
  size_t waiters_ = 0;
  std::deque<std::string> queue_;                  // ready keys, FIFO
  std::set<std::string> dirty_;                    // keys that need processing (queued or parked)
  std::set<std::string> processing_;               // keys handed out by Get and not yet Done
  std::map<std::string, SteadyTime> ready_since_;  // for queue latency
  std::map<std::string, SteadyTime> started_;      // for work duration
  // Delayed keys: earliest due time per key, and a heap ordered by due time. Heap entries
  // whose time no longer matches delayed_ are stale and skipped.
  std::map<std::string, SteadyTime> delayed_;
  using HeapEntry = std::pair<SteadyTime, std::string>;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<HeapEntry>> heap_;
};

}  // namespace skewgate::runtime

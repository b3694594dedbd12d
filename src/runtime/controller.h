// A controller: a work queue drained by a pool of worker threads that call a Reconciler
// and act on its result (forget, requeue after a delay, retry with backoff, or give up).
// Event sources (informers, owner mapping) feed the queue; the controller never looks at
// what an event said, only at the key.
//
//   Controller c(ControllerOptions{"modeldeployment", 2, nullptr}, reconciler, clock, &reg);
//   c.queue().Add("ml/fraud"); c.Start(); /* ... */ c.Stop();
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "runtime/metrics.h"
#include "runtime/reconciler.h"
#include "runtime/work_queue.h"

namespace skewgate::runtime {

struct ControllerOptions {
  std::string name = "controller";  // metric label and log field; [a-z0-9-]
  int workers = 2;
  // Null means DefaultControllerRateLimiter(clock).
  std::unique_ptr<RateLimiter> rate_limiter;
};

class Controller {
 public:
  // `registry` may be null (no metrics). Metric registration errors abort: the names are
  // constants of this file, so a clash is a programming error.
  Controller(ControllerOptions options, Reconciler& reconciler, const Clock& clock,
             MetricsRegistry* registry);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  const std::string& name() const { return name_; }
  // The queue that event handlers add keys to. Owned by the controller.
  WorkQueue& queue() { return *queue_; }

  // Starts the worker threads. Calling it twice is a no-op.
  void Start();
  // Stops taking work at once, waits for in-flight reconciles to finish, joins workers.
  // Idempotent. A stopped controller cannot be started again.
  void Stop();

  // Takes one key (blocking), reconciles it and applies the result. Returns false once the
  // queue is shut down. Workers loop on this; tests call it directly.
  bool ProcessNext();

  // Reconciles currently running.
  int InFlight() const { return in_flight_.load(); }

 private:
  void Apply(const std::string& key, const ReconcileResult& result);

  const std::string name_;
  const int workers_;
  Reconciler& reconciler_;
  const Clock& clock_;
  std::unique_ptr<WorkQueue> queue_;
  Counter* by_result_[4] = {nullptr, nullptr, nullptr, nullptr};
  Histogram* duration_ = nullptr;
  Gauge* active_ = nullptr;
  std::atomic<int> in_flight_{0};
  std::mutex mu_;
  std::vector<std::thread> threads_;
  bool started_ = false;
};

}  // namespace skewgate::runtime

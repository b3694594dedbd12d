// Graceful shutdown on SIGTERM/SIGINT: the signals are blocked in every thread and read
// from a signalfd by one watcher thread, which fires a Cancellation. Everything that
// blocks (informers, leader election, the manager) already honours that Cancellation.
//
//   kube::Cancellation stop;  auto w = ShutdownSignalWatcher::Install(stop);  // first!
//   /* start threads */  manager.Run(stop);
#pragma once

#include <memory>
#include <thread>

#include "common/status.h"
#include "kube/cancellation.h"

namespace skewgate::runtime {

class ShutdownSignalWatcher {
 public:
  // Blocks SIGTERM and SIGINT in the calling thread (threads started afterwards inherit
  // the mask, so call it at the top of main) and starts the watcher. `on_signal` must
  // outlive the returned object. Internal when the signalfd cannot be created.
  static StatusOr<std::unique_ptr<ShutdownSignalWatcher>> Install(kube::Cancellation& on_signal);
  ~ShutdownSignalWatcher();
  ShutdownSignalWatcher(const ShutdownSignalWatcher&) = delete;
  ShutdownSignalWatcher& operator=(const ShutdownSignalWatcher&) = delete;

  // The number of the signal received, 0 if none yet.
  int received() const { return received_.load(); }

 private:
  ShutdownSignalWatcher(int signal_fd, int stop_fd, kube::Cancellation& on_signal);
  void Loop();

  int signal_fd_;
  int stop_fd_;  // eventfd written by the destructor to end Loop
  kube::Cancellation& on_signal_;
  std::atomic<int> received_{0};
  std::thread thread_;
};

}  // namespace skewgate::runtime

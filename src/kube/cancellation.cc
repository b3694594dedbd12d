#include "kube/cancellation.h"

#include <utility>
#include <vector>

namespace skewgate::kube {

void Cancellation::Cancel() {
  std::map<uint64_t, std::function<void()>> callbacks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    cancelling_thread_ = std::this_thread::get_id();
    callbacks.swap(callbacks_);
    for (const auto& [id, fn] : callbacks) running_.insert(id);
  }
  cv_.notify_all();
  for (auto& [id, fn] : callbacks) {
    fn();
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(id);
    cv_.notify_all();
  }
}

bool Cancellation::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

uint64_t Cancellation::Register(std::function<void()> fn) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!cancelled_) {
      uint64_t id = next_id_++;
      callbacks_.emplace(id, std::move(fn));
      return id;
    }
  }
  fn();  // already cancelled: run at once, outside the lock
  return 0;
}

void Cancellation::Unregister(uint64_t id) const {
  std::unique_lock<std::mutex> lock(mu_);
  callbacks_.erase(id);
  // The callback may be running on the cancelling thread right now; its owner is about
  // to free what it touches, so wait for it (unless this is that very thread).
  if (cancelling_thread_ == std::this_thread::get_id()) return;
  cv_.wait(lock, [&] { return running_.count(id) == 0; });
}

bool Cancellation::SleepFor(const Clock& clock, Duration d) const {
  std::unique_lock<std::mutex> lock(mu_);
  auto deadline = clock.SteadyNow() + d;
  while (!cancelled_ && clock.SteadyNow() < deadline) {
    clock.WaitUntil(lock, cv_, deadline);
  }
  return !cancelled_;
}

CancellationRegistration::CancellationRegistration(const Cancellation& c, std::function<void()> fn)
    : c_(c), id_(c.Register(std::move(fn))) {}

CancellationRegistration::~CancellationRegistration() {
  if (id_ != 0) c_.Unregister(id_);
}

}  // namespace skewgate::kube

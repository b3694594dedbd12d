// The Reconciler interface: the one function a controller author writes. Reconciliation
// is level-based: given only a key, read the current world, compute the desired state,
// apply the difference. The result tells the worker what to do with the key next.
//
//   ReconcileResult Reconcile(const ObjectKey& key) override {
//     return ReconcileResult::RequeueAfter(std::chrono::seconds(30)); }
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace skewgate::runtime {

// namespace/name of the object to reconcile (namespace empty for cluster-scoped kinds).
struct ObjectKey {
  std::string ns;
  std::string name;

  // "ns/name", or "name" when cluster-scoped: the string form the work queue holds.
  std::string ToString() const { return ns.empty() ? name : ns + "/" + name; }
  // Parses the string form; an empty name is an InvalidArgument error.
  static StatusOr<ObjectKey> Parse(const std::string& key);

  friend bool operator==(const ObjectKey& a, const ObjectKey& b) {
    return a.ns == b.ns && a.name == b.name;
  }
};

class ReconcileResult {
 public:
  enum class Kind {
    kDone,            // converged; forget the key's failure history
    kRequeueAfter,    // converging; look again after `after` (not counted as a failure)
    kRetryableError,  // transient failure (conflict, 5xx, timeout); retry with backoff
    kTerminalError,   // the input is wrong; the reconciler has set a condition; never retry
                      // until the object changes again
  };

  static ReconcileResult Done() { return ReconcileResult(Kind::kDone, Duration::zero(), {}); }
  static ReconcileResult RequeueAfter(Duration after) {
    return ReconcileResult(Kind::kRequeueAfter, after, {});
  }
  static ReconcileResult RetryableError(Status s) {
    return ReconcileResult(Kind::kRetryableError, Duration::zero(), std::move(s));
  }
  static ReconcileResult TerminalError(Status s) {
    return ReconcileResult(Kind::kTerminalError, Duration::zero(), std::move(s));
  }

  Kind kind() const { return kind_; }
  Duration after() const { return after_; }
  const Status& status() const { return status_; }
  // The metric label value: "done", "requeue_after", "retryable_error", "terminal_error".
  const char* label() const { return KindLabel(kind_); }
  static const char* KindLabel(Kind kind);

 private:
  ReconcileResult(Kind k, Duration after, Status s)
      : kind_(k), after_(after), status_(std::move(s)) {}
  Kind kind_;
  Duration after_;
  Status status_;
};

// Implemented by each controller. Called from several worker threads at once, but never
// twice concurrently for the same key. Must be idempotent: it may be called any number of
// times for a key, including after the object is gone (then it should clean up, or return
// Done). It must not block on anything but API calls with timeouts.
class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual ReconcileResult Reconcile(const ObjectKey& key) = 0;
};

}  // namespace skewgate::runtime

// Retry of optimistic-concurrency conflicts (409), in the manner of client-go's
// retry.RetryOnConflict: re-run the whole read-modify-write while it reports kAborted.
//
//   Status s = RetryOnConflict(clock, [&] { auto o = c.Get(...); mutate(o); return
//                                           c.Update(..., *o, {}).status(); });
#pragma once

#include <chrono>
#include <functional>

#include "common/clock.h"
#include "common/status.h"

namespace skewgate::kube {

struct ConflictRetryPolicy {
  int attempts = 5;  // total tries, the first included (client-go's DefaultRetry)
  Duration delay = std::chrono::milliseconds(10);
  double factor = 1.0;
  double jitter = 0.1;
};

// Runs `fn` until it returns anything but kAborted, or attempts run out (then the last
// kAborted is returned with the attempt count in its message). `fn` must re-read the
// object each time: retrying a stale write can never succeed. Waits on `clock`.
Status RetryOnConflict(const Clock& clock, const std::function<Status()>& fn,
                       const ConflictRetryPolicy& policy = {});

}  // namespace skewgate::kube

// Small pure helpers on ModelDeploymentStatus that every writer of status needs: finding and
// setting conditions the metav1 way (lastTransitionTime moves only when status flips), and
// the kstatus view. Time is passed in; nothing here reads a clock.
//
//   bool changed = SetCondition(&st, {kConditionReady, kConditionTrue, kReasonRolloutComplete,
//                                     "serving 7f3c9a", md.Generation()}, now);
#pragma once

#include <string_view>

#include "api/types.h"

namespace skewgate::api {

// The condition of that type, or nullptr.
const Condition* FindCondition(const ModelDeploymentStatus& status, std::string_view type);
// True when the condition exists with status "True".
bool IsConditionTrue(const ModelDeploymentStatus& status, std::string_view type);

// Inserts or updates `condition` (matched by type). last_transition_time is set to `now` when
// the condition is new or its status changes, and kept otherwise (the caller's value is
// ignored). Returns whether anything changed, so callers can skip a no-op status write.
bool SetCondition(ModelDeploymentStatus* status, Condition condition, TimePoint now);

// Removes the condition of that type; returns whether it was there.
bool RemoveCondition(ModelDeploymentStatus* status, std::string_view type);

// What kstatus (Flux, kpt) will conclude from this status for an object of `generation`.
enum class KStatus { kInProgress, kFailed, kCurrent };
KStatus ComputeKStatus(const ModelDeploymentStatus& status, int64_t generation);

}  // namespace skewgate::api

#include "api/status_util.h"

#include <algorithm>

#include "api/conditions.h"

namespace skewgate::api {

const Condition* FindCondition(const ModelDeploymentStatus& status, std::string_view type) {
  for (const auto& c : status.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool IsConditionTrue(const ModelDeploymentStatus& status, std::string_view type) {
  const Condition* c = FindCondition(status, type);
  return c != nullptr && c->status == kConditionTrue;
}

bool SetCondition(ModelDeploymentStatus* status, Condition condition, TimePoint now) {
  for (auto& c : status->conditions) {
    if (c.type != condition.type) continue;
    condition.last_transition_time = c.status == condition.status ? c.last_transition_time : now;
    if (c == condition) return false;
    c = std::move(condition);
    return true;
  }
  condition.last_transition_time = now;
  status->conditions.push_back(std::move(condition));
  return true;
}

bool RemoveCondition(ModelDeploymentStatus* status, std::string_view type) {
  auto it = std::remove_if(status->conditions.begin(), status->conditions.end(),
                           [&](const Condition& c) { return c.type == type; });
  bool removed = it != status->conditions.end();
  status->conditions.erase(it, status->conditions.end());
  return removed;
}

KStatus ComputeKStatus(const ModelDeploymentStatus& status, int64_t generation) {
  // kstatus order: a stale observedGeneration or Reconciling=True is InProgress; Stalled=True
  // is Failed; otherwise Current.
  if (status.observed_generation != generation) return KStatus::kInProgress;
  if (IsConditionTrue(status, kConditionReconciling)) return KStatus::kInProgress;
  if (IsConditionTrue(status, kConditionStalled)) return KStatus::kFailed;
  return KStatus::kCurrent;
}

}  // namespace skewgate::api

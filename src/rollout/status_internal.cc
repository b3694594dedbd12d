// Status bookkeeping of a decision: conditions (with honest lastTransitionTime), phase and
// message, transition Events, and the bounded revision history.
#include <algorithm>

#include "api/conditions.h"
#include "rollout/revision.h"
#include "rollout/state_internal.h"

namespace skewgate::rollout::internal {

void SetCondition(std::vector<api::Condition>* conditions, const char* type, bool value,
                  const std::string& reason, const std::string& message, int64_t generation,
                  TimePoint now) {
  const std::string status = value ? api::kConditionTrue : api::kConditionFalse;
  for (api::Condition& c : *conditions) {
    if (c.type != type) continue;
    // metav1.Condition: the transition time says when the status last flipped, so a reason
    // or message update alone keeps it (and keeps a steady state free of writes).
    if (c.status != status) c.last_transition_time = now;
    c.status = status;
    c.reason = reason;
    c.message = message;
    c.observed_generation = generation;
    return;
  }
  conditions->push_back({type, status, reason, message, generation, now});
}

const api::Condition* FindCondition(const std::vector<api::Condition>& conditions,
                                    const char* type) {
  for (const api::Condition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool ConditionTrue(const std::vector<api::Condition>& conditions, const char* type) {
  const api::Condition* c = FindCondition(conditions, type);
  return c != nullptr && c->status == api::kConditionTrue;
}

namespace {

constexpr const char* kOwnTypes[] = {
    api::kConditionReady,   api::kConditionProgressing, api::kConditionDegraded,
    api::kConditionPaused,  api::kConditionInvalidSpec, api::kConditionReconciling,
    api::kConditionStalled,
};

bool OwnType(const std::string& type) {
  return std::any_of(std::begin(kOwnTypes), std::end(kOwnTypes),
                     [&](const char* t) { return type == t; });
}

// Events that follow from condition transitions (the explicit ones — step advanced,
// promoted, aborted — are emitted where the transition is decided).
void EmitTransitionEvents(Decision* d, const std::vector<api::Condition>& before) {
  const Situation& s = d->situation;
  const bool was_paused = ConditionTrue(before, api::kConditionPaused);
  if (!s.paused_reason.empty() && !was_paused) {
    d->Emit(api::kEventNormal, api::kEventReasonPaused, s.message);
  } else if (s.paused_reason.empty() && was_paused) {
    d->Emit(api::kEventNormal, api::kEventReasonResumed, s.message);
  }
  if (!s.invalid_reason.empty() && !ConditionTrue(before, api::kConditionInvalidSpec)) {
    d->Emit(api::kEventWarning, api::kEventReasonInvalidSpec, s.message);
  }
  const api::Condition* degraded = FindCondition(before, api::kConditionDegraded);
  const bool degraded_same = degraded != nullptr && degraded->status == api::kConditionTrue &&
                             degraded->reason == s.degraded_reason;
  if (!s.degraded_reason.empty() && !degraded_same && s.invalid_reason.empty()) {
    if (s.degraded_reason == api::kReasonProgressDeadlineExceeded) {
      d->Emit(api::kEventWarning, api::kEventReasonProgressDeadlineExceeded, s.message);
    } else if (s.degraded_reason == api::kReasonModelDigestMismatch && d->mode != Mode::kAborted) {
      d->Emit(api::kEventWarning, api::kEventReasonModelDigestMismatch, s.message);
    }
  }
}

}  // namespace

void RenderSituation(Decision* d) {
  const Situation& s = d->situation;
  api::ModelDeploymentStatus& st = d->status;
  const std::vector<api::Condition> before = st.conditions;
  st.phase = s.phase;
  st.message = s.message;

  std::vector<api::Condition> conds;
  for (const char* type : kOwnTypes) {
    if (const api::Condition* c = FindCondition(before, type)) conds.push_back(*c);
  }
  const auto set = [&](const char* type, bool value, const std::string& reason) {
    SetCondition(&conds, type, value, reason, s.message, d->generation, d->now);
  };
  const bool healthy = s.phase == api::Phase::kHealthy;
  const std::string settled = healthy ? api::kReasonRolloutComplete : api::kReasonRolloutInProgress;
  std::string not_ready = api::kReasonRolloutInProgress;
  if (!s.invalid_reason.empty()) {
    not_ready = s.invalid_reason;
  } else if (!s.degraded_reason.empty()) {
    not_ready = s.degraded_reason;
  } else if (!s.paused_reason.empty()) {
    not_ready = s.paused_reason;
  }
  set(api::kConditionReady, s.ready, s.ready ? api::kReasonRolloutComplete : not_ready);
  set(api::kConditionProgressing, !s.progressing_reason.empty(),
      !s.progressing_reason.empty() ? s.progressing_reason
      : !s.degraded_reason.empty()  ? s.degraded_reason
                                    : settled);
  set(api::kConditionDegraded, !s.degraded_reason.empty(),
      s.degraded_reason.empty() ? settled : s.degraded_reason);
  set(api::kConditionPaused, !s.paused_reason.empty(),
      s.paused_reason.empty() ? std::string(api::kReasonNotPaused) : s.paused_reason);
  set(api::kConditionInvalidSpec, !s.invalid_reason.empty(),
      s.invalid_reason.empty() ? std::string(api::kReasonSpecValid) : s.invalid_reason);
  // kstatus: Reconciling while the controller still moves towards the spec (a paused
  // rollout has not converged either); Stalled when only a change can unblock it.
  const bool reconciling = s.phase == api::Phase::kProgressing || s.phase == api::Phase::kPaused;
  set(api::kConditionReconciling, reconciling,
      reconciling ? (s.progressing_reason.empty() ? s.paused_reason : s.progressing_reason)
                  : std::string(api::kReasonReconciled));
  const std::string stalled = !s.invalid_reason.empty() ? s.invalid_reason : s.degraded_reason;
  set(api::kConditionStalled, !stalled.empty(), stalled.empty() ? settled : stalled);
  for (const api::Condition& c : before) {
    if (!OwnType(c.type)) conds.push_back(c);  // someone else's condition: keep it as it is
  }
  st.conditions = std::move(conds);
  EmitTransitionEvents(d, before);
}

// ---- history

void UpsertActive(Decision* d, const std::string& revision) {
  std::vector<api::RevisionRecord>& h = d->status.history;
  h.erase(std::remove_if(h.begin(), h.end(),
                         [&](const api::RevisionRecord& r) { return r.revision == revision; }),
          h.end());
  api::RevisionRecord r;
  r.revision = revision;
  r.model_digest = d->spec.model.digest;
  r.image = ModelServerImage(d->spec);
  r.baseline_digest = d->in.baseline_digest;
  r.outcome = api::RevisionOutcome::kActive;
  r.time = d->now;
  h.insert(h.begin(), std::move(r));
}

void SetOutcome(Decision* d, const std::string& revision, api::RevisionOutcome outcome,
                const std::string& message) {
  for (api::RevisionRecord& r : d->status.history) {
    if (r.revision != revision) continue;
    r.outcome = outcome;
    r.message = message;
  }
}

std::optional<TimePoint> DeployedAt(const api::ModelDeploymentStatus& s,
                                    const std::string& revision) {
  for (const api::RevisionRecord& r : s.history) {
    if (r.revision == revision) return r.time;
  }
  return std::nullopt;
}

void TrimHistory(api::ModelDeploymentStatus* s, int32_t limit) {
  std::vector<api::RevisionRecord> kept;
  int32_t old = 0;
  for (api::RevisionRecord& r : s->history) {
    const bool active = r.outcome == api::RevisionOutcome::kActive;
    if (!active && old >= limit) continue;
    if (!active) ++old;
    if (kept.size() >= static_cast<size_t>(api::kMaxHistory)) break;
    kept.push_back(std::move(r));
  }
  s->history = std::move(kept);
}

}  // namespace skewgate::rollout::internal

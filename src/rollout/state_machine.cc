// Decide: which mode the rollout is in, what moved, and the situation it leaves behind.
// The transitions live in transitions.cc, the canary's steps and gates in canary.cc, the
// world a status asks for in shape.cc, conditions and history in status_internal.cc.
#include "rollout/state_machine.h"

#include <algorithm>

#include "api/conditions.h"
#include "api/validation.h"
#include "rollout/revision.h"
#include "rollout/state_internal.h"

namespace skewgate::rollout {
namespace {

using internal::Decision;
using internal::Mode;

// A wall clock that went backwards must not stretch a pause or a deadline by the size of
// the jump: times recorded "in the future" are pulled back to now (once; then stable).
void ClampClockJumps(Decision* d) {
  api::ModelDeploymentStatus& st = d->status;
  const auto clamp = [&](std::optional<TimePoint>& t) {
    if (t && *t > d->now) t = d->now;
  };
  clamp(st.current_step_started_at);
  clamp(st.last_progress_time);
  if (st.abort && st.abort->time > d->now) st.abort->time = d->now;
  for (api::RevisionRecord& r : st.history) {
    if (r.outcome == api::RevisionOutcome::kActive && r.time > d->now) r.time = d->now;
  }
}

// Where the spec's revision stands against the status: first deployment, back to stable,
// the canary in flight, an aborted canary, held by spec.paused, or a new canary.
void DecideMode(Decision* d) {
  api::ModelDeploymentStatus& st = d->status;
  const std::string& want = d->desired;
  if (st.stable_revision.empty()) {
    d->mode = Mode::kFirstDeploy;
    for (const api::RevisionRecord& r : st.history) {
      if (r.outcome == api::RevisionOutcome::kActive && r.revision != want) {
        internal::SetOutcome(d, r.revision, api::RevisionOutcome::kSuperseded,
                             "replaced by revision " + want + " before it was ready");
      }
    }
    st.canary_revision.clear();
    st.current_step_index.reset();
    st.current_step_started_at.reset();
    st.abort.reset();
    const bool active = !st.history.empty() && st.history.front().revision == want &&
                        st.history.front().outcome == api::RevisionOutcome::kActive;
    if (!active) {
      internal::UpsertActive(d, want);
      st.last_progress_time = d->now;
      d->Emit(api::kEventNormal, api::kEventReasonRevisionCreated,
              "first revision " + want + " (model " + d->spec.model.digest +
                  "): " + std::to_string(d->total) + " replicas");
    }
    return;
  }
  if (want == st.stable_revision) {
    const std::string dropped = !st.canary_revision.empty() ? st.canary_revision
                                : st.abort                  ? st.abort->revision
                                                            : "";
    internal::Supersede(d, "the spec went back to the stable revision");
    st.abort.reset();
    if (!dropped.empty()) {
      d->Emit(api::kEventNormal, api::kEventReasonRolledBack,
              "the spec is back at stable revision " + want + "; " + dropped + " is dropped");
    }
    d->mode = Mode::kSteady;
    return;
  }
  if (st.canary_revision == want) {
    d->mode = Mode::kCanary;
    return;
  }
  if (st.abort && st.canary_revision.empty() && st.abort->revision == want) {
    d->mode = Mode::kAborted;  // stays until a retry gate or a new spec
    return;
  }
  if (d->spec.paused) {
    d->pending = want;  // spec.paused: the new revision waits, nothing moves
    d->mode = !st.canary_revision.empty() ? Mode::kCanary
              : st.abort                  ? Mode::kAborted
                                          : Mode::kSteady;
    return;
  }
  internal::StartCanary(d, want, /*retry=*/false);
}

// The progress deadline: no progress since `base` for progressDeadlineSeconds.
bool DeadlineExceeded(Decision* d, std::optional<TimePoint> base) {
  if (!base) return false;
  const TimePoint end = *base + std::chrono::seconds(d->spec.progress_deadline_seconds);
  if (d->now >= end) return true;
  d->wakeups.push_back(end);
  return false;
}

std::string HeldNote(const Decision& d) {
  return d.pending.empty() ? "" : "; spec.paused holds back revision " + d.pending;
}

void FirstDeploySituation(Decision* d) {
  api::ModelDeploymentStatus& st = d->status;
  internal::Situation& s = d->situation;
  const int32_t ready = d->ReadyOf(d->desired);
  if (ready >= d->total) {
    st.stable_revision = d->desired;
    st.last_progress_time = d->now;
    d->mode = Mode::kSteady;
    d->Emit(api::kEventNormal, api::kEventReasonPromoted,
            "first revision " + d->desired + " is stable: it serves all traffic");
    return;
  }
  const std::string pods = std::to_string(ready) + "/" + std::to_string(d->total) + " pods ready";
  if (d->in.newest_pods_failing) {
    s.phase = api::Phase::kDegraded;
    s.degraded_reason = d->in.newest_pods_failing->reason;
    s.message = "first revision " + d->desired +
                " cannot start: " + d->in.newest_pods_failing->message + " (" + pods + ")";
  } else if (DeadlineExceeded(d, st.last_progress_time.value_or(d->now))) {
    s.phase = api::Phase::kDegraded;
    s.degraded_reason = api::kReasonProgressDeadlineExceeded;
    s.message = "first revision " + d->desired + " made no progress for " +
                std::to_string(d->spec.progress_deadline_seconds) + "s (" + pods + ")";
  } else {
    s.phase = api::Phase::kProgressing;
    s.progressing_reason = api::kReasonNewRevision;
    s.message = "deploying first revision " + d->desired + ": " + pods;
  }
}

void SteadySituation(Decision* d) {
  const api::ModelDeploymentStatus& st = d->status;
  internal::Situation& s = d->situation;
  const int32_t ready = d->ReadyOf(st.stable_revision);
  const std::string pods = std::to_string(ready) + "/" + std::to_string(d->total) + " pods ready";
  if (!d->pending.empty()) {
    s.phase = api::Phase::kPaused;
    s.paused_reason = api::kReasonSpecPaused;
    s.message =
        "revision " + st.stable_revision + " serves all traffic (" + pods + ")" + HeldNote(*d);
  } else if (d->in.newest_pods_failing) {
    s.phase = api::Phase::kDegraded;
    s.degraded_reason = d->in.newest_pods_failing->reason;
    s.message = "revision " + st.stable_revision + ": " + d->in.newest_pods_failing->message +
                " (" + pods + ")";
  } else if (ready >= d->total) {
    s.phase = api::Phase::kHealthy;
    s.ready = true;
    s.message = "revision " + st.stable_revision + " serves all traffic (" + pods + ")";
  } else {
    s.phase = api::Phase::kProgressing;
    s.progressing_reason = api::kReasonRolloutInProgress;
    s.message = "scaling revision " + st.stable_revision + ": " + pods;
  }
}

void AbortedSituation(Decision* d) {
  const api::ModelDeploymentStatus& st = d->status;
  internal::Situation& s = d->situation;
  s.phase = api::Phase::kDegraded;
  s.degraded_reason = st.abort->reason;
  s.message = "canary " + st.abort->revision + " aborted: " + st.abort->message + "; " +
              st.stable_revision +
              " serves all traffic (`kubectl skewgate retry` or a new spec to continue)" +
              HeldNote(*d);
}

void CanarySituation(Decision* d, const internal::CanaryWait& w) {
  const api::ModelDeploymentStatus& st = d->status;
  internal::Situation& s = d->situation;
  const std::string where = "canary " + st.canary_revision + ", " + internal::StepLabel(*d);
  s.progressing_reason = w.reason != nullptr ? w.reason : api::kReasonStepInProgress;
  if (d->spec.paused) {
    s.phase = api::Phase::kPaused;
    s.paused_reason = api::kReasonSpecPaused;
    s.message = where + ": frozen by spec.paused" + HeldNote(*d);
  } else if (internal::InconclusivePaused(*d)) {
    s.phase = api::Phase::kPaused;
    s.paused_reason = api::kReasonInconclusiveLimit;
    // The last run's reason says what to fix (a metric source down, no traffic...).
    const std::string last = st.last_analysis && st.last_analysis->revision == st.canary_revision &&
                                     !st.last_analysis->message.empty()
                                 ? "; the last: " + st.last_analysis->message
                                 : "";
    s.message = where + ": paused after " + std::to_string(st.consecutive_inconclusive_runs) +
                " inconclusive analysis runs in a row" + last + " (a successful run or " +
                "`kubectl skewgate promote` resumes)";
  } else if (w.manual_gate) {
    s.phase = api::Phase::kPaused;
    s.paused_reason = api::kReasonManualGate;
    s.message = where + ": " + w.message;
  } else if (DeadlineExceeded(d, w.deadline_base)) {
    if (d->spec.progress_deadline_abort) {
      internal::Abort(d, api::kReasonProgressDeadlineExceeded,
                      "no progress for " + std::to_string(d->spec.progress_deadline_seconds) +
                          "s at " + internal::StepLabel(*d) + ": " + w.message,
                      {});
      s = {};
      AbortedSituation(d);
      return;
    }
    s.phase = api::Phase::kDegraded;
    s.degraded_reason = api::kReasonProgressDeadlineExceeded;
    s.message = where + ": no progress for " + std::to_string(d->spec.progress_deadline_seconds) +
                "s; " + w.message;
  } else {
    s.phase = api::Phase::kProgressing;
    s.message = where + ": " + w.message;
  }
}

std::optional<Duration> Requeue(const Decision& d) {
  if (d.wakeups.empty()) return std::nullopt;
  const TimePoint first = *std::min_element(d.wakeups.begin(), d.wakeups.end());
  // At least a second: a time that is already due must not turn into a hot loop.
  return std::max<Duration>(first - d.now, std::chrono::seconds(1));
}

}  // namespace

Plan Decide(const Input& in) {
  Decision d(in);
  Plan plan;
  if (in.md.metadata.contains("deletionTimestamp")) {
    // Being deleted: ownerReferences take everything down; change nothing meanwhile.
    d.mode = Mode::kInvalid;
    internal::ShapeWorld(&d, &plan);
    plan.status = in.md.status;
    return plan;
  }
  api::ModelDeploymentStatus& st = d.status;
  st.observed_generation = d.generation;
  if (!in.selector.empty()) st.selector = in.selector;
  st.replicas = st.ready_replicas = 0;
  for (const ObservedReplicaSet& rs : in.replica_sets) {
    st.replicas += rs.replicas;
    st.ready_replicas += rs.ready_replicas;
  }

  const std::vector<api::FieldError> errors = api::ValidateSpec(in.md.spec);
  if (!errors.empty() || in.spec_problem) {
    d.mode = Mode::kInvalid;
    internal::ProcessGates(&d);  // every pending gate is refused, with the reason
    internal::Situation& s = d.situation;
    s.phase = api::Phase::kDegraded;
    s.invalid_reason = in.spec_problem ? in.spec_problem->reason : api::kReasonValidationFailed;
    s.degraded_reason = s.invalid_reason;
    s.message = (in.spec_problem ? in.spec_problem->message : api::ToStatus(errors).message()) +
                "; nothing serving was changed";
  } else {
    d.desired = RevisionHash(in.md.spec, in.baseline_digest);
    if (!st.baseline_digest.empty() && st.baseline_digest != in.baseline_digest) {
      d.Emit(api::kEventNormal, api::kEventReasonBaselineChanged,
             "baseline digest is now " + in.baseline_digest + " (was " + st.baseline_digest + ")");
    }
    st.baseline_digest = in.baseline_digest;
    ClampClockJumps(&d);
    if (st.current_step_index && *st.current_step_index > d.steps) {
      st.current_step_index = d.steps;  // the steps were edited under a running canary
    }
    DecideMode(&d);
    internal::CountAnalysis(&d);
    if (d.mode == Mode::kCanary && in.newest_pods_failing && st.canary_revision == d.desired) {
      internal::Abort(&d, in.newest_pods_failing->reason, in.newest_pods_failing->message, {});
    }
    internal::ProcessGates(&d);
    // A pause that ended is progress: the deadline starts over from here. (A manual gate
    // ends with a step advance, which records progress itself.)
    const api::Condition* was =
        internal::FindCondition(in.md.status.conditions, api::kConditionPaused);
    if (d.mode == Mode::kCanary && was != nullptr && was->status == api::kConditionTrue &&
        was->reason != api::kReasonManualGate && !in.md.spec.paused &&
        !internal::InconclusivePaused(d)) {
      st.last_progress_time = d.now;
    }
    internal::CanaryWait wait;
    if (d.mode == Mode::kCanary) wait = internal::AdvanceCanary(&d);
    switch (d.mode) {
      case Mode::kFirstDeploy:
        FirstDeploySituation(&d);
        if (d.mode == Mode::kSteady) SteadySituation(&d);
        break;
      case Mode::kSteady: SteadySituation(&d); break;
      case Mode::kAborted: AbortedSituation(&d); break;
      case Mode::kCanary: CanarySituation(&d, wait); break;
      case Mode::kInvalid: break;
    }
  }
  internal::TrimHistory(&st, in.md.spec.revision_history_limit);
  internal::RenderSituation(&d);
  internal::ShapeWorld(&d, &plan);
  plan.status = std::move(d.status);
  plan.events = std::move(d.events);
  plan.requeue_after = Requeue(d);
  return plan;
}

}  // namespace skewgate::rollout

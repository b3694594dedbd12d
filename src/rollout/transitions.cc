// The transitions of a rollout (start, step, supersede, abort, promote): each one updates
// the status fields it owns, the history, and emits its Event, in one place.
#include <algorithm>

#include "api/conditions.h"
#include "api/duration.h"
#include "rollout/state_internal.h"

namespace skewgate::rollout::internal {

Decision::Decision(const Input& input) : in(input), spec(input.md.spec), status(input.md.status) {
  canary = spec.strategy.canary ? &*spec.strategy.canary : nullptr;
  total = std::max(spec.replicas, 0);
  steps = canary != nullptr ? static_cast<int32_t>(canary->steps.size()) : 0;
  analysis_on = canary != nullptr && input.analysis_enabled;
  now = input.now;
  generation = input.md.Generation();
}

int32_t Decision::ReadyOf(const std::string& revision) const {
  for (const ObservedReplicaSet& rs : in.replica_sets) {
    if (rs.revision == revision) return rs.ready_replicas;
  }
  return 0;
}

int32_t Decision::ObservedReplicasOf(const std::string& revision) const {
  for (const ObservedReplicaSet& rs : in.replica_sets) {
    if (rs.revision == revision) return rs.replicas;
  }
  return 0;
}

bool Decision::Observed(const std::string& revision) const {
  return std::any_of(in.replica_sets.begin(), in.replica_sets.end(),
                     [&](const ObservedReplicaSet& rs) { return rs.revision == revision; });
}

std::string DescribeStep(const api::CanaryStep& step) {
  if (const auto* w = std::get_if<api::SetWeightStep>(&step.action)) {
    return "setWeight " + std::to_string(w->weight);
  }
  if (const auto* p = std::get_if<api::PauseStep>(&step.action)) {
    return p->duration ? "pause " + api::FormatDuration(*p->duration) : "pause (manual gate)";
  }
  const auto& s = std::get<api::ShadowStep>(step.action);
  return "shadow " + std::to_string(s.percent) + "% for " + api::FormatDuration(s.duration);
}

std::string StepLabel(const Decision& d) {
  const int32_t i = d.status.current_step_index.value_or(0);
  if (i >= d.steps) {
    return d.steps == 0 ? std::string("replacing the stable revision")
                        : "all " + std::to_string(d.steps) + " steps done";
  }
  return "step " + std::to_string(i + 1) + "/" + std::to_string(d.steps) + " (" +
         DescribeStep(d.canary->steps[i]) + ")";
}

void EnterStep(Decision* d, int32_t index) {
  api::ModelDeploymentStatus& st = d->status;
  const int32_t before = StepWeight(*d);
  st.current_step_index = index;
  st.current_step_started_at = d->now;
  st.last_progress_time = d->now;
  d->Emit(api::kEventNormal, api::kEventReasonStepAdvanced,
          "canary " + st.canary_revision + ": " + StepLabel(*d));
  if (index < d->steps) {
    const api::CanaryStep& step = d->canary->steps[index];
    if (const auto* w = std::get_if<api::SetWeightStep>(&step.action)) {
      if (w->weight != before) {
        d->Emit(api::kEventNormal, api::kEventReasonWeightChanged,
                "canary " + st.canary_revision + ": weight " + std::to_string(w->weight) + "%");
      }
    } else if (const auto* s = std::get_if<api::ShadowStep>(&step.action)) {
      d->Emit(api::kEventNormal, api::kEventReasonShadowStarted,
              "mirroring " + std::to_string(s->percent) + "% of " + st.stable_revision +
                  "'s requests to " + st.canary_revision);
    }
  }
}

void Supersede(Decision* d, const std::string& why) {
  api::ModelDeploymentStatus& st = d->status;
  if (st.canary_revision.empty()) return;
  SetOutcome(d, st.canary_revision, api::RevisionOutcome::kSuperseded, why);
  st.canary_revision.clear();
  st.current_step_index.reset();
  st.current_step_started_at.reset();
}

void StartCanary(Decision* d, const std::string& revision, bool retry) {
  api::ModelDeploymentStatus& st = d->status;
  if (!st.canary_revision.empty() && st.canary_revision != revision) {
    Supersede(d, "replaced by revision " + revision + " before it finished");
  }
  st.abort.reset();
  st.canary_revision = revision;
  st.failed_runs = 0;
  st.consecutive_inconclusive_runs = 0;
  UpsertActive(d, revision);  // its time is the start of this attempt (see CountAnalysis)
  d->mode = Mode::kCanary;
  d->Emit(api::kEventNormal, api::kEventReasonRevisionCreated,
          retry ? "retrying canary " + revision + " from the first step"
                : "revision " + revision + " (model " + d->spec.model.digest +
                      "): canary started, stable " + st.stable_revision + " untouched");
  EnterStep(d, 0);
}

void Abort(Decision* d, const std::string& reason, const std::string& message,
           std::vector<std::string> features) {
  api::ModelDeploymentStatus& st = d->status;
  const std::string rev = st.canary_revision;
  std::string evidence = message;
  if (!features.empty()) {
    evidence += " (features:";
    for (const std::string& f : features) evidence += " " + f;
    evidence += ")";
  }
  st.abort = api::AbortInfo{rev, d->now, reason, message, std::move(features)};
  SetOutcome(d, rev, api::RevisionOutcome::kAborted, evidence);
  st.canary_revision.clear();
  st.current_step_index.reset();
  st.current_step_started_at.reset();
  d->mode = Mode::kAborted;
  d->Emit(api::kEventWarning, api::kEventReasonAborted,
          "canary " + rev + " aborted (" + reason + "): " + evidence + "; traffic is back on " +
              st.stable_revision);
}

void Promote(Decision* d) {
  api::ModelDeploymentStatus& st = d->status;
  const std::string old = st.stable_revision;
  const std::string rev = st.canary_revision;
  if (!old.empty() && old != rev) {
    SetOutcome(d, old, api::RevisionOutcome::kPromoted, "superseded by " + rev);
  }
  SetOutcome(d, rev, api::RevisionOutcome::kActive, "");
  st.stable_revision = rev;
  st.canary_revision.clear();
  st.current_step_index.reset();
  st.current_step_started_at.reset();
  st.failed_runs = 0;
  st.consecutive_inconclusive_runs = 0;
  st.last_progress_time = d->now;
  d->mode = Mode::kSteady;
  d->Emit(api::kEventNormal, api::kEventReasonPromoted,
          "revision " + rev + " promoted: it serves all traffic" +
              (old.empty() ? std::string() : " (was " + old + ")"));
}

}  // namespace skewgate::rollout::internal

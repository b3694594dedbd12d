// The canary in flight: counting analysis runs, human gates, and walking the steps.
#include <algorithm>

#include "api/codec.h"
#include "api/conditions.h"
#include "rollout/state_internal.h"

namespace skewgate::rollout::internal {
namespace {

// The latest counted run is Successful, for this attempt of the canary, and its window
// ended after `since` (a window ending exactly then saw the previous step). A later Failed
// or Inconclusive run replaces it as the latest, so "the latest is Successful" also means
// nothing bad was seen since.
bool FreshSuccess(const Decision& d, TimePoint since) {
  const api::ModelDeploymentStatus& st = d.status;
  if (!st.last_analysis || st.last_analysis->revision != st.canary_revision) return false;
  const std::optional<TimePoint> attempt = DeployedAt(st, st.canary_revision);
  return st.last_analysis->verdict == api::Verdict::kSuccessful && st.last_analysis->time > since &&
         (!attempt || st.last_analysis->time > *attempt);
}

// When the next analysis run should have landed.
TimePoint NextAnalysis(const Decision& d) {
  const Duration interval = d.canary->analysis.interval;
  const std::optional<api::AnalysisStatus>& la = d.status.last_analysis;
  if (la && la->revision == d.status.canary_revision && la->time + interval > d.now) {
    return la->time + interval;
  }
  return d.now + interval;
}

std::string Requester(const api::GateRequest& g) {
  return g.requested_by.empty() ? std::string("someone") : g.requested_by;
}

void Acknowledge(Decision* d, const char* gate, api::GateRequest* g, const std::string& why) {
  g->acknowledged_at = d->now;
  if (why.empty()) {
    g->result = api::kGateAccepted;
    d->Emit(api::kEventNormal, api::kEventReasonGateAcknowledged,
            std::string(gate) + " requested by " + Requester(*g) + ": Accepted");
  } else {
    g->result = api::kGateRejectedPrefix + why;
    d->Emit(api::kEventWarning, api::kEventReasonGateRejected,
            std::string(gate) + " requested by " + Requester(*g) + ": " + g->result);
  }
}

// Why a gate cannot act on the canary in flight; "" when it can.
std::string CanaryGateObstacle(const Decision& d, const api::GateRequest& g, bool honour_paused) {
  const api::ModelDeploymentStatus& st = d.status;
  if (d.mode == Mode::kInvalid) return "the spec is invalid: fix it first";
  if (d.mode != Mode::kCanary) {
    return st.stable_revision.empty() ? "nothing is stable yet: the first revision is deployed "
                                        "to full size without steps"
                                      : "no canary is in flight";
  }
  if (!g.revision.empty() && g.revision != st.canary_revision) {
    return "meant for revision " + g.revision + ", but the canary is " + st.canary_revision;
  }
  if (honour_paused && d.spec.paused) return "spec.paused is true: set it to false first";
  return "";
}

}  // namespace

bool InconclusivePaused(const Decision& d) {
  return d.analysis_on &&
         d.status.consecutive_inconclusive_runs >= d.canary->analysis.inconclusive_limit;
}

void CountAnalysis(Decision* d) {
  api::ModelDeploymentStatus& st = d->status;
  if (!d->analysis_on || !d->in.analysis || d->mode != Mode::kCanary) return;
  const api::AnalysisStatus& run = *d->in.analysis;
  if (run.revision != st.canary_revision) return;  // about another revision (or attempt)
  const std::optional<TimePoint> attempt = DeployedAt(st, st.canary_revision);
  if (attempt && run.time < *attempt) return;  // a run from before this attempt started
  if (st.last_analysis && st.last_analysis->revision == run.revision &&
      run.time <= st.last_analysis->time) {
    return;  // already counted
  }
  st.last_analysis = run;
  const std::string what = "analysis of " + run.revision + ": " + api::VerdictName(run.verdict) +
                           (run.message.empty() ? "" : " — " + run.message);
  switch (run.verdict) {
    case api::Verdict::kSuccessful:
      st.consecutive_inconclusive_runs = 0;
      d->Emit(api::kEventNormal, api::kEventReasonAnalysisSucceeded, what);
      break;
    case api::Verdict::kInconclusive:
      ++st.consecutive_inconclusive_runs;
      d->Emit(api::kEventWarning, api::kEventReasonAnalysisInconclusive,
              what + " (" + std::to_string(st.consecutive_inconclusive_runs) + "/" +
                  std::to_string(d->canary->analysis.inconclusive_limit) + " in a row)");
      break;
    case api::Verdict::kFailed: {
      ++st.failed_runs;
      st.consecutive_inconclusive_runs = 0;
      const int32_t limit = d->canary->analysis.failure_limit;
      d->Emit(api::kEventWarning, api::kEventReasonAnalysisFailed,
              what + " (" + std::to_string(st.failed_runs) + "/" + std::to_string(limit) + ")");
      if (st.failed_runs >= limit) {
        std::vector<std::string> features;
        for (const api::FeatureAnalysis& f : run.features) {
          if (f.verdict == api::FeatureVerdict::kFail) features.push_back(f.name);
        }
        Abort(d, api::kReasonAnalysisFailed,
              std::to_string(st.failed_runs) + " failed analysis run(s), limit " +
                  std::to_string(limit) + ": " + run.message,
              std::move(features));
      }
      break;
    }
  }
}

void ProcessGates(Decision* d) {
  api::ModelDeploymentStatus& st = d->status;
  api::Gates& g = st.gates;
  // Abort first: when several requests wait, the safe one wins.
  if (g.abort && g.abort->Pending()) {
    std::string why = CanaryGateObstacle(*d, *g.abort, /*honour_paused=*/false);
    if (why.empty()) {
      Acknowledge(d, "abort", &*g.abort, "");
      Abort(d, api::kReasonAbortedByUser, "aborted by " + Requester(*g.abort), {});
    } else {
      if (d->mode == Mode::kAborted) why = "canary " + st.abort->revision + " is already aborted";
      Acknowledge(d, "abort", &*g.abort, why);
    }
  }
  if (g.retry && g.retry->Pending()) {
    std::string why;
    if (d->mode == Mode::kInvalid) {
      why = "the spec is invalid: fix it first";
    } else if (d->mode != Mode::kAborted) {
      why = "nothing was aborted";
    } else if (st.abort->revision != d->desired) {
      why = "the spec now asks for revision " + d->desired + ", not the aborted " +
            st.abort->revision;
    } else if (!g.retry->revision.empty() && g.retry->revision != st.abort->revision) {
      why = "meant for revision " + g.retry->revision + ", but the aborted canary is " +
            st.abort->revision;
    } else if (d->spec.paused) {
      why = "spec.paused is true: set it to false first";
    }
    Acknowledge(d, "retry", &*g.retry, why);
    if (why.empty()) StartCanary(d, d->desired, /*retry=*/true);
  }
  if (g.promote_full && g.promote_full->Pending()) {
    std::string why = CanaryGateObstacle(*d, *g.promote_full, /*honour_paused=*/true);
    const int32_t i = st.current_step_index.value_or(0);
    if (why.empty() && i >= d->steps) {
      why = "every step is done; promotion waits for ready pods and a successful analysis";
    }
    Acknowledge(d, "promoteFull", &*g.promote_full, why);
    if (why.empty()) {
      st.consecutive_inconclusive_runs = 0;
      EnterStep(d, d->steps);  // the final ramp still needs a successful run to promote
    }
  }
  if (g.promote && g.promote->Pending()) {
    std::string why = CanaryGateObstacle(*d, *g.promote, /*honour_paused=*/true);
    const int32_t i = st.current_step_index.value_or(0);
    bool skip_step = false;
    if (why.empty() && !InconclusivePaused(*d)) {
      if (i >= d->steps) {
        why = "every step is done; promotion waits for ready pods and a successful analysis";
      } else if (d->canary->steps[i].IsSetWeight()) {
        why = StepLabel(*d) + " is not a pause: it completes when the canary's pods are ready";
      } else {
        skip_step = true;
      }
    }
    Acknowledge(d, "promote", &*g.promote, why);
    if (why.empty()) {
      // Releases an inconclusive pause, or else skips the current pause/shadow step.
      if (skip_step) {
        EnterStep(d, i + 1);
      } else {
        st.consecutive_inconclusive_runs = 0;
        st.last_progress_time = d->now;
      }
    }
  }
}

CanaryWait AdvanceCanary(Decision* d) {
  api::ModelDeploymentStatus& st = d->status;
  CanaryWait w;
  const std::string& c = st.canary_revision;
  if (d->spec.paused || InconclusivePaused(*d)) return w;  // frozen where it is
  for (;;) {
    const int32_t i = st.current_step_index.value_or(0);
    const TimePoint started = st.current_step_started_at.value_or(d->now);
    w.deadline_base = st.last_progress_time.value_or(d->now);
    if (i >= d->steps) {
      const int32_t ready = d->ReadyOf(c);
      if (ready < d->total) {
        w.reason = api::kReasonStepInProgress;
        w.message = "waiting for " + std::to_string(d->total) + " ready canary pods (" +
                    std::to_string(ready) + " ready)";
        return w;
      }
      if (d->analysis_on && !FreshSuccess(*d, DeployedAt(st, c).value_or(started))) {
        w.reason = api::kReasonAnalysisRunning;
        w.message = "waiting for a successful analysis run: nothing is promoted without one";
        d->wakeups.push_back(NextAnalysis(*d));
        return w;
      }
      Promote(d);
      return w;
    }
    const api::CanaryStep& step = d->canary->steps[i];
    if (step.IsSetWeight()) {
      const int32_t need = ShapeCanary(*d).canary;
      const int32_t ready = d->ReadyOf(c);
      if (ready < need) {
        w.reason = api::kReasonStepInProgress;
        w.message = "waiting for " + std::to_string(need) + " ready canary pods (" +
                    std::to_string(ready) + " ready)";
        return w;
      }
      EnterStep(d, i + 1);
      continue;
    }
    std::optional<Duration> length;
    if (const auto* p = std::get_if<api::PauseStep>(&step.action)) {
      length = p->duration;
    } else {
      length = std::get<api::ShadowStep>(step.action).duration;
    }
    if (!length) {
      w.manual_gate = true;
      w.deadline_base.reset();
      w.message = "waiting for `kubectl skewgate promote`";
      return w;
    }
    const TimePoint end = started + *length;
    if (d->now < end) {
      w.reason = api::kReasonStepInProgress;
      w.timed = true;
      w.deadline_base.reset();
      w.message = "until " + FormatRfc3339(end);
      d->wakeups.push_back(end);
      return w;
    }
    if (d->analysis_on && !FreshSuccess(*d, started)) {
      w.reason = api::kReasonAnalysisRunning;
      w.message = "time is up; waiting for a successful analysis run";
      w.deadline_base = std::max(*w.deadline_base, end);
      d->wakeups.push_back(NextAnalysis(*d));
      return w;
    }
    EnterStep(d, i + 1);
  }
}

}  // namespace skewgate::rollout::internal

// The world a decided status asks for: ReplicaSet sizes, the serving selector, HTTPRoute
// weights and mirroring. Derived from the status alone (plus spec and observations), so
// the same status always shapes the same world — a restart resumes exactly where it was.
#include <algorithm>

#include "api/conditions.h"
#include "rollout/revision.h"
#include "rollout/state_internal.h"
#include "rollout/traffic.h"

namespace skewgate::rollout::internal {
namespace {

int32_t StepIndex(const Decision& d) {
  return std::clamp(d.status.current_step_index.value_or(0), 0, d.steps);
}

// The last setWeight among steps [0, upto) — setWeight values never decrease, so it is
// also the largest.
int32_t LastSetWeight(const Decision& d, int32_t upto) {
  int32_t w = 0;
  if (d.canary == nullptr) return 0;
  for (int32_t i = 0; i < upto && i < d.steps; ++i) {
    if (const auto* s = std::get_if<api::SetWeightStep>(&d.canary->steps[i].action)) {
      w = s->weight;
    }
  }
  return w;
}

bool UsesRoute(const Decision& d) {
  return d.canary != nullptr && d.canary->traffic.gateway_api.has_value();
}

}  // namespace

int32_t StepWeight(const Decision& d) {
  const int32_t i = StepIndex(d);
  return i >= d.steps ? 100 : LastSetWeight(d, i + 1);
}

CanaryShape ShapeCanary(const Decision& d) {
  CanaryShape s;
  const int32_t i = StepIndex(d);
  const bool at_end = i >= d.steps;
  const int32_t w = LastSetWeight(d, at_end ? d.steps : i + 1);
  if (UsesRoute(d)) {
    s.canary = RoutedCanaryReplicas(d.total, w);
    s.stable = d.total;
    s.route_canary_weight = w;
    s.canary_serves = w > 0;
    s.achieved_weight = w;
  } else {
    const ReplicaSplit split = SplitReplicas(d.total, w);
    s.canary = split.canary;
    s.stable = split.stable;
    // The final ramp serves from both while the canary grows to full size; without a
    // canary strategy the new revision only takes traffic once it is promoted.
    s.canary_serves = w > 0 || (at_end && d.canary != nullptr);
  }
  if (!at_end) {
    if (const auto* sh = std::get_if<api::ShadowStep>(&d.canary->steps[i].action)) {
      s.canary = std::max(s.canary, ShadowCanaryReplicas(d.total, sh->percent));
      s.mirror = Mirror{d.status.canary_revision, sh->percent};
    }
  } else {
    s.canary = d.total;
  }
  if (!UsesRoute(d) && s.canary_serves && s.canary + s.stable > 0) {
    s.achieved_weight = (200 * s.canary + s.canary + s.stable) / (2 * (s.canary + s.stable));
  }
  return s;
}

void ShapeWorld(Decision* d, Plan* plan) {
  api::ModelDeploymentStatus& st = d->status;
  std::vector<std::pair<std::string, int32_t>> want;  // revision → replicas, in plan order
  std::string route_stable, route_canary;
  int32_t route_weight = 0;
  switch (d->mode) {
    case Mode::kInvalid:
      // Nothing serving changes: every ReplicaSet keeps its size, traffic stays put.
      for (const ObservedReplicaSet& rs : d->in.replica_sets) {
        want.emplace_back(rs.revision, rs.replicas);
      }
      route_stable = st.stable_revision;
      if (!st.canary_revision.empty() && st.actual_canary_weight > 0) {
        route_canary = st.canary_revision;
        route_weight = st.actual_canary_weight;
        plan->serving_revisions = {st.stable_revision, st.canary_revision};
      } else if (!st.stable_revision.empty()) {
        plan->serving_revisions = {st.stable_revision};
      }
      plan->services = {st.stable_revision, st.canary_revision};
      break;
    case Mode::kFirstDeploy:
      want.emplace_back(d->desired, d->total);
      route_stable = d->desired;
      plan->serving_revisions = {d->desired};
      plan->services = {d->desired, ""};
      st.canary_weight = st.actual_canary_weight = 0;
      break;
    case Mode::kSteady:
      want.emplace_back(st.stable_revision, d->total);
      route_stable = st.stable_revision;
      plan->serving_revisions = {st.stable_revision};
      plan->services = {st.stable_revision, ""};
      st.canary_weight = st.actual_canary_weight = 0;
      break;
    case Mode::kAborted: {
      want.emplace_back(st.stable_revision, d->total);
      const std::string& a = st.abort->revision;
      const TimePoint drain_end = st.abort->time + d->in.abort_scale_down_delay;
      if (d->now < drain_end) {
        // Traffic already left; the pods stay a little for inspection and in-flight work.
        want.emplace_back(a, d->ObservedReplicasOf(a));
        d->wakeups.push_back(drain_end);
      } else {
        want.emplace_back(a, 0);
      }
      route_stable = st.stable_revision;
      route_canary = a;
      plan->serving_revisions = {st.stable_revision};
      plan->services = {st.stable_revision, a};
      st.canary_weight = st.actual_canary_weight = 0;
      break;
    }
    case Mode::kCanary: {
      const CanaryShape s = ShapeCanary(*d);
      want.emplace_back(st.stable_revision, s.stable);
      want.emplace_back(st.canary_revision, s.canary);
      route_stable = st.stable_revision;
      route_canary = st.canary_revision;
      route_weight = s.route_canary_weight;
      plan->serving_revisions = {st.stable_revision};
      if (s.canary_serves) plan->serving_revisions.push_back(st.canary_revision);
      plan->services = {st.stable_revision, st.canary_revision};
      plan->mirror = s.mirror;
      st.canary_weight = StepWeight(*d);
      st.actual_canary_weight = s.achieved_weight;
      break;
    }
  }
  if (UsesRoute(*d) && !route_stable.empty()) {
    plan->route = RouteWeights{route_stable, 100 - route_weight, route_canary, route_weight};
  }

  // Older ReplicaSets: kept at 0 while their revision is in the history (cheap to keep,
  // shows what ran), deleted beyond it. An invalid spec deletes nothing.
  std::vector<std::string> older;
  for (const ObservedReplicaSet& rs : d->in.replica_sets) {
    const bool wanted = std::any_of(want.begin(), want.end(),
                                    [&](const auto& w) { return w.first == rs.revision; });
    if (!wanted) older.push_back(rs.revision);
  }
  std::sort(older.begin(), older.end());
  older.erase(std::unique(older.begin(), older.end()), older.end());
  for (const std::string& rev : older) {
    if (DeployedAt(st, rev).has_value()) {
      want.emplace_back(rev, 0);
    } else {
      plan->delete_revisions.push_back(rev);
    }
  }
  const std::string name = d->in.md.Name();
  for (const auto& [rev, replicas] : want) {
    if (rev.empty()) continue;
    DesiredReplicaSet rs;
    rs.revision = rev;
    rs.name = ReplicaSetName(name, rev);
    rs.replicas = replicas;
    rs.create = !d->Observed(rev);
    rs.from_current_spec = rev == d->desired;
    if (rs.create && !rs.from_current_spec) rs.replicas = 0;
    plan->replica_sets.push_back(std::move(rs));
  }
  // Creating a ReplicaSet at size 0 for an older revision is pointless: drop those.
  std::erase_if(plan->replica_sets,
                [](const DesiredReplicaSet& rs) { return rs.create && !rs.from_current_spec; });
}

}  // namespace skewgate::rollout::internal

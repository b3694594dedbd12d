#include "world.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/sha256.h"
#include "rollout/revision.h"

namespace skewgate::rollout::sim {

api::CanaryStep SetWeight(int32_t w) { return {api::SetWeightStep{w}}; }
api::CanaryStep Pause(std::optional<Duration> d) { return {api::PauseStep{d}}; }
api::CanaryStep Shadow(int32_t percent, Duration d) { return {api::ShadowStep{percent, d}}; }

api::ModelDeploymentSpec DirectSpec(int32_t replicas) {
  api::ModelDeploymentSpec s;
  s.replicas = replicas;
  SetModel(&s, "v1");
  s.baseline.config_map_ref.name = "fraud-baseline";
  s.pod_template = {
      {"spec",
       {{"containers", {{{"name", "server"}, {"image", "registry.example.com/server:1"}}}}}}};
  return s;
}

api::ModelDeploymentSpec CanarySpec(std::vector<api::CanaryStep> steps, int32_t replicas) {
  api::ModelDeploymentSpec s = DirectSpec(replicas);
  s.strategy.canary.emplace();
  s.strategy.canary->steps = std::move(steps);
  return s;
}

void SetModel(api::ModelDeploymentSpec* spec, const std::string& version) {
  spec->model.uri = "https://models.example.com/fraud/" + version + "/model.json";
  spec->model.digest = "sha256:" + Sha256Hex(version);
}

api::AnalysisStatus AnalysisRun(const std::string& revision, TimePoint time, api::Verdict verdict,
                                std::vector<std::string> failing_features) {
  api::AnalysisStatus a;
  a.revision = revision;
  a.time = time;
  a.verdict = verdict;
  a.message = verdict == api::Verdict::kFailed ? "skew above threshold" : "";
  for (const std::string& f : failing_features) {
    api::FeatureAnalysis fa;
    fa.name = f;
    fa.verdict = api::FeatureVerdict::kFail;
    a.features.push_back(fa);
  }
  api::FeatureAnalysis ok;
  ok.name = "passing_feature";
  a.features.push_back(ok);
  return a;
}

World::World(api::ModelDeploymentSpec spec) {
  md.metadata = {{"name", "fraud"}, {"namespace", "ml"}, {"generation", 1}};
  md.spec = std::move(spec);
}

Input World::MakeInput() const {
  Input in;
  in.md = md;
  in.baseline_digest = baseline_digest;
  in.spec_problem = spec_problem;
  in.replica_sets = replica_sets;
  in.newest_pods_failing = newest_pods_failing;
  in.analysis = analysis;
  in.analysis_enabled = analysis_enabled;
  in.selector = "skewgate.io/name=fraud";
  in.abort_scale_down_delay = abort_scale_down_delay;
  in.now = now;
  return in;
}

const Plan& World::Step() {
  last = Decide(MakeInput());
  md.status = last.status;
  std::vector<ObservedReplicaSet> next;
  for (const DesiredReplicaSet& d : last.replica_sets) {
    ObservedReplicaSet rs{d.revision, d.replicas, 0};
    for (const ObservedReplicaSet& o : replica_sets) {
      if (o.revision == d.revision) rs.ready_replicas = std::min(o.ready_replicas, d.replicas);
    }
    if (pods_become_ready && !newest_pods_failing) rs.ready_replicas = d.replicas;
    if (pods_become_ready && newest_pods_failing && d.revision != Revision()) {
      rs.ready_replicas = d.replicas;
    }
    next.push_back(rs);
  }
  for (const ObservedReplicaSet& o : replica_sets) {
    const bool planned =
        std::any_of(last.replica_sets.begin(), last.replica_sets.end(),
                    [&](const DesiredReplicaSet& d) { return d.revision == o.revision; });
    const bool deleted = std::find(last.delete_revisions.begin(), last.delete_revisions.end(),
                                   o.revision) != last.delete_revisions.end();
    if (!planned && !deleted) next.push_back(o);
  }
  replica_sets = std::move(next);
  events.insert(events.end(), last.events.begin(), last.events.end());
  return last;
}

const Plan& World::Settle() {
  for (int i = 0; i < 20; ++i) {
    const api::ModelDeploymentStatus before = md.status;
    const std::vector<ObservedReplicaSet> rs_before = replica_sets;
    Step();
    if (last.events.empty() && md.status == before && replica_sets == rs_before) {
      // The fixpoint is exact: the same inputs again give the same plan and no writes.
      const Plan again = Decide(MakeInput());
      EXPECT_EQ(again.status, md.status);
      EXPECT_TRUE(again.events.empty());
      EXPECT_EQ(again.replica_sets, last.replica_sets);
      EXPECT_EQ(again.serving_revisions, last.serving_revisions);
      EXPECT_EQ(again.route, last.route);
      EXPECT_EQ(again.mirror, last.mirror);
      return last;
    }
  }
  ADD_FAILURE() << "the world did not settle in 20 steps: " << md.status.message;
  return last;
}

void World::Apply(const api::ModelDeploymentSpec& spec) {
  md.spec = spec;
  md.metadata["generation"] = md.Generation() + 1;
}

std::string World::Revision() const { return RevisionHash(md.spec, baseline_digest); }

int32_t World::ReplicasOf(const std::string& revision) const {
  for (const ObservedReplicaSet& rs : replica_sets) {
    if (rs.revision == revision) return rs.replicas;
  }
  return -1;
}

bool World::HasEvent(const char* reason) const { return CountEvents(reason) > 0; }

int World::CountEvents(const char* reason) const {
  return static_cast<int>(std::count_if(events.begin(), events.end(),
                                        [&](const Event& e) { return e.reason == reason; }));
}

const api::Condition* World::Condition(const char* type) const {
  for (const api::Condition& c : md.status.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

std::string World::ConditionStatus(const char* type) const {
  const api::Condition* c = Condition(type);
  return c != nullptr ? c->status : "<absent>";
}

std::string World::ConditionReason(const char* type) const {
  const api::Condition* c = Condition(type);
  return c != nullptr ? c->reason : "<absent>";
}

api::RevisionOutcome World::OutcomeOf(const std::string& revision) const {
  for (const api::RevisionRecord& r : md.status.history) {
    if (r.revision == revision) return r.outcome;
  }
  ADD_FAILURE() << "revision " << revision << " is not in the history";
  return api::RevisionOutcome::kActive;
}

namespace {
api::GateRequest Gate(const std::string& revision, TimePoint now) {
  static int counter = 0;
  api::GateRequest g;
  g.id = "gate-" + std::to_string(++counter);
  g.requested_at = now;
  g.requested_by = "alice";
  g.revision = revision;
  return g;
}
}  // namespace

void World::RequestPromote(const std::string& r) { md.status.gates.promote = Gate(r, now); }
void World::RequestPromoteFull(const std::string& r) {
  md.status.gates.promote_full = Gate(r, now);
}
void World::RequestAbort(const std::string& r) { md.status.gates.abort = Gate(r, now); }
void World::RequestRetry(const std::string& r) { md.status.gates.retry = Gate(r, now); }

}  // namespace skewgate::rollout::sim

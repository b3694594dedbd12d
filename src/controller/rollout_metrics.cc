#include "controller/rollout_metrics.h"

#include <cstdlib>
#include <iostream>

namespace skewgate::controller {

namespace {

using nlohmann::json;
using runtime::CollectedSample;

constexpr const char* kPhases[] = {"Progressing", "Paused", "Healthy", "Degraded"};
constexpr const char* kVerdicts[] = {"Successful", "Failed", "Inconclusive"};

const json& Member(const json& o, const char* key) {
  static const json kNull;
  if (!o.is_object()) return kNull;
  auto it = o.find(key);
  return it == o.end() ? kNull : *it;
}
std::string Str(const json& o, const char* key) {
  const json& v = Member(o, key);
  return v.is_string() ? v.get<std::string>() : "";
}
double Num(const json& o, const char* key) {
  const json& v = Member(o, key);
  return v.is_number() ? v.get<double>() : 0.0;
}

class InformerHandler final : public runtime::ResourceEventHandler {
 public:
  explicit InformerHandler(RolloutMetrics& m) : m_(m) {}
  // runtime::ResourceEventHandler
  void OnAdd(const json& object) override { m_.Observe(object, false); }
  void OnUpdate(const json&, const json& object) override { m_.Observe(object, true); }
  void OnDelete(const json& object) override { m_.Forget(object); }

 private:
  RolloutMetrics& m_;
};

void MustRegister(const Status& s) {
  if (s.ok()) return;
  std::cerr << "skewgate-controller: rollout metrics: " << s.ToString() << "\n";
  std::abort();
}

}  // namespace

RolloutMetrics::RolloutMetrics(runtime::MetricsRegistry& registry) {
  using runtime::MetricType;
  auto add = [&](const char* name, const char* help, MetricType type,
                 std::vector<std::string> labels,
                 std::function<void(const Key&, const State&, std::vector<CollectedSample>*)> fn) {
    MustRegister(registry.AddCollector(name, help, type, std::move(labels),
                                       [this, fn] { return Collect(fn); }));
  };
  add("skewgate_modeldeployment_phase",
      "1 for the ModelDeployment's current phase (status.phase), 0 for the others.",
      MetricType::kGauge, {"namespace", "name", "phase"},
      [](const Key& k, const State& s, std::vector<CollectedSample>* out) {
        for (const char* p : kPhases) {
          out->push_back({{k.first, k.second, p}, s.phase == p ? 1.0 : 0.0});
        }
      });
  add("skewgate_modeldeployment_canary_weight",
      "Percent of traffic the current step asks for the canary (status.canaryWeight).",
      MetricType::kGauge, {"namespace", "name"},
      [](const Key& k, const State& s, std::vector<CollectedSample>* out) {
        out->push_back({{k.first, k.second}, s.canary_weight});
      });
  add("skewgate_modeldeployment_actual_canary_weight",
      "Percent of traffic the canary actually gets (status.actualCanaryWeight).",
      MetricType::kGauge, {"namespace", "name"},
      [](const Key& k, const State& s, std::vector<CollectedSample>* out) {
        out->push_back({{k.first, k.second}, s.actual_canary_weight});
      });
  add("skewgate_modeldeployment_current_step",
      "Index of the current canary step (status.currentStepIndex).", MetricType::kGauge,
      {"namespace", "name"}, [](const Key& k, const State& s, std::vector<CollectedSample>* out) {
        out->push_back({{k.first, k.second}, s.current_step});
      });
  add("skewgate_feature_skew_score",
      "Skew score of a feature in the last analysis (worst 20 features per ModelDeployment).",
      MetricType::kGauge, {"namespace", "name", "feature"},
      [](const Key& k, const State& s, std::vector<CollectedSample>* out) {
        for (const Feature& f : s.features) out->push_back({{k.first, k.second, f.name}, f.score});
      });
  add("skewgate_feature_skew_threshold",
      "Threshold applied to that feature's score in the last analysis.", MetricType::kGauge,
      {"namespace", "name", "feature"},
      [](const Key& k, const State& s, std::vector<CollectedSample>* out) {
        for (const Feature& f : s.features) {
          out->push_back({{k.first, k.second, f.name}, f.threshold});
        }
      });
  add("skewgate_analysis_runs_total",
      "Analysis runs this controller saw written to status.lastAnalysis, by verdict.",
      MetricType::kCounter, {"namespace", "name", "verdict"},
      [](const Key& k, const State& s, std::vector<CollectedSample>* out) {
        for (const char* v : kVerdicts) {
          auto it = s.runs.find(v);
          out->push_back({{k.first, k.second, v}, it == s.runs.end() ? 0.0 : it->second});
        }
      });
}

std::shared_ptr<runtime::ResourceEventHandler> RolloutMetrics::Handler() {
  return std::make_shared<InformerHandler>(*this);
}

void RolloutMetrics::Observe(const json& object, bool count_new_run) {
  const json& meta = Member(object, "metadata");
  Key key{Str(meta, "namespace"), Str(meta, "name")};
  if (key.second.empty()) return;
  const json& st = Member(object, "status");
  const json& a = Member(st, "lastAnalysis");
  State next;
  next.phase = Str(st, "phase");
  next.canary_weight = Num(st, "canaryWeight");
  next.actual_canary_weight = Num(st, "actualCanaryWeight");
  next.current_step = Num(st, "currentStepIndex");
  if (a.is_object()) next.last_run = Str(a, "revision") + "@" + Str(a, "time");
  const json& fs = Member(a, "features");
  if (fs.is_array()) {
    // Stored worst first: the first ones are the ones worth a series.
    for (const json& f : fs) {
      if (next.features.size() == kMaxSkewFeatureSeries) break;
      if (Str(f, "verdict") == "Ignored" || Str(f, "name").empty()) continue;
      next.features.push_back({Str(f, "name"), Num(f, "score"), Num(f, "threshold")});
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  auto it = states_.find(key);
  if (it != states_.end()) {
    next.runs = std::move(it->second.runs);
    if (count_new_run && a.is_object() && next.last_run != it->second.last_run) {
      next.runs[Str(a, "verdict")] += 1;
    }
  }
  states_[key] = std::move(next);
}

void RolloutMetrics::Forget(const json& object) {
  const json& meta = Member(object, "metadata");
  std::lock_guard<std::mutex> l(mu_);
  states_.erase({Str(meta, "namespace"), Str(meta, "name")});
}

std::vector<CollectedSample> RolloutMetrics::Collect(
    const std::function<void(const Key&, const State&, std::vector<CollectedSample>*)>& fn) const {
  std::vector<CollectedSample> out;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [key, state] : states_) fn(key, state, &out);
  return out;
}

}  // namespace skewgate::controller

// The rollout metrics of the controller's /metrics, for dashboards and alerts (the Grafana
// dashboard in docs/grafana-dashboard.json reads exactly these): per ModelDeployment its
// phase, desired and achieved canary weight, current step, the skew score and threshold of
// its worst features in the last analysis, and the analysis runs seen by verdict.
//
// It is an event handler on the ModelDeployment informer: the gauges are the cached
// status, so they are the same on every replica; a deleted ModelDeployment's series
// disappear with it. Runs are counted when an update brings a new lastAnalysis (the first
// sight of an object after a start adopts its last run without counting it).
//
//   RolloutMetrics metrics(registry);                     // registers the families
//   mds.store_impl().AddHandler(metrics.Handler());       // before the informer starts
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runtime/event_handler.h"
#include "runtime/metrics.h"

namespace skewgate::controller {

// Series per ModelDeployment are bounded: 4 phases, 3 rollout gauges, 3 verdicts and at
// most kMaxSkewFeatureSeries features (score and threshold each).
inline constexpr size_t kMaxSkewFeatureSeries = 20;

class RolloutMetrics {
 public:
  // Registers skewgate_modeldeployment_{phase,canary_weight,actual_canary_weight,
  // current_step}, skewgate_feature_skew_{score,threshold} and skewgate_analysis_runs_total
  // in `registry` (which must outlive this object's use by the registry: register once per
  // process). Registration errors are programming errors and abort.
  explicit RolloutMetrics(runtime::MetricsRegistry& registry);

  // The informer handler feeding these metrics (shares this object's state).
  std::shared_ptr<runtime::ResourceEventHandler> Handler();

  // What the handler calls; public for tests. `object` is a ModelDeployment as stored.
  void Observe(const nlohmann::json& object, bool count_new_run);
  void Forget(const nlohmann::json& object);

 private:
  struct Feature {
    std::string name;
    double score = 0, threshold = 0;
  };
  struct State {
    std::string phase;
    double canary_weight = 0, actual_canary_weight = 0, current_step = 0;
    std::vector<Feature> features;       // worst first, at most kMaxSkewFeatureSeries
    std::string last_run;                // "<revision>@<time>" of status.lastAnalysis
    std::map<std::string, double> runs;  // verdict -> count
  };
  using Key = std::pair<std::string, std::string>;  // (namespace, name)

  std::vector<runtime::CollectedSample> Collect(
      const std::function<void(const Key&, const State&, std::vector<runtime::CollectedSample>*)>&
          fn) const;

  mutable std::mutex mu_;
  std::map<Key, State> states_;
};

}  // namespace skewgate::controller

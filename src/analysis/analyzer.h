// One analysis run for one canary, whatever the counters come from: the sidecars' /stats
// (SidecarAnalyzer) or a Prometheus that scrapes the sidecars' /metrics
// (PrometheusAnalyzer). The controller picks one per ModelDeployment
// (spec.strategy.canary.analysis.prometheus set → Prometheus).
//
//   std::unique_ptr<Analyzer> a =
//   std::make_unique<PrometheusAnalyzer>(NewHttpPrometheusQuerier(2s)); api::AnalysisStatus s =
//   a->Analyze(request);   // every analysis interval
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "common/clock.h"
#include "skew/baseline.h"

namespace skewgate::analysis {

struct PodEndpoint {
  std::string uid;
  std::string ip;  // status.podIP
  TimePoint created{};
  bool ready = false;
};

struct RevisionPods {
  std::string revision;
  std::vector<PodEndpoint> pods;  // only the sidecar analyzer reads them
};

struct AnalysisRequest {
  std::string key;         // "namespace/name" of the ModelDeployment
  std::string namespace_;  // the ModelDeployment's namespace (a label of the sidecars' metrics)
  const skew::Baseline* baseline = nullptr;  // the canary's; must outlive the call
  api::AnalysisSpec spec;
  RevisionPods canary;
  std::optional<RevisionPods> stable;  // with compareToStable
  int admin_port = 9090;               // the sidecar's admin port
  TimePoint window_start{};            // when the current step started
  TimePoint now{};
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  // Runs one analysis of request.canary over [window_start, now]. Never fails and never
  // passes without evidence: an unreachable source, a baseline mismatch, no data or too
  // few samples make the result Inconclusive with a one-line reason in `message`.
  // Thread-safe; may block on the network (the caller runs it in the background).
  virtual api::AnalysisStatus Analyze(const AnalysisRequest& request) = 0;
  // Drops whatever is kept for a ModelDeployment (deleted, or its rollout finished).
  // Idempotent.
  virtual void Forget(const std::string& key) = 0;
};

}  // namespace skewgate::analysis

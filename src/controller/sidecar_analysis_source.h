// The closed-loop AnalysisSource: every analysis interval, for each ModelDeployment with a
// canary in flight, a background thread gathers the canary's (and, with compareToStable,
// the stable's) bin counts over the current step and runs the skew verdict. Where the
// counts come from is chosen per ModelDeployment: with spec.strategy.canary.analysis.
// prometheus set, from that Prometheus (analysis::PrometheusAnalyzer, no pod is contacted);
// otherwise by scraping /stats of the revision's Ready pods (analysis::SidecarAnalyzer).
// Read() never touches the network: it registers the ModelDeployment and returns the
// latest run.
//
//   SidecarAnalysisSource source(client, analysis::NewHttpStatsClient(2s),
//                                analysis::NewHttpPrometheusQuerier(2s), RealClock::Get());
//   source.Start();  ...  AnalysisReading r = source.Read(md);  ...  source.Stop();
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "analysis/prometheus_analyzer.h"
#include "analysis/sidecar_analyzer.h"
#include "common/clock.h"
#include "controller/analysis_source.h"
#include "kube/client.h"
#include "skew/baseline.h"

namespace skewgate::controller {

class SidecarAnalysisSource final : public AnalysisSource {
 public:
  // `client` and `clock` must outlive this object.
  SidecarAnalysisSource(kube::Client& client, std::unique_ptr<analysis::StatsClient> stats,
                        std::unique_ptr<analysis::PrometheusQuerier> prometheus,
                        const Clock& clock);
  ~SidecarAnalysisSource() override;

  void Start();
  void Stop();

  // Runs every due analysis once, on the caller's thread (the loop calls it; tests too).
  void RunDue();

  // AnalysisSource
  AnalysisReading Read(const api::ModelDeployment& md) override;

 private:
  struct Tracked {
    api::ModelDeployment md;  // the latest seen by Read
    std::chrono::steady_clock::time_point next_run{};
    std::string window_key;  // canary revision + step start: a new key restarts the schedule
    std::optional<api::AnalysisStatus> latest;
  };
  // Runs one analysis for `md` (network I/O; no lock held).
  api::AnalysisStatus RunOne(const api::ModelDeployment& md);
  // Pods of one revision of `md`, as the analyzer wants them.
  StatusOr<analysis::RevisionPods> PodsOf(const api::ModelDeployment& md,
                                          const std::string& revision);
  StatusOr<std::shared_ptr<const skew::Baseline>> BaselineOf(const api::ModelDeployment& md);

  kube::Client& client_;
  const Clock& clock_;
  // The analyzer of `md`: Prometheus when its analysis names one, else the sidecars.
  analysis::Analyzer& AnalyzerFor(const api::ModelDeployment& md);

  analysis::SidecarAnalyzer sidecars_;
  analysis::PrometheusAnalyzer prometheus_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Tracked> tracked_;
  // Parsed baselines by ConfigMap content digest, so an unchanged baseline parses once.
  std::map<std::string, std::shared_ptr<const skew::Baseline>> baselines_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace skewgate::controller

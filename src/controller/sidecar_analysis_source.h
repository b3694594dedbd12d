// The closed-loop AnalysisSource: for each ModelDeployment with a canary in flight, a
// background thread gathers the canary's (and, with compareToStable, the stable's) bin
// counts over the current step and runs the skew verdict. Where the counts come from is
// chosen per ModelDeployment: with spec.strategy.canary.analysis.prometheus set, from that
// Prometheus (analysis::PrometheusAnalyzer, no pod is contacted); otherwise by scraping
// /stats of the revision's Ready pods (analysis::SidecarAnalyzer). Read() never touches
// the network: it registers the ModelDeployment and returns the latest published run.
//
// When it scrapes (docs/controller.md, "When the analysis runs"), never more than once a
// second per ModelDeployment:
//  - anchor: as soon as Read shows a new window (step start, retry), the sidecars are
//    scraped so a pod that existed before the step counts only what came after; no run is
//    published;
//  - run: every `interval` after the window was seen; published whatever its verdict;
//  - probe: while the state machine waits for a run (a timed step's end has passed, or
//    every step is done) and the window's latest run is missing or Inconclusive, every
//    second; published only when conclusive (an Inconclusive probe is dropped, so
//    inconclusiveLimit still counts one run per interval);
//  - nothing for a ModelDeployment that Read has not seen for kIdleAfter: the reconciler
//    reads an analysed canary every second (reconciler.cc, kAnalysisPoll), so silence means
//    it was aborted, promoted or deleted, or this replica lost the lease; nobody would read
//    the run. A later Read resumes it with the same window; its windows are forgotten after
//    kForgetAfter, or at once when Read shows the canary gone.
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

  // Least time between two scrapes of one ModelDeployment (anchor, run or probe).
  static constexpr std::chrono::seconds kMinScrapeGap{1};
  // A ModelDeployment that Read has not seen for this long is not scraped (three missed
  // polls of the reconciler)...
  static constexpr std::chrono::seconds kIdleAfter{3};
  // ...and after this long it is dropped with its windows.
  static constexpr std::chrono::seconds kForgetAfter{60};

  // Does every anchor, run and probe that is due, once, on the caller's thread (the loop
  // calls it; tests too). Returns how many scrapes it started.
  int RunDue();

  // AnalysisSource
  AnalysisReading Read(const api::ModelDeployment& md) override;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  enum class Action { kNone, kAnchor, kRun, kProbe };
  struct Tracked {
    api::ModelDeployment md;  // the latest seen by Read
    std::string window_key;   // canary revision + step start: a new key restarts the schedule
    SteadyTime last_read{};
    std::optional<SteadyTime> last_scrape;  // of this window
    SteadyTime next_run{};                  // the next run on the interval's clock
    bool anchored = false;
    std::optional<api::AnalysisStatus> latest;  // the latest published run of this window
  };
  // What `t` should do now (under mu_).
  Action Due(const Tracked& t, SteadyTime now, TimePoint wall);
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

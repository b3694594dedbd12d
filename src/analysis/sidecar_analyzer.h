// Live analysis from the sidecars: scrapes /stats of every Ready pod of the canary (and,
// with compareToStable, the stable) revision, folds the scrapes into per-revision windows
// that start when the step started, and runs the skew verdict. It keeps the windows
// between calls (one analyzer per controller process); a new window start (a new step, a
// retry) starts fresh windows.
//
//   SidecarAnalyzer analyzer(NewHttpStatsClient(2s));
//   api::AnalysisStatus s = analyzer.Analyze(request);   // every analysis interval
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "analysis/analyzer.h"
#include "analysis/stats_client.h"
#include "analysis/window.h"
#include "api/types.h"
#include "common/clock.h"
#include "skew/baseline.h"

namespace skewgate::analysis {

class SidecarAnalyzer final : public Analyzer {
 public:
  explicit SidecarAnalyzer(std::unique_ptr<StatsClient> client);

  // Analyzer. A scrape that fails, a baseline mismatch or too few samples make the
  // returned status Inconclusive with the reason.
  api::AnalysisStatus Analyze(const AnalysisRequest& request) override;
  // Drops the windows of a ModelDeployment. (Analyze itself drops the windows of revisions
  // that are no longer its canary or stable.)
  void Forget(const std::string& key) override;

 private:
  // Scrapes the pods of one revision into its window; returns a problem or "". A pod that
  // is not Ready is scraped too, best-effort (never a problem).
  std::string Scrape(const RevisionPods& pods, int admin_port, RevisionWindow& window);

  std::unique_ptr<StatsClient> client_;
  std::mutex mu_;
  // (key, revision) -> window; replaced when the window start changes.
  std::map<std::pair<std::string, std::string>, RevisionWindow> windows_;
};

}  // namespace skewgate::analysis

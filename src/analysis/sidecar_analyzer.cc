#include "analysis/sidecar_analyzer.h"

#include "analysis/evaluate.h"
#include "common/log.h"

namespace skewgate::analysis {

SidecarAnalyzer::SidecarAnalyzer(std::unique_ptr<StatsClient> client)
    : client_(std::move(client)) {}

std::string SidecarAnalyzer::Scrape(const RevisionPods& pods, int admin_port,
                                    RevisionWindow& window) {
  int ready = 0;
  for (const auto& pod : pods.pods) {
    if (pod.ip.empty()) continue;
    if (!pod.ready) {
      // Not serving (yet, or any more): scraped best-effort, so a sidecar that is already
      // up is anchored before its first request and everything it serves counts. Its
      // failures are not the run's: it may not be listening yet.
      auto stats = client_->Fetch(pod.ip, admin_port);
      if (stats.ok() && (stats->revision.empty() || stats->revision == pods.revision)) {
        window.Observe({pod.uid, pod.created, stats->counts}).IgnoreError();
      }
      continue;
    }
    ++ready;
    auto stats = client_->Fetch(pod.ip, admin_port);
    if (!stats.ok()) {
      return "scraping revision " + pods.revision + ": " + stats.status().message();
    }
    // A pod IP can be handed to a new pod while the old pod's sidecar still answers on it
    // (or a scrape races a reschedule): counts of another revision are not this one's.
    if (!stats->revision.empty() && stats->revision != pods.revision) {
      return "the sidecar at " + pod.ip + " reports revision " + stats->revision + ", not " +
             pods.revision + " (pod IP reused?)";
    }
    Status s = window.Observe({pod.uid, pod.created, stats->counts});
    if (!s.ok()) return "revision " + pods.revision + ": " + s.message();
  }
  if (ready == 0) return "revision " + pods.revision + " has no Ready pods to scrape";
  return "";
}

api::AnalysisStatus SidecarAnalyzer::Analyze(const AnalysisRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  // Windows of revisions that are neither the canary nor the stable any more (a superseded
  // or aborted canary) are dropped: they would never be read again.
  for (auto it = windows_.lower_bound({request.key, ""});
       it != windows_.end() && it->first.first == request.key;) {
    const bool keep = it->first.second == request.canary.revision ||
                      (request.stable && it->first.second == request.stable->revision);
    it = keep ? std::next(it) : windows_.erase(it);
  }
  Evidence evidence;
  auto window_for = [&](const std::string& revision) -> RevisionWindow& {
    auto k = std::make_pair(request.key, revision);
    auto it = windows_.find(k);
    if (it == windows_.end() || it->second.start() != request.window_start) {
      windows_.erase(k);
      it = windows_.emplace(k, RevisionWindow(request.window_start, request.baseline->hash)).first;
    }
    return it->second;
  };
  std::string problem;
  RevisionWindow& canary = window_for(request.canary.revision);
  problem = Scrape(request.canary, request.admin_port, canary);
  if (problem.empty()) {
    auto merged = canary.Merged();
    if (merged.ok())
      evidence.canary = std::move(merged).value();
    else
      problem = merged.status().message();
  }
  if (problem.empty() && request.stable && request.spec.skew.compare_to_stable) {
    // The stable revision may use another baseline (another model version); its window
    // adopts whatever hash its sidecars report.
    auto k = std::make_pair(request.key, request.stable->revision);
    auto it = windows_.find(k);
    if (it == windows_.end() || it->second.start() != request.window_start) {
      windows_.erase(k);
      it = windows_.emplace(k, RevisionWindow(request.window_start, "")).first;
    }
    problem = Scrape(*request.stable, request.admin_port, it->second);
    if (problem.empty()) {
      auto merged = it->second.Merged();
      if (merged.ok())
        evidence.stable = std::move(merged).value();
      else
        problem = merged.status().message();
    }
  }
  evidence.problem = problem;
  if (!problem.empty()) {
    SG_LOG(Info, request.key).Msg("analysis inconclusive").Field("reason", problem);
  }
  return RunAnalysis(*request.baseline, evidence, ToSkewConfig(request.spec),
                     request.canary.revision, request.now);
}

void SidecarAnalyzer::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = windows_.begin(); it != windows_.end();) {
    it = it->first.first == key ? windows_.erase(it) : std::next(it);
  }
}

}  // namespace skewgate::analysis

#include "analysis/prometheus_analyzer.h"

#include "analysis/evaluate.h"
#include "analysis/stats_client.h"
#include "common/log.h"

namespace skewgate::analysis {
namespace {

class HttpPrometheusQuerier final : public PrometheusQuerier {
 public:
  explicit HttpPrometheusQuerier(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  // PrometheusQuerier
  StatusOr<std::vector<PromSample>> Query(const PrometheusAddress& address,
                                          const std::string& promql, TimePoint at) override {
    const std::string target = InstantQueryTarget(address, promql, at);
    auto answer = HttpGetAnswer(address.host, address.port, target, timeout_);
    if (!answer.ok()) {
      // The error names the URL; the encoded query in it says nothing a reader needs.
      std::string m = answer.status().message();
      const std::string url = address.ToString() + target.substr(address.path_prefix.size());
      if (size_t p = m.find(url); p != std::string::npos) {
        m.replace(p, url.size(), address.ToString() + "/api/v1/query");
      }
      return Status(answer.status().code(), m);
    }
    const HttpAnswer& a = *answer;
    auto parsed = ParseVectorResponse(a.body);
    if (a.status != 200) {
      // Prometheus explains its errors in JSON; anything else (a proxy's page) by status.
      if (!parsed.ok() && parsed.status().code() == StatusCode::kUnavailable) {
        return parsed.status();
      }
      return UnavailableError("answered HTTP " + std::to_string(a.status));
    }
    return parsed;
  }

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<PrometheusQuerier> NewHttpPrometheusQuerier(std::chrono::milliseconds timeout) {
  return std::make_unique<HttpPrometheusQuerier>(timeout);
}

PrometheusAnalyzer::PrometheusAnalyzer(std::unique_ptr<PrometheusQuerier> querier)
    : querier_(std::move(querier)) {}

StatusOr<skew::Counts> PrometheusAnalyzer::RevisionCounts(
    const PrometheusAddress& address, const std::string& ns, const std::string& revision,
    int64_t window_s, TimePoint now, const skew::Baseline* expected, const skew::Baseline& known) {
  const std::string where = "Prometheus at " + address.ToString();
  const std::string what = "revision " + revision + " in namespace " + ns + " over the last " +
                           std::to_string(window_s) + "s";
  auto info = querier_->Query(address, BaselineInfoQuery(ns, revision, window_s), now);
  if (!info.ok()) return info.status().WithContext("querying " + where);
  if (info->empty()) {
    return UnavailableError(where + " has no skewgate_sidecar_baseline_info for " + what +
                            " (does it scrape the sidecars' admin port?)");
  }
  std::string hash;
  for (const PromSample& s : *info) {
    auto it = s.labels.find("baseline_hash");
    std::string h = it == s.labels.end() ? "" : it->second;
    if (expected != nullptr && h != expected->hash) {
      return FailedPreconditionError("revision " + revision + "'s sidecars count with baseline " +
                                     (h.empty() ? "(none)" : h) + " (from " + where +
                                     "), the revision uses " + expected->hash);
    }
    if (!hash.empty() && h != hash) {
      return FailedPreconditionError("revision " + revision +
                                     "'s sidecars counted with more than one baseline (" + hash +
                                     ", " + h + ") in the window (from " + where + ")");
    }
    hash = h;
  }
  auto bins = querier_->Query(address, BinIncreaseQuery(ns, revision, window_s), now);
  if (!bins.ok()) return bins.status().WithContext("querying " + where);
  if (bins->empty()) {
    return UnavailableError(where + " has no skewgate_sidecar_feature_bin_total series for " +
                            what + " (fewer than two scrapes yet?)");
  }
  // A stable revision with the canary's baseline is checked against its layout too.
  const skew::Baseline* layout = hash == known.hash ? &known : nullptr;
  auto counts = CountsFromSamples(*bins, layout);
  if (!counts.ok()) return counts.status().WithContext("revision " + revision + " from " + where);
  counts->baseline_hash = hash;
  return counts;
}

api::AnalysisStatus PrometheusAnalyzer::Analyze(const AnalysisRequest& request) {
  Evidence evidence;
  auto gather = [&]() -> std::string {
    if (!request.spec.prometheus) return "no prometheus address in the analysis spec";
    auto address = ParsePrometheusAddress(request.spec.prometheus->address);
    if (!address.ok()) return address.status().message();
    const auto window =
        std::chrono::ceil<std::chrono::seconds>(request.now - request.window_start).count();
    if (window < 1) return "the analysis window is empty";
    auto canary = RevisionCounts(*address, request.namespace_, request.canary.revision, window,
                                 request.now, request.baseline, *request.baseline);
    if (!canary.ok()) return canary.status().message();
    evidence.canary = std::move(canary).value();
    if (request.stable && request.spec.skew.compare_to_stable) {
      // The stable revision may count with another baseline (another model version); its
      // hash is whatever its sidecars report, one for the whole window.
      auto stable = RevisionCounts(*address, request.namespace_, request.stable->revision, window,
                                   request.now, nullptr, *request.baseline);
      if (!stable.ok()) return stable.status().message();
      evidence.stable = std::move(stable).value();
    }
    return "";
  };
  evidence.problem = gather();
  if (!evidence.problem.empty()) {
    SG_LOG(Info, request.key).Msg("analysis inconclusive").Field("reason", evidence.problem);
  }
  return RunAnalysis(*request.baseline, evidence, ToSkewConfig(request.spec),
                     request.canary.revision, request.now);
}

}  // namespace skewgate::analysis

// Live analysis from Prometheus: instead of scraping every pod, the controller asks a
// Prometheus that scrapes the sidecars' /metrics for what each revision counted since the
// step started (increase() over the window, summed by feature and bin), checks the
// baseline hash the sidecars report, and runs the same skew verdict as SidecarAnalyzer.
// Stateless: Prometheus keeps the history, so a controller restart loses nothing.
//
//   PrometheusAnalyzer analyzer(NewHttpPrometheusQuerier(std::chrono::seconds(2)));
//   api::AnalysisStatus s = analyzer.Analyze(request);  // request.spec.prometheus is set
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "analysis/prometheus_query.h"

namespace skewgate::analysis {

class PrometheusQuerier {
 public:
  virtual ~PrometheusQuerier() = default;
  // One instant query (GET /api/v1/query) evaluated at `at`. Unavailable when Prometheus
  // cannot be reached or answers an error (the message carries Prometheus' own error);
  // DataLoss when the answer is not a query result. Safe to call from several threads.
  virtual StatusOr<std::vector<PromSample>> Query(const PrometheusAddress& address,
                                                  const std::string& promql, TimePoint at) = 0;
};

// Plain HTTP/1.1 with a deadline per query.
std::unique_ptr<PrometheusQuerier> NewHttpPrometheusQuerier(std::chrono::milliseconds timeout);

class PrometheusAnalyzer final : public Analyzer {
 public:
  explicit PrometheusAnalyzer(std::unique_ptr<PrometheusQuerier> querier);

  // Analyzer. Reads request.spec.prometheus->address, request.namespace_ and the
  // revisions; the pods are not used. Prometheus unreachable or answering an error, no
  // series for the revision, another baseline or too few samples → Inconclusive with a
  // reason that names Prometheus.
  api::AnalysisStatus Analyze(const AnalysisRequest& request) override;
  // Nothing is kept between runs.
  void Forget(const std::string&) override {}

 private:
  // The counts of one revision over the window, or a problem (one line). `expected`: the
  // baseline the sidecars must report (null: any one); `known`: its bucket layout is
  // checked when the reported hash is its hash.
  StatusOr<skew::Counts> RevisionCounts(const PrometheusAddress& address, const std::string& ns,
                                        const std::string& revision, int64_t window_s,
                                        TimePoint now, const skew::Baseline* expected,
                                        const skew::Baseline& known);

  std::unique_ptr<PrometheusQuerier> querier_;
};

}  // namespace skewgate::analysis

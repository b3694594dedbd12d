// The chart carries copies of files that live elsewhere in the repository (Helm cannot
// read outside the chart): they must stay byte-identical to their sources.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

std::string Root() {
  const char* r = std::getenv("SKEWGATE_REPO_ROOT");
  return r ? r : ".";
}

std::string Slurp(const std::string& rel) {
  std::ifstream in(Root() + "/" + rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << rel;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ChartFiles, CrdIsTheSameFileAsTheRepositoryCrd) {
  const std::string repo = Slurp("crds/skewgate.io_modeldeployments.yaml");
  const std::string chart = Slurp("charts/skewgate/crds/skewgate.io_modeldeployments.yaml");
  ASSERT_FALSE(repo.empty());
  EXPECT_TRUE(repo == chart)
      << "charts/skewgate/crds/ differs from crds/; run: cp crds/skewgate.io_modeldeployments.yaml "
         "charts/skewgate/crds/";
}

TEST(ChartFiles, DashboardIsTheSameFileAsTheDocsDashboard) {
  const std::string docs = Slurp("docs/grafana-dashboard.json");
  const std::string chart = Slurp("charts/skewgate/dashboards/skewgate.json");
  ASSERT_FALSE(docs.empty());
  EXPECT_TRUE(docs == chart) << "charts/skewgate/dashboards/skewgate.json differs from "
                                "docs/grafana-dashboard.json; copy the docs file over it";
}

TEST(ChartFiles, DashboardCoversPhaseWeightSkewVerdictsAndControllerHealth) {
  auto d = nlohmann::json::parse(Slurp("docs/grafana-dashboard.json"));
  std::string exprs;
  for (const auto& p : d.at("panels")) {
    for (const auto& t : p.at("targets")) exprs += t.at("expr").get<std::string>() + "\n";
  }
  for (const char* metric :
       {"skewgate_modeldeployment_phase", "skewgate_modeldeployment_canary_weight",
        "skewgate_modeldeployment_actual_canary_weight", "skewgate_feature_skew_score",
        "skewgate_analysis_runs_total", "skewgate_reconcile_total", "skewgate_workqueue_depth",
        "skewgate_leader_election_is_leader"}) {
    EXPECT_NE(exprs.find(metric), std::string::npos) << "no panel queries " << metric;
  }
}

}  // namespace

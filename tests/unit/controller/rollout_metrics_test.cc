// The rollout metrics as the registry renders them, fed through the informer handler: the
// gauges follow the stored status, a new lastAnalysis counts one run, the first sight after
// a start counts none, the feature series are bounded, a deleted object's series go away.
#include "controller/rollout_metrics.h"

#include <gtest/gtest.h>

#include <sstream>

namespace skewgate::controller {
namespace {

using nlohmann::json;

json Md(const std::string& name, const std::string& phase, const json& analysis = nullptr) {
  json md = {{"metadata", {{"namespace", "ml"}, {"name", name}}},
             {"status",
              {{"phase", phase},
               {"canaryWeight", 50},
               {"actualCanaryWeight", 40},
               {"currentStepIndex", 2}}}};
  if (!analysis.is_null()) md["status"]["lastAnalysis"] = analysis;
  return md;
}

json Analysis(const std::string& time, const std::string& verdict, int features = 2) {
  json a = {{"revision", "r2"}, {"time", time}, {"verdict", verdict}, {"features", json::array()}};
  for (int i = 0; i < features; ++i) {
    a["features"].push_back({{"name", "f" + std::to_string(i)},
                             {"score", 0.5 / (i + 1)},
                             {"threshold", 0.1},
                             {"verdict", i == 0 ? "Fail" : "Pass"}});
  }
  return a;
}

// The value of one series line, or -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(RolloutMetricsTest, GaugesFollowTheStoredStatus) {
  runtime::MetricsRegistry r;
  RolloutMetrics m(r);
  auto h = m.Handler();
  h->OnAdd(Md("fraud", "Progressing", Analysis("t1", "Successful")));
  std::string out = r.Render();
  EXPECT_EQ(
      Sample(out,
             R"(skewgate_modeldeployment_phase{namespace="ml",name="fraud",phase="Progressing"})"),
      1);
  EXPECT_EQ(
      Sample(out, R"(skewgate_modeldeployment_phase{namespace="ml",name="fraud",phase="Healthy"})"),
      0);
  EXPECT_EQ(Sample(out, R"(skewgate_modeldeployment_canary_weight{namespace="ml",name="fraud"})"),
            50);
  EXPECT_EQ(
      Sample(out, R"(skewgate_modeldeployment_actual_canary_weight{namespace="ml",name="fraud"})"),
      40);
  EXPECT_EQ(Sample(out, R"(skewgate_modeldeployment_current_step{namespace="ml",name="fraud"})"),
            2);
  EXPECT_EQ(Sample(out, R"(skewgate_feature_skew_score{namespace="ml",name="fraud",feature="f0"})"),
            0.5);
  EXPECT_EQ(Sample(out, R"(skewgate_feature_skew_score{namespace="ml",name="fraud",feature="f1"})"),
            0.25);
  EXPECT_EQ(
      Sample(out, R"(skewgate_feature_skew_threshold{namespace="ml",name="fraud",feature="f0"})"),
      0.1);
  EXPECT_NE(out.find("# TYPE skewgate_analysis_runs_total counter"), std::string::npos);

  h->OnUpdate(json(), Md("fraud", "Healthy"));
  out = r.Render();
  EXPECT_EQ(
      Sample(out, R"(skewgate_modeldeployment_phase{namespace="ml",name="fraud",phase="Healthy"})"),
      1);
  EXPECT_EQ(
      Sample(out,
             R"(skewgate_modeldeployment_phase{namespace="ml",name="fraud",phase="Progressing"})"),
      0);
  EXPECT_EQ(out.find("feature=\"f0\""), std::string::npos) << "no analysis, no skew series";
}

TEST(RolloutMetricsTest, EachNewRunIsCountedOnceByVerdict) {
  runtime::MetricsRegistry r;
  RolloutMetrics m(r);
  auto h = m.Handler();
  const std::string failed =
      R"(skewgate_analysis_runs_total{namespace="ml",name="fraud",verdict="Failed"})";
  const std::string ok =
      R"(skewgate_analysis_runs_total{namespace="ml",name="fraud",verdict="Successful"})";
  // A run already in status when the controller starts is not counted again.
  h->OnAdd(Md("fraud", "Progressing", Analysis("t1", "Successful")));
  EXPECT_EQ(Sample(r.Render(), ok), 0);
  h->OnUpdate(json(), Md("fraud", "Progressing", Analysis("t2", "Successful")));
  h->OnUpdate(json(), Md("fraud", "Progressing", Analysis("t2", "Successful")));  // same run
  h->OnUpdate(json(), Md("fraud", "Progressing", Analysis("t3", "Failed")));
  h->OnUpdate(json(), Md("fraud", "Degraded", Analysis("t3", "Failed")));  // same run
  std::string out = r.Render();
  EXPECT_EQ(Sample(out, ok), 1);
  EXPECT_EQ(Sample(out, failed), 1);
  EXPECT_EQ(
      Sample(out,
             R"(skewgate_analysis_runs_total{namespace="ml",name="fraud",verdict="Inconclusive"})"),
      0);
}

TEST(RolloutMetricsTest, FeatureSeriesAreBoundedAndDeletedObjectsDisappear) {
  runtime::MetricsRegistry r;
  RolloutMetrics m(r);
  auto h = m.Handler();
  json a = Analysis("t1", "Failed", 60);
  a["features"][1]["verdict"] = "Ignored";
  h->OnAdd(Md("fraud", "Degraded", a));
  h->OnAdd(Md("other", "Healthy"));
  std::string out = r.Render();
  size_t series = 0;
  for (size_t p = out.find("\nskewgate_feature_skew_score{"); p != std::string::npos;
       p = out.find("\nskewgate_feature_skew_score{", p + 1)) {
    ++series;
  }
  EXPECT_EQ(series, kMaxSkewFeatureSeries);
  EXPECT_EQ(out.find("feature=\"f1\""), std::string::npos) << "ignored features get no series";
  EXPECT_NE(out.find("feature=\"f20\""), std::string::npos) << "the 20 worst scored features";
  EXPECT_EQ(out.find("feature=\"f21\""), std::string::npos);

  h->OnDelete(Md("fraud", "Degraded", a));
  out = r.Render();
  EXPECT_EQ(out.find("name=\"fraud\""), std::string::npos) << out;
  EXPECT_NE(out.find("name=\"other\""), std::string::npos) << out;
}

}  // namespace
}  // namespace skewgate::controller

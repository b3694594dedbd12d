#include "api/validation.h"

#include <gtest/gtest.h>

#include "unit/api/api_test_data.h"

namespace skewgate::api {
namespace {

using nlohmann::json;

ModelDeploymentSpec ValidSpec() {
  StatusOr<ModelDeployment> md = FromJson(testdata::InvalidBase());
  EXPECT_TRUE(md.ok()) << md.status().ToString();
  return md.ok() ? md->spec : ModelDeploymentSpec{};
}

std::vector<std::string> Fields(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

TEST(Validation, BaseIsValid) { EXPECT_TRUE(ValidateSpec(ValidSpec()).empty()); }

TEST(Validation, CollectsEveryErrorNotJustTheFirst) {
  ModelDeploymentSpec s = ValidSpec();
  s.replicas = -1;
  s.model.digest = "sha256:abc";
  s.revision_history_limit = 51;
  auto errors = ValidateSpec(s);
  EXPECT_EQ(Fields(errors), (std::vector<std::string>{"spec.replicas", "spec.model.digest",
                                                      "spec.revisionHistoryLimit"}));
  Status st = ToStatus(errors);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("spec.replicas: should be greater than or equal to 0; "),
            std::string::npos)
      << st.message();
  EXPECT_TRUE(ToStatus({}).ok());
}

TEST(Validation, WeightsMayRepeatAndStartAtZero) {
  ModelDeploymentSpec s = ValidSpec();
  s.strategy.canary->steps = {{SetWeightStep{0}},   {ShadowStep{10, std::chrono::seconds(10)}},
                              {SetWeightStep{0}},   {PauseStep{}},
                              {SetWeightStep{100}}, {SetWeightStep{100}}};
  EXPECT_TRUE(ValidateSpec(s).empty()) << ToStatus(ValidateSpec(s)).ToString();
  s.strategy.canary->steps.push_back({SetWeightStep{99}});
  EXPECT_EQ(Fields(ValidateSpec(s)), std::vector<std::string>{"spec.strategy.canary.steps"});
}

TEST(Validation, BoundsAreInclusiveWhereTheSchemaSaysSo) {
  ModelDeploymentSpec s = ValidSpec();
  s.replicas = kMaxReplicas;
  s.progress_deadline_seconds = kMaxProgressDeadlineSeconds;
  auto& a = s.strategy.canary->analysis;
  a.interval = std::chrono::seconds(5);
  a.skew.numeric.threshold = 1.0;
  a.skew.categorical.threshold = 1.0;
  a.skew.stable_margin = 0;
  s.strategy.canary->steps = {{PauseStep{std::chrono::seconds(1)}},
                              {PauseStep{std::chrono::hours(168)}},
                              {ShadowStep{100, std::chrono::hours(24)}}};
  EXPECT_TRUE(ValidateSpec(s).empty()) << ToStatus(ValidateSpec(s)).ToString();
  a.interval = std::chrono::milliseconds(4999);
  EXPECT_EQ(Fields(ValidateSpec(s)),
            std::vector<std::string>{"spec.strategy.canary.analysis.interval"});
}

TEST(Validation, UnboundedMetricsAllowThresholdsAboveOne) {
  ModelDeploymentSpec s = ValidSpec();
  auto& skew = s.strategy.canary->analysis.skew;
  skew.numeric = {SkewMetric::kPsi, 0.25};
  skew.features = {{"amount", SkewMetric::kWasserstein, 3.0, false, false}};
  EXPECT_TRUE(ValidateSpec(s).empty()) << ToStatus(ValidateSpec(s)).ToString();
  skew.numeric = {SkewMetric::kKs, 1.5};
  EXPECT_EQ(Fields(ValidateSpec(s)),
            std::vector<std::string>{"spec.strategy.canary.analysis.skew.numeric"});
}

TEST(Validation, ProgressDeadlineMustOutlastTheInterval) {
  ModelDeploymentSpec s = ValidSpec();
  s.strategy.canary->analysis.interval = std::chrono::minutes(10);
  s.progress_deadline_seconds = 600;
  EXPECT_EQ(Fields(ValidateSpec(s)), std::vector<std::string>{"spec.progressDeadlineSeconds"});
  s.progress_deadline_seconds = 601;
  EXPECT_TRUE(ValidateSpec(s).empty());
  s.strategy.canary.reset();  // without a canary there is no interval to outlast
  s.progress_deadline_seconds = 10;
  EXPECT_TRUE(ValidateSpec(s).empty());
}

TEST(Validation, ManifestChecksTheName) {
  json j = testdata::InvalidBase();
  j["metadata"].erase("name");
  auto errors = ValidateManifest(j);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "metadata.name");
  j["metadata"]["name"] = "Not_A_Name";
  errors = ValidateManifest(j);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "metadata.name");
}

TEST(Validation, DecodeErrorsComeAloneWithTheirPath) {
  json j = testdata::InvalidBase();
  j["spec"]["replicas"] = -1;  // would be a validation error...
  j["spec"]["strategy"]["canary"]["steps"][1]["pause"]["duration"] =
      "soon";  // ...but this is first
  auto errors = ValidateManifest(j);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "spec.strategy.canary.steps[1].pause.duration");
}

}  // namespace
}  // namespace skewgate::api

namespace skewgate::api {
namespace {

TEST(Validation, HugeStringsAreRejectedWithoutTroubleNotTruncated) {
  const std::string huge(1 << 20, 'a');
  json j = testdata::InvalidBase();
  j["metadata"]["name"] = huge;
  j["spec"]["model"]["uri"] = "https://" + huge;
  j["spec"]["baseline"]["configMapRef"]["name"] = huge;
  j["spec"]["strategy"]["canary"]["traffic"]["gatewayAPI"]["httpRoute"] = huge + ".";
  auto errors = ValidateManifest(j);
  std::vector<std::string> fields;
  for (const auto& e : errors) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"metadata.name", "spec.model.uri",
                                              "spec.baseline.configMapRef.name",
                                              "spec.strategy.canary.traffic.gatewayAPI.httpRoute",
                                              "spec.strategy.canary.traffic.gatewayAPI.httpRoute"}))
      << ToStatus(errors).ToString().substr(0, 2000);
  EXPECT_EQ(errors[1].message, "may not be more than 2048 bytes");
}

}  // namespace
}  // namespace skewgate::api

#include "api/codec.h"

#include <gtest/gtest.h>

#include "api/validation.h"
#include "unit/api/api_test_data.h"

namespace skewgate::api {
namespace {

using nlohmann::json;

json Minimal() {
  return json::parse(R"({
    "apiVersion": "skewgate.io/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "m", "namespace": "ml", "generation": 3},
    "spec": {
      "model": {"uri": "https://x/m.json",
                "digest": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
      "baseline": {"configMapRef": {"name": "b"}},
      "template": {"spec": {"containers": [{"name": "server", "image": "s:1"}]}},
      "strategy": {"canary": {"steps": [{"setWeight": 10}, {"pause": {}}]}}
    }})");
}

FieldError DecodeError(const json& j) {
  FieldError err;
  StatusOr<ModelDeployment> md = FromJson(j, &err);
  EXPECT_FALSE(md.ok()) << "decoded: " << j.dump();
  if (!md.ok()) {
    EXPECT_EQ(md.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(md.status().message(), err.ToString());
  }
  return err;
}

TEST(Codec, DecodesAndAppliesTheSchemaDefaults) {
  StatusOr<ModelDeployment> md = FromJson(Minimal());
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  EXPECT_EQ(md->Name(), "m");
  EXPECT_EQ(md->Namespace(), "ml");
  EXPECT_EQ(md->Generation(), 3);
  const ModelDeploymentSpec& s = md->spec;
  EXPECT_EQ(s.replicas, 1);
  EXPECT_EQ(s.baseline.config_map_ref.key, "baseline.json");
  EXPECT_EQ(s.sidecar.protocol, PayloadProtocol::kAuto);
  EXPECT_EQ(s.sidecar.port, 8080);
  EXPECT_EQ(s.sidecar.model_port, 8081);
  EXPECT_EQ(s.progress_deadline_seconds, 600);
  EXPECT_EQ(s.revision_history_limit, 10);
  ASSERT_TRUE(s.strategy.canary.has_value());
  const CanaryStrategy& c = *s.strategy.canary;
  ASSERT_EQ(c.steps.size(), 2u);
  EXPECT_TRUE(c.steps[0].IsSetWeight());
  EXPECT_EQ(std::get<SetWeightStep>(c.steps[0].action).weight, 10);
  ASSERT_TRUE(c.steps[1].IsPause());
  EXPECT_FALSE(std::get<PauseStep>(c.steps[1].action).duration.has_value());  // manual gate
  EXPECT_EQ(c.analysis.interval, std::chrono::seconds(30));
  EXPECT_EQ(c.analysis.min_samples, 1000);
  EXPECT_EQ(c.analysis.failure_limit, 1);
  EXPECT_EQ(c.analysis.inconclusive_limit, 3);
  EXPECT_EQ(c.analysis.skew.numeric.metric, SkewMetric::kJensenShannon);
  EXPECT_EQ(c.analysis.skew.categorical.metric, SkewMetric::kLInfinity);
  EXPECT_DOUBLE_EQ(c.analysis.skew.stable_margin, 0.02);
  EXPECT_TRUE(c.traffic.UsesReplicaRatio());
  EXPECT_TRUE(ValidateSpec(s).empty());
}

TEST(Codec, NullIsTheSameAsAbsent) {
  json j = Minimal();
  j["spec"]["replicas"] = nullptr;
  j["spec"]["sidecar"] = nullptr;
  StatusOr<ModelDeployment> md = FromJson(j);
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  EXPECT_EQ(md->spec.replicas, 1);
}

TEST(Codec, WrongTypesNameTheFieldPath) {
  struct Case {
    const char* pointer;
    json value;
    const char* field;
    const char* message;
  } cases[] = {
      {"/spec/replicas", "3", "spec.replicas", "must be of type integer: \"string\""},
      {"/spec/strategy/canary/steps/1/pause/duration", 30,
       "spec.strategy.canary.steps[1].pause.duration", "must be of type string: \"integer\""},
      {"/spec/strategy/canary/steps/0/setWeight", 1.5, "spec.strategy.canary.steps[0].setWeight",
       "must be of type integer: \"number\""},
      {"/spec/model", "https://x", "spec.model", "must be of type object"},
      {"/spec/strategy/canary/steps", json::object(), "spec.strategy.canary.steps",
       "must be of type array"},
      {"/spec/paused", "true", "spec.paused", "must be of type boolean"},
      {"/spec/sidecar/featureNames", json::array({"a", 2}), "spec.sidecar.featureNames[1]",
       "must be of type string"},
      {"/spec/strategy/canary/analysis/skew/numeric/threshold", "0.1",
       "spec.strategy.canary.analysis.skew.numeric.threshold", "must be of type number"},
      {"/status/history", json::array({{{"time", "yesterday"}}}), "status.history[0].time",
       "RFC 3339"},
      {"/status/phase", "Running", "status.phase", "Unsupported value: \"Running\""},
      {"/metadata", "m", "metadata", "must be of type object"},
  };
  for (const auto& c : cases) {
    json j = Minimal();
    j[json::json_pointer(c.pointer)] = c.value;
    FieldError err = DecodeError(j);
    EXPECT_EQ(err.field, c.field) << c.pointer;
    EXPECT_NE(err.message.find(c.message), std::string::npos) << c.pointer << ": " << err.message;
  }
}

TEST(Codec, UnknownFieldsAreErrorsNamingThePath) {
  for (const char* pointer :
       {"/spec/modle", "/spec/model/sha", "/spec/strategy/canary/steps/0/weight",
        "/spec/strategy/canary/analysis/skew/features", "/status/gates/approve", "/extra"}) {
    json j = Minimal();
    if (std::string(pointer) == "/spec/strategy/canary/analysis/skew/features") {
      j[json::json_pointer(pointer)] = json::array({{{"name", "a"}, {"treshold", 0.1}}});
    } else {
      j[json::json_pointer(pointer)] = 1;
    }
    FieldError err = DecodeError(j);
    EXPECT_NE(err.message.find("unknown field"), std::string::npos)
        << pointer << ": " << err.message;
    EXPECT_FALSE(err.field.empty());
    EXPECT_NE(err.message.find(err.field), std::string::npos) << err.message;
  }
  json j = Minimal();
  j["spec"]["model"]["sha"] = "x";
  EXPECT_EQ(DecodeError(j).field, "spec.model.sha");
}

TEST(Codec, RequiredFieldsAreNamed) {
  for (const char* pointer : {"/spec/model/uri", "/spec/model/digest", "/spec/baseline",
                              "/spec/template", "/spec/template/spec/containers"}) {
    json j = Minimal();
    j.at(json::json_pointer(pointer).parent_pointer()).erase(json::json_pointer(pointer).back());
    FieldError err = DecodeError(j);
    std::string want(pointer);
    want = want.substr(1);
    for (char& ch : want) ch = ch == '/' ? '.' : ch;
    EXPECT_EQ(err.field, want);
    EXPECT_EQ(err.message, "Required value");
  }
  FieldError err = DecodeError(json::object());
  EXPECT_EQ(err.field, "spec");
}

TEST(Codec, RejectsAnotherKindOrVersion) {
  json j = Minimal();
  j["apiVersion"] = "skewgate.io/v1";
  EXPECT_EQ(DecodeError(j).field, "apiVersion");
  j = Minimal();
  j["kind"] = "Deployment";
  EXPECT_EQ(DecodeError(j).field, "kind");
}

TEST(Codec, NonObjectTopLevelIsAnError) {
  for (const json& j : {json(nullptr), json(3), json::array(), json("x")}) {
    StatusOr<ModelDeployment> md = FromJson(j);
    EXPECT_FALSE(md.ok()) << j.dump();
  }
}

TEST(Codec, HugeIntegersSaturateSoTheValidatorNamesTheBound) {
  json j = Minimal();
  j["spec"]["replicas"] = 99999999999LL;
  StatusOr<ModelDeployment> md = FromJson(j);
  ASSERT_TRUE(md.ok());
  auto errors = ValidateSpec(md->spec);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(), "spec.replicas: should be less than or equal to 1000");
  j["spec"]["replicas"] = -99999999999LL;
  md = FromJson(j);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(ValidateSpec(md->spec)[0].message, "should be greater than or equal to 0");
  j["spec"]["replicas"] = 18446744073709551615ULL;
  md = FromJson(j);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(md->spec.replicas, std::numeric_limits<int32_t>::max());
}

TEST(Codec, StatusDecodesGatesAndConditions) {
  json j = Minimal();
  j["status"] = json::parse(R"({
    "observedGeneration": 3, "phase": "Paused", "currentStepIndex": 1,
    "conditions": [{"type": "Ready", "status": "False", "reason": "RolloutInProgress",
                    "message": "step 2/2", "observedGeneration": 3,
                    "lastTransitionTime": "2026-11-26T10:00:00Z"}],
    "gates": {"promote": {"id": "p1", "requestedAt": "2026-11-26T10:05:00Z",
                          "requestedBy": "alice", "revision": "7f3c9a"}}})");
  StatusOr<ModelDeployment> md = FromJson(j);
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  const auto& st = md->status;
  EXPECT_EQ(st.phase, Phase::kPaused);
  EXPECT_EQ(st.current_step_index, 1);
  ASSERT_EQ(st.conditions.size(), 1u);
  EXPECT_EQ(st.conditions[0].last_transition_time, FromUnixSeconds(1795687200));
  ASSERT_TRUE(st.gates.promote.has_value());
  EXPECT_TRUE(st.gates.promote->Pending());
  EXPECT_EQ(st.gates.promote->requested_by, "alice");
  EXPECT_FALSE(st.gates.abort.has_value());
  EXPECT_EQ(ToJson(*md)["status"], j["status"]);
}

TEST(Codec, EnumNames) {
  EXPECT_STREQ(PhaseName(Phase::kUnknown), "");
  EXPECT_STREQ(PhaseName(Phase::kHealthy), "Healthy");
  EXPECT_STREQ(MetricName(SkewMetric::kLInfinity), "lInfinity");
  EXPECT_STREQ(ProtocolName(PayloadProtocol::kV2), "v2");
  EXPECT_STREQ(VerdictName(Verdict::kInconclusive), "Inconclusive");
  EXPECT_STREQ(OutcomeName(RevisionOutcome::kAborted), "Aborted");
  EXPECT_STREQ(FeatureVerdictName(FeatureVerdict::kIgnored), "Ignored");
}

}  // namespace
}  // namespace skewgate::api

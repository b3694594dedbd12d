// The CRD in a real API server: it installs (idempotently), every example is accepted and
// defaulted exactly as the C++ codec defaults it, the printer columns, scale subresource and
// `kubectl wait --for=condition=Ready` work, the status schema keeps everything the codec
// writes, and every case of tests/data/api/invalid.yaml is rejected at admission naming the
// same field as the C++ validator.
#include <gtest/gtest.h>

#include "api/codec.h"
#include "api/conditions.h"
#include "api/validation.h"
#include "support/cluster_env.h"
#include "unit/api/api_test_data.h"

namespace skewgate::api {
namespace {

using nlohmann::json;
using skewgate::testing::ClusterTest;
using skewgate::testing::CommandResult;
using skewgate::testing::Kubectl;

constexpr const char* kCrdName = "modeldeployments.skewgate.io";

// Installs crds/ with server-side apply (idempotent, works on a fresh cluster) and waits for
// the CRD to be Established. Once per process.
void InstallCrd() {
  static bool installed = false;
  if (installed) return;
  CommandResult r =
      Kubectl({"apply", "--server-side", "--force-conflicts", "--field-manager=skewgate-api-tests",
               "-f", testdata::RepoRoot() + "/crds/"});
  ASSERT_EQ(r.exit_code, 0) << "installing the CRD failed: " << r.err;
  r = Kubectl(
      {"wait", "--for=condition=Established", std::string("crd/") + kCrdName, "--timeout=60s"});
  ASSERT_EQ(r.exit_code, 0) << "the CRD did not become Established: " << r.err << r.out;
  installed = true;
}

class ApiClusterTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    InstallCrd();
  }

  json GetJson(const std::string& ns, const std::string& name) {
    CommandResult r = Kubectl({"get", "md", name, "-n", ns, "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }

  void PatchStatus(const std::string& ns, const std::string& name, const json& status) {
    CommandResult r = Kubectl({"patch", "md", name, "-n", ns, "--subresource=status",
                               "--type=merge", "-p", json{{"status", status}}.dump()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
};

// A status with every field set, as the controller and the CLI would write it.
ModelDeploymentStatus FullStatus(int64_t generation) {
  ModelDeploymentStatus s;
  TimePoint t = FromUnixSeconds(1795687200);
  s.observed_generation = generation;
  s.phase = Phase::kProgressing;
  s.message = "step 2/5: analysing canary 7f3c9a";
  s.conditions = {
      {kConditionReady, kConditionFalse, kReasonRolloutInProgress, "canary at 20%", generation, t},
      {kConditionReconciling, kConditionTrue, kReasonStepInProgress, "step 2/5", generation, t}};
  s.stable_revision = "5d1e0b";
  s.canary_revision = "7f3c9a";
  s.baseline_digest = "sha256:" + std::string(64, 'a');
  s.current_step_index = 1;
  s.current_step_started_at = t;
  s.canary_weight = 20;
  s.actual_canary_weight = 25;
  s.failed_runs = 1;
  s.consecutive_inconclusive_runs = 2;
  s.last_progress_time = t;
  s.replicas = 4;
  s.ready_replicas = 3;
  s.selector = "skewgate.io/modeldeployment=iris";
  AnalysisStatus a;
  a.revision = "7f3c9a";
  a.time = t;
  a.verdict = Verdict::kFailed;
  a.message = "amount: 0.31 > 0.05 (critical)";
  a.samples = 12345;
  a.max_score = 0.3125;
  a.max_feature = "amount";
  a.features = {{"amount",
                 FeatureType::kNumeric,
                 SkewMetric::kJensenShannon,
                 0.3125,
                 0.015625,
                 0.05,
                 12000,
                 true,
                 FeatureVerdict::kFail,
                 {}},
                {"country",
                 FeatureType::kCategorical,
                 SkewMetric::kLInfinity,
                 0.0625,
                 std::nullopt,
                 0.1,
                 11000,
                 false,
                 FeatureVerdict::kPass,
                 {}}};
  a.features[0].histogram = {{"< 10", 0.25, 0.0625}, {"[10, 20)", 0.75, 0.5}, {"NaN", 0, 0.4375}};
  a.features_omitted = 3;
  s.last_analysis = a;
  s.history = {{"5d1e0b", "sha256:" + std::string(64, 'b'), "server:1",
                "sha256:" + std::string(64, 'c'), RevisionOutcome::kPromoted, t,
                "promoted after 5 steps"}};
  s.gates.promote = GateRequest{"p1", t, "alice", "7f3c9a", t, kGateAccepted};
  s.gates.abort = GateRequest{"a1", t, "bob", "", std::nullopt, ""};
  s.gates.promote_full = GateRequest{"f1", t, "carol", "7f3c9a", std::nullopt, ""};
  s.gates.retry = GateRequest{"r1", t, "dave", "7f3c9a", t, "Rejected: nothing to retry"};
  s.abort = AbortInfo{"4c4c4c", t, kReasonAnalysisFailed, "amount skewed", {"amount"}};
  return s;
}

TEST_F(ApiClusterTest, ExamplesApplyAndTheServerDefaultsThemLikeTheCodec) {
  std::string ns = CreateNamespace("api-examples");
  for (const std::string& path : testdata::ExampleFiles()) {
    CommandResult r = Kubectl({"create", "-n", ns, "-f", path});
    ASSERT_EQ(r.exit_code, 0) << path << ": " << r.err;
    json example = testdata::LoadYamlFile(path)[0].object;
    StatusOr<ModelDeployment> md = FromJson(example);
    ASSERT_TRUE(md.ok()) << path << ": " << md.status().ToString();
    json stored = GetJson(ns, md->Name());
    // The API server's defaults (from the CRD) and the codec's defaults are the same.
    EXPECT_EQ(stored["spec"], ToJson(md->spec)) << path << "\nstored:\n"
                                                << stored["spec"].dump(2) << "\ncodec:\n"
                                                << ToJson(md->spec).dump(2);
    StatusOr<ModelDeployment> back = FromJson(stored);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->spec, md->spec);
  }
}

TEST_F(ApiClusterTest, PrinterColumnsShowTheStatus) {
  std::string ns = CreateNamespace("api-columns");
  ASSERT_EQ(Kubectl({"create", "-n", ns, "-f", testdata::RepoRoot() + "/examples/minimal.yaml"})
                .exit_code,
            0);
  PatchStatus(ns, "iris", ToJson(FullStatus(1)));
  CommandResult r = Kubectl({"get", "md", "-n", ns});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NAME"), std::string::npos) << r.out;
  for (const char* col : {"PHASE", "STABLE", "CANARY", "WEIGHT", "SKEW", "AGE"}) {
    EXPECT_NE(r.out.find(col), std::string::npos) << col << " missing:\n" << r.out;
  }
  EXPECT_EQ(r.out.find("MESSAGE"), std::string::npos) << "Message is for -o wide only:\n" << r.out;
  for (const char* value : {"iris", "Progressing", "5d1e0b", "7f3c9a", "20", "0.3125"}) {
    EXPECT_NE(r.out.find(value), std::string::npos) << value << " missing:\n" << r.out;
  }
  r = Kubectl({"get", "modeldeployments", "-n", ns, "-o", "wide"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* s : {"STEP", "MESSAGE", "step 2/5: analysing canary 7f3c9a"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << " missing:\n" << r.out;
  }
  // The category lists it with the rest of skewgate's objects.
  r = Kubectl({"get", "skewgate", "-n", ns});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("iris"), std::string::npos) << r.out;
}

TEST_F(ApiClusterTest, StatusSchemaKeepsEverythingTheCodecWrites) {
  std::string ns = CreateNamespace("api-status");
  ASSERT_EQ(Kubectl({"create", "-n", ns, "-f", testdata::RepoRoot() + "/examples/minimal.yaml"})
                .exit_code,
            0);
  ModelDeploymentStatus want = FullStatus(1);
  PatchStatus(ns, "iris", ToJson(want));
  json stored = GetJson(ns, "iris");
  StatusOr<ModelDeployment> md = FromJson(stored);
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  EXPECT_EQ(md->status, want) << "pruned or changed by the server:\n" << stored["status"].dump(2);
  // Writing status (gates included) never bumps the spec's generation.
  EXPECT_EQ(md->Generation(), 1);
}

TEST_F(ApiClusterTest, ScaleSubresourceDrivesSpecReplicas) {
  std::string ns = CreateNamespace("api-scale");
  ASSERT_EQ(Kubectl({"create", "-n", ns, "-f", testdata::RepoRoot() + "/examples/minimal.yaml"})
                .exit_code,
            0);
  CommandResult r = Kubectl({"scale", "md/iris", "-n", ns, "--replicas=3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(GetJson(ns, "iris")["spec"]["replicas"], 3);
  PatchStatus(ns, "iris", {{"replicas", 3}, {"selector", "skewgate.io/modeldeployment=iris"}});
  r = Kubectl({"get", "--raw",
               "/apis/skewgate.io/v1alpha1/namespaces/" + ns + "/modeldeployments/iris/scale"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json scale = json::parse(r.out, nullptr, false);
  EXPECT_EQ(scale["spec"]["replicas"], 3) << r.out;
  EXPECT_EQ(scale["status"]["selector"], "skewgate.io/modeldeployment=iris") << r.out;
  // The schema's bound applies through the scale subresource too.
  r = Kubectl({"scale", "md/iris", "-n", ns, "--replicas=5000"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("spec.replicas"), std::string::npos) << r.err;
}

TEST_F(ApiClusterTest, KubectlWaitForReadyWorks) {
  std::string ns = CreateNamespace("api-wait");
  ASSERT_EQ(Kubectl({"create", "-n", ns, "-f", testdata::RepoRoot() + "/examples/minimal.yaml"})
                .exit_code,
            0);
  CommandResult r = Kubectl({"wait", "md/iris", "-n", ns, "--for=condition=Ready", "--timeout=1s"});
  EXPECT_NE(r.exit_code, 0) << "Ready before any status was written";
  ModelDeploymentStatus s;
  s.observed_generation = 1;
  s.phase = Phase::kHealthy;
  s.conditions = {{kConditionReady, kConditionTrue, kReasonRolloutComplete, "serving 5d1e0b", 1,
                   FromUnixSeconds(1795687200)}};
  PatchStatus(ns, "iris", ToJson(s));
  r = Kubectl({"wait", "md/iris", "-n", ns, "--for=condition=Ready", "--timeout=20s"});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
}

TEST_F(ApiClusterTest, ExplainTeachesTheFields) {
  CommandResult r = Kubectl({"explain", "modeldeployment.spec.strategy.canary.analysis"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* s : {"minSamples", "inconclusiveLimit", "Inconclusive, never passing"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << " missing:\n" << r.out;
  }
}

// ---- the invalid table: the API server and the C++ validator must agree on every case

class InvalidTableCluster : public ApiClusterTest,
                            public ::testing::WithParamInterface<testdata::InvalidCase> {};

TEST_P(InvalidTableCluster, RejectedAtAdmissionNamingTheSameFieldAsTheValidator) {
  const testdata::InvalidCase& c = GetParam();
  // Dry run: admission (defaulting, schema, CEL) runs in full but nothing is stored.
  CommandResult r =
      Kubectl({"create", "--dry-run=server", "-n", "default", "-f", "-"}, c.manifest.dump());
  EXPECT_NE(r.exit_code, 0) << c.name << " was accepted by the API server";
  const std::string& err = r.err;
  bool names_field =
      err.find(c.field + ":") != std::string::npos || err.find(c.field + "\"") != std::string::npos;
  EXPECT_TRUE(names_field) << c.name << ": the server's error does not name " << c.field << ":\n"
                           << err;
  EXPECT_NE(err.find(c.message), std::string::npos)
      << c.name << ": the server's error lacks \"" << c.message << "\":\n"
      << err;

  std::vector<FieldError> errors = ValidateManifest(c.manifest);
  bool validator_agrees = false;
  for (const auto& e : errors) {
    validator_agrees =
        validator_agrees || (e.field == c.field && e.message.find(c.message) != std::string::npos);
  }
  EXPECT_TRUE(validator_agrees) << c.name << ": server said\n"
                                << err << "validator said\n"
                                << ToStatus(errors).ToString();
}

INSTANTIATE_TEST_SUITE_P(Api, InvalidTableCluster,
                         ::testing::ValuesIn(testdata::LoadInvalidCases()),
                         [](const auto& info) { return testdata::GTestName(info.param.name); });

TEST_F(ApiClusterTest, TheInvalidTableBaseIsAccepted) {
  // Otherwise every rejection above could be caused by the base rather than the patch.
  CommandResult r = Kubectl({"create", "--dry-run=server", "-n", "default", "-f", "-"},
                            testdata::InvalidBase().dump());
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace skewgate::api

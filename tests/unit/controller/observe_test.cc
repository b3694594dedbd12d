// Reading the world: owned ReplicaSets, failing fetches, baseline and model-port problems
// with messages that say exactly what is wrong.
#include "controller/observe.h"

#include <gtest/gtest.h>

#include "api/conditions.h"
#include "common/sha256.h"
#include "controller/labels.h"
#include "controller/pod_shape.h"
#include "unit/controller/test_objects.h"

namespace skewgate::controller {
namespace {

using nlohmann::json;

runtime::ObjectPtr Ptr(json j) { return std::make_shared<const json>(std::move(j)); }

TEST(ObserveTest, OnlyReplicaSetsControlledByThisModelDeploymentCount) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  json mine = BuildReplicaSet({md, "aaa", 3, "img", std::nullopt});
  mine["status"] = {{"readyReplicas", 2}};
  json other_uid = BuildReplicaSet({md, "bbb", 1, "img", std::nullopt});
  other_uid["metadata"]["ownerReferences"][0]["uid"] = "an-older-fraud";
  json unlabelled = mine;
  unlabelled["metadata"]["labels"].erase(kLabelRevision);
  std::vector<rollout::ObservedReplicaSet> got =
      ObserveReplicaSets(md, {Ptr(mine), Ptr(other_uid), Ptr(unlabelled)});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (rollout::ObservedReplicaSet{"aaa", 3, 2}));
}

json Pod(const std::string& rev, json init_statuses) {
  return {{"metadata",
           {{"name", "fraud-" + rev + "-x1"},
            {"namespace", "ml"},
            {"labels", {{kLabelModelDeployment, "fraud"}, {kLabelRevision, rev}}}}},
          {"status", {{"initContainerStatuses", std::move(init_statuses)}}}};
}

TEST(ObserveTest, AFailedFetchOfTheNewestRevisionIsAModelDigestProblem) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  json failed =
      Pod("bbb", {{{"name", kFetchContainer},
                   {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                   {"lastState",
                    {{"terminated",
                      {{"exitCode", 1},
                       {"message", "digest mismatch: expected sha256:aa, got sha256:bb\n"}}}}}}});
  json running =
      Pod("aaa", {{{"name", kFetchContainer}, {"state", {{"terminated", {{"exitCode", 0}}}}}}});
  EXPECT_FALSE(FailingFetch(md, "aaa", {Ptr(running), Ptr(failed)}).has_value());
  std::optional<rollout::Problem> p = FailingFetch(md, "bbb", {Ptr(running), Ptr(failed)});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->reason, api::kReasonModelDigestMismatch);
  EXPECT_NE(p->message.find("pod ml/fraud-bbb-x1"), std::string::npos) << p->message;
  EXPECT_NE(p->message.find("exit code 1: digest mismatch: expected sha256:aa, got sha256:bb)"),
            std::string::npos)
      << p->message;
}

TEST(ObserveTest, CompactPodKeepsIdentityLabelsAndFetchFailuresOnly) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  json failed =
      Pod("bbb", {{{"name", "other-init"}, {"state", {{"terminated", {{"exitCode", 3}}}}}},
                  {{"name", kFetchContainer},
                   {"image", "skewgate:0.1.0"},
                   {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                   {"lastState",
                    {{"terminated",
                      {{"exitCode", 1},
                       {"finishedAt", "2026-11-27T03:00:00Z"},
                       {"message", "digest mismatch: expected sha256:aa"}}}}}}});
  failed["metadata"]["resourceVersion"] = "7";
  failed["metadata"]["uid"] = "pod-uid";
  failed["metadata"]["labels"]["pod-template-hash"] = "abc";
  failed["spec"] = {{"containers", json::array({{{"name", "server"}}})}};
  json compact = CompactPod(json(failed));
  EXPECT_EQ(compact, json::parse(R"({"metadata": {"name": "fraud-bbb-x1", "namespace": "ml",
                "resourceVersion": "7", "labels": {"skewgate.io/modeldeployment": "fraud",
                "skewgate.io/revision": "bbb"}},
              "status": {"initContainerStatuses": [{"name": "skewgate-fetch",
                "lastState": {"terminated": {"exitCode": 1,
                  "message": "digest mismatch: expected sha256:aa"}}}]}})"));
  // The same verdict from the compact pod as from the whole one.
  EXPECT_EQ(FailingFetch(md, "bbb", {Ptr(compact)})->message,
            FailingFetch(md, "bbb", {Ptr(failed)})->message);
  json healthy =
      Pod("aaa", {{{"name", kFetchContainer}, {"state", {{"terminated", {{"exitCode", 0}}}}}}});
  EXPECT_FALSE(CompactPod(json(healthy)).contains("status"));
  EXPECT_EQ(CompactPod(json("not an object")), json::object());
}

TEST(ObserveTest, BaselineProblemsNameTheConfigMapAndKey) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  BaselineCheck missing = CheckBaseline(md, nullptr);
  ASSERT_TRUE(missing.problem.has_value());
  EXPECT_EQ(missing.problem->reason, api::kReasonBaselineNotFound);
  EXPECT_EQ(missing.problem->message,
            "spec.baseline.configMapRef: ConfigMap ml/fraud-baseline not found; create it with "
            "`skewgate baseline`");

  json wrong_key = testing::BaselineConfigMap("ml", "fraud-baseline", "other.json");
  BaselineCheck no_key = CheckBaseline(md, &wrong_key);
  ASSERT_TRUE(no_key.problem.has_value());
  EXPECT_EQ(no_key.problem->reason, api::kReasonBaselineNotFound);
  EXPECT_EQ(no_key.problem->message,
            "spec.baseline.configMapRef.key: ConfigMap ml/fraud-baseline has no data key "
            "\"baseline.json\" (keys: other.json)");

  json garbage = testing::BaselineConfigMap("ml", "fraud-baseline");
  garbage["data"]["baseline.json"] = "{\"not\": \"a baseline\"}";
  BaselineCheck invalid = CheckBaseline(md, &garbage);
  ASSERT_TRUE(invalid.problem.has_value());
  EXPECT_EQ(invalid.problem->reason, api::kReasonBaselineInvalid);
  EXPECT_EQ(invalid.problem->message.rfind(
                "spec.baseline: ConfigMap ml/fraud-baseline key \"baseline.json\": ", 0),
            0u)
      << invalid.problem->message;

  json good = testing::BaselineConfigMap("ml", "fraud-baseline");
  BaselineCheck ok = CheckBaseline(md, &good);
  EXPECT_FALSE(ok.problem.has_value()) << ok.problem->message;
  EXPECT_EQ(ok.digest, "sha256:" + Sha256Hex(testing::BaselineText()));
}

// The baseline cache keeps summaries: every check on a summary of the key read says what
// the check on the whole ConfigMap says, and the summary holds no baseline text.
TEST(ObserveTest, ASummaryChecksExactlyLikeTheConfigMapItCameFrom) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  json good = testing::BaselineConfigMap("ml", "fraud-baseline");
  good["metadata"]["resourceVersion"] = "7";
  good["data"]["notes.txt"] = "not a baseline";
  good["binaryData"] = {{"blob", "AAEC"}};
  json wrong_key = testing::BaselineConfigMap("ml", "fraud-baseline", "other.json");
  json garbage = testing::BaselineConfigMap("ml", "fraud-baseline");
  garbage["data"]["baseline.json"] = "{\"not\": \"a baseline\"}";
  json binary = wrong_key;
  binary["binaryData"] = {{"baseline.json", "AAEC"}};
  for (const json& cm : {good, wrong_key, garbage, binary}) {
    for (const std::set<std::string>& keys : std::vector<std::set<std::string>>{
             {"baseline.json"}, {"baseline.json", "notes.txt", "other.json"}}) {
      json summary = BaselineSummary(json(cm), keys);
      EXPECT_EQ(summary.dump().find(testing::BaselineText()), std::string::npos);
      BaselineCheck want = CheckBaseline(md, &cm);
      std::optional<BaselineCheck> got = CheckBaselineSummary(md, &summary);
      ASSERT_TRUE(got.has_value()) << cm.dump();
      EXPECT_EQ(got->digest, want.digest) << cm.dump();
      ASSERT_EQ(got->problem.has_value(), want.problem.has_value()) << cm.dump();
      if (want.problem) {
        EXPECT_EQ(got->problem->reason, want.problem->reason);
        EXPECT_EQ(got->problem->message, want.problem->message);
      }
    }
  }
  json summary = BaselineSummary(json(good), {"baseline.json", "notes.txt"});
  EXPECT_EQ(summary["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(summary["metadata"]["name"], "fraud-baseline");
  EXPECT_EQ(CheckBaselineSummary(md, &summary)->digest,
            "sha256:" + Sha256Hex(testing::BaselineText()));
  EXPECT_TRUE(summary["baselines"]["data"]["notes.txt"].contains("invalid"));
  std::optional<BaselineCheck> missing = CheckBaselineSummary(md, nullptr);
  ASSERT_TRUE(missing.has_value() && missing->problem.has_value());
  EXPECT_EQ(missing->problem->message, CheckBaseline(md, nullptr).problem->message);
}

// Most ConfigMaps are not baselines, and some are large: a key nobody reads is only named
// (neither parsed nor hashed), and a summary that did not read md's key cannot answer for
// it — a read of the ConfigMap must, never a stale or empty digest.
TEST(ObserveTest, OnlyTheKeysThatAreReadAreParsedAndHashed) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  json cm = testing::BaselineConfigMap("ml", "fraud-baseline");
  cm["metadata"]["resourceVersion"] = "9";
  cm["data"]["big.csv"] = std::string(1 << 20, 'x');
  cm["data"]["notes.txt"] = "not a baseline";
  cm["binaryData"] = {{"blob", "AAEC"}};

  json none = BaselineSummary(json(cm), {});
  for (const char* k : {"baseline.json", "big.csv", "notes.txt"}) {
    EXPECT_EQ(none["baselines"]["data"][k], json({{"unread", true}})) << k;
  }
  EXPECT_EQ(none["baselines"]["binaryData"]["blob"], json::object());
  EXPECT_LT(none.dump().size(), 400u) << none.dump();
  EXPECT_FALSE(CheckBaselineSummary(md, &none).has_value());

  json read = BaselineSummary(json(cm), {"baseline.json"});
  EXPECT_EQ(read["baselines"]["data"]["big.csv"], json({{"unread", true}}));
  EXPECT_EQ(read["baselines"]["data"]["notes.txt"], json({{"unread", true}}));
  std::optional<BaselineCheck> got = CheckBaselineSummary(md, &read);
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->problem.has_value());
  EXPECT_EQ(got->digest, "sha256:" + Sha256Hex(testing::BaselineText()));
  EXPECT_EQ(got->digest, CheckBaseline(md, &cm).digest);

  // A key that is not there is not there, whether or not anything was read.
  md.spec.baseline.config_map_ref.key = "absent.json";
  for (const json* s : {&none, &read}) {
    std::optional<BaselineCheck> absent = CheckBaselineSummary(md, s);
    ASSERT_TRUE(absent.has_value() && absent->problem.has_value());
    EXPECT_EQ(absent->problem->message, CheckBaseline(md, &cm).problem->message);
  }
}

TEST(ObserveTest, TheModelPortMustBeDeclaredByAContainer) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  EXPECT_FALSE(CheckModelPort(md).has_value());
  md.spec.sidecar.model_port = 9000;
  std::optional<rollout::Problem> p = CheckModelPort(md);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->reason, api::kReasonValidationFailed);
  EXPECT_NE(p->message.find("containerPort 9000 (spec.sidecar.modelPort)"), std::string::npos)
      << p->message;
}

}  // namespace
}  // namespace skewgate::controller

// The real skewgate-controller binary against the real local control plane (pods made
// Ready by KWOK): first deployment, canary steps with ReplicaSet sizes and Service /
// HTTPRoute weights at each step, timed and manual pauses, abort, retry, undo, bounded
// history, printer columns, cascade deletion, restart mid-rollout, zero writes at rest,
// bad input, and the program's one-line startup errors.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "cluster/controller/controller_env.h"
#include "common/clock.h"
#include "controller/labels.h"
#include "support/cluster_env.h"

namespace skewgate::controller {
namespace {

using nlohmann::json;
using skewgate::testing::ClusterTest;
using skewgate::testing::CommandResult;
using skewgate::testing::Kubectl;
using skewgate::testing::RepoRoot;
using skewgate::testing::RunCommand;
using testing::ControllerProcess;
using testing::GetJson;
using testing::PollUntil;
using namespace std::chrono_literals;

void InstallCrds() {
  static bool installed = false;
  if (installed) return;
  for (const std::string& path :
       {RepoRoot() + "/crds/", RepoRoot() + "/tests/cluster/controller/testdata/"}) {
    CommandResult r = Kubectl({"apply", "--server-side", "--force-conflicts",
                               "--field-manager=skewgate-controller-tests", "-f", path});
    ASSERT_EQ(r.exit_code, 0) << path << ": " << r.err;
  }
  for (const char* crd :
       {"crd/modeldeployments.skewgate.io", "crd/httproutes.gateway.networking.k8s.io"}) {
    CommandResult r = Kubectl({"wait", "--for=condition=Established", crd, "--timeout=60s"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  installed = true;
}

class ControllerClusterTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    InstallCrds();
    if (HasFatalFailure()) return;
    ns = CreateNamespace("ctl");
  }
  void TearDown() override {
    if (controller && HasFailure()) std::cerr << "controller log:\n" << controller->Log();
    controller.reset();
    ClusterTest::TearDown();
  }
  void StartController(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"--namespace", ns, "--image", "skewgate:test"});
    controller = std::make_unique<ControllerProcess>(extra);
    ASSERT_TRUE(controller->Start()) << controller->Log();
  }
  void Apply(const json& o) {
    std::string err;
    ASSERT_EQ(testing::ApplyJson(o, &err), 0) << err;
  }
  json Md(const std::string& name) { return GetJson({"md", name, "-n", ns}); }
  json Status(const std::string& name) { return Md(name).value("status", json::object()); }
  // Waits for a status predicate; on timeout fails with the last status seen.
  bool WaitStatus(const std::string& name, const std::function<bool(const json&)>& pred,
                  std::chrono::milliseconds timeout, const std::string& what) {
    json last;
    bool ok = PollUntil(
        [&] {
          last = Status(name);
          return pred(last);
        },
        timeout);
    EXPECT_TRUE(ok) << "waiting for " << what << "; last status:\n" << last.dump(2);
    return ok;
  }
  // revision → spec.replicas of every ReplicaSet of the ModelDeployment.
  std::map<std::string, int> Sizes(const std::string& name) {
    std::map<std::string, int> out;
    json l = GetJson({"rs", "-n", ns, "-l", std::string(kLabelModelDeployment) + "=" + name});
    for (const json& rs : l.value("items", json::array())) {
      out[rs["metadata"]["labels"][kLabelRevision]] = rs["spec"].value("replicas", 0);
    }
    return out;
  }
  json Selector(const std::string& svc) {
    return GetJson({"svc", svc, "-n", ns}).value("/spec/selector"_json_pointer, json());
  }
  // Deploys v1 (digest 'a') and waits for Healthy; returns its revision.
  std::string DeployV1(const std::string& name, int replicas, const json& strategy = nullptr) {
    Apply(testing::BaselineConfigMapJson(ns, name));
    Apply(testing::ModelDeploymentJson(ns, name, replicas, 'a', strategy));
    std::string rev;
    WaitStatus(
        name,
        [&](const json& s) {
          rev = s.value("stableRevision", "");
          return s.value("phase", "") == "Healthy";
        },
        90s, "v1 Healthy");
    return rev;
  }

  std::string ns;
  std::unique_ptr<ControllerProcess> controller;
};

json Steps(json steps) { return {{"canary", {{"steps", std::move(steps)}}}}; }

TEST_F(ControllerClusterTest, FirstRevisionGoesHealthyAndKubectlWaitWorks) {
  StartController();
  Apply(testing::BaselineConfigMapJson(ns, "iris"));
  Apply(testing::ModelDeploymentJson(ns, "iris", 2, 'a'));
  CommandResult w =
      Kubectl({"wait", "--for=condition=Ready", "md/iris", "-n", ns, "--timeout=90s"});
  ASSERT_EQ(w.exit_code, 0) << w.err << Status("iris").dump(2);
  json s = Status("iris");
  EXPECT_EQ(s["phase"], "Healthy");
  std::string rev = s["stableRevision"];
  EXPECT_EQ(Sizes("iris"), (std::map<std::string, int>{{rev, 2}}));
  json rs = GetJson({"rs", "iris-" + rev, "-n", ns});
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["kind"], "ModelDeployment");
  EXPECT_EQ(rs["status"].value("readyReplicas", 0), 2);
  // The pod shape as the API server stored it.
  json spec = rs["spec"]["template"]["spec"];
  EXPECT_EQ(spec["initContainers"][0]["name"], kFetchContainer);
  EXPECT_EQ(spec["initContainers"][0]["image"], "skewgate:test");
  EXPECT_EQ(spec["containers"][1]["name"], kSidecarContainer);
  EXPECT_FALSE(GetJson({"cm", "iris-" + rev + "-sidecar", "-n", ns}).is_null());
  EXPECT_EQ(Selector("iris"), json({{kLabelModelDeployment, "iris"}, {kLabelRevision, rev}}));
  // No canary yet and no route: only the Service users call.
  for (const char* svc : {"iris-stable", "iris-canary"}) {
    CommandResult r = Kubectl({"get", "svc", svc, "-n", ns});
    EXPECT_NE(r.err.find("NotFound"), std::string::npos) << svc << ": " << r.out << r.err;
  }
  EXPECT_EQ(s["observedGeneration"], Md("iris")["metadata"]["generation"]);
  EXPECT_EQ(s["selector"], std::string(kLabelModelDeployment) + "=iris");

  CommandResult get = Kubectl({"get", "md", "iris", "-n", ns});
  EXPECT_NE(get.out.find("Healthy"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find(rev), std::string::npos) << get.out;
}

TEST_F(ControllerClusterTest, CanaryStepsTimedPauseAndManualGateWithReplicaRatio) {
  StartController();
  json strategy = Steps({{{"setWeight", 25}},
                         {{"pause", {{"duration", "4s"}}}},
                         {{"setWeight", 50}},
                         {{"pause", json::object()}}});
  std::string rev1 = DeployV1("fraud", 4, strategy);
  ASSERT_FALSE(rev1.empty());

  Apply(testing::ModelDeploymentJson(ns, "fraud", 4, 'b', strategy));
  std::string rev2;
  ASSERT_TRUE(WaitStatus(
      "fraud",
      [&](const json& s) {
        rev2 = s.value("canaryRevision", "");
        return !rev2.empty() && s.value("canaryWeight", 0) == 25;
      },
      60s, "step 0: setWeight 25"));
  EXPECT_TRUE(PollUntil(
      [&] {
        return Sizes("fraud") == std::map<std::string, int>{{rev1, 3}, {rev2, 1}};
      },
      30s))
      << ::testing::PrintToString(Sizes("fraud"));
  EXPECT_EQ(Selector("fraud"), json({{kLabelModelDeployment, "fraud"}}))
      << "replica ratio: the Service selects both revisions";
  EXPECT_EQ(Selector("fraud-canary")[kLabelRevision], rev2);
  EXPECT_EQ(Selector("fraud-stable")[kLabelRevision], rev1);

  // Timed pause: step 2 (setWeight 50) is not reached before the 4 s have passed.
  std::string pause_started;
  ASSERT_TRUE(WaitStatus(
      "fraud",
      [&](const json& s) {
        if (s.value("currentStepIndex", -1) == 1 && pause_started.empty()) {
          pause_started = s.value("currentStepStartedAt", "");
        }
        return s.value("canaryWeight", 0) == 50;
      },
      60s, "step 2: setWeight 50"));
  json s = Status("fraud");
  TimePoint started{}, now{};
  if (!pause_started.empty() && ParseRfc3339(pause_started, &started) &&
      ParseRfc3339(s.value("currentStepStartedAt", ""), &now)) {
    EXPECT_GE(now - started, std::chrono::seconds(4)) << pause_started << " → " << s.dump(2);
  }
  EXPECT_TRUE(PollUntil(
      [&] {
        return Sizes("fraud") == std::map<std::string, int>{{rev1, 2}, {rev2, 2}};
      },
      30s))
      << ::testing::PrintToString(Sizes("fraud"));

  // Manual gate: held (Paused) until a promote gate is written.
  ASSERT_TRUE(WaitStatus(
      "fraud", [](const json& s) { return s.value("phase", "") == "Paused"; }, 60s,
      "Paused at the manual gate"));
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(Status("fraud").value("phase", ""), "Paused");
  CommandResult cols = Kubectl({"get", "md", "fraud", "-n", ns, "-o", "wide"});
  EXPECT_NE(cols.out.find("Paused"), std::string::npos) << cols.out;
  EXPECT_NE(cols.out.find(rev2), std::string::npos) << cols.out;
  EXPECT_NE(cols.out.find("50"), std::string::npos) << cols.out;

  ASSERT_EQ(testing::WriteGate(ns, "fraud", "promote", "p-1"), 0);
  ASSERT_TRUE(WaitStatus(
      "fraud",
      [&](const json& s) {
        return s.value("phase", "") == "Healthy" && s.value("stableRevision", "") == rev2;
      },
      60s, "v2 promoted"));
  EXPECT_TRUE(PollUntil(
      [&] {
        auto z = Sizes("fraud");
        return z[rev2] == 4 && z[rev1] == 0;
      },
      30s))
      << ::testing::PrintToString(Sizes("fraud"));
  EXPECT_EQ(Status("fraud")["gates"]["promote"].value("result", ""), "Accepted");
  CommandResult ready =
      Kubectl({"wait", "--for=condition=Ready", "md/fraud", "-n", ns, "--timeout=30s"});
  EXPECT_EQ(ready.exit_code, 0) << ready.err;
}

TEST_F(ControllerClusterTest, HttpRouteWeightsAreSetAtEachStepAndNothingElseChanges) {
  StartController();
  Apply(json::parse(R"({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "churn-route", "namespace": ")" +
                    ns + R"("},
    "spec": {"parentRefs": [{"name": "gw"}], "hostnames": ["churn.example.com"],
      "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                 "backendRefs": [{"name": "churn-stable", "port": 8080, "weight": 1},
                                 {"name": "churn-canary", "port": 8080, "weight": 1}]}]}})"));
  json strategy = Steps({{{"setWeight", 10}}, {{"pause", json::object()}}});
  strategy["canary"]["traffic"] = {{"gatewayAPI", {{"httpRoute", "churn-route"}}}};
  std::string rev1 = DeployV1("churn", 4, strategy);
  auto weights = [&] {
    json r = GetJson({"httproute", "churn-route", "-n", ns});
    json refs = r.value("/spec/rules/0/backendRefs"_json_pointer, json::array());
    std::vector<int> w;
    for (const json& b : refs) w.push_back(b.value("weight", -1));
    return w;
  };
  EXPECT_TRUE(PollUntil(
      [&] {
        return weights() == std::vector<int>{100, 0};
      },
      30s))
      << ::testing::PrintToString(weights());

  Apply(testing::ModelDeploymentJson(ns, "churn", 4, 'b', strategy));
  std::string rev2;
  ASSERT_TRUE(WaitStatus(
      "churn",
      [&](const json& s) {
        rev2 = s.value("canaryRevision", "");
        return s.value("phase", "") == "Paused";
      },
      60s, "canary at 10% and paused"));
  EXPECT_TRUE(PollUntil(
      [&] {
        return weights() == std::vector<int>{90, 10};
      },
      30s))
      << ::testing::PrintToString(weights());
  // Exact weights: stable keeps all 4 pods, the canary has enough for 10%.
  EXPECT_EQ(Sizes("churn"), (std::map<std::string, int>{{rev1, 4}, {rev2, 1}}));
  json r = GetJson({"httproute", "churn-route", "-n", ns});
  EXPECT_EQ(r["spec"]["hostnames"], json({"churn.example.com"}));
  EXPECT_EQ(r["spec"]["parentRefs"], json({{{"name", "gw"}}}));
  EXPECT_EQ(r["spec"]["rules"][0]["matches"][0]["path"]["value"], "/");

  ASSERT_EQ(testing::WriteGate(ns, "churn", "promote", "p-1"), 0);
  ASSERT_TRUE(WaitStatus(
      "churn", [&](const json& s) { return s.value("stableRevision", "") == rev2; }, 60s,
      "promoted"));
  EXPECT_TRUE(PollUntil(
      [&] {
        return weights() == std::vector<int>{100, 0};
      },
      30s))
      << ::testing::PrintToString(weights());
  EXPECT_EQ(Selector("churn-stable")[kLabelRevision], rev2);
}

TEST_F(ControllerClusterTest, AbortRestoresStableThenRetryRerunsTheCanary) {
  // The default keeps an aborted canary's pods 30 s; the test needs only to see them kept.
  constexpr auto kScaleDownDelay = 3s;
  StartController({"--abort-scale-down-delay", "3s"});
  json strategy = Steps({{{"setWeight", 50}}, {{"pause", json::object()}}});
  std::string rev1 = DeployV1("abort", 2, strategy);
  Apply(testing::ModelDeploymentJson(ns, "abort", 2, 'b', strategy));
  std::string rev2;
  ASSERT_TRUE(WaitStatus(
      "abort",
      [&](const json& s) {
        rev2 = s.value("canaryRevision", "");
        return s.value("phase", "") == "Paused";
      },
      60s, "canary paused"));

  ASSERT_EQ(testing::WriteGate(ns, "abort", "abort", "a-1"), 0);
  ASSERT_TRUE(WaitStatus(
      "abort", [](const json& s) { return s.value("phase", "") == "Degraded"; }, 30s,
      "Degraded after abort"));
  std::map<std::string, int> sizes = Sizes("abort");
  const TimePoint first_read = RealClock::Get().Now();
  // Traffic back to stable at once: the serving Service selects only stable's pods.
  EXPECT_TRUE(PollUntil([&] { return Selector("abort").value(kLabelRevision, "") == rev1; }, 10s))
      << Selector("abort").dump();
  json s = Status("abort");
  EXPECT_EQ(s["abort"].value("revision", ""), rev2);
  EXPECT_EQ(s["abort"].value("reason", ""), "AbortedByUser");
  EXPECT_EQ(Sizes("abort")[rev1], 2);
  // The canary keeps its pods for the delay after the abort's time, then goes to 0: a read
  // that ended before the delay's end shows them, and the scale-down is first seen after
  // it (a slow machine can delay the scale-down, never bring it forward).
  TimePoint aborted{};
  ASSERT_TRUE(ParseRfc3339(s["abort"].value("time", ""), &aborted)) << s.dump(2);
  const TimePoint drain_end = aborted + kScaleDownDelay;
  if (first_read < drain_end) {
    EXPECT_EQ(sizes[rev2], 1) << "the canary's pods are kept for the delay";
  } else {
    std::cout << "[note] the first read after the abort came after the delay's end\n";
  }
  EXPECT_TRUE(PollUntil([&] { return (sizes = Sizes("abort"))[rev2] == 0; }, 30s))
      << ::testing::PrintToString(sizes);
  const TimePoint scaled_down_seen = RealClock::Get().Now();
  EXPECT_GE(scaled_down_seen, drain_end)
      << "scaled down before the delay's end: seen at " << FormatRfc3339Micro(scaled_down_seen)
      << ", aborted at " << FormatRfc3339(aborted);
  CommandResult ev =
      Kubectl({"get", "events", "-n", ns, "--field-selector", "reason=Aborted", "-o", "name"});
  EXPECT_FALSE(ev.out.empty()) << "an Aborted Event: " << ev.err;

  ASSERT_EQ(testing::WriteGate(ns, "abort", "retry", "r-1"), 0);
  ASSERT_TRUE(WaitStatus(
      "abort",
      [&](const json& s) {
        return s.value("canaryRevision", "") == rev2 && s.value("phase", "") == "Paused";
      },
      60s, "the same canary again after retry"));
  EXPECT_TRUE(PollUntil(
      [&] {
        auto z = Sizes("abort");
        return z[rev2] == 1 && z[rev1] == 1;
      },
      30s))
      << ::testing::PrintToString(Sizes("abort"));
  EXPECT_EQ(Sizes("abort").size(), 2u) << "no duplicate ReplicaSet for the retried revision";
}

TEST_F(ControllerClusterTest, UndoReturnsToAnEarlierRevisionAndHistoryIsBounded) {
  StartController();
  Apply(testing::BaselineConfigMapJson(ns, "hist"));
  json md = testing::ModelDeploymentJson(ns, "hist", 1, 'a');
  md["spec"]["revisionHistoryLimit"] = 2;
  std::vector<std::string> revs;
  for (char c : {'a', 'b', 'c', 'd'}) {
    md["spec"]["model"]["digest"] = "sha256:" + std::string(64, c);
    Apply(md);
    std::string rev;
    ASSERT_TRUE(WaitStatus(
        "hist",
        [&](const json& s) {
          rev = s.value("stableRevision", "");
          return s.value("phase", "") == "Healthy" &&
                 s.value("observedGeneration", 0) == Md("hist")["metadata"]["generation"] &&
                 (revs.empty() || rev != revs.back());
        },
        60s, std::string("revision ") + c + " Healthy"));
    revs.push_back(rev);
  }
  json s = Status("hist");
  // revisionHistoryLimit counts the old revisions kept besides the active one (docs/api.md).
  EXPECT_LE(s["history"].size(), 3u) << s["history"].dump(2);
  int old = 0;
  for (const json& h : s["history"]) old += h.value("outcome", "") != "Active";
  EXPECT_EQ(old, 2) << s["history"].dump(2);
  EXPECT_TRUE(PollUntil([&] { return Sizes("hist").size() <= 3; }, 30s))
      << "old ReplicaSets are garbage-collected: " << ::testing::PrintToString(Sizes("hist"));

  // Undo: the spec of revision c again is revision c again (content-addressed).
  md["spec"]["model"]["digest"] = "sha256:" + std::string(64, 'c');
  Apply(md);
  ASSERT_TRUE(WaitStatus(
      "hist",
      [&](const json& s) {
        return s.value("stableRevision", "") == revs[2] && s.value("phase", "") == "Healthy";
      },
      60s, "undo to revision c"));
  EXPECT_EQ(Sizes("hist")[revs[2]], 1);
}

TEST_F(ControllerClusterTest, PluginUndoRestoresTheExactEarlierRevision) {
  StartController();
  // v1 and v2 differ in model digest, image and baseline: all three must come back.
  json cm1 = testing::BaselineConfigMapJson(ns, "exact");
  json cm2 = cm1;
  cm2["metadata"]["name"] = "exact-baseline-v2";
  cm2["data"]["baseline.json"] = cm1["data"]["baseline.json"].get<std::string>() + "\n";
  Apply(cm1);
  Apply(cm2);
  json v1 = testing::ModelDeploymentJson(ns, "exact", 1, 'a');
  v1["spec"]["sidecar"] = {{"featureNames", {"amount", "country"}}};
  json v2 = testing::ModelDeploymentJson(ns, "exact", 1, 'b');
  v2["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example.com/fraud:8";
  v2["spec"]["baseline"]["configMapRef"]["name"] = "exact-baseline-v2";
  auto healthy_on = [&](const std::string& not_rev, std::string* rev) {
    return WaitStatus(
        "exact",
        [&](const json& s) {
          *rev = s.value("stableRevision", "");
          return s.value("phase", "") == "Healthy" && !rev->empty() && *rev != not_rev &&
                 s.value("observedGeneration", 0) == Md("exact")["metadata"]["generation"];
        },
        90s, "Healthy on a new revision");
  };
  Apply(v1);
  std::string rev1, rev2, back;
  ASSERT_TRUE(healthy_on("", &rev1));
  const json record1 = Status("exact")["history"][0];
  const std::string rs1_uid = GetJson({"rs", "exact-" + rev1, "-n", ns})["metadata"]["uid"];
  Apply(v2);
  ASSERT_TRUE(healthy_on(rev1, &rev2));
  json s2 = Status("exact");
  ASSERT_NE(s2["baselineDigest"], record1["baselineDigest"]);
  ASSERT_NE(s2["history"][0]["image"], record1["image"]);

  // `undo --to-revision 1` (the oldest in `history`) through the real plugin binary.
  CommandResult undo =
      RunCommand({skewgate::testing::BinPath("kubectl-skewgate"), "undo", "exact", "--to-revision",
                  "1", "--kubeconfig", skewgate::testing::KubeconfigPath(), "-n", ns});
  ASSERT_EQ(undo.exit_code, 0) << undo.out << undo.err;
  EXPECT_NE(undo.out.find("spec set back to revision " + rev1 +
                          " (spec.model, spec.baseline, spec.template, spec.sidecar)"),
            std::string::npos)
      << undo.out;
  ASSERT_TRUE(healthy_on(rev2, &back));
  EXPECT_EQ(back, rev1) << "the same content hash: the exact revision, not a look-alike";
  json s = Status("exact");
  EXPECT_EQ(s["baselineDigest"], record1["baselineDigest"]);
  const json& now = s["history"][0];
  EXPECT_EQ(now["revision"], rev1);
  EXPECT_EQ(now["modelDigest"], record1["modelDigest"]);
  EXPECT_EQ(now["image"], record1["image"]);
  EXPECT_EQ(now["baselineDigest"], record1["baselineDigest"]);
  json spec = Md("exact")["spec"];
  EXPECT_EQ(spec["model"], v1["spec"]["model"]);
  EXPECT_EQ(spec["baseline"]["configMapRef"]["name"], "exact-baseline");
  EXPECT_EQ(spec["sidecar"]["featureNames"], json({"amount", "country"}));
  EXPECT_EQ(spec["template"]["spec"]["containers"][0]["image"],
            v1["spec"]["template"]["spec"]["containers"][0]["image"]);
  // v1's own ReplicaSet serves again (scaled back up), not a new one.
  EXPECT_EQ(GetJson({"rs", "exact-" + rev1, "-n", ns})["metadata"]["uid"], rs1_uid);
  EXPECT_TRUE(
      PollUntil([&] { return Sizes("exact")[rev1] == 1 && Sizes("exact")[rev2] == 0; }, 30s))
      << ::testing::PrintToString(Sizes("exact"));
}

TEST_F(ControllerClusterTest, DeletingTheModelDeploymentRemovesEverythingItOwned) {
  StartController();
  DeployV1("gone", 2);
  std::string sel = std::string(kLabelModelDeployment) + "=gone";
  ASSERT_FALSE(GetJson({"rs", "-n", ns, "-l", sel})["items"].empty());
  CommandResult d = Kubectl({"delete", "md", "gone", "-n", ns, "--wait=false"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(PollUntil(
      [&] {
        for (const char* kind : {"rs", "svc", "cm", "pods"}) {
          json l = GetJson({kind, "-n", ns, "-l", sel});
          if (l.is_null() || !l["items"].empty()) return false;
        }
        return true;
      },
      90s))
      << "owned objects left behind";
}

TEST_F(ControllerClusterTest, RestartMidRolloutResumesFromStatusWithoutDuplicates) {
  StartController();
  json strategy = Steps({{{"setWeight", 50}}, {{"pause", json::object()}}});
  std::string rev1 = DeployV1("resume", 2, strategy);
  Apply(testing::ModelDeploymentJson(ns, "resume", 2, 'b', strategy));
  std::string rev2;
  ASSERT_TRUE(WaitStatus(
      "resume",
      [&](const json& s) {
        rev2 = s.value("canaryRevision", "");
        return s.value("phase", "") == "Paused";
      },
      60s, "paused at the gate"));
  json before = Status("resume");
  controller->Stop(/*kill=*/true);
  StartController();
  std::this_thread::sleep_for(3s);
  json after = Status("resume");
  EXPECT_EQ(after["canaryRevision"], before["canaryRevision"]);
  EXPECT_EQ(after["currentStepIndex"], before["currentStepIndex"]);
  EXPECT_EQ(after["phase"], "Paused");
  EXPECT_EQ(Sizes("resume"), (std::map<std::string, int>{{rev1, 1}, {rev2, 1}}));
  ASSERT_EQ(testing::WriteGate(ns, "resume", "promote", "p-1"), 0);
  EXPECT_TRUE(WaitStatus(
      "resume", [&](const json& s) { return s.value("stableRevision", "") == rev2; }, 60s,
      "promoted by the restarted controller"));
}

TEST_F(ControllerClusterTest, SteadyStateCostsZeroWritesPerResync) {
  StartController({"--resync-period", "1s"});
  DeployV1("quiet", 2);
  // Let the last status write and the pods' readiness settle.
  std::this_thread::sleep_for(4s);
  std::string rv = Md("quiet")["metadata"]["resourceVersion"];
  long long writes = controller->ApiWrites();
  std::this_thread::sleep_for(6s);  // six resyncs
  EXPECT_EQ(controller->ApiWrites(), writes) << controller->Metrics();
  EXPECT_EQ(Md("quiet")["metadata"]["resourceVersion"], rv);
  std::cerr << "steady state: " << controller->ApiWrites() - writes
            << " API writes over 6 resyncs of 1s\n";
}

TEST_F(ControllerClusterTest, MissingBaselineIsReportedAndNothingIsDeployed) {
  StartController();
  Apply(testing::ModelDeploymentJson(ns, "nobase", 2, 'a'));
  ASSERT_TRUE(WaitStatus(
      "nobase",
      [](const json& s) {
        for (const json& c : s.value("conditions", json::array())) {
          if (c.value("message", "").find("nobase-baseline not found") != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      30s, "a condition naming the missing ConfigMap"));
  EXPECT_TRUE(Sizes("nobase").empty());
  // Creating the baseline is noticed without touching the ModelDeployment.
  Apply(testing::BaselineConfigMapJson(ns, "nobase"));
  EXPECT_TRUE(WaitStatus(
      "nobase", [](const json& s) { return s.value("phase", "") == "Healthy"; }, 75s,
      "Healthy once the baseline exists"));
}

TEST(ControllerStartupTest, BadKubeconfigAndUnreachableServerAreOneLineErrors) {
  CommandResult r = RunCommand({skewgate::testing::BinPath("skewgate-controller"), "--kubeconfig",
                                "/nonexistent/kubeconfig", "--metrics-address", ""});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("skewgate-controller: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/kubeconfig"), std::string::npos) << r.err;

  std::string path = "/tmp/skewgate-unreachable-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(path) << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
                         "    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\n"
                         "users:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n"
                         "  context: {cluster: c, user: u}\ncurrent-context: x\n";
  r = RunCommand({skewgate::testing::BinPath("skewgate-controller"), "--kubeconfig", path,
                  "--metrics-address", ""});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("skewgate-controller: cannot reach the API server at https://127.0.0.1:1"),
            std::string::npos)
      << r.err;
  std::remove(path.c_str());

  r = RunCommand({skewgate::testing::BinPath("skewgate-controller"), "--abort-scale-down-delay",
                  "30", "--metrics-address", ""});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("skewgate-controller: --abort-scale-down-delay: '30' is not a duration "
                       "like 30s"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace skewgate::controller

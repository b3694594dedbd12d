// The kubectl plugin against the local control plane. No controller runs: each test writes
// the ModelDeployment's status through the status subresource, creates the ReplicaSets the
// controller would own (KWOK makes their pods ready) and an Event, then runs the real
// binary (build/bin/kubectl-skewgate) and compares its output with golden files after
// normalising the namespace, pod name suffixes, ages and gate ids. A skewgate-controller
// watching every namespace on the same cluster (one started without --namespace) rewrites
// these statuses and makes the tests fail: cluster tests run controllers namespaced.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/manifest_yaml.h"
#include "support/cluster_env.h"

namespace skewgate::testing {
namespace {

using nlohmann::json;

std::string PluginBin() { return SKEWGATE_PLUGIN_BIN; }

std::string TestData(const std::string& name) {
  return RepoRoot() + "/tests/cluster/plugin/testdata/" + name;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

// Names, ages and random ids vary between runs; everything else must match exactly.
std::string Normalise(std::string s, const std::string& ns) {
  s = Replace(s, ns, "NS");
  s = std::regex_replace(s, std::regex(R"((fraud-detector-\d{10})-[a-z0-9]{5}\b)"), "$1-xxxxx");
  s = std::regex_replace(s, std::regex(R"(\b\d+[smhd]\b( +|))"), "<age> ");
  s = std::regex_replace(s, std::regex(R"(\b[0-9a-f]{16}\b)"), "<id>");
  return s;
}

void ExpectGolden(const std::string& actual, const std::string& golden) {
  const std::string path = TestData(golden);
  if (const char* u = std::getenv("SKEWGATE_UPDATE_GOLDEN"); u != nullptr && *u == '1') {
    std::ofstream(path, std::ios::binary) << actual;
  }
  EXPECT_EQ(actual, Slurp(path)) << "output differs from " << path
                                 << " (SKEWGATE_UPDATE_GOLDEN=1 rewrites it)";
}

// Polls `done` every 200 ms for up to 10 s.
bool PollUntilTrue(const std::function<bool()>& done) {
  for (int i = 0; i < 50; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

class PluginTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(std::filesystem::exists(PluginBin()))
        << PluginBin() << " is missing: build the skewgate target";
    ns_ = CreateNamespace("plugin");
  }

  CommandResult Sg(std::vector<std::string> args) {
    args.insert(args.begin(), {PluginBin()});
    args.insert(args.end(), {"--kubeconfig", KubeconfigPath(), "-n", ns_});
    return RunCommand(args);
  }

  json GetMd() {
    auto r = Kubectl({"-n", ns_, "get", "modeldeployment", "fraud-detector", "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  // Creates the ModelDeployment and writes `status` (a {"status": ...} document).
  void CreateMd(const json& status) {
    auto r = Kubectl({"-n", ns_, "apply", "-f", TestData("md.yaml")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    SetStatus(status);
  }
  void SetStatus(const json& status) {
    auto r = Kubectl({"-n", ns_, "patch", "modeldeployment", "fraud-detector",
                      "--subresource=status", "--type=merge", "-p", status.dump()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // The ReplicaSets and an Event the controller would have made, pods ready by KWOK.
  void CreateOwned() {
    std::string uid = GetMd()["metadata"]["uid"];
    auto r = Kubectl({"-n", ns_, "apply", "-f", "-"},
                     Replace(Slurp(TestData("replicasets.yaml")), "OWNER_UID", uid));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Kubectl({"-n", ns_, "create", "-f", "-"},
                Replace(Replace(Slurp(TestData("event.yaml")), "OWNER_UID", uid), "OWNER_NS", ns_));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& [rs, n] : {std::pair{"fraud-detector-1111111111", "2"},
                                std::pair{"fraud-detector-2222222222", "1"}}) {
      r = Kubectl({"-n", ns_, "wait", std::string("rs/") + rs,
                   std::string("--for=jsonpath={.status.readyReplicas}=") + n, "--timeout=90s"});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
  }

  static json Paused() { return json::parse(Slurp(TestData("paused_status.json"))); }
  static json Phase(const std::string& phase, int observed, const std::string& canary = "") {
    json s = {{"status",
               {{"observedGeneration", observed},
                {"phase", phase},
                {"message", phase + " for the test"},
                {"stableRevision", "1111111111"},
                {"canaryRevision", canary},
                {"conditions",
                 {{{"type", "Ready"},
                   {"status", phase == "Healthy" ? "True" : "False"},
                   {"reason", phase == "Healthy" ? "RolloutComplete" : "RolloutInProgress"},
                   {"message", ""},
                   {"observedGeneration", observed},
                   {"lastTransitionTime", "2026-01-02T03:04:05Z"}}}}}}};
    if (phase == "Degraded") {
      s["status"]["abort"] = {{"revision", "2222222222"},
                              {"time", "2026-01-02T03:20:00Z"},
                              {"reason", "AnalysisFailed"},
                              {"message", "amount: 0.31 > 0.05"},
                              {"features", {"amount"}}};
    }
    return s;
  }

  std::string ns_;
};

TEST_F(PluginTest, GetShowsThePausedRolloutAsATree) {
  CreateMd(Paused());
  CreateOwned();
  auto r = Sg({"get", "fraud-detector"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("\033["), std::string::npos) << "colour on a pipe";
  ExpectGolden(Normalise(r.out, ns_), "get_paused.golden");
  // `status NAME` without --timeout shows the same view.
  auto s = Sg({"status", "fraud-detector"});
  EXPECT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(Normalise(s.out, ns_), Normalise(r.out, ns_));
}

TEST_F(PluginTest, WatchRedrawsWhenTheStatusChanges) {
  CreateMd(Paused());
  // Off a terminal, -w prints a new view only when it differs, separated by "---".
  std::thread later([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    SetStatus(Phase("Healthy", 1));
  });
  auto r = RunCommand({"timeout", "7", PluginBin(), "get", "fraud-detector", "-w", "--kubeconfig",
                       KubeconfigPath(), "-n", ns_});
  later.join();
  EXPECT_EQ(r.exit_code, 124) << r.err;  // still watching when timeout stopped it
  size_t paused = r.out.find("Status:        ॥ Paused");
  size_t sep = r.out.find("\n---\n");
  size_t healthy = r.out.find("Status:        ✔ Healthy");
  ASSERT_NE(paused, std::string::npos) << r.out;
  ASSERT_NE(sep, std::string::npos) << r.out;
  ASSERT_NE(healthy, std::string::npos) << r.out;
  EXPECT_LT(paused, sep);
  EXPECT_LT(sep, healthy);
}

TEST_F(PluginTest, WatchWithoutANameRedrawsTheList) {
  CreateMd(Paused());
  std::thread later([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    SetStatus(Phase("Healthy", 1));
  });
  auto r = RunCommand(
      {"timeout", "7", PluginBin(), "get", "-w", "--kubeconfig", KubeconfigPath(), "-n", ns_});
  later.join();
  EXPECT_EQ(r.exit_code, 124) << r.err;
  size_t paused = r.out.find("fraud-detector          Paused");
  size_t sep = r.out.find("\n---\n");
  size_t healthy = r.out.find("fraud-detector          Healthy");
  ASSERT_NE(paused, std::string::npos) << r.out;
  ASSERT_NE(sep, std::string::npos) << r.out;
  ASSERT_NE(healthy, std::string::npos) << r.out;
  EXPECT_LT(paused, sep);
  EXPECT_LT(sep, healthy);
}

TEST_F(PluginTest, HistoryAndSkewMatchTheirGoldenFiles) {
  CreateMd(Paused());
  auto h = Sg({"history", "fraud-detector"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  ExpectGolden(Normalise(h.out, ns_), "history.golden");
  auto k = Sg({"skew", "fraud-detector"});
  ASSERT_EQ(k.exit_code, 0) << k.err;  // Successful
  ExpectGolden(Normalise(k.out, ns_), "skew.golden");
  json failed = Paused();
  failed["status"]["lastAnalysis"]["verdict"] = "Failed";
  SetStatus(failed);
  EXPECT_EQ(Sg({"skew", "fraud-detector"}).exit_code, 3);
}

TEST_F(PluginTest, OutputJsonAndYamlCarryTheStoredObject) {
  CreateMd(Paused());
  json stored = GetMd();
  auto j = Sg({"get", "fraud-detector", "-o", "json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  json got = json::parse(j.out, nullptr, false);
  ASSERT_FALSE(got.is_discarded()) << j.out;
  EXPECT_EQ(got["status"], stored["status"]);
  EXPECT_EQ(got["spec"], stored["spec"]);
  auto y = Sg({"get", "fraud-detector", "-o", "yaml"});
  ASSERT_EQ(y.exit_code, 0) << y.err;
  auto docs = api::ParseYamlManifests(y.out);
  ASSERT_TRUE(docs.ok()) << docs.status().message() << "\n" << y.out;
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].object["status"], stored["status"]);
  auto hist = Sg({"history", "fraud-detector", "-o", "json"});
  EXPECT_EQ(json::parse(hist.out, nullptr, false), stored["status"]["history"]);
}

TEST_F(PluginTest, StatusTimeoutExitCodes) {
  CreateMd(Phase("Healthy", 1));
  auto r = Sg({"status", "fraud-detector", "--timeout", "10s"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("is Healthy"), std::string::npos) << r.out;

  SetStatus(Phase("Degraded", 1));
  r = Sg({"status", "fraud-detector", "--timeout", "10s"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("is Degraded"), std::string::npos) << r.out;

  SetStatus(Phase("Progressing", 1, "2222222222"));
  r = Sg({"status", "fraud-detector", "--timeout", "2s"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("timed out after 2s"), std::string::npos) << r.err;

  // Healthy for an older generation is not Healthy yet.
  SetStatus(Phase("Healthy", 0));
  r = Sg({"status", "fraud-detector", "--timeout", "2s"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;

  EXPECT_EQ(Sg({"status", "nosuch", "--timeout", "2s"}).exit_code, 3);
  EXPECT_EQ(Sg({"status", "fraud-detector", "--timeout", "soon"}).exit_code, 3);
}

TEST_F(PluginTest, GatesGoThroughTheStatusSubresourceAndLeaveTheSpecAlone) {
  CreateMd(Paused());
  const json before = GetMd();
  auto r = Sg({"promote", "fraud-detector"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectGolden(Normalise(r.out, ns_), "promote.golden");
  json md = GetMd();
  const json& gate = md["status"]["gates"]["promote"];
  EXPECT_TRUE(std::regex_match(gate.value("id", ""), std::regex("[0-9a-f]{16}"))) << gate;
  EXPECT_EQ(gate["revision"], "2222222222");
  EXPECT_FALSE(gate.value("requestedAt", "").empty());
  EXPECT_EQ(md["metadata"]["generation"], before["metadata"]["generation"]);
  EXPECT_EQ(md["spec"], before["spec"]);

  // A second request replaces the first with a fresh id and clears an acknowledgement.
  json acked = {
      {"status",
       {{"gates",
         {{"promote", {{"acknowledgedAt", "2026-01-02T03:30:00Z"}, {"result", "Accepted"}}}}}}}};
  SetStatus(acked);
  auto second = Sg({"promote", "fraud-detector"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json again = GetMd()["status"]["gates"]["promote"];
  EXPECT_NE(again["id"], gate["id"]);
  EXPECT_FALSE(again.contains("acknowledgedAt")) << again;
  EXPECT_FALSE(again.contains("result")) << again;

  ASSERT_EQ(Sg({"promote", "fraud-detector", "--full"}).exit_code, 0);
  EXPECT_EQ(GetMd()["status"]["gates"]["promoteFull"]["revision"], "2222222222");
  ASSERT_EQ(Sg({"abort", "fraud-detector"}).exit_code, 0);
  EXPECT_EQ(GetMd()["status"]["gates"]["abort"]["revision"], "2222222222");
  EXPECT_EQ(GetMd()["metadata"]["generation"], before["metadata"]["generation"]);

  // retry applies only to an aborted rollout.
  auto bad = Sg({"retry", "fraud-detector"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(Normalise(bad.err, ns_),
            "error: cannot retry NS/fraud-detector: only an aborted rollout can be retried (phase "
            "Paused)\n");
  SetStatus(Phase("Degraded", 1));
  ASSERT_EQ(Sg({"retry", "fraud-detector"}).exit_code, 0);
  EXPECT_EQ(GetMd()["status"]["gates"]["retry"]["revision"], "2222222222");
}

TEST_F(PluginTest, GatesThatDoNotApplyFailWithOneLine) {
  CreateMd(Phase("Healthy", 1));
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  for (const Case& c : std::vector<Case>{
           {{"promote", "fraud-detector"},
            "error: cannot promote NS/fraud-detector: there is no canary in flight to promote "
            "(phase Healthy)\n"},
           {{"abort", "fraud-detector"},
            "error: cannot abort NS/fraud-detector: there is no canary in flight to abort\n"},
           {{"resume", "fraud-detector"},
            "error: cannot resume NS/fraud-detector: it is not paused (spec.paused is false)\n"},
           {{"undo", "fraud-detector"},
            "error: cannot undo NS/fraud-detector: there is no earlier promoted revision to go "
            "back to (see 'kubectl skewgate history')\n"},
           {{"promote", "nosuch"},
            "error: modeldeployment \"nosuch\" not found in namespace NS; list them with 'kubectl "
            "get modeldeployments -n NS'\n"}}) {
    auto r = Sg(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args[0];
    EXPECT_EQ(Normalise(r.err, ns_), c.err);
    EXPECT_EQ(r.out, "");
  }
  EXPECT_FALSE(GetMd()["status"].contains("gates") &&
               GetMd()["status"]["gates"].contains("promote"));
}

TEST_F(PluginTest, PauseAndResumeSetSpecPaused) {
  CreateMd(Paused());
  auto r = Sg({"pause", "fraud-detector"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(GetMd()["spec"]["paused"], true);
  auto again = Sg({"pause", "fraud-detector"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already paused"), std::string::npos) << again.err;
  // While paused by spec, promote says to resume first.
  auto p = Sg({"promote", "fraud-detector"});
  EXPECT_EQ(p.exit_code, 1);
  EXPECT_NE(p.err.find("skewgate resume"), std::string::npos) << p.err;
  ASSERT_EQ(Sg({"resume", "fraud-detector"}).exit_code, 0);
  EXPECT_EQ(GetMd()["spec"]["paused"], false);
}

TEST_F(PluginTest, UndoRestoresTheRecordedSpecOfARevision) {
  CreateMd(Paused());
  CreateOwned();
  // While a canary is in flight, undo goes back to the stable revision.
  auto r = Sg({"undo", "fraud-detector"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("spec set back to revision 1111111111 (spec.model, spec.baseline)"),
            std::string::npos)
      << r.out;
  json md = GetMd();
  EXPECT_EQ(md["spec"]["model"]["uri"], "https://models.example.com/fraud/v6/model.json");
  EXPECT_EQ(md["spec"]["baseline"]["configMapRef"]["name"], "fraud-v6-baseline");
  // Revision #1 (0000000000) has no ReplicaSet any more: a one-line refusal.
  auto old = Sg({"undo", "fraud-detector", "--to-revision", "1"});
  EXPECT_EQ(old.exit_code, 1);
  EXPECT_NE(old.err.find("fraud-detector-0000000000 no longer exists"), std::string::npos)
      << old.err;
  EXPECT_EQ(Sg({"undo", "fraud-detector", "--to-revision", "9"}).exit_code, 1);
}

TEST_F(PluginTest, ForbiddenAndBadKubeconfigAreOneLineErrors) {
  CreateMd(Paused());
  // A ServiceAccount with no rights at all, through its own token and kubeconfig.
  ASSERT_EQ(Kubectl({"-n", ns_, "create", "serviceaccount", "nobody"}).exit_code, 0);
  auto token = Kubectl({"-n", ns_, "create", "token", "nobody"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  auto server = Kubectl(
      {"config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"});
  auto ca = Kubectl({"config", "view", "--raw", "--minify", "-o",
                     "jsonpath={.clusters[0].cluster.certificate-authority}"});
  std::string kc = std::filesystem::temp_directory_path() / (ns_ + ".kubeconfig");
  std::ofstream(kc)
      << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: "
      << server.out << "\n    certificate-authority: " << ca.out
      << "\nusers:\n- name: nobody\n  user:\n    token: " << token.out
      << "\ncontexts:\n- name: nobody\n  context: {cluster: c, user: nobody}\n"
         "current-context: nobody\n";
  auto r = RunCommand({PluginBin(), "get", "fraud-detector", "--kubeconfig", kc, "-n", ns_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Normalise(r.err, ns_),
            "error: forbidden: you may not get modeldeployments.skewgate.io in namespace NS; ask "
            "a cluster admin for that RBAC permission (kubectl auth can-i get "
            "modeldeployments.skewgate.io -n NS)\n");
  // Allowed to read but not to write the status: a gate names the missing verb, and the
  // kubectl command it suggests answers "no" for exactly that.
  ASSERT_EQ(Kubectl({"-n", ns_, "create", "role", "reader", "--verb=get,list",
                     "--resource=modeldeployments.skewgate.io"})
                .exit_code,
            0);
  ASSERT_EQ(Kubectl({"-n", ns_, "create", "rolebinding", "reader", "--role=reader",
                     "--serviceaccount=" + ns_ + ":nobody"})
                .exit_code,
            0);
  CommandResult gate;
  ASSERT_TRUE(PollUntilTrue([&] {
    gate = RunCommand({PluginBin(), "promote", "fraud-detector", "--kubeconfig", kc, "-n", ns_});
    return gate.err.find("you may not get") == std::string::npos;  // the binding is in force
  })) << gate.err;
  EXPECT_EQ(gate.exit_code, 1);
  EXPECT_EQ(Normalise(gate.err, ns_),
            "error: forbidden: you may not patch modeldeployments.skewgate.io/status in "
            "namespace NS; ask a cluster admin for that RBAC permission (kubectl auth can-i patch "
            "modeldeployments.skewgate.io --subresource=status -n NS)\n");
  // kubectl takes the last --kubeconfig: the ServiceAccount's.
  auto can = Kubectl({"--kubeconfig", kc, "auth", "can-i", "patch", "modeldeployments.skewgate.io",
                      "--subresource=status", "-n", ns_});
  EXPECT_EQ(can.out, "no\n") << can.err;
  EXPECT_EQ(GetMd()["status"].value("gates", json::object()).count("promote"), 0u);
  std::filesystem::remove(kc);

  auto ctx = Sg({"get", "fraud-detector", "--context", "no-such-context"});
  EXPECT_EQ(ctx.exit_code, 1);
  EXPECT_NE(ctx.err.find("no-such-context"), std::string::npos) << ctx.err;
  EXPECT_EQ(std::count(ctx.err.begin(), ctx.err.end(), '\n'), 1) << ctx.err;

  // KUBECONFIG from the environment, as kubectl reads it.
  auto env = RunCommand({"/usr/bin/env", "KUBECONFIG=" + KubeconfigPath(), PluginBin(), "history",
                         "fraud-detector", "-n", ns_});
  EXPECT_EQ(env.exit_code, 0) << env.err;
}

TEST_F(PluginTest, ListsInANamespaceAndAcrossNamespaces) {
  CreateMd(Paused());
  auto r = Sg({"get"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      Normalise(r.out, ns_),
      "NAME                    PHASE        STABLE      CANARY      WEIGHT  SKEW    AGE\n"
      "fraud-detector          Paused       1111111111  2222222222  20      0.031   <age> \n");
  auto all = RunCommand({PluginBin(), "get", "-A", "--kubeconfig", KubeconfigPath()});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find(ns_ + " "), std::string::npos) << all.out;
}

TEST_F(PluginTest, EveryCommandHasHelpAndCompletionIsValidBash) {
  for (const char* cmd : {"get", "status", "promote", "abort", "retry", "undo", "pause", "resume",
                          "history", "completion"}) {
    auto r = RunCommand({PluginBin(), cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find(std::string("skewgate ") + cmd), std::string::npos) << r.out;
  }
  auto skew = RunCommand({PluginBin(), "skew", "NAME", "--help"});
  EXPECT_EQ(skew.exit_code, 0);
  EXPECT_NE(skew.out.find("skewgate skew NAME"), std::string::npos) << skew.out;
  for (const char* shell : {"bash", "zsh"}) {
    auto c = RunCommand({PluginBin(), "completion", shell});
    ASSERT_EQ(c.exit_code, 0);
    EXPECT_NE(c.out.find("complete -F _skewgate skewgate kubectl-skewgate"), std::string::npos);
    auto syntax = RunCommand({"bash", "-n"}, c.out);
    EXPECT_EQ(syntax.exit_code, 0) << syntax.err;
  }
  EXPECT_EQ(RunCommand({PluginBin(), "completion", "fish"}).exit_code, 2);
}

}  // namespace
}  // namespace skewgate::testing

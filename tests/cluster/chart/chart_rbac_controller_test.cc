// The chart's RBAC is sufficient and minimal, shown with the real skewgate-controller: it
// runs on this machine with a token of the chart's ServiceAccount (namespace scope, so the
// test owns every grant) and takes a ModelDeployment through a full canary rollout; with
// one verb removed from the Role it cannot, and says so naming the resource.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/manifest_yaml.h"
#include "cluster/chart/helm_env.h"
#include "cluster/controller/controller_env.h"
#include "support/cluster_env.h"

namespace skewgate::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace ct = skewgate::controller::testing;

// This build's controller; SKEWGATE_CONTROLLER_BIN picks another build of it.
std::string ControllerBin() {
  const char* env = std::getenv("SKEWGATE_CONTROLLER_BIN");
  return env != nullptr && *env != '\0' ? env : SKEWGATE_CONTROLLER_BIN;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ChartRbacControllerTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(HelmAvailable()) << "helm is not built: " << HelmPath()
                                 << " does not exist. Build it with hack/build-helm.sh.";
    ASSERT_TRUE(std::filesystem::exists(ControllerBin()))
        << ControllerBin() << " is missing: build the skewgate-controller target";
  }
  void TearDown() override {
    StopController();
    for (const auto& f : files_) std::filesystem::remove(f);
    ClusterTest::TearDown();
  }

  // Applies the chart's ServiceAccount, Role and RoleBinding (namespace scope) into ns,
  // after `edit` may change the Role; returns a kubeconfig holding the SA's token.
  std::string InstallRbac(const std::string& ns, const std::function<void(json&)>& edit) {
    CommandResult r = Helm({"template", ns, ChartDir(), "--namespace", ns, "--set",
                            "rbac.scope=namespace", "--show-only", "templates/serviceaccount.yaml",
                            "--show-only", "templates/rbac.yaml"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto docs = api::ParseYamlManifests(r.out);
    EXPECT_TRUE(docs.ok()) << docs.status().message();
    if (!docs.ok()) return "";
    for (auto& d : *docs) {
      if (d.object.value("kind", "") == "Role") edit(d.object);
      std::string err;
      EXPECT_EQ(ct::ApplyJson(d.object, &err), 0) << err;
    }
    CommandResult token =
        Kubectl({"-n", ns, "create", "token", ns + "-skewgate", "--duration", "1h"});
    EXPECT_EQ(token.exit_code, 0) << token.err;
    CommandResult server = Kubectl(
        {"config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"});
    CommandResult ca = Kubectl({"config", "view", "--raw", "--minify", "-o",
                                "jsonpath={.clusters[0].cluster.certificate-authority}"});
    std::string kc = std::filesystem::temp_directory_path() / (ns + "-sa.kubeconfig");
    std::ofstream(kc) << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
                      << "    server: " << server.out << "\n    certificate-authority: " << ca.out
                      << "\nusers:\n- name: sa\n  user:\n    token: " << token.out
                      << "\ncontexts:\n- name: sa\n  context: {cluster: c, user: sa, namespace: "
                      << ns << "}\ncurrent-context: sa\n";
    files_.push_back(kc);
    return kc;
  }

  // The controller as the chart runs it (namespace scope, leader election), with the
  // ServiceAccount's kubeconfig; logs to a file.
  void StartController(const std::string& ns, const std::string& kubeconfig) {
    log_ = std::filesystem::temp_directory_path() / (ns + "-controller.log");
    files_.push_back(log_);
    std::vector<std::string> argv = {ControllerBin(),
                                     "--kubeconfig",
                                     kubeconfig,
                                     "--namespace",
                                     ns,
                                     "--leader-elect",
                                     "--leader-election-namespace",
                                     ns,
                                     "--metrics-address",
                                     "127.0.0.1:0"};
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> c;
      for (auto& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      execv(c[0], c.data());
      _exit(127);
    }
    ASSERT_GT(pid_, 0);
  }
  void StopController() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string Log() const { return Slurp(log_); }

  json Status(const std::string& ns, const std::string& name) {
    json md = ct::GetJson({"modeldeployment", name, "-n", ns});
    return md.is_object() ? md.value("status", json::object()) : json::object();
  }

  pid_t pid_ = -1;
  std::string log_;
  std::vector<std::string> files_;
};

json Strategy() {
  return {{"canary", {{"steps", {{{"setWeight", 50}}, {{"pause", {{"duration", "2s"}}}}}}}}};
}

TEST_F(ChartRbacControllerTest, TheChartsRoleIsEnoughForAFullRollout) {
  std::string ns = CreateNamespace("rbac-ok");
  std::string kc = InstallRbac(ns, [](json&) {});
  ASSERT_FALSE(kc.empty());
  StartController(ns, kc);
  std::string err;
  auto healthy_with_new_stable = [&](const std::string& old) {
    std::string stable;
    bool ok = ct::PollUntil(
        [&] {
          json s = Status(ns, "m");
          stable = s.value("stableRevision", "");
          return s.value("phase", "") == "Healthy" && !stable.empty() && stable != old;
        },
        90s);
    EXPECT_TRUE(ok) << "not Healthy on a new revision: " << Status(ns, "m").dump()
                    << "\ncontroller log:\n"
                    << Log();
    return stable;
  };
  ASSERT_EQ(ct::ApplyJson(ct::BaselineConfigMapJson(ns, "m"), &err), 0) << err;
  // v1, then v2 replacing it: ReplicaSets, the Service, status, Events and the Lease.
  ASSERT_EQ(ct::ApplyJson(ct::ModelDeploymentJson(ns, "m", 2, 'a'), &err), 0) << err;
  std::string rev1 = healthy_with_new_stable("");
  ASSERT_FALSE(rev1.empty());
  ASSERT_EQ(ct::ApplyJson(ct::ModelDeploymentJson(ns, "m", 2, 'b'), &err), 0) << err;
  std::string rev2 = healthy_with_new_stable(rev1);
  ASSERT_FALSE(rev2.empty());
  // v3 as a canary: the step's weight is realised with the chart's rights alone; then a
  // human abort (a status gate) is acted on and traffic returns to v2.
  ASSERT_EQ(ct::ApplyJson(ct::ModelDeploymentJson(ns, "m", 2, 'c', Strategy()), &err), 0) << err;
  ASSERT_TRUE(ct::PollUntil(
      [&] {
        json s = Status(ns, "m");
        return !s.value("canaryRevision", "").empty() && s.value("actualCanaryWeight", 0) == 50;
      },
      90s))
      << "canary never reached 50%: " << Status(ns, "m").dump() << "\ncontroller log:\n"
      << Log();
  ASSERT_EQ(ct::WriteGate(ns, "m", "abort", "rbac-test-abort"), 0);
  EXPECT_TRUE(ct::PollUntil(
      [&] {
        json s = Status(ns, "m");
        return s.value("phase", "") == "Degraded" && s.value("stableRevision", "") == rev2;
      },
      60s))
      << "abort not acted on: " << Status(ns, "m").dump() << "\ncontroller log:\n"
      << Log();
  EXPECT_EQ(Log().find("orbidden"), std::string::npos) << Log();
}

TEST_F(ChartRbacControllerTest, WithoutUpdateOnTheStatusTheControllerSaysItIsForbidden) {
  std::string ns = CreateNamespace("rbac-no");
  std::string kc = InstallRbac(ns, [](json& role) {
    for (auto& rule : role["rules"]) {
      if (rule["resources"] == json::array({"modeldeployments/status"})) {
        rule["resources"] = json::array({"modeldeployments/scale"});  // anything but status
      }
    }
  });
  ASSERT_FALSE(kc.empty());
  StartController(ns, kc);
  std::string err;
  ASSERT_EQ(ct::ApplyJson(ct::BaselineConfigMapJson(ns, "m"), &err), 0) << err;
  ASSERT_EQ(ct::ApplyJson(ct::ModelDeploymentJson(ns, "m", 2, 'a'), &err), 0) << err;
  EXPECT_TRUE(ct::PollUntil(
      [&] {
        std::string log = Log();
        return log.find("orbidden") != std::string::npos &&
               log.find("modeldeployments.skewgate.io/status") != std::string::npos;
      },
      60s))
      << "no error naming modeldeployments/status as forbidden; controller log:\n"
      << Log();
  EXPECT_EQ(Status(ns, "m").value("phase", ""), "") << "a status was written without the verb";
}

}  // namespace
}  // namespace skewgate::testing

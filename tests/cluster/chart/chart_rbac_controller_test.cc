// The chart's RBAC is sufficient and minimal, shown with the real skewgate-controller: it
// runs on this machine with a token of the chart's ServiceAccount (namespace scope, so the
// test owns every grant) and takes a ModelDeployment through a full canary rollout gated
// on live analysis — the pod runner gives every KWOK pod its real model server and
// sidecar, the load generator sends traffic, the controller scrapes the sidecars — then a
// manual gate and a human abort; with one verb removed from the Role it cannot, and says
// so naming the resource. The same controller's /metrics must then carry every metric the
// Grafana dashboard queries.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
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
    if (!work_.empty()) std::filesystem::remove_all(work_);
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

  // Starts argv with stdout and stderr to `log` (the support library's Spawn), and
  // remembers both: the process is stopped (SIGTERM first, see Stop) and the log removed in
  // TearDown.
  pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
    files_.push_back(log);
    pid_t pid = skewgate::testing::Spawn(argv, log);
    EXPECT_GT(pid, 0);
    if (pid > 0) helpers_.push_back(pid);
    return pid;
  }
  // The controller as the chart runs it (namespace scope, leader election, live sidecar
  // analysis), with the ServiceAccount's kubeconfig; logs to a file.
  void StartController(const std::string& ns, const std::string& kubeconfig) {
    log_ = std::filesystem::temp_directory_path() / (ns + "-controller.log");
    pid_ = Spawn({ControllerBin(), "--kubeconfig", kubeconfig, "--namespace", ns, "--leader-elect",
                  "--leader-election-namespace", ns, "--metrics-address", "127.0.0.1:0"},
                 log_);
    ASSERT_GT(pid_, 0);
  }
  static void Stop(pid_t pid) {
    kill(pid, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid, nullptr, WNOHANG) == pid) return;
      std::this_thread::sleep_for(100ms);
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  void StopController() {
    // Load generator and pod runner first (the runner stops its pods' processes).
    for (auto it = helpers_.rbegin(); it != helpers_.rend(); ++it) Stop(*it);
    helpers_.clear();
    pid_ = -1;
  }
  std::string Log() const { return Slurp(log_); }
  // The port the controller logged for /metrics, 0 before it did.
  int MetricsPort() const {
    std::istringstream in(Log());
    int port = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.find("serving probes and metrics") == std::string::npos) continue;
      json j = json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("port")) port = j["port"].get<int>();
    }
    return port;
  }
  std::string Metrics() const {
    return MetricsPort() > 0 ? ct::HttpGet(MetricsPort(), "/metrics") : "";
  }

  json Status(const std::string& ns, const std::string& name) {
    json md = ct::GetJson({"modeldeployment", name, "-n", ns});
    return md.is_object() ? md.value("status", json::object()) : json::object();
  }

  pid_t pid_ = -1;
  std::vector<pid_t> helpers_;  // every process started, in start order
  std::string work_;            // removed in TearDown, after the processes stopped
  std::string log_;
  std::vector<std::string> files_;
};

// Every metric name a dashboard query (panel or variable) reads.
std::set<std::string> DashboardMetrics() {
  json d = json::parse(Slurp(RepoRoot() + "/docs/grafana-dashboard.json"));
  std::string queries;
  for (const auto& p : d.at("panels")) {
    for (const auto& t : p.value("targets", json::array())) queries += t.value("expr", "") + "\n";
  }
  for (const auto& v : d.at("templating").at("list")) {
    if (v.value("query", json()).is_string()) queries += v["query"].get<std::string>() + "\n";
  }
  std::set<std::string> names;
  const std::regex metric(R"(\bskewgate_[a-z_]+)");
  for (auto it = std::sregex_iterator(queries.begin(), queries.end(), metric);
       it != std::sregex_iterator(); ++it) {
    names.insert(it->str());
  }
  return names;
}

// Every query of the dashboard (panel targets, then variables as the selector they list
// label values of), with Grafana's variables replaced for one ModelDeployment.
std::vector<std::string> DashboardQueries(const std::string& ns, const std::string& name) {
  json d = json::parse(Slurp(RepoRoot() + "/docs/grafana-dashboard.json"));
  std::vector<std::string> out;
  for (const auto& p : d.at("panels")) {
    for (const auto& t : p.value("targets", json::array())) out.push_back(t.value("expr", ""));
  }
  const std::regex label_values(R"(label_values\((.*),\s*\w+\))");
  for (const auto& v : d.at("templating").at("list")) {
    std::smatch m;
    std::string q = v.value("query", json()).is_string() ? v["query"].get<std::string>() : "";
    if (std::regex_match(q, m, label_values)) out.push_back(m[1]);
  }
  for (std::string& q : out) {
    q = std::regex_replace(q, std::regex(R"(\$__rate_interval)"), "20s");
    q = std::regex_replace(q, std::regex(R"(\$namespace)"), ns);
    q = std::regex_replace(q, std::regex(R"(\$modeldeployment)"), name);
  }
  return out;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// The demo's ModelDeployment for the pod runner: the reference model server behind the
// sidecar, `model_file` copied into `dir` and pinned by its sha256.
json LiveModelDeployment(const std::string& ns, const std::string& dir,
                         const std::string& model_file, const json& steps) {
  std::filesystem::copy_file(RepoRoot() + "/examples/demo/" + model_file, dir + "/" + model_file,
                             std::filesystem::copy_options::overwrite_existing);
  CommandResult sum = RunCommand({"sha256sum", dir + "/" + model_file});
  std::string hex = sum.out.substr(0, 64);
  return {{"apiVersion", "skewgate.io/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", "fraud"}, {"namespace", ns}}},
          {"spec",
           {{"replicas", 2},
            {"model", {{"uri", "file://" + dir + "/" + model_file}, {"digest", "sha256:" + hex}}},
            {"baseline", {{"configMapRef", {{"name", "fraud-baseline"}}}}},
            {"template",
             {{"spec",
               {{"containers",
                 {{{"name", "server"},
                   {"image", "skewgate:0.1.0"},
                   {"command", {"skewgate-model-server"}},
                   {"args", {"--model", "/models/" + model_file, "--listen", "$(POD_IP):8081"}},
                   {"env",
                    {{{"name", "POD_IP"},
                      {"valueFrom", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}}}}},
                   {"ports", {{{"containerPort", 8081}}}}}}}}}}},
            {"sidecar", {{"protocol", "v1"}}},
            {"strategy",
             {{"canary",
               {{"steps", steps},
                {"analysis",
                 {{"interval", "5s"},
                  {"minSamples", 100},
                  {"inconclusiveLimit", 12},
                  {"skew",
                   {{"numeric", {{"metric", "jensenShannon"}, {"threshold", 0.1}}},
                    {"categorical", {{"metric", "lInfinity"}, {"threshold", 0.1}}}}}}}}}}},
            {"progressDeadlineSeconds", 300}}}};
}

TEST_F(ChartRbacControllerTest, TheChartsRoleIsEnoughForAFullRolloutGatedOnLiveAnalysis) {
  std::string ns = CreateNamespace("rbac-ok");
  std::string kc = InstallRbac(ns, [](json&) {});
  ASSERT_FALSE(kc.empty());
  const std::string work = std::filesystem::temp_directory_path() / (ns + "-work");
  std::filesystem::create_directories(work);
  work_ = work;
  const std::string bin = BuildDir() + "/bin";

  // The training baseline of the demo's data, as the sidecars and the controller read it.
  CommandResult b = RunCommand({bin + "/skewgate", "baseline", "--input",
                                RepoRoot() + "/examples/training/fraud-train.csv", "--output",
                                work + "/baseline.json", "--ignore", "transaction_id,prediction"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  CommandResult cm = Kubectl({"-n", ns, "create", "configmap", "fraud-baseline",
                              "--from-file=baseline.json=" + work + "/baseline.json"});
  ASSERT_EQ(cm.exit_code, 0) << cm.err;

  // The pod runner and the load generator act as kubelet and users: the admin kubeconfig.
  // Only the controller runs with the chart's ServiceAccount token.
  Spawn({bin + "/skewgate-pod-runner", "--kubeconfig", KubeconfigPath(), "--namespace", ns,
         "--bin-dir", bin, "--work-dir", work + "/pods"},
        work + "/pod-runner.log");
  Spawn({bin + "/skewgate-loadgen", "--kubeconfig", KubeconfigPath(), "-n", ns, "--service",
         "fraud", "--model", "fraud", "--data", RepoRoot() + "/examples/demo/fraud-live.csv",
         "--ignore", "transaction_id,prediction", "--categorical", "country,channel", "--rate",
         "150", "--duration", "10m"},
        work + "/loadgen.log");
  StartController(ns, kc);
  auto logs = [&] {
    return "\ncontroller log:\n" + Log() + "\npod runner log (tail):\n" +
           Slurp(work + "/pod-runner.log").substr(0, 4000);
  };
  std::string err;
  const json steps = {{{"setWeight", 50}}, {{"pause", {{"duration", "5s"}}}}};
  std::string v1, v2;
  ASSERT_EQ(ct::ApplyJson(LiveModelDeployment(ns, work, "fraud-v1.json", steps), &err), 0) << err;
  ASSERT_TRUE(ct::PollUntil(
      [&] {
        json s = Status(ns, "fraud");
        v1 = s.value("stableRevision", "");
        return s.value("phase", "") == "Healthy" && s.value("readyReplicas", 0) == 2;
      },
      120s))
      << "v1 not Healthy with 2 ready pods: " << Status(ns, "fraud").dump() << logs();

  // v2 as a canary: promoted only after a successful run on live traffic.
  ASSERT_EQ(ct::ApplyJson(LiveModelDeployment(ns, work, "fraud-v2.json", steps), &err), 0) << err;
  json s;
  ASSERT_TRUE(ct::PollUntil(
      [&] {
        s = Status(ns, "fraud");
        v2 = s.value("stableRevision", "");
        return s.value("phase", "") == "Healthy" && !v2.empty() && v2 != v1;
      },
      240s))
      << "v2 not promoted: " << Status(ns, "fraud").dump() << logs();
  const json& a = s["lastAnalysis"];
  EXPECT_EQ(a.value("verdict", ""), "Successful") << a.dump();
  EXPECT_EQ(a.value("revision", ""), v2) << a.dump();
  EXPECT_GE(a.value("samples", 0), 100) << "the sidecars counted live requests: " << a.dump();
  ASSERT_TRUE(a.contains("features") && !a["features"].empty()) << a.dump();
  EXPECT_FALSE(a["features"][0].value("histogram", json::array()).empty())
      << "the worst feature carries its baseline vs live histogram: " << a.dump();
  std::cout << "[figure] status.lastAnalysis with histograms: " << a.dump().size() << " bytes for "
            << a["features"].size() << " features; whole status " << s.dump().size() << " bytes\n";
  CommandResult ev = Kubectl({"-n", ns, "get", "events.events.k8s.io", "-o",
                              "jsonpath={range .items[*]}{.reason}{\"\\n\"}{end}"});
  EXPECT_NE(ev.out.find("AnalysisSucceeded"), std::string::npos) << ev.out << ev.err;
  EXPECT_NE(ev.out.find("Promoted"), std::string::npos) << ev.out << ev.err;

  // Every metric the dashboard queries has series on this controller's /metrics (the
  // rollout series follow the informer, so the scrape waits for it to see Healthy).
  const std::string healthy_series = "skewgate_modeldeployment_phase{namespace=\"" + ns +
                                     "\",name=\"fraud\",phase=\"Healthy\"} 1\n";
  std::string metrics;
  EXPECT_TRUE(ct::PollUntil(
      [&] {
        metrics = Metrics();
        return metrics.find(healthy_series) != std::string::npos;
      },
      10s))
      << "no " << healthy_series << "in:\n"
      << metrics << logs();
  ASSERT_FALSE(metrics.empty()) << logs();
  std::set<std::string> wanted = DashboardMetrics();
  EXPECT_GE(wanted.size(), 12u) << "the dashboard's queries were not all found";
  for (const std::string& name : wanted) {
    EXPECT_TRUE(std::regex_search(metrics, std::regex("(^|\n)" + name + "[{ ]")))
        << "the dashboard queries " << name << " but the controller's /metrics has no series";
  }
  // The same queries through Debian's Prometheus scraping this controller every second:
  // each is valid PromQL and returns data for this ModelDeployment.
  const int prom_port = FreePort();
  std::ofstream(work + "/prometheus.yml")
      << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
      << "scrape_configs:\n- job_name: skewgate-controller\n  static_configs:\n"
      << "  - targets: ['127.0.0.1:" << MetricsPort() << "']\n";
  Spawn({"/usr/bin/prometheus", "--config.file=" + work + "/prometheus.yml",
         "--storage.tsdb.path=" + work + "/tsdb",
         "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"},
        work + "/prometheus.log");
  for (const std::string& q : DashboardQueries(ns, "fraud")) {
    json answer;
    bool data = ct::PollUntil(
        [&] {
          answer = json::parse(ct::HttpGet(prom_port, "/api/v1/query?query=" + UrlEncode(q)),
                               nullptr, false);
          return answer.is_object() && answer.value("status", "") == "success" &&
                 !answer["data"]["result"].empty();
        },
        30s);
    EXPECT_TRUE(data) << "dashboard query returns nothing from a real Prometheus: " << q << "\n"
                      << answer.dump() << "\nprometheus log: " << Slurp(work + "/prometheus.log");
  }

  std::smatch runs;
  ASSERT_TRUE(std::regex_search(metrics, runs,
                                std::regex("skewgate_analysis_runs_total\\{namespace=\"" + ns +
                                           "\",name=\"fraud\",verdict=\"Successful\"\\} ([0-9]+)")))
      << metrics;
  EXPECT_GE(std::stoi(runs[1]), 1) << "the promoting run was counted";

  // v3 up to a manual gate (after its analysis), then a human abort through the status
  // gate: traffic goes back to v2 with the chart's rights alone.
  const json gated = {{{"setWeight", 50}}, {{"pause", json::object()}}};
  ASSERT_EQ(ct::ApplyJson(LiveModelDeployment(ns, work, "fraud-v3.json", gated), &err), 0) << err;
  ASSERT_TRUE(ct::PollUntil(
      [&] {
        json st = Status(ns, "fraud");
        return st.value("phase", "") == "Paused" && !st.value("canaryRevision", "").empty() &&
               st.value("actualCanaryWeight", 0) == 50;
      },
      120s))
      << "v3 never reached its manual gate at 50%: " << Status(ns, "fraud").dump() << logs();
  ASSERT_EQ(ct::WriteGate(ns, "fraud", "abort", "rbac-test-abort"), 0);
  EXPECT_TRUE(ct::PollUntil(
      [&] {
        json st = Status(ns, "fraud");
        return st.value("phase", "") == "Degraded" && st.value("stableRevision", "") == v2 &&
               st.value("/abort/reason"_json_pointer, std::string()) == "AbortedByUser";
      },
      60s))
      << "abort not acted on: " << Status(ns, "fraud").dump() << logs();
  EXPECT_EQ(Log().find("orbidden"), std::string::npos) << Log();

  // Deleting the ModelDeployment takes its series off /metrics.
  ASSERT_EQ(Kubectl({"-n", ns, "delete", "md", "fraud", "--wait=false"}).exit_code, 0);
  EXPECT_TRUE(ct::PollUntil(
      [&] {
        const std::string m = Metrics();
        return !m.empty() && m.find("name=\"fraud\"") == std::string::npos;
      },
      30s))
      << "series of the deleted ModelDeployment are still exported:\n"
      << Metrics();
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

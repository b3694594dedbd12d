#include "e2e/faults/fault_env.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace skewgate::faults {

void KillAndReap(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TempDir(const std::string& prefix) {
  std::string t = "/tmp/" + prefix + "-XXXXXX";
  return mkdtemp(t.data()) ? t : "/tmp/" + prefix;
}

namespace {

std::string EtcdUrl() {
  // kwokctl writes the etcd client port into the cluster's kwok.yaml.
  std::istringstream in(ReadFile(KwokClusterDir() + "/kwok.yaml"));
  for (std::string line; std::getline(in, line);) {
    auto at = line.find("etcdPort:");
    if (at != std::string::npos) {
      return "http://127.0.0.1:" + line.substr(line.find_first_not_of(' ', at + 9));
    }
  }
  return "";
}

json FlattenedKubeconfig() {
  CommandResult r = Kubectl({"config", "view", "--raw", "--minify", "--flatten", "-o", "json"});
  json j = json::parse(r.out, nullptr, false);
  return j.is_discarded() ? json() : j;
}

}  // namespace

FaultScale Scale() {
  FaultScale s;
  const char* v = std::getenv("SKEWGATE_FAULTS");
  if (v != nullptr && std::string(v) == "full") {
    s.full = true;
    s.rollouts = 50;
    s.kills = 20;
    s.apiserver_rollouts = 20;
    s.throttled_rollouts = 4;
    s.leader_kill = true;
  }
  return s;
}

std::string ClusterDir() {
  if (const char* d = std::getenv("SKEWGATE_CLUSTER_DIR")) return d;
  return skewgate::testing::RepoRoot() + "/.cluster";
}

std::string KwokClusterDir() {
  const char* name = std::getenv("SKEWGATE_CLUSTER_NAME");
  return ClusterDir() + "/kwok/clusters/" + (name ? name : "skewgate");
}

bool InstallCrds() {
  if (Kubectl({"apply", "--server-side", "-f", skewgate::testing::RepoRoot() + "/crds/"})
          .exit_code != 0) {
    return false;
  }
  return Kubectl({"wait", "--for=condition=Established", "crd/modeldeployments.skewgate.io",
                  "--timeout=60s"})
             .exit_code == 0;
}

bool ApiServerReady() {
  CommandResult r = Kubectl({"get", "--raw", "/readyz", "--request-timeout=3s"});
  return r.exit_code == 0 && r.out.rfind("ok", 0) == 0;
}

namespace {

bool KwokctlStart() {
  const char* name = std::getenv("SKEWGATE_CLUSTER_NAME");
  CommandResult r = RunCommand({"env", "KWOK_WORKDIR=" + ClusterDir() + "/kwok", "kwokctl",
                                "--name", name ? name : "skewgate", "start", "cluster"});
  if (r.exit_code != 0) ADD_FAILURE() << "kwokctl start cluster: " << r.err;
  return r.exit_code == 0;
}

std::string LeaseRenewTime(const std::string& name) {
  return Kubectl({"get", "lease", "-n", "kube-system", name, "-o", "jsonpath={.spec.renewTime}"})
      .out;
}

// kube-controller-manager and kube-scheduler exit when they cannot renew their own
// leases while the API server is away (client-go's behaviour); the fault is the API
// server's restart, not theirs, so whatever died is started again. Both are alive once
// they have renewed their leases after the API server came back.
bool ControlPlaneRecovered(std::chrono::seconds timeout) {
  const std::vector<std::string> leases = {"kube-controller-manager", "kube-scheduler"};
  std::vector<std::string> before;
  for (const auto& l : leases) before.push_back(LeaseRenewTime(l));
  auto renewed = [&] {
    for (size_t i = 0; i < leases.size(); ++i) {
      if (LeaseRenewTime(leases[i]) == before[i]) return false;
    }
    return true;
  };
  // They renew every 2 s; 12 s without a renewal means they are gone.
  if (PollUntil(renewed, std::chrono::seconds(12))) return true;
  if (!KwokctlStart()) return false;
  return PollUntil(ApiServerReady, timeout) && PollUntil(renewed, timeout);
}

}  // namespace

bool RestartApiServer(std::chrono::seconds timeout, double* down_seconds) {
  const std::string pid_file = KwokClusterDir() + "/pids/kube-apiserver.pid";
  pid_t pid = static_cast<pid_t>(std::atoi(ReadFile(pid_file).c_str()));
  if (pid <= 1) return false;
  auto start = std::chrono::steady_clock::now();
  kill(pid, SIGTERM);
  // Not our child: poll until the pid is gone. A graceful shutdown stops listening at
  // once but can hang afterwards (seen after a compaction); then it is killed.
  if (!PollUntil([&] { return kill(pid, 0) != 0; }, std::chrono::seconds(3))) {
    kill(pid, SIGKILL);
    if (!PollUntil([&] { return kill(pid, 0) != 0; }, std::chrono::seconds(10))) return false;
  }
  if (!KwokctlStart()) return false;
  bool ready = PollUntil(ApiServerReady, timeout);
  if (down_seconds != nullptr) {
    *down_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return ready && ControlPlaneRecovered(timeout);
}

int64_t EtcdRevision() {
  CommandResult r = RunCommand({"curl", "-sf", "-X", "POST", EtcdUrl() + "/v3/kv/range", "-d",
                                R"({"key":"AA==","limit":1})"});
  json j = json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.contains("header")) return 0;
  return std::stoll(j["header"]["revision"].get<std::string>());
}

bool CompactEtcd(int64_t revision) {
  CommandResult r =
      RunCommand({"curl", "-sf", "-X", "POST", EtcdUrl() + "/v3/kv/compaction", "-d",
                  json{{"revision", std::to_string(revision)}, {"physical", true}}.dump()});
  return r.exit_code == 0;
}

FaultProxy::FaultProxy() {
  char tmpl[] = "/tmp/skewgate-fault-proxy-XXXXXX";
  work_ = mkdtemp(tmpl) ? tmpl : "/tmp/skewgate-fault-proxy";
}

FaultProxy::~FaultProxy() {
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(work_, ec);
}

bool FaultProxy::Start() {
  json kc = FlattenedKubeconfig();
  if (kc.is_null()) return false;
  std::ofstream(work_ + "/upstream.json") << kc.dump();
  const std::string script =
      skewgate::testing::RepoRoot() + "/tests/support/fault_proxy/fault_proxy.py";
  pid_ =
      Spawn({"python3", script, "--work", work_, "--upstream-kubeconfig", work_ + "/upstream.json"},
            work_ + "/proxy.log");
  kubeconfig_ = work_ + "/kubeconfig";
  return PollUntil(
             [&] { return ReadFile(work_ + "/proxy.log").find("\"port\"") != std::string::npos; },
             std::chrono::seconds(30)) &&
         std::filesystem::exists(kubeconfig_);
}

void FaultProxy::Stop() {
  KillAndReap(pid_);
  pid_ = -1;
}

void FaultProxy::SetFaults(const json& faults) {
  // Written whole and renamed: the proxy never reads half a file.
  std::ofstream(work_ + "/faults.json.tmp") << faults.dump();
  std::filesystem::rename(work_ + "/faults.json.tmp", work_ + "/faults.json");
}

std::vector<ProxiedRequest> FaultProxy::Requests() const {
  std::vector<ProxiedRequest> out;
  std::istringstream in(ReadFile(work_ + "/requests.log"));
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    out.push_back(
        {j.value("t", 0.0), j.value("method", ""), j.value("path", ""), j.value("status", 0)});
  }
  return out;
}

bool MakeCa(const std::string& dir) {
  std::filesystem::create_directories(dir);
  return RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                     "-subj", "/CN=skewgate-wrong-ca", "-keyout", dir + "/ca.key", "-out",
                     dir + "/ca.crt"})
             .exit_code == 0;
}

std::string KubeconfigWithCa(const std::string& path, const std::string& ca_file) {
  json kc = FlattenedKubeconfig();
  CommandResult b64 = RunCommand({"base64", "-w0", ca_file});
  kc["clusters"][0]["cluster"]["certificate-authority-data"] = b64.out;
  std::ofstream(path) << kc.dump();
  return path;
}

void Signal(pid_t pid, int sig) {
  if (pid > 0) kill(pid, sig);
}

StatusRecorder::StatusRecorder(const std::string& ns) {
  path_ = "/tmp/skewgate-status-" + ns + ".log";
  pid_ = Spawn({"kubectl", "--kubeconfig", skewgate::testing::KubeconfigPath(), "get", "md", "-n",
                ns, "-w", "-o",
                "jsonpath={.metadata.name} {.status.phase} {.status.stableRevision} "
                "{.status.canaryRevision}{\"\\n\"}"},
               path_);
}

StatusRecorder::~StatusRecorder() {
  KillAndReap(pid_);
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

std::vector<std::string> StatusRecorder::Finish() {
  KillAndReap(pid_);
  pid_ = -1;
  std::vector<std::string> lines;
  std::istringstream in(ReadFile(path_));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace skewgate::faults

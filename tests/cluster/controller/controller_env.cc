#include "cluster/controller/controller_env.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "support/cluster_env.h"
#include "unit/controller/test_objects.h"

namespace skewgate::controller::testing {

using nlohmann::json;
using skewgate::testing::BinPath;
using skewgate::testing::CommandResult;
using skewgate::testing::KubeconfigPath;
using skewgate::testing::Kubectl;

ControllerProcess::ControllerProcess(std::vector<std::string> extra_args)
    : args_(std::move(extra_args)) {
  log_path_ = "/tmp/skewgate-controller-test-" + std::to_string(getpid()) + "-" +
              std::to_string(reinterpret_cast<uintptr_t>(this) % 100000) + ".log";
}

ControllerProcess::~ControllerProcess() {
  if (pid_ > 0) Stop(true);
}

bool ControllerProcess::Start() {
  std::vector<std::string> argv = {BinPath("skewgate-controller"), "--kubeconfig", KubeconfigPath(),
                                   "--metrics-address", "127.0.0.1:0", "--log-level", "info",
                                   // KWOK pods run no sidecars: these tests drive the
                                   // rollout mechanics without live analysis.
                                   "--analysis", "none"};
  argv.insert(argv.end(), args_.begin(), args_.end());
  // Emptied here too, so that the poll below never reads a previous run's lines.
  std::ofstream(log_path_, std::ios::trunc).close();
  pid_ = skewgate::testing::Spawn(argv, log_path_);
  port_ = 0;
  bool ok = PollUntil(
      [&] {
        std::istringstream in(Log());
        for (std::string line; std::getline(in, line);) {
          if (line.find("serving probes and metrics") == std::string::npos) continue;
          json j = json::parse(line, nullptr, false);
          if (j.is_object() && j.contains("port")) port_ = j["port"].get<int>();
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          return true;
        }
        return port_ > 0;
      },
      std::chrono::seconds(20));
  return ok && port_ > 0 && pid_ > 0;
}

int ControllerProcess::Stop(bool kill) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, kill ? SIGKILL : SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ControllerProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  int status = 0;
  bool exited = PollUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
  if (!exited) return -1;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ControllerProcess::Log() const {
  std::ifstream in(log_path_);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ControllerProcess::Metrics() const { return HttpGet(port_, "/metrics"); }

long long ControllerProcess::ApiWrites() const {
  std::istringstream in(Metrics());
  long long total = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("skewgate_api_requests_total{", 0) != 0) continue;
    for (const char* verb : {"create", "update", "patch", "apply", "delete"}) {
      if (line.find(std::string("verb=\"") + verb + "\"") != std::string::npos) {
        total += std::stoll(line.substr(line.rfind(' ') + 1));
      }
    }
  }
  return total;
}

json GetJson(const std::vector<std::string>& args) {
  std::vector<std::string> a = {"get"};
  a.insert(a.end(), args.begin(), args.end());
  a.push_back("-o");
  a.push_back("json");
  CommandResult r = Kubectl(a);
  if (r.exit_code != 0) return json();
  json j = json::parse(r.out, nullptr, false);
  return j.is_discarded() ? json() : j;
}

int ApplyJson(const json& object, std::string* err) {
  CommandResult r = Kubectl(
      {"apply", "--server-side", "--force-conflicts", "--field-manager=skewgate-tests", "-f", "-"},
      object.dump());
  if (r.exit_code != 0 && err) *err += r.err;
  return r.exit_code;
}

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

json ModelDeploymentJson(const std::string& ns, const std::string& name, int replicas,
                         char digest_char, const json& strategy) {
  json md = MdJson(ns, name, std::string(1, digest_char));
  md["metadata"].erase("uid");
  md["metadata"].erase("generation");
  md["spec"]["replicas"] = replicas;
  if (!strategy.is_null()) md["spec"]["strategy"] = strategy;
  return md;
}

json BaselineConfigMapJson(const std::string& ns, const std::string& name) {
  return BaselineConfigMap(ns, name + "-baseline");
}

int WriteGate(const std::string& ns, const std::string& name, const std::string& gate,
              const std::string& id) {
  json g = {{"id", id},
            {"requestedAt", FormatRfc3339(std::chrono::time_point_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now()))},
            {"requestedBy", "cluster-test"}};
  CommandResult r = Kubectl({"patch", "md", name, "-n", ns, "--subresource=status", "--type=merge",
                             "-p", json{{"status", {{"gates", {{gate, g}}}}}}.dump()});
  return r.exit_code;
}

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, req.data(), req.size()) < 0) {
    close(fd);
    return "";
  }
  std::string out;
  char buf[8192];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

}  // namespace skewgate::controller::testing

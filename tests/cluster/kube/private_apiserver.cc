#include "private_apiserver.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "kube/http_transport.h"
#include "support/cluster_env.h"

namespace skewgate::kube::testing {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace

PrivateApiServer::PrivateApiServer(KubeConfig shared) : config_(std::move(shared)) {}

PrivateApiServer::~PrivateApiServer() { Kill(); }

Status PrivateApiServer::Prepare() {
  if (!argv_.empty()) return OkStatus();
  std::string cluster_dir = skewgate::testing::RepoRoot() + "/.cluster/kwok/clusters/skewgate";
  std::ifstream pid_file(cluster_dir + "/pids/kube-apiserver.pid");
  pid_t shared_pid = 0;
  if (!(pid_file >> shared_pid) || shared_pid <= 0) {
    return FailedPreconditionError(
        "cannot read " + cluster_dir +
        "/pids/kube-apiserver.pid: is the cluster up (make cluster-up)?");
  }
  std::ifstream cmdline("/proc/" + std::to_string(shared_pid) + "/cmdline", std::ios::binary);
  std::string arg;
  while (std::getline(cmdline, arg, '\0')) argv_.push_back(arg);
  if (argv_.empty() || argv_[0].find("kube-apiserver") == std::string::npos) {
    argv_.clear();
    return FailedPreconditionError("pid " + std::to_string(shared_pid) +
                                   " from the pid file is not a running kube-apiserver");
  }
  std::error_code ec;
  cwd_ = std::filesystem::read_symlink("/proc/" + std::to_string(shared_pid) + "/cwd", ec);
  if (ec) cwd_ = cluster_dir;
  port_ = FreePort();
  if (port_ == 0) return UnavailableError("no free loopback port");
  bool replaced = false;
  for (auto& a : argv_) {
    if (a.rfind("--secure-port=", 0) == 0) {
      a = "--secure-port=" + std::to_string(port_);
      replaced = true;
    }
  }
  if (!replaced) argv_.push_back("--secure-port=" + std::to_string(port_));
  config_.server = "https://127.0.0.1:" + std::to_string(port_);
  log_path_ = std::filesystem::temp_directory_path() /
              ("skewgate-private-apiserver-" + std::to_string(port_) + ".log");
  return OkStatus();
}

bool PrivateApiServer::Ready() {
  auto t = NewCpprestTransport(config_);
  if (!t.ok()) return false;
  HttpRequest r;
  r.target = "/readyz";
  r.timeout = std::chrono::seconds(2);
  auto resp = (*t)->Send(r);
  return resp.ok() && resp->status == 200 && resp->body == "ok";
}

Status PrivateApiServer::Start(std::chrono::seconds limit) {
  if (Status s = Prepare(); !s.ok()) return s;
  if (running()) return OkStatus();
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return UnavailableError("fork failed");
  if (pid == 0) {
    // Dies with the test process, whatever way it ends.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    if (chdir(cwd_.c_str()) != 0) _exit(1);
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return UnavailableError("private kube-apiserver exited during start; see " + log_path_);
    }
    if (Ready()) return OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill();
  return DeadlineExceededError("private kube-apiserver not ready within " +
                               std::to_string(limit.count()) + "s; see " + log_path_);
}

void PrivateApiServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
}

}  // namespace skewgate::kube::testing

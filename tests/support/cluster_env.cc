#include "support/cluster_env.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

namespace skewgate::testing {

std::string RepoRoot() {
  const char* root = std::getenv("SKEWGATE_REPO_ROOT");
  return root ? root : std::filesystem::current_path().string();
}

std::string KubeconfigPath() {
  if (const char* k = std::getenv("SKEWGATE_TEST_KUBECONFIG")) return k;
  if (const char* d = std::getenv("SKEWGATE_CLUSTER_DIR")) return std::string(d) + "/kubeconfig";
  return RepoRoot() + "/.cluster/kubeconfig";
}

std::string BuildDir() {
  if (const char* b = std::getenv("SKEWGATE_BUILD_DIR")) return b;
  // Every test binary lives in <build>/bin, next to the product binaries it starts.
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec && exe.parent_path().filename() == "bin") return exe.parent_path().parent_path().string();
  return RepoRoot() + "/build";
}

std::string BinPath(const std::string& name) { return BuildDir() + "/bin/" + name; }

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_text) {
  CommandResult r;
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) return r;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Write stdin and read both outputs without deadlocking on full pipes.
  size_t written = 0;
  if (stdin_text.empty()) close(in[1]);
  bool in_open = !stdin_text.empty();
  if (in_open) fcntl(in[1], F_SETFL, O_NONBLOCK);
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out[0], POLLIN, 0});
    if (err_open) fds.push_back({err[0], POLLIN, 0});
    if (in_open) fds.push_back({in[1], POLLOUT, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) break;
    for (auto& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in[1]) {
        ssize_t n = write(in[1], stdin_text.data() + written, stdin_text.size() - written);
        if (n > 0) written += n;
        if (n < 0 || written == stdin_text.size()) {
          close(in[1]);
          in_open = false;
        }
        continue;
      }
      ssize_t n = read(p.fd, buf, sizeof buf);
      if (n <= 0) {
        close(p.fd);
        (p.fd == out[0] ? out_open : err_open) = false;
      } else {
        (p.fd == out[0] ? r.out : r.err).append(buf, n);
      }
    }
  }
  if (in_open) close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

CommandResult Kubectl(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::vector<std::string> argv = {"kubectl", "--kubeconfig", KubeconfigPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, stdin_text);
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  // Everything the child needs is made before fork: a multithreaded test's child may only
  // make async-signal-safe calls.
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) close(fd);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  return pid;
}

std::string UniqueName(const std::string& prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  static const char* kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s = prefix + "-";
  for (int i = 0; i < 6; ++i) s += kAlphabet[rng() % 36];
  return s;
}

void ClusterTest::SetUp() {
  if (!std::filesystem::exists(KubeconfigPath())) {
    FAIL() << "no local cluster: " << KubeconfigPath()
           << " does not exist. Start one with 'make cluster-up' (make test does this).";
  }
  auto r = Kubectl({"get", "--raw", "/readyz", "--request-timeout=5s"});
  if (r.exit_code != 0 || r.out != "ok") {
    FAIL() << "the local cluster in " << KubeconfigPath()
           << " is not ready (kubectl get --raw /readyz said: " << r.out << r.err
           << "). Restart it with 'make cluster-down cluster-up'.";
  }
}

std::string ClusterTest::CreateNamespace(const std::string& prefix) {
  std::string ns = UniqueName(prefix);
  auto r = Kubectl({"create", "namespace", ns});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  namespaces_.push_back(ns);
  return ns;
}

void ClusterTest::TearDown() {
  for (auto& ns : namespaces_) Kubectl({"delete", "namespace", ns, "--wait=false"});
}

}  // namespace skewgate::testing

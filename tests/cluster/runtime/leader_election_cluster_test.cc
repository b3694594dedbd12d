// Leader election against the real control plane with two candidate processes
// (skewgate_lease_candidate): exactly one leads; SIGKILL of the leader hands over once
// the lease expires; SIGTERM releases the lease and hands over at the next retry.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/cluster_env.h"

namespace skewgate::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kLease = 3s;
constexpr auto kRenew = 2s;
constexpr auto kRetry = 500ms;

// A candidate process whose stdout goes to a file the test polls.
class Candidate {
 public:
  Candidate(const std::string& ns, const std::string& lease, const std::string& identity)
      : identity_(identity) {
    out_path_ = std::filesystem::temp_directory_path() / (UniqueName("cand-" + identity) + ".out");
    std::vector<std::string> argv = {BinPath("skewgate_lease_candidate"),
                                     "--kubeconfig",
                                     KubeconfigPath(),
                                     "--namespace",
                                     ns,
                                     "--lease",
                                     lease,
                                     "--identity",
                                     identity,
                                     "--lease-duration-ms",
                                     std::to_string(std::chrono::milliseconds(kLease).count()),
                                     "--renew-deadline-ms",
                                     std::to_string(std::chrono::milliseconds(kRenew).count()),
                                     "--retry-period-ms",
                                     std::to_string(std::chrono::milliseconds(kRetry).count())};
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      int err = open((out_path_.string() + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(err, 2);
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
      cargv.push_back(nullptr);
      execv(cargv[0], cargv.data());
      _exit(127);
    }
  }
  ~Candidate() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove(out_path_);
    std::filesystem::remove(out_path_.string() + ".err");
  }

  std::string Output() const { return Read(out_path_); }
  // stdout and stderr, for failure messages.
  std::string Log() const {
    std::string state = "running";
    int status = 0;
    if (!exited_ && waitpid(pid_, &status, WNOHANG) == pid_) {
      state = WIFEXITED(status) ? "exited " + std::to_string(WEXITSTATUS(status)) : "killed";
    }
    return "[" + identity_ + " " + state + "]\n" + Output() + "--- stderr:\n" +
           Read(out_path_.string() + ".err");
  }
  bool Said(const std::string& line) const {
    return ("\n" + Output()).find("\n" + line + "\n") != std::string::npos;
  }
  bool Leading() const { return Said("leading " + identity_); }
  void Signal(int sig) { kill(pid_, sig); }
  // Waits for exit; returns the exit code (or 128+signal).
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  const std::string& identity() const { return identity_; }

 private:
  static std::string Read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string identity_;
  std::filesystem::path out_path_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

// Polls `pred` every 20ms until it holds or `timeout` passes (real time: these are real
// processes talking to a real API server).
template <typename Pred>
bool WaitFor(Pred pred, SteadyClock::duration timeout) {
  auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

class LeaderElectionClusterTest : public ClusterTest {
 protected:
  std::string Holder(const std::string& ns, const std::string& lease) {
    auto r = Kubectl({"get", "lease", lease, "-n", ns, "-o", "jsonpath={.spec.holderIdentity}"});
    return r.exit_code == 0 ? r.out : "<error: " + r.err + ">";
  }
};

TEST_F(LeaderElectionClusterTest, ExactlyOneOfTwoCandidatesLeads) {
  std::string ns = CreateNamespace("le-one");
  Candidate a(ns, "lock", "a"), b(ns, "lock", "b");
  ASSERT_TRUE(WaitFor([&] { return a.Leading() || b.Leading(); }, 15s))
      << "a: " << a.Log() << "\nb: " << b.Log();
  Candidate& leader = a.Leading() ? a : b;
  Candidate& follower = a.Leading() ? b : a;
  // Over more than one lease duration (many renewals) the other never leads.
  EXPECT_FALSE(WaitFor([&] { return follower.Leading(); }, kLease + 2s)) << follower.Log();
  EXPECT_TRUE(follower.Said("leader " + leader.identity())) << follower.Log();
  EXPECT_EQ(Holder(ns, "lock"), leader.identity());
}

TEST_F(LeaderElectionClusterTest, SigkillOfLeaderHandsOverAfterLeaseExpiry) {
  std::string ns = CreateNamespace("le-kill");
  Candidate a(ns, "lock", "a");
  ASSERT_TRUE(WaitFor([&] { return a.Leading(); }, 15s)) << a.Log();
  Candidate b(ns, "lock", "b");
  ASSERT_TRUE(WaitFor([&] { return b.Said("leader a"); }, 10s)) << b.Log();
  auto killed = SteadyClock::now();
  a.Signal(SIGKILL);
  EXPECT_EQ(a.Wait(), 128 + SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return b.Leading(); }, 30s)) << b.Log();
  auto handover = SteadyClock::now() - killed;
  // b judges expiry from when it last saw the record change, which is up to one retry
  // period after a's last renewal; it then acquires at its next retry. So the bound is
  // lease + retry counted from that observation, i.e. lease + 2*retry from the kill,
  // plus API latency.
  std::cout << "handover after SIGKILL: " << Seconds(handover) << " s (lease " << Seconds(kLease)
            << " s, retry " << Seconds(kRetry) << " s)\n";
  EXPECT_GE(handover, kLease - kRetry) << "took over before the lease could have expired";
  EXPECT_LE(handover, kLease + 2 * kRetry + 500ms);
  EXPECT_EQ(Holder(ns, "lock"), "b");
}

TEST_F(LeaderElectionClusterTest, GracefulReleaseHandsOverAtOnce) {
  std::string ns = CreateNamespace("le-term");
  Candidate a(ns, "lock", "a");
  ASSERT_TRUE(WaitFor([&] { return a.Leading(); }, 15s)) << a.Log();
  Candidate b(ns, "lock", "b");
  ASSERT_TRUE(WaitFor([&] { return b.Said("leader a"); }, 10s)) << b.Log();
  auto stopped = SteadyClock::now();
  a.Signal(SIGTERM);
  EXPECT_EQ(a.Wait(), 0) << a.Log();
  EXPECT_TRUE(a.Said("stopped a")) << a.Log();
  ASSERT_TRUE(WaitFor([&] { return b.Leading(); }, 30s)) << b.Log();
  auto handover = SteadyClock::now() - stopped;
  std::cout << "handover after SIGTERM: " << Seconds(handover) << " s\n";
  // At b's next retry, far sooner than the lease duration.
  EXPECT_LE(handover, kRetry + 1s);
  EXPECT_LT(handover, kLease);
  EXPECT_EQ(Holder(ns, "lock"), "b");
}

}  // namespace
}  // namespace skewgate::testing

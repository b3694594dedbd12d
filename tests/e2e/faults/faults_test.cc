// Fault tests (label e2e): the real skewgate-controller binary against the real local
// control plane while things break — the controller SIGKILLed during concurrent
// rollouts, two replicas with leader election and the leader killed or frozen past its
// lease, kube-apiserver restarted and etcd compacted under it, and the API server
// throttling (429) and slow behind a fault-injecting proxy. Analyses fail or pass by the
// TEST ONLY source `--analysis test-annotation` (KWOK pods run no sidecars).
// SKEWGATE_FAULTS=full (make test-faults) runs the figures; make test a reduced form.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "e2e/faults/fault_env.h"

namespace skewgate::faults {
namespace {

using namespace std::chrono_literals;

constexpr int kReplicas = 2;
constexpr const char* kVerdictAnnotation = "skewgate.io/test-analysis-verdict";

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A canary of two steps with analysis every 5 s; one failed run aborts.
json Strategy() {
  return {{"canary",
           {{"steps", {{{"setWeight", 50}}, {{"pause", {{"duration", "4s"}}}}}},
            {"analysis", {{"interval", "5s"}, {"failureLimit", 1}, {"inconclusiveLimit", 50}}}}}};
}

// Rollout i's analyses pass when i is even and fail when i is odd.
bool ShouldPass(int i) { return i % 2 == 0; }
std::string RolloutName(int i) { return "r" + std::to_string(i); }

json Md(const std::string& ns, int i, char digest) {
  json md = ModelDeploymentJson(ns, RolloutName(i), kReplicas, digest, Strategy());
  md["metadata"]["annotations"] = {{kVerdictAnnotation, ShouldPass(i) ? "Successful" : "Failed"}};
  return md;
}

// Applies many objects in one kubectl call.
void ApplyAll(const std::vector<json>& objects) {
  json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", objects}};
  std::string err;
  ASSERT_EQ(ApplyJson(list, &err), 0) << err;
}

std::string DigestOf(char c) { return "sha256:" + std::string(64, c); }

// The revision of `md` whose model digest is all `c` ("" when not in its history).
std::string RevisionOf(const json& md, char c) {
  for (const json& h : md.value("/status/history"_json_pointer, json::array())) {
    if (h.value("modelDigest", "") == DigestOf(c)) return h.value("revision", "");
  }
  return "";
}

// Why rollout i of `ns` is not (yet) in its right final state after v1 ('a') → `to`, or
// "" when it is: passing analyses → `to` stable and Healthy; failing ones (every canary of
// them failed) → v1 still stable, Degraded, the abort naming `to`. Its ReplicaSets: each owned by
// it (controller, its uid), named <md>-<revision>, one per revision, pods only for the stable
// revision.
std::string NotConverged(const std::string& ns, int i, char to) {
  const std::string name = RolloutName(i);
  json md = GetJson({"md", name, "-n", ns});
  if (md.is_null()) return name + ": not readable";
  const json& st = md.value("status", json::object());
  if (st.value("observedGeneration", 0) != md["metadata"].value("generation", -1)) {
    return name + ": status not current";
  }
  const std::string old_rev = RevisionOf(md, 'a'), new_rev = RevisionOf(md, to);
  const std::string phase = st.value("phase", ""), stable = st.value("stableRevision", "");
  if (new_rev.empty()) return name + ": new revision not in history";
  if (ShouldPass(i)) {
    if (phase != "Healthy" || stable != new_rev || !st.value("canaryRevision", "").empty()) {
      return name + ": want Healthy on " + new_rev + ", have " + phase + " on " + stable;
    }
  } else {
    if (phase != "Degraded" || stable != old_rev ||
        st.value("/abort/revision"_json_pointer, "") != new_rev) {
      return name + ": want Degraded on " + old_rev + " (abort " + new_rev + "), have " + phase +
             " on " + stable;
    }
  }
  json rss = GetJson({"rs", "-n", ns, "-l", "skewgate.io/modeldeployment=" + name});
  if (rss.is_null()) return name + ": cannot list ReplicaSets";
  std::set<std::string> revisions;
  int stable_pods = 0;
  for (const json& rs : rss["items"]) {
    const std::string rev = rs["metadata"]["labels"].value("skewgate.io/revision", "");
    const std::string rs_name = rs["metadata"].value("name", "");
    if (!revisions.insert(rev).second) return name + ": two ReplicaSets of revision " + rev;
    if (rs_name != name + "-" + rev) return name + ": ReplicaSet " + rs_name + " misnamed";
    bool owned = false;
    for (const json& o : rs["metadata"].value("ownerReferences", json::array())) {
      owned |=
          o.value("uid", "") == md["metadata"].value("uid", "") && o.value("controller", false);
    }
    if (!owned) return name + ": ReplicaSet " + rs_name + " is an orphan";
    int replicas = rs["spec"].value("replicas", 0);
    if (rev == stable) {
      stable_pods = replicas;
    } else if (replicas != 0) {
      return name + ": ReplicaSet " + rs_name + " still has " + std::to_string(replicas);
    }
  }
  if (stable_pods != kReplicas) return name + ": stable has " + std::to_string(stable_pods);
  return "";
}

// The first rollout in `ns` not converged, or "" when all are.
std::string FirstNotConverged(const std::string& ns, int n, char to = 'b') {
  for (int i = 0; i < n; ++i) {
    std::string why = NotConverged(ns, i, to);
    if (!why.empty()) return why;
  }
  return "";
}

// No ReplicaSet in `ns` lacks a controlling owner that still exists.
void ExpectNoOrphanReplicaSets(const std::string& ns) {
  json mds = GetJson({"md", "-n", ns});
  ASSERT_FALSE(mds.is_null());
  std::set<std::string> uids;
  for (const json& md : mds["items"]) uids.insert(md["metadata"].value("uid", ""));
  json rss = GetJson({"rs", "-n", ns});
  ASSERT_FALSE(rss.is_null());
  for (const json& rs : rss["items"]) {
    bool owned = false;
    for (const json& o : rs["metadata"].value("ownerReferences", json::array())) {
      owned |= uids.count(o.value("uid", "")) > 0 && o.value("controller", false);
    }
    EXPECT_TRUE(owned) << "orphan ReplicaSet " << rs["metadata"].value("name", "");
  }
}

// The evidence, not only the end state. From every status version the watch saw
// (`kubectl get md -w`): a failing canary was never stable, and a passing one became
// stable once and stayed (no flip back to v1). From the Events: none announces a failing
// canary's promotion, and no canary is announced twice. A promotion's Event may be lost
// when the controller is SIGKILLed between the status write and the Event (Events are
// recorded only after the status write, so a retried transition is never announced twice);
// the lost ones are counted in *events_lost.
void ExpectHistoryClean(const std::string& ns, int n, const std::vector<std::string>& statuses,
                        char to = 'b', int* events_lost = nullptr) {
  json events = GetJson({"events.events.k8s.io", "-n", ns});
  ASSERT_FALSE(events.is_null());
  for (int i = 0; i < n; ++i) {
    json md = GetJson({"md", RolloutName(i), "-n", ns});
    ASSERT_FALSE(md.is_null());
    const std::string rev = RevisionOf(md, to);
    ASSERT_FALSE(rev.empty());
    int promoted = 0, promoted_count = 0;
    for (const json& e : events["items"]) {
      if (e.value("reason", "") != "Promoted" ||
          e.value("/regarding/name"_json_pointer, "") != RolloutName(i) ||
          e.value("note", "").find(rev) == std::string::npos) {
        continue;
      }
      ++promoted;
      promoted_count += e.contains("series") ? e["series"].value("count", 1) : 1;
    }
    EXPECT_LE(promoted_count, 1) << RolloutName(i) << ": " << rev << " announced " << promoted_count
                                 << " times";
    if (ShouldPass(i)) {
      if (promoted == 0 && events_lost != nullptr) ++*events_lost;
    } else {
      EXPECT_EQ(promoted, 0) << RolloutName(i) << ": failing canary " << rev << " was promoted";
    }
    bool became_stable = false;
    for (const std::string& line : statuses) {
      // "name phase stable canary"
      std::istringstream in(line);
      std::string name, phase, stable;
      in >> name >> phase >> stable;
      if (name != RolloutName(i) || stable.empty()) continue;
      if (!ShouldPass(i)) {
        EXPECT_NE(stable, rev) << "failing canary " << rev
                               << " was stable in a status version: " << line;
      } else if (stable == rev) {
        became_stable = true;
      } else {
        EXPECT_FALSE(became_stable)
            << RolloutName(i) << ": stable went back from " << rev << " to " << stable;
      }
    }
  }
}

// `count` rollouts at v1, Healthy, with their baselines.
void DeployV1(const std::string& ns, int count) {
  std::vector<json> objects;
  for (int i = 0; i < count; ++i) {
    objects.push_back(BaselineConfigMapJson(ns, RolloutName(i)));
    objects.push_back(Md(ns, i, 'a'));
  }
  ApplyAll(objects);
}

void ExpectAllV1Healthy(const std::string& ns, int count, std::chrono::seconds timeout) {
  std::string why;
  EXPECT_TRUE(PollUntil(
      [&] {
        for (int i = 0; i < count; ++i) {
          json md = GetJson({"md", RolloutName(i), "-n", ns});
          if (md.is_null() || md.value("/status/phase"_json_pointer, "") != "Healthy") {
            why = RolloutName(i) + " not Healthy";
            return false;
          }
        }
        return true;
      },
      timeout))
      << why;
}

void ApplyV2(const std::string& ns, int count, char digest = 'b') {
  std::vector<json> objects;
  for (int i = 0; i < count; ++i) objects.push_back(Md(ns, i, digest));
  ApplyAll(objects);
}

bool IsLeader(const ControllerProcess& c) {
  std::istringstream in(c.Metrics());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("skewgate_leader_election_is_leader ", 0) == 0) return line.back() == '1';
  }
  return false;
}

class FaultsTest : public skewgate::testing::ClusterTest {
 protected:
  void SetUp() override {
    skewgate::testing::ClusterTest::SetUp();
    ASSERT_TRUE(InstallCrds());
  }
  // An aborted canary keeps its pods 3 s instead of the default 30 s: every failing rollout
  // here converges only once they are gone, and no test looks inside that window.
  std::vector<std::string> ControllerArgs(const std::string& ns) {
    std::vector<std::string> args = {"--namespace", ns, "--analysis", "test-annotation"};
    args.insert(args.end(), {"--resync-period", "30s", "--abort-scale-down-delay", "3s"});
    return args;
  }
};

TEST_F(FaultsTest, ControllerKilledAtRandomPointsDuringConcurrentRollouts) {
  const FaultScale scale = Scale();
  const std::string ns = CreateNamespace("faults-kill");
  const std::vector<std::string> args = ControllerArgs(ns);
  {
    ControllerProcess c(args);
    ASSERT_TRUE(c.Start()) << c.Log();
    DeployV1(ns, scale.rollouts);
    ExpectAllV1Healthy(ns, scale.rollouts, 180s);
    ASSERT_FALSE(HasFailure());
  }
  StatusRecorder recorder(ns);
  ApplyV2(ns, scale.rollouts);
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> uptime_ms(300, 3000);
  std::vector<int> kill_points;
  auto kills_start = std::chrono::steady_clock::now();
  for (int k = 0; k < scale.kills; ++k) {
    ControllerProcess c(args);
    ASSERT_TRUE(c.Start()) << c.Log();
    kill_points.push_back(uptime_ms(rng));
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_points.back()));
    ASSERT_EQ(c.Stop(/*kill=*/true), 128 + SIGKILL);
  }
  const double kill_phase = SecondsSince(kills_start);
  auto restart = std::chrono::steady_clock::now();
  ControllerProcess survivor(args);
  ASSERT_TRUE(survivor.Start()) << survivor.Log();
  std::string why;
  EXPECT_TRUE(PollUntil([&] { return (why = FirstNotConverged(ns, scale.rollouts)).empty(); },
                        scale.full ? 300s : 180s))
      << why << "\n(seed " << seed << ")\n"
      << survivor.Log().substr(0, 4000);
  const double converge = SecondsSince(restart);
  std::string points;
  for (int p : kill_points) points += std::to_string(p) + " ";
  std::cout << "[figure] " << scale.rollouts << " rollouts, " << scale.kills << " SIGKILLs over "
            << kill_phase << " s (uptimes ms: " << points << "; seed " << seed
            << "); all converged " << converge << " s after the last restart\n";
  ExpectNoOrphanReplicaSets(ns);
  int events_lost = 0;
  ExpectHistoryClean(ns, scale.rollouts, recorder.Finish(), 'b', &events_lost);
  std::cout << "[figure] Promoted Events lost to a SIGKILL between status write and Event: "
            << events_lost << " of " << (scale.rollouts + 1) / 2 << "\n";
}

TEST_F(FaultsTest, LeaderKilledOrFrozenHandsOverAndTheOldLeaderWritesNothing) {
  const FaultScale scale = Scale();
  const std::string ns = CreateNamespace("faults-leader");
  const int rollouts = scale.full ? 6 : 3;
  // Each replica talks through its own proxy: an exact record of what each one sent.
  FaultProxy proxy_a, proxy_b;
  ASSERT_TRUE(proxy_a.Start());
  ASSERT_TRUE(proxy_b.Start());
  auto replica = [&](FaultProxy& p) {
    std::vector<std::string> args = ControllerArgs(ns);
    args.insert(args.end(), {"--leader-elect", "--leader-election-namespace", ns, "--kubeconfig",
                             p.kubeconfig()});
    return std::make_unique<ControllerProcess>(args);
  };
  auto a = replica(proxy_a), b = replica(proxy_b);
  ASSERT_TRUE(a->Start()) << a->Log();
  ASSERT_TRUE(b->Start()) << b->Log();
  ASSERT_TRUE(PollUntil([&] { return IsLeader(*a) || IsLeader(*b); }, 60s));
  ASSERT_FALSE(IsLeader(*a) && IsLeader(*b));
  DeployV1(ns, rollouts);
  ExpectAllV1Healthy(ns, rollouts, 120s);
  if (scale.leader_kill) ApplyV2(ns, rollouts);  // in flight when the leader dies

  // 1. (full) The leader SIGKILLed mid-rollout: the other takes over within lease duration
  // (15 s) + retry period (2 s) after it last saw the lease renewed (at most one retry
  // period before the kill).
  bool a_led = IsLeader(*a);
  std::unique_ptr<ControllerProcess>& leader = a_led ? a : b;
  std::unique_ptr<ControllerProcess>& standby = a_led ? b : a;
  FaultProxy& leader_proxy = a_led ? proxy_a : proxy_b;
  double handover_kill = -1;
  std::string why;
  if (scale.leader_kill) {
    auto killed = std::chrono::steady_clock::now();
    leader->Stop(/*kill=*/true);
    ASSERT_TRUE(PollUntil([&] { return IsLeader(*standby); }, 40s));
    handover_kill = SecondsSince(killed);
    EXPECT_LE(handover_kill, 15 + 2 + 2 + 1.0) << "lease 15 s + retry 2 s (+ one retry of lag)";
    EXPECT_TRUE(PollUntil([&] { return (why = FirstNotConverged(ns, rollouts)).empty(); }, 120s))
        << why;
    leader = replica(leader_proxy);
    ASSERT_TRUE(leader->Start()) << leader->Log();
  } else {
    // Reduced: the leader is frozen next; its roles swap so that the code below is one.
    std::swap(leader, standby);
  }

  // 2. A new standby; the leader frozen (SIGSTOP) past its lease, new work arrives, the
  // standby takes over and does it; the old leader thawed (SIGCONT) must write nothing:
  // it lost the lease while frozen.
  ControllerProcess& frozen = *standby;
  ControllerProcess& next = *leader;
  FaultProxy& frozen_proxy = (a_led == scale.leader_kill) ? proxy_b : proxy_a;
  ASSERT_TRUE(PollUntil(
      [&] {
        return next.Metrics().find("skewgate_leader_election_is_leader 0") != std::string::npos;
      },
      30s));
  auto stopped = std::chrono::steady_clock::now();
  Signal(frozen.pid(), SIGSTOP);
  ASSERT_TRUE(PollUntil([&] { return IsLeader(next); }, 40s)) << next.Log();
  const double handover_freeze = SecondsSince(stopped);
  EXPECT_LE(handover_freeze, 15 + 2 + 2 + 1.0);
  ApplyV2(ns, rollouts, 'c');  // queued in the frozen replica's watch streams meanwhile
  EXPECT_TRUE(PollUntil([&] { return (why = FirstNotConverged(ns, rollouts, 'c')).empty(); }, 120s))
      << why;
  const double thawed_at = UnixNow();
  Signal(frozen.pid(), SIGCONT);
  // It notices the lost lease at its next renewal and exits (controller-runtime's way).
  const int exit_code = frozen.WaitExit(30s);
  EXPECT_NE(exit_code, -1) << "the old leader kept running after losing its lease";
  EXPECT_NE(exit_code, 0);
  int writes_after = 0;
  std::string writes;
  for (const ProxiedRequest& r : frozen_proxy.Requests()) {
    if (r.time < thawed_at || !r.IsWrite()) continue;
    const bool lease = r.path.find("/leases/") != std::string::npos;
    if (lease && r.status >= 400) continue;  // a refused renewal is no write
    ++writes_after;
    writes += r.method + " " + r.path + " -> " + std::to_string(r.status) + "\n";
  }
  EXPECT_EQ(writes_after, 0) << "writes from the old leader after it lost the lease:\n"
                             << writes << frozen.Log().substr(0, 6000);
  std::cout << "[figure] hand-over after SIGKILL of the leader: "
            << (scale.leader_kill ? std::to_string(handover_kill) + " s" : "(full only)")
            << "; after SIGSTOP: " << handover_freeze << " s (lease 15 s, retry 2 s); "
            << "writes by the old leader after SIGCONT: " << writes_after << "\n";
  EXPECT_TRUE(PollUntil([&] { return (why = FirstNotConverged(ns, rollouts, 'c')).empty(); }, 30s))
      << why;
}

TEST_F(FaultsTest, ApiServerRestartedAndEtcdCompactedDuringRollouts) {
  const FaultScale scale = Scale();
  const int rollouts = scale.apiserver_rollouts;
  const std::string ns = CreateNamespace("faults-apiserver");
  ControllerProcess c(ControllerArgs(ns));
  ASSERT_TRUE(c.Start()) << c.Log();
  DeployV1(ns, rollouts);
  ExpectAllV1Healthy(ns, rollouts, 120s);
  ApplyV2(ns, rollouts);
  // Writes the controller's filtered watches do not see move etcd's revision past the
  // last one the controller saw; compacting there and restarting the API server makes its
  // watch cache start after the controller's resume points: 410 Gone, relist.
  std::vector<json> noise;
  for (int i = 0; i < 30; ++i) {
    noise.push_back({{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata", {{"name", "noise-" + std::to_string(i)}, {"namespace", ns}}},
                     {"data", {{"n", std::to_string(i)}}}});
  }
  ApplyAll(noise);
  const int64_t revision = EtcdRevision();
  ASSERT_GT(revision, 0) << "etcd's v3 HTTP API did not answer";
  ASSERT_TRUE(CompactEtcd(revision));
  double down = 0;
  ASSERT_TRUE(RestartApiServer(90s, &down)) << "the API server did not come back";
  auto back = std::chrono::steady_clock::now();
  ApplyAll(noise);  // still answering writes
  std::string why;
  EXPECT_TRUE(PollUntil([&] { return (why = FirstNotConverged(ns, rollouts)).empty(); }, 180s))
      << why << "\n"
      << c.Log().substr(0, 4000);
  const double converge = SecondsSince(back);
  std::string metrics = c.Metrics();
  long long relists = 0;
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("skewgate_informer_relists_total{", 0) == 0) {
      relists += std::stoll(line.substr(line.rfind(' ') + 1));
    }
  }
  EXPECT_GT(relists, 0) << "no informer saw 410 Gone; the compaction did not reach it";
  std::cout << "[figure] API server down " << down << " s (restart + /readyz); " << rollouts
            << " rollouts converged " << converge << " s after it was back; " << relists
            << " relists after 410 Gone\n";
  ExpectNoOrphanReplicaSets(ns);
  int events_lost = 0;
  ExpectHistoryClean(ns, rollouts, {}, 'b', &events_lost);
  EXPECT_EQ(events_lost, 0) << "the controller was not killed: no Event may be lost";
  // The controller is still alive and serving.
  EXPECT_EQ(c.WaitExit(0ms), -1);
}

TEST_F(FaultsTest, ThrottledAndSlowApiServerBacksOffAndResumes) {
  const int rollouts = Scale().throttled_rollouts;
  const std::string ns = CreateNamespace("faults-throttle");
  FaultProxy proxy;
  ASSERT_TRUE(proxy.Start());
  std::vector<std::string> args = ControllerArgs(ns);
  args.insert(args.end(), {"--kubeconfig", proxy.kubeconfig()});
  ControllerProcess c(args);
  ASSERT_TRUE(c.Start()) << c.Log();
  // Slow and half throttled: the rollouts still finish. Full: a canary rollout v1 → v2
  // under it; reduced: the first deployment (one rollout cycle less).
  const json half = {{"throttle_percent", 50}, {"retry_after", 1}, {"delay_ms", 300}};
  const bool full = Scale().full;
  if (!full) proxy.SetFaults(half);
  auto t0 = std::chrono::steady_clock::now();
  DeployV1(ns, rollouts);
  ExpectAllV1Healthy(ns, rollouts, 240s);
  double slow_converge = SecondsSince(t0);
  std::string why;
  if (full) {
    proxy.SetFaults(half);
    ApplyV2(ns, rollouts);
    t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(PollUntil([&] { return (why = FirstNotConverged(ns, rollouts)).empty(); }, 240s))
        << why;
    slow_converge = SecondsSince(t0);
  }

  // Everything throttled for 12 s (6 reduced), with work pending: requests back off (Retry-After:
  // 1), no hot loop.
  proxy.SetFaults({{"throttle_percent", 100}, {"retry_after", 1}});
  ApplyV2(ns, rollouts, 'c');
  const double from = UnixNow();
  // The window being measured, not a wait for a state.
  std::this_thread::sleep_for(Scale().full ? 12s : 6s);
  const double to = UnixNow();
  int during = 0;
  for (const ProxiedRequest& r : proxy.Requests()) during += r.time >= from && r.time < to;
  const double rate = during / (to - from);
  // Five informers and two workers, each retrying once a second at most.
  EXPECT_LE(rate, 10.0) << during << " requests in " << (to - from) << " s while throttled";
  EXPECT_EQ(c.WaitExit(0ms), -1) << "the controller died while throttled:\n" << c.Log();

  // Lifted: progress resumes without a restart.
  proxy.SetFaults(json::object());
  t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(PollUntil([&] { return (why = FirstNotConverged(ns, rollouts, 'c')).empty(); }, 120s))
      << why << "\n"
      << c.Log().substr(0, 4000);
  const double resume = SecondsSince(t0);
  std::cout << "[figure] 50% 429 + 300 ms per request: " << rollouts
            << (full ? " canary rollouts" : " first deployments") << " converged in "
            << slow_converge << " s; 100% 429: " << rate << " requests/s; converged " << resume
            << " s after the throttling stopped\n";
}

}  // namespace
}  // namespace skewgate::faults

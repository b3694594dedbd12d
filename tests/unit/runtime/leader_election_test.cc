#include "runtime/leader_election.h"

#include <gtest/gtest.h>

#include "kube/resource.h"
#include "unit/runtime/fake_client.h"

namespace skewgate::runtime {
namespace {

using namespace std::chrono_literals;
using testing::FakeClient;

LeaderElectionConfig Config(const std::string& identity) {
  LeaderElectionConfig c;
  c.lease_namespace = "skewgate-system";
  c.lease_name = "skewgate";
  c.identity = identity;
  return c;  // 15s / 10s / 2s
}

nlohmann::json Spec(FakeClient& api) {
  return api.Stored(kube::resources::Leases(), "skewgate-system", "skewgate")["spec"];
}

TEST(LeaderElectionTest, FirstCandidateCreatesTheLeaseSecondWaits) {
  FakeClock clock;
  FakeClient api;
  LeaderElector a(api, Config("a"), clock), b(api, Config("b"), clock);
  EXPECT_TRUE(a.TryAcquireOrRenew());
  EXPECT_TRUE(a.IsLeader());
  EXPECT_FALSE(b.TryAcquireOrRenew());
  EXPECT_FALSE(b.IsLeader());
  EXPECT_EQ(b.ObservedLeader(), "a");
  auto spec = Spec(api);
  EXPECT_EQ(spec["holderIdentity"], "a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_EQ(spec["renewTime"], FormatRfc3339Micro(clock.Now()));
}

TEST(LeaderElectionTest, ExpiryIsJudgedFromLocalObservationNotRecordTimes) {
  FakeClock clock;
  FakeClient api;
  LeaderElector a(api, Config("a"), clock), b(api, Config("b"), clock);
  ASSERT_TRUE(a.TryAcquireOrRenew());
  // b first sees the record now; a then dies (never renews).
  clock.Advance(10s);
  EXPECT_FALSE(b.TryAcquireOrRenew());
  // 14.999s after b first saw it: still a's, even though renewTime is 24.999s old.
  clock.Advance(14999ms);
  EXPECT_FALSE(b.TryAcquireOrRenew());
  clock.Advance(1ms);
  EXPECT_TRUE(b.TryAcquireOrRenew());
  auto spec = Spec(api);
  EXPECT_EQ(spec["holderIdentity"], "b");
  EXPECT_EQ(spec["leaseTransitions"], 1);
  EXPECT_EQ(spec["acquireTime"], FormatRfc3339Micro(clock.Now()));
}

TEST(LeaderElectionTest, HoldsLeaseOnlyWithinTheRenewDeadlineOfTheLastRenewal) {
  FakeClock clock;
  FakeClient api;
  LeaderElector a(api, Config("a"), clock), b(api, Config("b"), clock);
  EXPECT_FALSE(a.HoldsLease());
  ASSERT_TRUE(a.TryAcquireOrRenew());
  EXPECT_TRUE(a.HoldsLease());
  ASSERT_FALSE(b.TryAcquireOrRenew());  // b sees a's record now
  clock.Advance(9999ms);
  EXPECT_TRUE(a.HoldsLease());
  // Frozen (SIGSTOP) past the renew deadline: it still believes it leads until its next
  // round, but it must not write any more.
  clock.Advance(1ms);
  EXPECT_TRUE(a.IsLeader());
  EXPECT_FALSE(a.HoldsLease());
  // Renewed in time again: holds it.
  ASSERT_TRUE(a.TryAcquireOrRenew());
  EXPECT_TRUE(a.HoldsLease());
  ASSERT_FALSE(b.TryAcquireOrRenew());  // b sees the renewal
  // Never renewed again: b takes over 15 s after it saw the last renewal; by then a had
  // stopped writing for 5 s.
  clock.Advance(10s);
  EXPECT_FALSE(a.HoldsLease());
  clock.Advance(5s);
  EXPECT_TRUE(b.TryAcquireOrRenew());
  EXPECT_TRUE(b.HoldsLease());
  EXPECT_FALSE(a.TryAcquireOrRenew());
  EXPECT_FALSE(a.HoldsLease());
}

TEST(LeaderElectionTest, RenewalKeepsOthersAwayAndKeepsAcquireTime) {
  FakeClock clock;
  FakeClient api;
  LeaderElector a(api, Config("a"), clock), b(api, Config("b"), clock);
  ASSERT_TRUE(a.TryAcquireOrRenew());
  std::string acquired = Spec(api)["acquireTime"];
  for (int i = 0; i < 20; ++i) {
    clock.Advance(2s);
    ASSERT_TRUE(a.TryAcquireOrRenew());
    ASSERT_FALSE(b.TryAcquireOrRenew()) << "round " << i;
  }
  EXPECT_EQ(Spec(api)["acquireTime"], acquired);
  EXPECT_EQ(Spec(api)["leaseTransitions"], 0);
}

TEST(LeaderElectionTest, ReleaseLetsTheNextCandidateTakeOverAtOnce) {
  FakeClock clock;
  FakeClient api;
  LeaderElector a(api, Config("a"), clock), b(api, Config("b"), clock);
  ASSERT_TRUE(a.TryAcquireOrRenew());
  EXPECT_FALSE(b.TryAcquireOrRenew());
  ASSERT_TRUE(a.Release().ok());
  EXPECT_FALSE(a.IsLeader());
  EXPECT_FALSE(Spec(api).contains("holderIdentity"));
  // No waiting for expiry.
  EXPECT_TRUE(b.TryAcquireOrRenew());
}

TEST(LeaderElectionTest, ReleaseDoesNotTouchSomeoneElsesLease) {
  FakeClock clock;
  FakeClient api;
  LeaderElector a(api, Config("a"), clock), b(api, Config("b"), clock);
  ASSERT_TRUE(b.TryAcquireOrRenew());
  ASSERT_TRUE(a.Release().ok());
  EXPECT_EQ(Spec(api)["holderIdentity"], "b");
}

// Two candidates that both find the lease expired race to take it; the compare-and-swap
// on resourceVersion lets exactly one win, whatever the interleaving.
TEST(LeaderElectionTest, RacingCandidatesNeverBothWin) {
  for (int round = 0; round < 200; ++round) {
    FakeClock clock;
    FakeClient api;
    LeaderElector dead(api, Config("dead"), clock), b(api, Config("b"), clock),
        c(api, Config("c"), clock);
    ASSERT_TRUE(dead.TryAcquireOrRenew());
    ASSERT_FALSE(b.TryAcquireOrRenew());
    ASSERT_FALSE(c.TryAcquireOrRenew());
    clock.Advance(15s);
    std::atomic<int> go{0};
    bool b_won = false, c_won = false;
    std::thread tb([&] {
      go++;
      while (go < 2) std::this_thread::yield();
      b_won = b.TryAcquireOrRenew();
    });
    std::thread tc([&] {
      go++;
      while (go < 2) std::this_thread::yield();
      c_won = c.TryAcquireOrRenew();
    });
    tb.join();
    tc.join();
    ASSERT_NE(b_won, c_won) << "round " << round;
    EXPECT_EQ(Spec(api)["holderIdentity"], b_won ? "b" : "c");
  }
}

TEST(LeaderElectionTest, RejectsUnworkableConfig) {
  auto c = Config("a");
  EXPECT_TRUE(ValidateLeaderElectionConfig(c).ok());
  c.renew_deadline = 15s;
  EXPECT_NE(ValidateLeaderElectionConfig(c).message().find("renew deadline"), std::string::npos);
  c = Config("a");
  c.retry_period = 10s;
  EXPECT_NE(ValidateLeaderElectionConfig(c).message().find("retry period"), std::string::npos);
  c = Config("");
  EXPECT_NE(ValidateLeaderElectionConfig(c).message().find("identity"), std::string::npos);
  c = Config("a");
  c.lease_duration = 1500ms;
  EXPECT_FALSE(ValidateLeaderElectionConfig(c).ok());
}

// Run() end to end on a FakeClock: a partitioned leader gives up within the renew
// deadline and calls on_stopped_leading; Run returns Aborted.
TEST(LeaderElectionTest, LeaderThatCannotRenewStepsDownWithinRenewDeadline) {
  FakeClock clock;
  FakeClient api;
  LeaderElector a(api, Config("a"), clock);
  kube::Cancellation stop;
  std::atomic<bool> leading{false}, stopped{false};
  LeaderCallbacks cb;
  cb.on_started_leading = [&] { leading = true; };
  cb.on_stopped_leading = [&] { stopped = true; };
  Status result;
  std::thread t([&] { result = a.Run(stop, cb); });
  for (int i = 0; i < 1000000 && !leading; ++i) std::this_thread::yield();
  ASSERT_TRUE(leading);
  api.fail_all = true;
  // Advance in retry-period steps until it gives up; it must not take longer than the
  // renew deadline plus one retry period (the round that notices).
  Duration advanced = 0s;
  while (!stopped && advanced <= 12s) {
    clock.Advance(100ms);
    advanced += 100ms;
    for (int i = 0; i < 2000 && !stopped; ++i) std::this_thread::yield();
  }
  stop.Cancel();
  t.join();
  EXPECT_TRUE(stopped);
  EXPECT_LE(advanced, 12s);
  EXPECT_GE(advanced, 10s);
  EXPECT_EQ(result.code(), StatusCode::kAborted);
  EXPECT_FALSE(a.IsLeader());
}

// A standby replaces a dead leader when the lease expires, judged from when it first saw
// the last renewal, not at its next retry after that: on a 2 s retry grid that starts 1 s
// after the renewal it would take over only 16 s after its first look instead of 15 s.
TEST(LeaderElectionTest, StandbyTakesOverAtExpiryNotAtTheNextRetry) {
  FakeClock clock;
  FakeClient api;
  LeaderElector a(api, Config("a"), clock), b(api, Config("b"), clock);
  ASSERT_TRUE(a.TryAcquireOrRenew());  // a's last renewal; then a dies
  clock.Advance(1s);
  EXPECT_EQ(b.CampaignWait(), 2s) << "nothing observed yet: the retry period";
  kube::Cancellation stop;
  std::atomic<bool> leading{false};
  LeaderCallbacks cb;
  cb.on_started_leading = [&] { leading = true; };
  // Until b has seen the clock's current time and is blocked in its sleep again (or
  // leads): steps of the fake clock then never outrun b's thread on a loaded machine.
  const auto settle = [&](uint64_t blocked_before) {
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (!leading && clock.BlockedWaits() == blocked_before &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(50us);
    }
  };
  std::thread t([&] { (void)b.Run(stop, cb); });
  settle(0);  // b's first look: the lease is a's
  ASSERT_EQ(b.ObservedLeader(), "a");
  Duration advanced = 0s;
  while (!leading && advanced <= 17s) {
    const uint64_t blocked = clock.BlockedWaits();
    clock.Advance(100ms);
    advanced += 100ms;
    settle(blocked);
  }
  EXPECT_EQ(Spec(api)["holderIdentity"], "b");
  stop.Cancel();  // releases the lease
  t.join();
  EXPECT_TRUE(leading);
  EXPECT_EQ(advanced, 15s) << "took over on the retry grid (16 s), not at expiry";
}

TEST(LeaderElectionTest, CampaignWaitIsTheRetryPeriodOrTheTimeLeftOnAnotherHoldersLease) {
  FakeClock clock;
  FakeClient api;
  LeaderElector a(api, Config("a"), clock), b(api, Config("b"), clock);
  ASSERT_TRUE(a.TryAcquireOrRenew());
  EXPECT_EQ(a.CampaignWait(), 2s) << "its own lease: the retry period";
  EXPECT_FALSE(b.TryAcquireOrRenew());
  EXPECT_EQ(b.CampaignWait(), 2s);
  clock.Advance(13500ms);
  EXPECT_EQ(b.CampaignWait(), 1500ms);
  clock.Advance(1500ms);
  EXPECT_EQ(b.CampaignWait(), 2s) << "expired but not yet taken: the normal pace";
}

}  // namespace
}  // namespace skewgate::runtime

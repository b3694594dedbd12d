#include "runtime/manager.h"

#include <gtest/gtest.h>

#include <future>

#include "kube/resource.h"
#include "runtime/api_metrics.h"
#include "runtime/http_server.h"
#include "unit/runtime/fake_client.h"
#include "unit/runtime/http_get.h"

namespace skewgate::runtime {
namespace {

using namespace std::chrono_literals;
using testing::FakeClient;
using testing::HttpGet;

class CountingReconciler : public Reconciler {
 public:
  ReconcileResult Reconcile(const ObjectKey& key) override {
    calls++;
    return ReconcileResult::Done();
  }
  std::atomic<int> calls{0};
};

template <typename Pred>
bool Eventually(Pred p) {
  for (int i = 0; i < 2000000 && !p(); ++i) std::this_thread::yield();
  return p();
}

TEST(HttpServerTest, ServesRegisteredPathsAndRejectsOthers) {
  HttpServer s;
  s.Handle("/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; });
  ASSERT_TRUE(s.Start("127.0.0.1", 0).ok());
  ASSERT_GT(s.port(), 0);
  auto ok = HttpGet(s.port(), "/healthz?verbose=1");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
  EXPECT_EQ(HttpGet(s.port(), "/nope").status, 404);
  EXPECT_EQ(HttpGet(s.port(), "/healthz", "POST").status, 405);
  s.Stop();
  EXPECT_EQ(HttpGet(s.port(), "/healthz").status, 0);
}

TEST(HttpServerTest, BindFailureNamesTheAddress) {
  HttpServer a, b;
  ASSERT_TRUE(a.Start("127.0.0.1", 0).ok());
  Status s = b.Start("127.0.0.1", a.port());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(a.port())), std::string::npos);
  EXPECT_EQ(HttpServer().Start("not-an-ip", 0).code(), StatusCode::kInvalidArgument);
}

TEST(HttpServerTest, ParsesListenAddresses) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(ParseListenAddress(":8080", &host, &port).ok());
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 8080);
  ASSERT_TRUE(ParseListenAddress("127.0.0.1:0", &host, &port).ok());
  EXPECT_EQ(port, 0);
  EXPECT_FALSE(ParseListenAddress("8080", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress(":99999", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress(":http", &host, &port).ok());
}

TEST(ManagerTest, ServesProbesAndMetricsAndRunsControllersUntilStopped) {
  FakeClock clock;
  FakeClient api;
  MetricsRegistry registry;
  ApiRequestMetrics api_metrics(registry);
  api_metrics.OnRequest("get", 200, 3ms);
  ManagerOptions o;
  o.probe_address = "127.0.0.1:0";
  Manager mgr(api, registry, o, clock);
  CountingReconciler rec;
  ControllerOptions co;
  co.name = "md";
  Controller& c = mgr.AddController(std::move(co), rec);
  kube::Cancellation stop;
  auto run = std::async(std::launch::async, [&] { return mgr.Run(stop); });
  ASSERT_TRUE(Eventually([&] { return mgr.Leading(); }));
  c.queue().Add("ml/fraud");
  ASSERT_TRUE(Eventually([&] { return rec.calls.load() == 1; }));
  EXPECT_EQ(HttpGet(mgr.probe_port(), "/healthz").status, 200);
  EXPECT_EQ(HttpGet(mgr.probe_port(), "/readyz").status, 200);
  auto m = HttpGet(mgr.probe_port(), "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.headers.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(m.body.find("skewgate_leader_election_is_leader 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("skewgate_reconcile_total{controller=\"md\",result=\"done\"} 1\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("skewgate_api_requests_total{verb=\"get\",code=\"200\"} 1\n"),
            std::string::npos);
  EXPECT_NE(m.body.find("skewgate_workqueue_depth{name=\"md\"}"), std::string::npos);
  stop.Cancel();
  EXPECT_TRUE(run.get().ok());
  EXPECT_FALSE(mgr.Leading());
}

TEST(ManagerTest, LosingTheLeaseStopsReconcilingAtOnce) {
  FakeClock clock;
  FakeClient api;
  MetricsRegistry registry;
  ManagerOptions o;
  o.probe_address = "";
  LeaderElectionConfig le;
  le.lease_namespace = "skewgate-system";
  le.lease_name = "skewgate";
  le.identity = "me";
  o.leader_election = le;
  Manager mgr(api, registry, o, clock);
  CountingReconciler rec;
  Controller& c = mgr.AddController(ControllerOptions{}, rec);
  kube::Cancellation stop;
  auto run = std::async(std::launch::async, [&] { return mgr.Run(stop); });
  ASSERT_TRUE(Eventually([&] { return mgr.Leading(); }));
  // Another replica takes the lease (e.g. after a long pause of ours).
  auto lease = api.Stored(kube::resources::Leases(), "skewgate-system", "skewgate");
  lease["spec"]["holderIdentity"] = "other";
  ASSERT_TRUE(api.Update(kube::resources::Leases(), "skewgate-system", lease, {}).ok());
  clock.Advance(2s);  // next renewal round sees it
  ASSERT_EQ(run.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(run.get().code(), StatusCode::kAborted);
  EXPECT_FALSE(mgr.Leading());
  // No reconcile happens after the loss.
  c.queue().Add("ml/fraud");
  EXPECT_EQ(rec.calls.load(), 0);
  EXPECT_TRUE(c.queue().ShuttingDown());
}

TEST(ManagerTest, GracefulStopReleasesTheLease) {
  FakeClock clock;
  FakeClient api;
  MetricsRegistry registry;
  ManagerOptions o;
  o.probe_address = "";
  LeaderElectionConfig le;
  le.lease_namespace = "ns";
  le.lease_name = "l";
  le.identity = "me";
  o.leader_election = le;
  Manager mgr(api, registry, o, clock);
  kube::Cancellation stop;
  auto run = std::async(std::launch::async, [&] { return mgr.Run(stop); });
  ASSERT_TRUE(Eventually([&] { return mgr.Leading(); }));
  stop.Cancel();
  EXPECT_TRUE(run.get().ok());
  auto spec = api.Stored(kube::resources::Leases(), "ns", "l")["spec"];
  EXPECT_FALSE(spec.contains("holderIdentity")) << spec.dump();
}

// SIGTERM order: stop taking work, let the in-flight reconcile finish, then release.
TEST(ManagerTest, StopWaitsForInFlightReconcileBeforeReleasingTheLease) {
  FakeClock clock;
  FakeClient api;
  MetricsRegistry registry;
  ManagerOptions o;
  o.probe_address = "";
  LeaderElectionConfig le;
  le.lease_namespace = "ns";
  le.lease_name = "l";
  le.identity = "me";
  o.leader_election = le;
  Manager mgr(api, registry, o, clock);
  struct Blocking : Reconciler {
    std::atomic<bool> entered{false}, release{false};
    std::atomic<int> calls{0};
    ReconcileResult Reconcile(const ObjectKey&) override {
      calls++;
      entered = true;
      while (!release) std::this_thread::yield();
      return ReconcileResult::Done();
    }
  } rec;
  ControllerOptions co;
  co.workers = 1;
  Controller& c = mgr.AddController(std::move(co), rec);
  kube::Cancellation stop;
  auto run = std::async(std::launch::async, [&] { return mgr.Run(stop); });
  ASSERT_TRUE(Eventually([&] { return mgr.Leading(); }));
  c.queue().Add("ml/a");
  c.queue().Add("ml/b");
  ASSERT_TRUE(Eventually([&] { return rec.entered.load(); }));
  stop.Cancel();
  // While ml/a is in flight the lease stays held and ml/b is not started.
  EXPECT_EQ(run.wait_for(50ms), std::future_status::timeout);
  EXPECT_EQ(api.Stored(kube::resources::Leases(), "ns", "l")["spec"]["holderIdentity"], "me");
  rec.release = true;
  EXPECT_TRUE(run.get().ok());
  EXPECT_EQ(rec.calls.load(), 1);
  EXPECT_FALSE(api.Stored(kube::resources::Leases(), "ns", "l")["spec"].contains("holderIdentity"));
}

TEST(ManagerTest, BadProbeAddressIsAClearError) {
  FakeClock clock;
  FakeClient api;
  MetricsRegistry registry;
  ManagerOptions o;
  o.probe_address = "localhost";
  Manager mgr(api, registry, o, clock);
  kube::Cancellation stop;
  Status s = mgr.Run(stop);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("localhost"), std::string::npos);
}

}  // namespace
}  // namespace skewgate::runtime

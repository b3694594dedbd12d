#include "kube/client_impl.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fake_transport.h"
#include "kube/errors.h"
#include "kube/request_metrics.h"

namespace skewgate::kube {
namespace {

using nlohmann::json;

std::string Header(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class ClientImplTest : public ::testing::Test {
 protected:
  ClientImplTest() : transport_(&clock_) {
    config_.server = "https://fake:6443";
    config_.token = "secret-token";
    config_.default_namespace = "ml";
    config_.source = "kubeconfig /tmp/kc";
    config_.user = "me";
    ClientOptions o;
    o.clock = &clock_;
    o.observer = &counter_;
    o.max_throttle_retries = 2;
    client_ = NewClientWithTransport(config_, transport_.Share(), o);
  }

  FakeClock clock_;
  FakeTransport transport_;
  KubeConfig config_;
  RequestCounter counter_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientImplTest, GetBuildsPathAndHeaders) {
  transport_.Push({200, {}, R"({"kind":"ReplicaSet","metadata":{"name":"rs"}})"});
  auto rs = client_->Get(resources::ReplicaSets(), "", "rs");
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  EXPECT_EQ((*rs)["kind"], "ReplicaSet");
  auto req = transport_.requests().at(0);
  EXPECT_EQ(req.method, "GET");
  // An empty namespace falls back to the config's default namespace.
  EXPECT_EQ(req.target, "/apis/apps/v1/namespaces/ml/replicasets/rs");
  EXPECT_EQ(Header(req, "Authorization"), "Bearer secret-token");
  EXPECT_EQ(Header(req, "Accept"), "application/json");
  EXPECT_EQ(counter_.Count("get", 200), 1u);
}

TEST_F(ClientImplTest, ApplyIsAPatchWithFieldManagerAndForce) {
  transport_.Push({200, {}, R"({"kind":"ModelDeployment"})"});
  json md = {{"apiVersion", "skewgate.io/v1alpha1"},
             {"kind", "ModelDeployment"},
             {"metadata", {{"name", "fraud"}, {"namespace", "team"}}}};
  ASSERT_TRUE(
      client_->ApplyStatus(resources::ModelDeployments(), "", md, {"skewgate", true, false}).ok());
  auto req = transport_.requests().at(0);
  EXPECT_EQ(req.method, "PATCH");
  EXPECT_EQ(req.target,
            "/apis/skewgate.io/v1alpha1/namespaces/team/modeldeployments/fraud/status"
            "?fieldManager=skewgate&force=true");
  EXPECT_EQ(Header(req, "Content-Type"), "application/apply-patch+yaml");
  EXPECT_EQ(json::parse(req.body), md);
  EXPECT_EQ(counter_.Count("apply", 200), 1u);

  // Without a field manager, nothing is sent.
  auto bad = client_->Apply(resources::ModelDeployments(), "", md, {});
  EXPECT_TRUE(IsInvalid(bad.status()));
  EXPECT_NE(bad.status().message().find("field manager"), std::string::npos);
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(ClientImplTest, DeleteSendsPropagationAndPreconditions) {
  transport_.Push({200, {}, R"({"kind":"Status","status":"Success"})"});
  DeleteOptions d;
  d.propagation_policy = "Foreground";
  d.precondition_uid = "u-1";
  d.precondition_resource_version = "42";
  ASSERT_TRUE(client_->Delete(resources::Pods(), "ns", "p", d).ok());
  auto req = transport_.requests().at(0);
  EXPECT_EQ(req.method, "DELETE");
  EXPECT_EQ(req.target, "/api/v1/namespaces/ns/pods/p");
  json body = json::parse(req.body);
  EXPECT_EQ(body["propagationPolicy"], "Foreground");
  EXPECT_EQ(body["preconditions"]["uid"], "u-1");
  EXPECT_EQ(body["preconditions"]["resourceVersion"], "42");
}

TEST_F(ClientImplTest, ListEncodesSelectorsAndRestoresKinds) {
  transport_.Push(
      {200,
       {},
       R"({"metadata":{"resourceVersion":"77","continue":"tok"},"items":[{"metadata":{"name":"a"}}]})"});
  ListOptions lo;
  lo.label_selector = "app=x,tier in (a,b)";
  lo.limit = 10;
  auto list = client_->List(resources::Pods(), "ns", lo);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->resource_version, "77");
  EXPECT_EQ(list->continue_token, "tok");
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0]["kind"], "Pod");
  EXPECT_EQ(list->items[0]["apiVersion"], "v1");
  EXPECT_EQ(transport_.requests().at(0).target,
            "/api/v1/namespaces/ns/pods?labelSelector=app%3Dx%2Ctier%20in%20%28a%2Cb%29&limit=10");
}

TEST_F(ClientImplTest, TooManyRequestsWaitsForRetryAfterOnTheClock) {
  transport_.Push({429, {{"retry-after", "3"}}, R"({"kind":"Status","reason":"TooManyRequests"})"});
  transport_.Push({200, {}, R"({"kind":"Pod"})"});
  std::atomic<bool> done{false};
  StatusOr<json> result = InternalError("not run");
  std::thread t([&] {
    result = client_->Get(resources::Pods(), "ns", "p");
    done = true;
  });
  // Drive fake time until the request completes; no real sleeping.
  while (!done) {
    clock_.Advance(std::chrono::milliseconds(100));
    std::this_thread::yield();
  }
  t.join();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto times = transport_.times();
  ASSERT_EQ(times.size(), 2u);
  EXPECT_GE(times[1] - times[0], std::chrono::seconds(3));
  EXPECT_EQ(counter_.Count("get", 429), 1u);
  EXPECT_EQ(counter_.Count("get", 200), 1u);
}

TEST_F(ClientImplTest, TooManyRequestsGivesUpAfterTheRetryBudget) {
  for (int i = 0; i < 3; ++i) transport_.Push({429, {{"retry-after", "0"}}, ""});
  auto r = client_->Get(resources::Pods(), "ns", "p");
  EXPECT_TRUE(IsTooManyRequests(r.status())) << r.status().ToString();
  EXPECT_EQ(transport_.requests().size(), 3u);  // first try + max_throttle_retries
}

TEST_F(ClientImplTest, ConflictIsNotRetriedByTheClient) {
  transport_.Push({409, {}, R"({"kind":"Status","reason":"Conflict","message":"changed"})"});
  auto r = client_->Update(resources::ConfigMaps(), "ns", {{"metadata", {{"name", "c"}}}}, {});
  EXPECT_TRUE(IsConflict(r.status()));
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(counter_.Count("update", 409), 1u);
}

TEST_F(ClientImplTest, TransportFailureIsUnavailableAndCountedAsCodeZero) {
  transport_.PushError(UnavailableError("connect to https://fake:6443: Connection refused"));
  auto r = client_->Get(resources::Pods(), "ns", "p");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("get pods ns/p"), std::string::npos);
  EXPECT_NE(r.status().message().find("https://fake:6443"), std::string::npos);
  EXPECT_EQ(counter_.Count("get", 0), 1u);
}

TEST_F(ClientImplTest, UnauthorizedNamesUserAndSource) {
  transport_.Push({401, {}, R"({"kind":"Status","reason":"Unauthorized","code":401})"});
  auto r = client_->Get(resources::Pods(), "ns", "p");
  EXPECT_TRUE(IsUnauthorized(r.status()));
  EXPECT_NE(r.status().message().find("user \"me\" in kubeconfig /tmp/kc"), std::string::npos)
      << r.status().message();
}

TEST_F(ClientImplTest, NonJsonSuccessBodyIsDataLoss) {
  transport_.Push({200, {}, "<html>proxy</html>"});
  auto r = client_->Get(resources::Pods(), "ns", "p");
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
}

TEST_F(ClientImplTest, WatchDecodesChunksAcrossEventBoundaries) {
  std::string e1 = R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}})";
  std::string e2 = R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})";
  std::string all = e1 + "\n" + e2 + "\n";
  transport_.Push({200, {}, ""}, {all.substr(0, 7), all.substr(7, 70), all.substr(77)});
  std::vector<std::string> rvs;
  Cancellation cancel;
  WatchOptions wo;
  wo.resource_version = "4";
  wo.timeout_seconds = 321;
  Status s = client_->Watch(
      resources::ConfigMaps(), "ns", wo,
      [&](WatchEvent&& e) {
        rvs.push_back(e.object["metadata"]["resourceVersion"]);
        return true;
      },
      cancel);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(rvs, (std::vector<std::string>{"5", "9"}));
  EXPECT_EQ(transport_.requests().at(0).target,
            "/api/v1/namespaces/ns/configmaps?watch=true&resourceVersion=4&allowWatchBookmarks="
            "true&timeoutSeconds=321");
  EXPECT_EQ(counter_.Count("watch", 200), 1u);
}

TEST_F(ClientImplTest, WatchErrorEventAndHttpGoneAreBothGone) {
  transport_.Push({200, {}, ""},
                  {R"({"type":"ERROR","object":{"kind":"Status","reason":"Expired","code":410,)"
                   R"("message":"too old resource version"}})"
                   "\n"});
  transport_.Push({410, {}, R"({"kind":"Status","reason":"Gone","code":410})"});
  Cancellation cancel;
  int events = 0;
  auto handler = [&](WatchEvent&&) { return ++events > 0; };
  Status a = client_->Watch(resources::Pods(), "ns", {}, handler, cancel);
  Status b = client_->Watch(resources::Pods(), "ns", {}, handler, cancel);
  EXPECT_TRUE(IsGone(a)) << a.ToString();
  EXPECT_TRUE(IsGone(b)) << b.ToString();
  EXPECT_EQ(events, 0) << "ERROR events are returned, not delivered";
}

TEST_F(ClientImplTest, WatchCutMidEventIsAnError) {
  transport_.Push({200, {}, ""}, {R"({"type":"ADDED","obj)"});
  Cancellation cancel;
  Status s = client_->Watch(
      resources::Pods(), "ns", {}, [](WatchEvent&&) { return true; }, cancel);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
}

TEST(ClientTokenFileTest, TokenFileIsReReadWhenItChanges) {
  std::string path = std::filesystem::temp_directory_path() / "skewgate-token-rotation-test";
  std::ofstream(path) << "one\n";
  FakeTransport t;
  t.Push({200, {}, "{}"});
  t.Push({200, {}, "{}"});
  KubeConfig cfg;
  cfg.server = "https://fake:6443";
  cfg.token_file = path;
  auto c = NewClientWithTransport(cfg, t.Share());
  ASSERT_TRUE(c->Get(resources::Pods(), "ns", "p").ok());
  std::ofstream(path, std::ios::trunc) << "rotated-token";  // another size: a change
  ASSERT_TRUE(c->Get(resources::Pods(), "ns", "p").ok());
  EXPECT_EQ(Header(t.requests().at(0), "Authorization"), "Bearer one");
  EXPECT_EQ(Header(t.requests().at(1), "Authorization"), "Bearer rotated-token");
  std::filesystem::remove(path);
}

// The real transport against a loopback port nobody listens on: a prompt, clear error.
TEST(CpprestTransportTest, UnreachableServerIsUnavailableNamingIt) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);
  close(fd);  // nothing listens there now

  KubeConfig cfg;
  cfg.server = "https://127.0.0.1:" + std::to_string(port);
  cfg.source = "kubeconfig /tmp/kc";
  auto c = NewClient(cfg);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto r = (*c)->Get(resources::Pods(), "ns", "p");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find(cfg.server), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
}

TEST(CpprestTransportTest, BadTlsMaterialIsReportedAtConstruction) {
  KubeConfig cfg;
  cfg.server = "https://127.0.0.1:6443";
  cfg.source = "kubeconfig /tmp/kc";
  cfg.client_cert_pem = "not a certificate";
  cfg.client_key_pem = "not a key";
  auto c = NewClient(cfg);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(IsInvalid(c.status()));
  EXPECT_NE(c.status().message().find("kubeconfig /tmp/kc: client-certificate"), std::string::npos)
      << c.status().message();

  cfg.client_cert_pem.clear();
  cfg.client_key_pem.clear();
  cfg.ca_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  auto ca = NewClient(cfg);
  ASSERT_FALSE(ca.ok());
  EXPECT_NE(ca.status().message().find("certificate-authority"), std::string::npos)
      << ca.status().message();

  cfg.ca_pem.clear();
  cfg.server = "not a url";
  EXPECT_FALSE(NewClient(cfg).ok());
}

}  // namespace
}  // namespace skewgate::kube

// The real skewgate-sidecar binary between a client and an upstream, over sockets on
// 127.0.0.1: transparency, exact counts, bad input, mirroring, readiness, drain.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "skew/baseline.h"
#include "unit/sidecar/net_test_util.h"

namespace skewgate::testing {
namespace {

using Buckets = std::vector<uint64_t>;

std::string Response(int status, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

// A deterministic upstream: no Date header, so direct and proxied bytes can be compared.
std::string Canned(const RawServer::Request& r, bool* close) {
  const std::string& t = r.target;
  if (t == "/ok") return Response(200, "hello", "X-A: 1\r\nx-lower: two\r\n");
  if (t == "/notfound") return Response(404, "{\"error\":\"nope\"}");
  if (t == "/fail") return Response(500, "boom");
  if (t == "/v2/health/ready") return Response(200, "{\"ready\":true}");
  if (t == "/chunked") {
    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n5;ext=1\r\nhello\r\n"
           "0\r\nTrailer-X: y\r\n\r\n";
  }
  if (t == "/big") return Response(200, std::string(10 << 20, 'b'));
  if (t == "/echo") return Response(200, r.body);
  if (t == "/headers") {
    std::string h;
    for (int i = 0; i < 150; ++i)
      h += "X-Header-" + std::to_string(i) + ": value " + std::to_string(i) + "\r\n";
    return Response(200, "many", h);
  }
  if (t == "/close") {
    *close = true;
    return Response(200, "bye", "Connection: close\r\n");
  }
  if (t == "/eof") {
    *close = true;
    return "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close";
  }
  // Any inference path: two predictions.
  return Response(200, "{\"predictions\":[0.7,0.2]}", "Content-Type: application/json\r\n");
}

std::string Get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}
std::string Post(const std::string& path, const std::string& body) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string BaselinePath() {
  static std::string path = [] {
    skew::Baseline b =
        MakeBaseline({{"a", {0, 10}}, {"b", {5}}, {"score", {0.5}, skew::FeatureRole::kOutput}},
                     {{"c", {"x", "y"}}});
    return WriteTempFile("baseline.json", skew::SerializeBaseline(b));
  }();
  return path;
}

class ProxyTest : public ::testing::Test {
 protected:
  void StartSidecar(int upstream_port, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {SiblingBinary("skewgate-sidecar"),
                                     "--listen-address",
                                     "127.0.0.1",
                                     "--port",
                                     "0",
                                     "--admin-port",
                                     "0",
                                     "--upstream",
                                     "127.0.0.1:" + std::to_string(upstream_port),
                                     "--baseline",
                                     BaselinePath(),
                                     "--revision",
                                     "rev-1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    sidecar_ = std::make_unique<Daemon>(argv);
    ASSERT_TRUE(sidecar_->ok()) << "sidecar did not start: '" << sidecar_->first_line() << "'";
  }
  nlohmann::json Stats() {
    std::string raw = RawExchange(sidecar_->admin_port(), Get("/stats?flush=1"));
    return nlohmann::json::parse(BodyOf(raw), nullptr, false);
  }
  std::string Metrics() { return BodyOf(RawExchange(sidecar_->admin_port(), Get("/metrics"))); }

  RawServer upstream_{Canned};
  std::unique_ptr<Daemon> sidecar_;
};

TEST_F(ProxyTest, ResponsesAreByteIdenticalToDirect) {
  StartSidecar(upstream_.port());
  std::string chunked_upload =
      "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n"
      "2\r\nef\r\n0\r\n\r\n";
  std::vector<std::string> corpus = {
      Get("/ok"),
      Get("/notfound"),
      Get("/fail"),
      Get("/chunked"),
      Get("/big"),
      Get("/headers"),
      Post("/echo", std::string(10 << 20, 'u')),
      chunked_upload,
      Get("/close"),
      Get("/eof"),
      Get("/ok", "Connection: close\r\n"),
      "GET /ok HTTP/1.0\r\n\r\n",
  };
  for (const auto& req : corpus) {
    std::string direct = RawExchange(upstream_.port(), req);
    std::string proxied = RawExchange(sidecar_->port(), req);
    ASSERT_FALSE(direct.empty()) << req.substr(0, 40);
    EXPECT_EQ(direct.size(), proxied.size()) << req.substr(0, 40);
    EXPECT_TRUE(direct == proxied) << req.substr(0, 40) << "\nproxied: " << proxied.substr(0, 200);
  }
}

TEST_F(ProxyTest, KeepAliveReusesOneUpstreamConnection) {
  StartSidecar(upstream_.port());
  std::string batch;
  for (int i = 0; i < 20; ++i) batch += i % 2 ? Get("/ok") : Get("/chunked");
  int before = upstream_.connections();
  std::string direct = RawExchange(upstream_.port(), batch, 20);
  int after_direct = upstream_.connections();
  std::string proxied = RawExchange(sidecar_->port(), batch, 20);
  EXPECT_TRUE(direct == proxied);
  EXPECT_EQ(after_direct - before, 1);
  EXPECT_EQ(upstream_.connections() - after_direct, 1) << "20 pipelined requests, one upstream";
  // Sequential client connections reuse the pooled upstream connection too.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(StatusOf(RawExchange(sidecar_->port(), Get("/ok"))), 200);
  EXPECT_EQ(upstream_.connections() - after_direct, 1);
}

TEST_F(ProxyTest, CountsExactlyForV1V2AndRows) {
  unsetenv("POD_NAMESPACE");  // the namespace label below is empty outside a pod
  StartSidecar(upstream_.port(), {"--tensor-columns", "input-0=a,b"});
  std::vector<std::string> bodies = {
      // V1: arrays (positional a, b, c) and objects.
      R"({"instances": [[1, 7, "x"], [-1, 2, "zzz"]]})",
      R"({"instances": [{"a": 12, "c": "y"}]})",
      // V2 flat, two inputs (c missing in both rows).
      R"({"inputs": [{"name": "a", "shape": [2], "datatype": "FP64", "data": [5, 20]},
                     {"name": "b", "shape": [2], "datatype": "FP64", "data": [9, 9]}]})",
      // V2 nested, one tensor mapped to a, b.
      R"({"inputs": [{"name": "input-0", "shape": [1, 2], "datatype": "FP64", "data": [[-3, 1]]}]})",
      // Rows.
      R"([{"a": 0, "b": 5, "c": "x"}])",
  };
  for (const auto& b : bodies) {
    ASSERT_EQ(StatusOf(RawExchange(sidecar_->port(), Post("/v1/models/m:predict", b))), 200);
  }
  auto s = Stats();
  ASSERT_TRUE(s.is_object());
  auto f = s["counts"]["features"];
  // a values: 1, -1, 12, 5, 20, -3, 0  → <0: 2, [0,10): 3, >=10: 2
  EXPECT_EQ(f["a"].get<Buckets>(), (Buckets{2, 3, 2, 0, 0}));
  // b values: 7, 2, (missing), 9, 9, 1, 5 → <5: 2, >=5: 4, missing 1
  EXPECT_EQ(f["b"].get<Buckets>(), (Buckets{2, 4, 0, 1}));
  // c values: x, zzz, y, missing×3, x
  EXPECT_EQ(f["c"].get<Buckets>(), (Buckets{2, 1, 1, 3}));
  // Every response has predictions [0.7, 0.2]; 5 responses.
  EXPECT_EQ(f["score"].get<Buckets>(), (Buckets{5, 5, 0, 0}));
  EXPECT_EQ(s["totals"]["rows"], 7);
  EXPECT_EQ(s["revision"], "rev-1");
  EXPECT_EQ(s["protocols"]["v1"], 2);
  EXPECT_EQ(s["protocols"]["v2"], 2);
  EXPECT_EQ(s["protocols"]["rows"], 1);
  EXPECT_EQ(s["dropped"], 0);
  EXPECT_EQ(s["startId"].get<std::string>().size(), 32u);

  // /metrics carries the same counters, bucket by bucket, so Prometheus' copy equals /stats.
  std::string metrics = Metrics();
  for (const auto& [feature, buckets] : f.items()) {
    for (size_t i = 0; i < buckets.size(); ++i) {
      std::string series =
          "skewgate_sidecar_feature_bin_total{namespace=\"\",revision=\"rev-1\","
          "feature=\"" +
          feature + "\",bin=\"" + std::to_string(i) + "\"} " +
          std::to_string(buckets[i].get<uint64_t>()) + "\n";
      EXPECT_NE(metrics.find(series), std::string::npos) << series << metrics;
    }
  }
  EXPECT_NE(metrics.find("skewgate_sidecar_baseline_info{namespace=\"\",revision=\"rev-1\","
                         "baseline_hash=\"" +
                         s["baselineHash"].get<std::string>() + "\",start_id=\"" +
                         s["startId"].get<std::string>() + "\"} 1\n"),
            std::string::npos)
      << metrics;
}

TEST_F(ProxyTest, MalformedPayloadsAreForwardedUnchangedAndCounted) {
  StartSidecar(upstream_.port());
  std::vector<std::pair<std::string, std::string>> cases = {
      {"{not json", "invalid_json"},
      {std::string(200000, '['), "too_deep"},
      {std::string("{\"instances\": [[\"\xff\xfe\", 1, 2]]}"), "invalid_utf8"},
  };
  for (const auto& [body, reason] : cases) {
    std::string req = Post("/echo", body);
    EXPECT_TRUE(RawExchange(upstream_.port(), req) == RawExchange(sidecar_->port(), req)) << reason;
  }
  // NaN/Infinity literals and type-confused values are counted where they belong.
  std::string odd = R"({"instances": [[NaN, "seven", "x"], [Infinity, [1], {"k": 1}]]})";
  EXPECT_EQ(StatusOf(RawExchange(sidecar_->port(), Post("/v1/models/m:predict", odd))), 200);
  auto s = Stats();
  EXPECT_EQ(s["parseErrors"]["invalid_json"], 1);
  EXPECT_EQ(s["parseErrors"]["too_deep"], 1);
  EXPECT_EQ(s["parseErrors"]["invalid_utf8"], 1);
  auto f = s["counts"]["features"];
  EXPECT_EQ(f["a"].get<Buckets>(), (Buckets{0, 0, 1, 1, 0}));  // +inf in the last bucket, NaN
  EXPECT_EQ(f["b"].get<Buckets>(), (Buckets{0, 0, 1, 1}));     // "seven" → NaN; [1] → missing
  EXPECT_EQ(f["c"].get<Buckets>(), (Buckets{1, 0, 0, 1}));     // {"k":1} → missing
  EXPECT_EQ(s["totals"]["typeMismatches"], 2);
}

TEST_F(ProxyTest, BadInputGetsTheRight4xxAndOthersAreUnaffected) {
  StartSidecar(upstream_.port(), {"--max-body-bytes", "1000000", "--header-timeout-ms", "300"});
  // Oversized body by Content-Length: refused before any byte of it is read.
  std::string big = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n";
  EXPECT_EQ(StatusOf(SendAndReadToClose(sidecar_->port(), big)), 413);
  // Oversized chunked body: refused when the limit is crossed.
  std::string chunk = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) chunk += "186A0\r\n" + std::string(100000, 'c') + "\r\n";
  EXPECT_EQ(StatusOf(SendAndReadToClose(sidecar_->port(), chunk)), 413);
  // Not HTTP.
  EXPECT_EQ(StatusOf(SendAndReadToClose(sidecar_->port(), "GARBAGE\r\n\r\n")), 400);
  EXPECT_EQ(StatusOf(SendAndReadToClose(sidecar_->port(), "GET / HTTP/9.9\r\n\r\n")), 400);
  // Wrong Content-Length values.
  EXPECT_EQ(StatusOf(SendAndReadToClose(
                sidecar_->port(), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n")),
            400);
  EXPECT_EQ(StatusOf(SendAndReadToClose(sidecar_->port(),
                                        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                                        "Content-Length: 4\r\n\r\nabcd")),
            400);
  // Slowloris: an unfinished header is cut off with 408 after the header timeout, while
  // another client is served normally meanwhile.
  auto slow = std::async(std::launch::async, [&] {
    return SendAndReadToClose(sidecar_->port(), "GET /ok HTTP/1.1\r\nHost: t\r\nX-Slow: 1", 10000);
  });
  EXPECT_EQ(StatusOf(RawExchange(sidecar_->port(), Get("/ok"))), 200);
  std::string slow_answer = slow.get();
  EXPECT_EQ(StatusOf(slow_answer), 408) << slow_answer;
  // Huge header.
  std::string huge =
      "GET /ok HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(100000, 'h') + "\r\n\r\n";
  EXPECT_EQ(StatusOf(SendAndReadToClose(sidecar_->port(), huge)), 431);
  // Still alive and serving.
  EXPECT_EQ(StatusOf(RawExchange(sidecar_->port(), Get("/ok"))), 200);
  EXPECT_NE(Metrics().find("skewgate_sidecar_client_errors_total 8"), std::string::npos)
      << Metrics();
}

TEST_F(ProxyTest, UnreachableUpstreamIs502AndNotReady) {
  RawServer* none = nullptr;
  (void)none;
  int closed_port;
  {
    RawServer tmp([](const RawServer::Request&, bool*) { return std::string(); });
    closed_port = tmp.port();
  }  // closed now: nothing listens there
  StartSidecar(closed_port);
  std::string r = RawExchange(sidecar_->port(), Get("/ok"));
  EXPECT_EQ(StatusOf(r), 502);
  EXPECT_NE(r.find("upstream unreachable"), std::string::npos);
  EXPECT_EQ(StatusOf(RawExchange(sidecar_->admin_port(), Get("/readyz"))), 503);
  EXPECT_EQ(StatusOf(RawExchange(sidecar_->admin_port(), Get("/healthz"))), 200);
}

TEST_F(ProxyTest, ReadyWhenUpstreamIsReadyAndDrainsOnSigterm) {
  StartSidecar(upstream_.port());
  EXPECT_EQ(StatusOf(RawExchange(sidecar_->admin_port(), Get("/readyz"))), 200);
  int status = sidecar_->Terminate();
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(ProxyTest, MirrorsTheConfiguredShareWithoutChangingResponses) {
  std::atomic<int> mirrored{0};
  RawServer mirror([&](const RawServer::Request& r, bool*) {
    ++mirrored;
    return Response(503, "mirror answers are discarded");
  });
  StartSidecar(upstream_.port(),
               {"--mirror-url", "http://127.0.0.1:" + std::to_string(mirror.port()),
                "--mirror-percent", "50"});
  for (int i = 0; i < 10; ++i) {
    std::string req = Post("/v1/models/m:predict", "[{\"a\": 1}]");
    EXPECT_TRUE(RawExchange(sidecar_->port(), req) == RawExchange(upstream_.port(), req));
  }
  // Mirror calls finish asynchronously; wait for the counter (bounded), not for time.
  for (int i = 0;
       i < 500 && Metrics().find("skewgate_sidecar_mirror_sent_total 5") == std::string::npos;
       ++i) {
    usleep(10'000);
  }
  EXPECT_NE(Metrics().find("skewgate_sidecar_mirror_sent_total 5"), std::string::npos) << Metrics();
  EXPECT_EQ(mirrored.load(), 5);
}

// The shadow step: the controller rewrites the mounted configuration of pods that are
// already serving; mirroring must start and stop without a restart.
TEST_F(ProxyTest, MirroringFollowsTheConfigurationFileWhileServing) {
  std::atomic<int> mirrored{0};
  RawServer mirror([&](const RawServer::Request&, bool*) {
    ++mirrored;
    return Response(200, "{}");
  });
  std::string config = WriteTempFile("mirror-reload.json", "{\"protocol\": \"auto\"}\n");
  auto write_config = [&](const std::string& text) {
    std::string tmp = config + ".tmp";
    { std::ofstream(tmp) << text; }
    ASSERT_EQ(std::rename(tmp.c_str(), config.c_str()), 0);
  };
  auto wait_metric = [&](const std::string& line) {
    for (int i = 0; i < 500 && Metrics().find(line) == std::string::npos; ++i) usleep(10'000);
    return Metrics().find(line) != std::string::npos;
  };
  auto send = [&](int n) {
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(StatusOf(RawExchange(sidecar_->port(), Post("/v1/models/m:predict", "[1]"))), 200);
    }
  };
  StartSidecar(upstream_.port(), {"--config", config});
  ASSERT_TRUE(wait_metric("skewgate_sidecar_mirror_percent 0\n")) << Metrics();
  send(3);
  EXPECT_EQ(mirrored.load(), 0);

  write_config("{\"protocol\": \"auto\", \"mirror\": {\"url\": \"http://127.0.0.1:" +
               std::to_string(mirror.port()) + "\", \"percent\": 100}}\n");
  ASSERT_TRUE(wait_metric("skewgate_sidecar_mirror_percent 100\n")) << Metrics();
  send(4);
  EXPECT_TRUE(wait_metric("skewgate_sidecar_mirror_sent_total 4\n")) << Metrics();
  EXPECT_EQ(mirrored.load(), 4);

  write_config("{\"protocol\": \"auto\"}\n");  // the shadow step ended
  ASSERT_TRUE(wait_metric("skewgate_sidecar_mirror_percent 0\n")) << Metrics();
  send(5);
  // Switch it on again and send one more: when that one has arrived, any copy of the
  // five would have arrived before it (same thread, same order).
  write_config("{\"protocol\": \"auto\", \"mirror\": {\"url\": \"http://127.0.0.1:" +
               std::to_string(mirror.port()) + "\", \"percent\": 100}}\n");
  ASSERT_TRUE(wait_metric("skewgate_sidecar_mirror_percent 100\n")) << Metrics();
  send(1);
  EXPECT_TRUE(wait_metric("skewgate_sidecar_mirror_sent_total 5\n")) << Metrics();
  EXPECT_EQ(mirrored.load(), 5);
}

TEST_F(ProxyTest, CountsModelOutputsFromTheReferenceModelServer) {
  std::string model = WriteTempFile(
      "m.json", R"({"name":"m","kind":"logistic","features":["a","b"],"weights":[1,0],"bias":0})");
  Daemon ms({SiblingBinary("skewgate-model-server"), "--model", model, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(ms.ok());
  StartSidecar(ms.port(), {"--columns", "a,b"});
  // sigmoid(a): a=5 → 0.99 (>= 0.5), a=-5 → 0.0067 (< 0.5)
  EXPECT_EQ(StatusOf(RawExchange(sidecar_->port(), Post("/v1/models/m:predict",
                                                        R"({"instances": [[5, 1], [-5, 1]]})"))),
            200);
  EXPECT_EQ(StatusOf(RawExchange(
                sidecar_->port(),
                Post("/v2/models/m/infer",
                     R"({"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": [7]},
                                                {"name": "b", "shape": [1], "datatype": "FP64", "data": [0]}]})"))),
            200);
  auto f = Stats()["counts"]["features"];
  EXPECT_EQ(f["score"].get<Buckets>(), (Buckets{1, 2, 0, 0}));
  EXPECT_EQ(f["a"].get<Buckets>(), (Buckets{1, 2, 0, 0, 0}));
}

}  // namespace
}  // namespace skewgate::testing

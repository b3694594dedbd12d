// The /stats client against real sockets on 127.0.0.1 (port 0): a good document, a
// broken one, a non-200 answer, a peer that never answers (deadline), nobody listening.
#include "analysis/stats_client.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <thread>

namespace skewgate::analysis {
namespace {

using boost::asio::ip::tcp;

// Accepts one connection and answers it with `response` (or holds it open if empty).
class OneShotServer {
 public:
  explicit OneShotServer(std::string response)
      : acceptor_(ioc_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        response_(std::move(response)) {
    thread_ = std::thread([this] {
      boost::system::error_code ec;
      tcp::socket s(ioc_);
      acceptor_.accept(s, ec);
      if (ec) return;
      char buf[4096];
      s.read_some(boost::asio::buffer(buf), ec);
      if (response_.empty()) {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [this] { return done_; });
        return;
      }
      boost::asio::write(s, boost::asio::buffer(response_), ec);
    });
  }
  ~OneShotServer() {
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
    }
    cv_.notify_all();
    boost::system::error_code ec;
    acceptor_.close(ec);
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }

 private:
  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::string response_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

std::string Http200(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

const char* kStats =
    R"({"baselineHash":"sha256:abc","startId":"s1","revision":"r1","dropped":3,)"
    R"("counts":{"baselineHash":"sha256:abc","startId":"s1","features":{"country":[1,2,3,4]}}})";

TEST(StatsClientTest, ParsesAGoodDocument) {
  OneShotServer server(Http200(kStats));
  auto s = NewHttpStatsClient(std::chrono::seconds(2))->Fetch("127.0.0.1", server.port());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->baseline_hash, "sha256:abc");
  EXPECT_EQ(s->start_id, "s1");
  EXPECT_EQ(s->revision, "r1");
  EXPECT_EQ(s->dropped, 3u);
  EXPECT_EQ(s->counts.features.at("country"), (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(StatsClientTest, BrokenDocumentIsDataLossNamingTheField) {
  OneShotServer server(Http200(R"({"baselineHash":"sha256:abc","startId":"s1"})"));
  auto s = NewHttpStatsClient(std::chrono::seconds(2))->Fetch("127.0.0.1", server.port());
  EXPECT_EQ(s.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(s.status().message().find("counts"), std::string::npos);
}

TEST(StatsClientTest, Non200IsUnavailable) {
  OneShotServer server("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  auto s = NewHttpStatsClient(std::chrono::seconds(2))->Fetch("127.0.0.1", server.port());
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(s.status().message().find("503"), std::string::npos);
}

TEST(StatsClientTest, SilentPeerHitsTheDeadlineInsteadOfHanging) {
  OneShotServer server("");
  auto s = NewHttpStatsClient(std::chrono::milliseconds(200))->Fetch("127.0.0.1", server.port());
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(s.status().message().find("timed out"), std::string::npos) << s.status().message();
}

TEST(StatsClientTest, NobodyListeningIsUnavailable) {
  int port;
  {
    OneShotServer server("x");
    port = server.port();
    // Connect once so the server thread finishes and the port closes.
    boost::asio::io_context ioc;
    tcp::socket sock(ioc);
    sock.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }
  auto s = NewHttpStatsClient(std::chrono::seconds(1))->Fetch("127.0.0.1", port);
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace skewgate::analysis

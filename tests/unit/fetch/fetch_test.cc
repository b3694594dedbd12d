// Fetch against a local HTTP server on 127.0.0.1:0 and against file:// URIs.
#include "fetch/fetch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "support/cluster_env.h"
#include "unit/sidecar/net_test_util.h"

namespace skewgate::fetch {
namespace {

using skewgate::testing::MakeTempDir;
using skewgate::testing::RawServer;
namespace fs = std::filesystem;

const std::string kModel = R"({"name":"m","features":["a"],"weights":[1],"bias":0})";
std::string Digest(const std::string& s) { return "sha256:" + Sha256Hex(s); }

std::string Ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

class FetchTest : public ::testing::Test {
 protected:
  FetchOptions Options(const std::string& uri, const std::string& digest) {
    FetchOptions o;
    o.uri = uri;
    o.digest = digest;
    o.dest_dir = dir_;
    o.allow_http = true;
    o.attempts = 3;
    o.backoff = std::chrono::milliseconds(100);
    o.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d.count()); };
    return o;
  }
  std::string Url(const RawServer& s, const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(s.port()) + path;
  }
  std::string dir_ = MakeTempDir();
  std::vector<long> sleeps_;
};

TEST_F(FetchTest, GoodDigestLandsAtomicallyWithNothingElseLeft) {
  RawServer s([](const RawServer::Request&, bool*) { return Ok(kModel); });
  auto r = Fetch(Options(Url(s, "/models/v7/model.json"), Digest(kModel)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, dir_ + "/model.json");
  EXPECT_EQ(r->bytes, kModel.size());
  std::ifstream in(r->path);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(got, kModel);
  EXPECT_EQ(Files(dir_), std::vector<std::string>{"model.json"});
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(FetchTest, BadDigestNamesBothDigestsAndLeavesNothing) {
  RawServer s([](const RawServer::Request&, bool*) { return Ok(kModel); });
  std::string wrong = Digest("something else");
  auto r = Fetch(Options(Url(s, "/model.json"), wrong));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("expected " + wrong), std::string::npos);
  EXPECT_NE(r.status().message().find("got " + Digest(kModel)), std::string::npos);
  EXPECT_TRUE(Files(dir_).empty());
}

TEST_F(FetchTest, TruncatedTransferIsRetriedWithBackoffThenSucceeds) {
  std::atomic<int> calls{0};
  RawServer s([&](const RawServer::Request&, bool* close) {
    if (calls++ < 2) {
      *close = true;  // promise 100 bytes, send 10, hang up
      return "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + kModel.substr(0, 10);
    }
    return Ok(kModel);
  });
  auto r = Fetch(Options(Url(s, "/model.json"), Digest(kModel)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(sleeps_, (std::vector<long>{100, 200}));
  EXPECT_EQ(Files(dir_), std::vector<std::string>{"model.json"});
}

TEST_F(FetchTest, TruncatedEveryTimeFailsAsDataLoss) {
  RawServer s([&](const RawServer::Request&, bool* close) {
    *close = true;
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  });
  auto r = Fetch(Options(Url(s, "/model.json"), Digest(kModel)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos);
  EXPECT_NE(r.status().message().find("3 attempts"), std::string::npos);
  EXPECT_TRUE(Files(dir_).empty());
}

TEST_F(FetchTest, ServerErrorIsRetriedAndNotFoundIsNot) {
  std::atomic<int> calls{0};
  RawServer s([&](const RawServer::Request& r, bool*) {
    ++calls;
    if (r.target == "/missing")
      return std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    return std::string("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
  });
  auto r = Fetch(Options(Url(s, "/model.json"), Digest(kModel)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("503"), std::string::npos);
  EXPECT_EQ(calls.load(), 3);
  calls = 0;
  auto nf = Fetch(Options(Url(s, "/missing"), Digest(kModel)));
  EXPECT_EQ(nf.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_TRUE(Files(dir_).empty());
}

TEST_F(FetchTest, FollowsRedirectsButNotLoops) {
  RawServer s([](const RawServer::Request& r, bool*) {
    if (r.target == "/old/model.json") {
      return std::string(
          "HTTP/1.1 301 Moved\r\nLocation: /new/model.json\r\nContent-Length: 0\r\n\r\n");
    }
    if (r.target == "/loop")
      return std::string("HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n");
    return Ok(kModel);
  });
  auto r = Fetch(Options(Url(s, "/old/model.json"), Digest(kModel)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, dir_ + "/model.json");
  auto loop = Fetch(Options(Url(s, "/loop"), Digest(kModel)));
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.status().message().find("redirects"), std::string::npos);
}

TEST_F(FetchTest, FileUris) {
  std::string src = skewgate::testing::WriteTempFile("src-model.json", kModel);
  auto r = Fetch(Options("file://" + src, Digest(kModel)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, dir_ + "/src-model.json");
  auto missing = Fetch(Options("file:///nonexistent/model.json", Digest(kModel)));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(FetchTest, RefusesPlainHttpUnlessAllowedAndBadDigestsAndUris) {
  FetchOptions o = Options("http://127.0.0.1:1/m.json", Digest(kModel));
  o.allow_http = false;
  auto r = Fetch(o);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("--allow-http"), std::string::npos);
  EXPECT_EQ(Fetch(Options("http://127.0.0.1:1/m.json", "sha256:abc")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Fetch(Options("ftp://x/m.json", Digest(kModel))).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Fetch(Options("http://127.0.0.1:99999/m", Digest(kModel))).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ParseUri, SplitsHostPortAndTarget) {
  auto u = ParseUri("https://models.example.com:8443/a/b.json?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "models.example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/a/b.json?x=1");
  auto v6 = ParseUri("http://[::1]:81/m");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 81);
  EXPECT_EQ(ParseUri("https://h/")->port, 443);
  EXPECT_FALSE(ParseUri("https://h:/x").ok());
}

// The CLI: exit codes and the message an operator sees in the init container's log.
TEST(FetchCli, ExitsNonZeroNamingBothDigests) {
  std::string src = skewgate::testing::WriteTempFile("cli-model.json", kModel);
  std::string dir = MakeTempDir();
  std::string bin = skewgate::testing::SiblingBinary("skewgate");
  auto bad = skewgate::testing::RunCommand(
      {bin, "fetch", "--uri", "file://" + src, "--digest", Digest("x"), "--to", dir});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("expected " + Digest("x") + ", got " + Digest(kModel)), std::string::npos)
      << bad.err;
  EXPECT_TRUE(Files(dir).empty());
  auto good = skewgate::testing::RunCommand(
      {bin, "fetch", "--uri", "file://" + src, "--digest", Digest(kModel), "--to", dir});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_TRUE(fs::exists(dir + "/cli-model.json"));
  auto usage = skewgate::testing::RunCommand({bin, "fetch", "--uri", "file://" + src});
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
}  // namespace skewgate::fetch

#include "analysis/stats_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace skewgate::analysis {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

StatusOr<HttpAnswer> HttpGetAnswer(const std::string& host, int port, const std::string& target,
                                   std::chrono::milliseconds timeout) {
  const std::string where = "http://" + host + ":" + std::to_string(port) + target;
  boost::asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "skewgate-controller");
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  beast::error_code failure;
  const char* stage = "connecting to";

  // Everything runs as one async chain under one deadline, so a stalled peer cannot hang
  // the caller (the synchronous Beast calls ignore expires_after).
  stream.expires_after(timeout);
  resolver.async_resolve(host, std::to_string(port), [&](beast::error_code ec, auto results) {
    if (ec) {
      failure = ec;
      return;
    }
    stream.async_connect(results, [&](beast::error_code ec2, auto) {
      if (ec2) {
        failure = ec2;
        return;
      }
      stage = "sending to";
      http::async_write(stream, req, [&](beast::error_code ec3, size_t) {
        if (ec3) {
          failure = ec3;
          return;
        }
        stage = "reading from";
        http::async_read(stream, buffer, parser, [&](beast::error_code ec4, size_t) {
          if (ec4) failure = ec4;
        });
      });
    });
  });
  ioc.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (failure) {
    if (failure == beast::error::timeout) {
      return UnavailableError(std::string("timed out ") + stage + " " + where);
    }
    return UnavailableError(std::string(stage) + " " + where + ": " + failure.message());
  }
  auto& res = parser.get();
  return HttpAnswer{static_cast<int>(res.result_int()), std::move(res.body())};
}

StatusOr<std::string> HttpGet(const std::string& host, int port, const std::string& target,
                              std::chrono::milliseconds timeout) {
  SG_ASSIGN_OR_RETURN(HttpAnswer a, HttpGetAnswer(host, port, target, timeout));
  if (a.status != 200) {
    return UnavailableError("http://" + host + ":" + std::to_string(port) + target + " answered " +
                            std::to_string(a.status));
  }
  return std::move(a.body);
}

StatusOr<SidecarStats> ParseSidecarStats(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return DataLossError("/stats is not a JSON object");
  SidecarStats s;
  auto str = [&](const char* key, std::string* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      return DataLossError(std::string("/stats field ") + key + " is missing or not a string");
    }
    *out = it->get<std::string>();
    return OkStatus();
  };
  SG_RETURN_IF_ERROR(str("baselineHash", &s.baseline_hash));
  SG_RETURN_IF_ERROR(str("startId", &s.start_id));
  if (j.contains("revision") && j["revision"].is_string()) s.revision = j["revision"];
  auto counts = j.find("counts");
  if (counts == j.end()) return DataLossError("/stats field counts is missing");
  auto parsed = skew::CountsFromJsonValue(*counts);
  if (!parsed.ok()) return DataLossError("/stats field counts: " + parsed.status().message());
  s.counts = std::move(parsed).value();
  // The counters belong to this process; make that explicit even if the sidecar's counts
  // object did not repeat them.
  if (s.counts.start_id.empty()) s.counts.start_id = s.start_id;
  if (s.counts.baseline_hash.empty()) s.counts.baseline_hash = s.baseline_hash;
  if (j.contains("dropped") && j["dropped"].is_number_unsigned()) s.dropped = j["dropped"];
  return s;
}

namespace {

class HttpStatsClient final : public StatsClient {
 public:
  explicit HttpStatsClient(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  StatusOr<SidecarStats> Fetch(const std::string& host, int port) override {
    SG_ASSIGN_OR_RETURN(std::string body, HttpGet(host, port, "/stats", timeout_));
    auto s = ParseSidecarStats(body);
    if (!s.ok()) return s.status().WithContext(host + ":" + std::to_string(port));
    return s;
  }

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<StatsClient> NewHttpStatsClient(std::chrono::milliseconds timeout) {
  return std::make_unique<HttpStatsClient>(timeout);
}

}  // namespace skewgate::analysis

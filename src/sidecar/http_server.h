// HttpServer: a small asynchronous HTTP/1.1 server on Boost.Beast for the sidecar's admin
// port and the reference model server. Requests are read whole (up to a body limit) and
// handed to one handler; keep-alive, timeouts, 400/413 on bad input are handled here.
//
//   HttpServer server({.address = "127.0.0.1", .port = 0}, [](const HttpRequest& r) {
//     return HttpResponse{200, "text/plain", "ok\n"}; });
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"

namespace skewgate::sidecar {

struct HttpRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // path and query as sent
  std::string_view path;    // target without the query
  std::string_view query;   // after '?', may be empty
  std::string_view body;
  std::string_view content_type;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

// Called on an I/O thread: must not block for long. Must not throw.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  int threads = 1;
  uint64_t max_body_bytes = 32ull << 20;
  std::chrono::milliseconds timeout{30'000};  // per read/write: slow clients are cut off
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; errors name the address.
  Status Start();
  uint16_t port() const;
  // Runs the I/O threads until Stop(). RunInBackground returns at once.
  void Run();
  void RunInBackground();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" (IPv4 or a name; "[v6]:port"). Errors name the text.
Status SplitHostPort(std::string_view text, std::string* host, uint16_t* port);

}  // namespace skewgate::sidecar

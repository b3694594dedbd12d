// A small HTTP/1.1 server for the operator's own endpoints (/healthz, /readyz, /metrics):
// GET only, one response per connection, bounded request size and read timeout, served
// from one background thread. Not for user traffic.
//
//   HttpServer s;  s.Handle("/healthz", [] { return HttpResponse{200, "text/plain", "ok"}; });
//   SG_RETURN_IF_ERROR(s.Start("127.0.0.1", 0));  int port = s.port();
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"

namespace skewgate::runtime {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called on the server thread for each GET of its path; must not block for long.
using HttpHandler = std::function<HttpResponse()>;

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers `handler` for exactly `path` (query strings are ignored). Before Start().
  void Handle(const std::string& path, HttpHandler handler);

  // Binds `address:port` (port 0 picks a free one) and starts serving. Unavailable when
  // the address cannot be bound, naming it.
  Status Start(const std::string& address, int port);
  // The bound port, valid after a successful Start().
  int port() const { return port_; }
  // Stops accepting, closes connections and joins the thread. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::map<std::string, HttpHandler> handlers_;
  int port_ = 0;
};

// Splits "host:port" (or ":port", meaning all interfaces); InvalidArgument on bad input.
Status ParseListenAddress(const std::string& text, std::string* host, int* port);

}  // namespace skewgate::runtime

// The HTTP seam under Client: one request in, one response out, or a streamed body.
// Implementations own TLS and connections; nothing above this header sees an HTTP
// library type. The cpprestsdk adapter is transport_cpprest_impl.h.
//
//   SG_ASSIGN_OR_RETURN(auto t, NewCpprestTransport(config));
//   SG_ASSIGN_OR_RETURN(HttpResponse r, t->Send({.method = "GET", .target = "/version"}));
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "kube/cancellation.h"
#include "kube/config.h"

namespace skewgate::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // path and query, already encoded: "/api/v1/pods?limit=500"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Send: the whole exchange. Stream: the longest silence tolerated between chunks.
  Duration timeout = std::chrono::seconds(60);
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// Returns false to stop reading (the connection is then closed).
using BodyChunkHandler = std::function<bool(std::string_view)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Performs one exchange. Any HTTP status is a successful exchange (the caller maps
  // codes); errors are transport-level only: kUnavailable (connect, TLS, reset — the
  // message names the server and the cause, e.g. certificate verify failed),
  // kDeadlineExceeded (timeout). Never retries by itself.
  virtual StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;

  // Like Send, but a 2xx body is handed to `on_chunk` piece by piece as it arrives and is
  // not kept in the response. A non-2xx body is collected into the response instead.
  // Returns when the body ends (Ok), on_chunk returns false (Ok), `cancel` fires
  // (kCancelled), no byte arrives within request.timeout (kDeadlineExceeded), or the
  // connection fails (kUnavailable).
  virtual StatusOr<HttpResponse> Stream(const HttpRequest& request,
                                        const BodyChunkHandler& on_chunk,
                                        const Cancellation& cancel) = 0;

  // "https://127.0.0.1:6443", for messages.
  virtual const std::string& server() const = 0;
};

// The cpprestsdk (Boost.Asio + OpenSSL) transport for `config`: server URL, CA (verified
// unless insecure_skip_tls_verify), client certificate and key. InvalidArgument naming
// config.source when the URL or the PEM material does not parse.
StatusOr<std::unique_ptr<HttpTransport>> NewCpprestTransport(const KubeConfig& config);

}  // namespace skewgate::kube

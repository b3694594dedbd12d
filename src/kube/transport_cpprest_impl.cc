#include "kube/transport_cpprest_impl.h"

#include <cpprest/http_client.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/ssl.hpp>
#include <cctype>
#include <map>
#include <mutex>
#include <vector>

namespace skewgate::kube {

namespace http = web::http;
namespace client = web::http::client;

namespace {

struct TlsMaterial {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
};

// Trusts exactly the configured CA (not the system store as well), as client-go does, and
// presents the client certificate. Throws boost::system::system_error on bad PEM; callers
// catch it.
void ConfigureTls(boost::asio::ssl::context& ctx, const TlsMaterial& m) {
  if (!m.ca_pem.empty()) {
    SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
    ctx.add_certificate_authority(boost::asio::buffer(m.ca_pem));
  }
  if (!m.cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(m.cert_pem));
    ctx.use_private_key(boost::asio::buffer(m.key_pem), boost::asio::ssl::context::pem);
  }
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

HttpResponse HeadOf(const http::http_response& resp) {
  HttpResponse out;
  out.status = resp.status_code();
  for (const auto& [name, value] : resp.headers()) out.headers[Lower(name)] = value;
  return out;
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

}  // namespace

struct CpprestTransportImpl::State {
  std::string server;
  std::string source;
  bool verify = true;
  TlsMaterial tls;
  std::mutex mu;
  // One http_client per timeout: cpprest sets timeouts per client, not per request.
  std::map<int64_t, std::shared_ptr<client::http_client>> clients;

  client::http_client_config MakeConfig(Duration timeout) const {
    client::http_client_config cfg;
    // cpprest re-arms this timer on every socket read, so for a stream it is an idle
    // timeout rather than a bound on the whole exchange.
    cfg.set_timeout(std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
    cfg.set_validate_certificates(verify);
    TlsMaterial m = tls;
    cfg.set_ssl_context_callback([m](boost::asio::ssl::context& ctx) { ConfigureTls(ctx, m); });
    return cfg;
  }

  std::shared_ptr<client::http_client> ClientFor(Duration timeout) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
    std::lock_guard<std::mutex> lock(mu);
    auto& c = clients[ms];
    if (!c) c = std::make_shared<client::http_client>(server, MakeConfig(timeout));
    return c;
  }

  http::http_request ToCpprest(const HttpRequest& r) const {
    http::http_request req(r.method);
    req.set_request_uri(r.target);
    std::string content_type;
    for (const auto& [name, value] : r.headers) {
      if (Lower(name) == "content-type") {
        content_type = value;
      } else {
        req.headers().add(name, value);
      }
    }
    if (!r.body.empty() || !content_type.empty()) {
      req.set_body(r.body, content_type.empty() ? "application/json" : content_type);
    }
    return req;
  }

  // Turns whatever cpprest threw into one line naming the server and the cause.
  Status TransportError(const std::string& what, const std::exception& e,
                        const std::error_code& ec) const {
    std::string m = std::string(what) + " " + server + ": " + e.what();
    if (ec == std::errc::timed_out) {
      return DeadlineExceededError(m + " (no response within the timeout)");
    }
    std::string lower = Lower(e.what());
    if (lower.find("ssl") != std::string::npos || lower.find("handshake") != std::string::npos) {
      return UnavailableError(m +
                              " (TLS handshake failed: check that the certificate-authority "
                              "in " +
                              source +
                              " is the one that signed the server's "
                              "certificate, and the client certificate)");
    }
    return UnavailableError(m);
  }
};

StatusOr<std::unique_ptr<CpprestTransportImpl>> CpprestTransportImpl::Create(
    const KubeConfig& config) {
  auto state = std::make_unique<State>();
  state->server = config.server;
  state->source = config.source.empty() ? "the client configuration" : config.source;
  state->verify = !config.insecure_skip_tls_verify;
  state->tls = TlsMaterial{config.ca_pem, config.client_cert_pem, config.client_key_pem};
  if (!config.tls_server_name.empty()) {
    return UnimplementedError(state->source +
                              ": tls-server-name is not supported by this client; use a server "
                              "URL whose host is in the certificate");
  }
  try {
    web::uri uri(config.server);
    if (uri.host().empty() || (uri.scheme() != "https" && uri.scheme() != "http")) {
      return InvalidArgumentError(state->source + ": server \"" + config.server +
                                  "\" is not an http(s):// URL with a host");
    }
  } catch (const std::exception& e) {
    return InvalidArgumentError(state->source + ": server \"" + config.server +
                                "\" is not a valid URL: " + e.what());
  }
  // Build one TLS context now so that bad PEM is reported here, naming its role.
  try {
    boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
    if (!config.ca_pem.empty()) {
      try {
        ConfigureTls(ctx, TlsMaterial{config.ca_pem, "", ""});
      } catch (const std::exception& e) {
        return InvalidArgumentError(state->source + ": certificate-authority is not a PEM " +
                                    "certificate: " + e.what());
      }
    }
    if (!config.client_cert_pem.empty()) {
      try {
        ctx.use_certificate_chain(boost::asio::buffer(config.client_cert_pem));
      } catch (const std::exception& e) {
        return InvalidArgumentError(state->source + ": client-certificate is not a PEM " +
                                    "certificate: " + e.what());
      }
      try {
        ctx.use_private_key(boost::asio::buffer(config.client_key_pem),
                            boost::asio::ssl::context::pem);
      } catch (const std::exception& e) {
        return InvalidArgumentError(state->source +
                                    ": client-key is not a PEM private key: " + e.what());
      }
      if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
        ERR_clear_error();
        return InvalidArgumentError(state->source +
                                    ": client-key does not match client-certificate");
      }
    }
  } catch (const std::exception& e) {
    return InvalidArgumentError(state->source + ": TLS setup failed: " + e.what());
  }
  return std::unique_ptr<CpprestTransportImpl>(new CpprestTransportImpl(std::move(state)));
}

CpprestTransportImpl::CpprestTransportImpl(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

CpprestTransportImpl::~CpprestTransportImpl() = default;

const std::string& CpprestTransportImpl::server() const { return state_->server; }

StatusOr<HttpResponse> CpprestTransportImpl::Send(const HttpRequest& request) {
  try {
    auto c = state_->ClientFor(request.timeout);
    http::http_response resp = c->request(state_->ToCpprest(request)).get();
    HttpResponse out = HeadOf(resp);
    std::vector<unsigned char> body = resp.extract_vector().get();
    out.body.assign(body.begin(), body.end());
    return out;
  } catch (const http::http_exception& e) {
    return state_->TransportError(request.method + " " + request.target + " on", e, e.error_code());
  } catch (const std::exception& e) {
    return state_->TransportError(request.method + " " + request.target + " on", e, {});
  }
}

StatusOr<HttpResponse> CpprestTransportImpl::Stream(const HttpRequest& request,
                                                    const BodyChunkHandler& on_chunk,
                                                    const Cancellation& cancel) {
  pplx::cancellation_token_source cts;
  CancellationRegistration reg(cancel, [&cts] { cts.cancel(); });
  bool stopped = false;
  try {
    // A private client: the stream holds its connection for minutes, and its timeout is
    // the caller's idle timeout rather than the shared request timeout.
    client::http_client c(state_->server, state_->MakeConfig(request.timeout));
    http::http_response resp = c.request(state_->ToCpprest(request), cts.get_token()).get();
    HttpResponse out = HeadOf(resp);
    if (!Is2xx(out.status)) {
      std::vector<unsigned char> body = resp.extract_vector().get();
      out.body.assign(body.begin(), body.end());
      return out;
    }
    auto buf = resp.body().streambuf();
    std::vector<unsigned char> chunk(64 * 1024);
    for (;;) {
      // Ask for what is already there; when nothing is, wait for a single byte. cpprest's
      // buffer only completes a read of n bytes once n have arrived, so asking for a full
      // chunk would hold a quiet watch's events back.
      size_t avail = buf.in_avail();
      size_t want = avail == 0 ? 1 : std::min(avail, chunk.size());
      size_t n = buf.getn(chunk.data(), want).get();
      if (n == 0) break;
      if (!on_chunk(std::string_view(reinterpret_cast<const char*>(chunk.data()), n))) {
        stopped = true;
        cts.cancel();  // closes the connection; the rest of the body is not wanted
        break;
      }
    }
    if (!stopped) resp.content_ready().get();  // surfaces a connection cut mid-body
    if (cancel.cancelled()) return CancelledError("watch on " + state_->server + " cancelled");
    return out;
  } catch (const pplx::task_canceled&) {
    if (stopped) return HttpResponse{200, {}, {}};
    return CancelledError("request " + request.target + " on " + state_->server + " cancelled");
  } catch (const http::http_exception& e) {
    if (cancel.cancelled()) return CancelledError("watch on " + state_->server + " cancelled");
    if (stopped) return HttpResponse{200, {}, {}};
    return state_->TransportError(request.method + " " + request.target + " on", e, e.error_code());
  } catch (const std::exception& e) {
    if (cancel.cancelled()) return CancelledError("watch on " + state_->server + " cancelled");
    if (stopped) return HttpResponse{200, {}, {}};
    return state_->TransportError(request.method + " " + request.target + " on", e, {});
  }
}

StatusOr<std::unique_ptr<HttpTransport>> NewCpprestTransport(const KubeConfig& config) {
  auto t = CpprestTransportImpl::Create(config);
  if (!t.ok()) return t.status();
  return std::unique_ptr<HttpTransport>(std::move(t).value());
}

}  // namespace skewgate::kube

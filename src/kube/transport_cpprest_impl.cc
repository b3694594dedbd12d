#include "kube/transport_cpprest_impl.h"

#include <cpprest/http_client.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

// cpprest reports every handshake failure as "Error in SSL handshake". To say *why*
// (an untrusted CA, a name mismatch, a rejected client certificate), this repeats the
// handshake once with OpenSSL directly, bounded by a few seconds. Only on the error path.
std::string DiagnoseTls(const std::string& host, const std::string& port, const TlsMaterial& m) {
  constexpr int kTimeoutMs = 3000;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) return "";
  int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  bool connected = false;
  if (fd >= 0) {
    fcntl(fd, F_SETFL, O_NONBLOCK);
    if (connect(fd, res->ai_addr, res->ai_addrlen) == 0 || errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      connected = poll(&p, 1, kTimeoutMs) == 1 &&
                  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
  }
  freeaddrinfo(res);
  if (!connected) {
    if (fd >= 0) close(fd);
    return "";
  }
  fcntl(fd, F_SETFL, 0);
  timeval tv{kTimeoutMs / 1000, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  std::string out;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!m.ca_pem.empty()) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    BIO* bio = BIO_new_mem_buf(m.ca_pem.data(), static_cast<int>(m.ca_pem.size()));
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, cert);
      X509_free(cert);
    }
    BIO_free(bio);
  } else {
    SSL_CTX_set_default_verify_paths(ctx);
  }
  if (!m.cert_pem.empty()) {
    BIO* cb = BIO_new_mem_buf(m.cert_pem.data(), static_cast<int>(m.cert_pem.size()));
    BIO* kb = BIO_new_mem_buf(m.key_pem.data(), static_cast<int>(m.key_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    if (cert && key) {
      SSL_CTX_use_certificate(ctx, cert);
      SSL_CTX_use_PrivateKey(ctx, key);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // read the result, do not abort
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  }
  ERR_clear_error();
  int rc = SSL_connect(ssl);
  long verify = SSL_get_verify_result(ssl);
  if (rc == 1 && verify != X509_V_OK) {
    out = std::string("server certificate verify failed: ") + X509_verify_cert_error_string(verify);
  } else if (rc != 1) {
    unsigned long e = ERR_get_error();
    if (e != 0) {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      out = buf;
    }
  } else {
    // The handshake works now and the certificate verifies: the server likely refused
    // our client certificate on the real attempt, or the failure was transient.
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
  ERR_clear_error();
  return out;
}

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
      std::string why;
      try {
        web::uri uri(server);
        why = DiagnoseTls(uri.host(), std::to_string(uri.port() > 0 ? uri.port() : 443), tls);
      } catch (const std::exception&) {
      }
      if (!why.empty()) m += ": " + why;
      return UnavailableError(m + " (check that the certificate-authority in " + source +
                              " is the one that signed the server's certificate, and the "
                              "client certificate)");
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

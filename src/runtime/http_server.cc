#include "runtime/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "common/log.h"

namespace skewgate::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kReadTimeout = std::chrono::seconds(10);
constexpr size_t kMaxRequestBytes = 16 * 1024;

// One connection: read a request, write one response, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const std::map<std::string, HttpHandler>& handlers)
      : stream_(std::move(socket)), handlers_(handlers) {}

  void Run() {
    parser_.header_limit(kMaxRequestBytes);
    parser_.body_limit(kMaxRequestBytes);
    stream_.expires_after(kReadTimeout);
    http::async_read(
        stream_, buffer_, parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec) {
      // Timeouts and malformed requests just close the connection: nothing to answer.
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    const auto& req = parser_.get();
    HttpResponse r;
    std::string target(req.target());
    std::string path = target.substr(0, target.find('?'));
    auto it = handlers_.find(path);
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      r = {405, "text/plain; charset=utf-8", "method not allowed\n"};
    } else if (it == handlers_.end()) {
      r = {404, "text/plain; charset=utf-8", "not found\n"};
    } else {
      r = it->second();
    }
    res_.version(req.version());
    res_.result(static_cast<unsigned>(r.status));
    res_.set(http::field::content_type, r.content_type);
    res_.set(http::field::connection, "close");
    res_.body() = req.method() == http::verb::head ? "" : std::move(r.body);
    res_.prepare_payload();
    stream_.expires_after(kReadTimeout);
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> res_;
  const std::map<std::string, HttpHandler>& handlers_;
};

}  // namespace

struct HttpServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  const std::map<std::string, HttpHandler>* handlers = nullptr;

  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(s), *handlers)->Run();
      Accept();
    });
  }
};

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {}
HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(const std::string& path, HttpHandler handler) {
  handlers_[path] = std::move(handler);
}

Status HttpServer::Start(const std::string& address, int port) {
  if (impl_->thread.joinable()) return FailedPreconditionError("http server already started");
  std::string where = address + ":" + std::to_string(port);
  beast::error_code ec;
  auto ip = asio::ip::make_address(address.empty() ? "0.0.0.0" : address, ec);
  if (ec) return InvalidArgumentError("listen address '" + address + "' is not an IP address");
  tcp::endpoint ep(ip, static_cast<unsigned short>(port));
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acc.close(ec);
    return UnavailableError("cannot listen on " + where + ": " + ec.message());
  }
  port_ = acc.local_endpoint(ec).port();
  impl_->handlers = &handlers_;
  impl_->Accept();
  impl_->thread = std::thread([this] {
    // Handlers never throw by contract; anything that does is a bug worth a loud log.
    try {
      impl_->io.run();
    } catch (const std::exception& e) {
      SG_LOG(Error, "").Msg("http server stopped by an exception").Field("error", e.what());
    }
  });
  return OkStatus();
}

void HttpServer::Stop() {
  if (!impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
  // Closed only now, from this thread: with the io thread gone nothing else touches it,
  // and a closed listening socket refuses new connections instead of parking them.
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

Status ParseListenAddress(const std::string& text, std::string* host, int* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError("listen address '" + text + "' must be host:port or :port");
  }
  std::string p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(p) > 65535) {
    return InvalidArgumentError("listen address '" + text + "' has an invalid port");
  }
  *host = text.substr(0, colon);
  if (host->empty()) *host = "0.0.0.0";
  *port = std::stoi(p);
  return OkStatus();
}

}  // namespace skewgate::runtime

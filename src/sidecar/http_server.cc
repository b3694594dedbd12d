#include "sidecar/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <optional>

#include "common/log.h"

namespace skewgate::sidecar {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

class ServerSession : public std::enable_shared_from_this<ServerSession> {
 public:
  ServerSession(tcp::socket s, const HttpServerOptions& opt, const HttpHandler& handler)
      : stream_(std::move(s)), opt_(opt), handler_(handler) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(opt_.max_body_bytes);
    stream_.expires_after(opt_.timeout);
    http::async_read(
        stream_, buf_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted) {
      return Close();
    }
    if (ec) {
      // Bad input gets one clear answer, then the connection ends.
      bool too_big = ec == http::error::body_limit;
      HttpResponse r{
          too_big ? 413 : 400, "text/plain",
          too_big ? "request body too large\n" : "invalid HTTP request: " + ec.message() + "\n"};
      return Write(r, false, 11);
    }
    auto& req = parser_->get();
    HttpRequest hr;
    hr.method = std::string_view(req.method_string().data(), req.method_string().size());
    hr.target = std::string_view(req.target().data(), req.target().size());
    size_t q = hr.target.find('?');
    hr.path = hr.target.substr(0, q);
    hr.query = q == std::string_view::npos ? std::string_view() : hr.target.substr(q + 1);
    hr.body = req.body();
    auto ct = req[http::field::content_type];
    hr.content_type = std::string_view(ct.data(), ct.size());
    HttpResponse r = handler_(hr);
    Write(r, req.keep_alive(), req.version());
  }

  void Write(const HttpResponse& r, bool keep_alive, unsigned version) {
    res_.emplace();
    res_->version(version);
    res_->result(static_cast<unsigned>(r.status));
    res_->set(http::field::content_type, r.content_type);
    res_->body() = r.body;
    res_->keep_alive(keep_alive);
    res_->prepare_payload();
    stream_.expires_after(opt_.timeout);
    http::async_write(stream_, *res_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  const HttpServerOptions& opt_;
  const HttpHandler& handler_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions opt;
  HttpHandler handler;
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;

  void Accept() {
    acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (!acceptor->is_open()) return;
      if (!ec) {
        beast::error_code ignored;
        s.set_option(tcp::no_delay(true), ignored);
        std::make_shared<ServerSession>(std::move(s), opt, handler)->Read();
      }
      Accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->opt.address, ec);
  std::string where = impl_->opt.address + ":" + std::to_string(impl_->opt.port);
  if (ec) return InvalidArgumentError("address '" + impl_->opt.address + "' is not an IP address");
  tcp::endpoint ep(addr, impl_->opt.port);
  impl_->acceptor.emplace(impl_->ioc);
  if (impl_->acceptor->open(ep.protocol(), ec); ec) {
    return UnavailableError("open " + where + ": " + ec.message());
  }
  impl_->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (impl_->acceptor->bind(ep, ec); ec)
    return UnavailableError("bind " + where + ": " + ec.message());
  if (impl_->acceptor->listen(net::socket_base::max_listen_connections, ec); ec) {
    return UnavailableError("listen " + where + ": " + ec.message());
  }
  impl_->Accept();
  return OkStatus();
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor ? impl_->acceptor->local_endpoint(ec).port() : 0;
}

void HttpServer::Run() {
  for (int i = 1; i < impl_->opt.threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
}

void HttpServer::RunInBackground() {
  for (int i = 0; i < std::max(1, impl_->opt.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
}

void HttpServer::Stop() {
  if (!impl_) return;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
  impl_->threads.clear();
}

Status SplitHostPort(std::string_view text, std::string* host, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= text.size()) {
    return InvalidArgumentError("'" + std::string(text) + "' is not host:port");
  }
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::string_view p = text.substr(colon + 1);
  unsigned v = 0;
  auto r = std::from_chars(p.data(), p.data() + p.size(), v);
  if (r.ec != std::errc() || r.ptr != p.data() + p.size() || v > 65535 || h.empty()) {
    return InvalidArgumentError("'" + std::string(text) + "' is not host:port (port 0-65535)");
  }
  *host = std::string(h);
  *port = static_cast<uint16_t>(v);
  return OkStatus();
}

}  // namespace skewgate::sidecar

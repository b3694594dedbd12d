// Mirroring for the shadow step: a copy of a request goes to another address and its
// answer is read and thrown away. The primary exchange never waits for it; when too many
// mirror calls are in flight the copy is dropped and counted.
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>

#include "sidecar/proxy_internal.h"
#include "sidecar/relay_parser.h"

namespace skewgate::sidecar::internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

class MirrorCall : public std::enable_shared_from_this<MirrorCall> {
 public:
  MirrorCall(ProxyState& st, Worker& w, std::string raw)
      : st_(st), w_(w), socket_(w.ioc), timer_(w.ioc), raw_(std::move(raw)) {}

  void Start() {
    ++w_.mirror_in_flight;
    parser_.eager(true);
    timer_.expires_after(st_.opt.upstream_timeout);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Finish(false);
    });
    socket_.async_connect(w_.mirror, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Finish(false);
      net::async_write(self->socket_, net::buffer(self->raw_),
                       [self](beast::error_code ec, size_t) {
                         if (ec) return self->Finish(false);
                         self->Read();
                       });
    });
  }

 private:
  void Read() {
    socket_.async_read_some(
        buf_.prepare(16 * 1024), [self = shared_from_this()](beast::error_code ec, size_t n) {
          if (self->done_) return;
          self->buf_.commit(n);
          beast::error_code pec;
          self->parser_.put(self->buf_.data(), pec);
          self->buf_.consume(self->buf_.size());
          if (self->parser_.is_done()) return self->Finish(true);
          if (ec == net::error::eof && self->parser_.is_header_done() && self->parser_.need_eof()) {
            return self->Finish(true);
          }
          if (ec || (pec && pec != http::error::need_more)) return self->Finish(false);
          self->Read();
        });
  }

  void Finish(bool ok) {
    if (done_) return;
    done_ = true;
    --w_.mirror_in_flight;
    if (ok) {
      ++st_.counters.mirror_sent;
    } else {
      ++st_.counters.mirror_failed;
    }
    beast::error_code ec;
    timer_.cancel();
    socket_.close(ec);
  }

  ProxyState& st_;
  Worker& w_;
  tcp::socket socket_;
  net::steady_timer timer_;
  std::string raw_;
  beast::flat_buffer buf_;
  RelayParser<false> parser_{nullptr, 0};
  bool done_ = false;
};

}  // namespace

void StartMirror(ProxyState& state, Worker& w, std::string raw_request) {
  if (w.mirror_in_flight >= state.opt.mirror_max_in_flight) {
    ++state.counters.mirror_dropped;
    return;
  }
  auto call = std::make_shared<MirrorCall>(state, w, std::move(raw_request));
  call->Start();
}

}  // namespace skewgate::sidecar::internal

// One client connection of the proxy. The exchange is a relay: the RelayParser finds
// message boundaries and the consumed raw bytes are written on unchanged, request to the
// upstream and response back, so nothing is re-serialised. Everything runs on the
// worker's single thread: no locks, and handlers check `closed_` after any await.
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <limits>

#include "sidecar/proxy_internal.h"
#include "sidecar/relay_parser.h"

namespace skewgate::sidecar::internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 64 * 1024;

std::string ErrorResponse(int status, std::string_view reason, std::string_view body) {
  std::string r =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size() + 1) +
      "\r\nConnection: close\r\n\r\n";
  r.append(body);
  r.push_back('\n');
  return r;
}

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ProxyState& state, Worker& w, tcp::socket client)
      : st_(state), w_(w), client_(std::move(client)), timer_(w.ioc) {}

  void Start() {
    w_.sessions.insert(this);
    ++st_.counters.active_connections;
    beast::error_code ec;
    client_.set_option(tcp::no_delay(true), ec);
    ReadRequest();
  }

  bool Gone() const { return closed_ || failing_; }
  bool IsIdle() const { return phase_ == Phase::kIdle && cbuf_.size() == 0; }

  void Close() {
    if (closed_) return;
    closed_ = true;
    if (counted_in_flight_) --st_.counters.in_flight;
    counted_in_flight_ = false;
    --st_.counters.active_connections;
    w_.sessions.erase(this);
    beast::error_code ec;
    timer_.cancel();
    client_.shutdown(tcp::socket::shutdown_both, ec);
    client_.close(ec);
    if (upstream_) upstream_->close(ec);
    upstream_.reset();
  }

 private:
  enum class Phase { kIdle, kHeader, kBody, kUpstream };

  // --- timers -----------------------------------------------------------------------
  // One timer per session, re-armed lazily: moving the deadline costs no syscall.
  void Arm(std::chrono::milliseconds d) {
    deadline_ = SteadyClock::now() + d;
    // A later deadline is picked up when the pending wait fires; only an earlier one
    // needs the timer moved.
    if (timer_waiting_ && deadline_ >= timer_expiry_) return;
    Wait();
  }
  void Wait() {
    timer_waiting_ = true;
    timer_expiry_ = deadline_;
    timer_.expires_at(deadline_);  // cancels a pending wait; its handler sees aborted
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec == net::error::operation_aborted) return;
      self->OnTimer();
    });
  }
  void OnTimer() {
    timer_waiting_ = false;
    if (closed_) return;
    if (SteadyClock::now() < deadline_) return Wait();
    switch (phase_) {
      case Phase::kIdle: Close(); return;
      case Phase::kHeader:
      case Phase::kBody:
        ++st_.counters.client_errors;
        return Fail(408, "Request Timeout", "request not received in time");
      case Phase::kUpstream:
        ++st_.counters.upstream_errors;
        return Fail(504, "Gateway Timeout", "upstream did not answer in time");
    }
  }

  // --- request ------------------------------------------------------------------------
  void ReadRequest() {
    phase_ = Phase::kIdle;
    req_.emplace(&req_body_, st_.opt.stats_capture_bytes);
    req_->header_limit(static_cast<std::uint32_t>(st_.opt.max_header_bytes));
    req_->body_limit(st_.opt.max_body_bytes);
    req_->eager(true);
    replay_.clear();
    replayable_ = true;
    sampled_ = false;
    response_started_ = false;
    if (st_.draining && cbuf_.size() == 0) return Close();
    if (cbuf_.size() > 0) {
      phase_ = Phase::kHeader;
      Arm(st_.opt.header_timeout);
    } else {
      Arm(st_.opt.idle_timeout);
    }
    ParseRequest();
  }

  // The parser consumes the start line and fields as they arrive, before the header is
  // complete; those bytes stay at the front of cbuf_ (parsed_) until the header is whole,
  // so limits are checked before anything reaches the upstream.
  void ParseRequest() {
    while (cbuf_.size() > parsed_) {
      beast::error_code ec;
      size_t n = req_->put(net::buffer(cbuf_.data()) + parsed_, ec);
      if (ec == http::error::need_more) ec = {};
      if (ec) return RejectRequest(ec);
      parsed_ += n;
      if (n == 0 || req_->is_header_done()) break;
    }
    if (req_->is_header_done() && parsed_ > 0) {
      if (phase_ != Phase::kBody) OnHeader();
      size_t n = parsed_;
      parsed_ = 0;
      return ForwardRequest(n);
    }
    ReadClient();
  }

  void OnHeader() {
    phase_ = Phase::kBody;
    Arm(st_.opt.body_timeout);
    ++st_.counters.requests;
    ++st_.counters.in_flight;
    counted_in_flight_ = true;
  }

  void ReadClient() {
    client_.async_read_some(cbuf_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (self->Gone()) return;
                              self->cbuf_.commit(n);
                              if (ec) {
                                // EOF between requests is the normal end of a keep-alive
                                // connection; in the middle of a body it is a client that gave up.
                                if (self->phase_ == Phase::kBody)
                                  ++self->st_.counters.client_errors;
                                return self->Close();
                              }
                              if (self->phase_ == Phase::kIdle) {
                                self->phase_ = Phase::kHeader;
                                self->Arm(self->st_.opt.header_timeout);
                              }
                              self->ParseRequest();
                            });
  }

  void RejectRequest(const beast::error_code& ec) {
    ++st_.counters.client_errors;
    if (ec == http::error::body_limit) {
      return Fail(
          413, "Payload Too Large",
          "request body exceeds the limit of " + std::to_string(st_.opt.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return Fail(431, "Request Header Fields Too Large", "request header too large");
    }
    return Fail(400, "Bad Request", "invalid HTTP request: " + ec.message());
  }

  // Forwards the first n bytes of cbuf_ (just consumed by the parser) to the upstream.
  void ForwardRequest(size_t n) {
    if (replayable_) {
      if (replay_.size() + n <= st_.opt.replay_bytes) {
        replay_.append(static_cast<const char*>(cbuf_.data().data()), n);
      } else {
        replayable_ = false;
      }
    }
    if (!upstream_) return AcquireUpstream(n);
    WriteUpstream(n);
  }

  void AcquireUpstream(size_t n) {
    if (!w_.idle_upstream.empty()) {
      upstream_.emplace(std::move(w_.idle_upstream.back()));
      w_.idle_upstream.pop_back();
      upstream_reused_ = true;
      return WriteUpstream(n);
    }
    Connect([self = shared_from_this(), n] { self->WriteUpstream(n); });
  }

  template <typename Then>
  void Connect(Then then) {
    upstream_.emplace(w_.ioc);
    upstream_reused_ = false;
    ++st_.counters.upstream_connects;
    upstream_->async_connect(
        st_.upstream, [self = shared_from_this(), then = std::move(then)](beast::error_code ec) {
          if (self->Gone()) return;
          if (ec) {
            ++self->st_.counters.upstream_errors;
            return self->Fail(502, "Bad Gateway", "upstream unreachable: " + ec.message());
          }
          beast::error_code ignored;
          self->upstream_->set_option(tcp::no_delay(true), ignored);
          then();
        });
  }

  void WriteUpstream(size_t n) {
    net::async_write(*upstream_, net::buffer(cbuf_.data().data(), n),
                     [self = shared_from_this(), n](beast::error_code ec, size_t) {
                       if (self->Gone()) return;
                       self->cbuf_.consume(n);
                       if (ec) return self->UpstreamFailed(ec);
                       if (self->req_->is_done()) return self->StartResponse();
                       self->ParseRequest();
                     });
  }

  // A pooled connection the upstream had already closed fails on first use. When the
  // request is still replayable, retry once on a fresh connection.
  void UpstreamFailed(const beast::error_code& ec) {
    if (upstream_reused_ && replayable_ && !response_started_ && !retried_) {
      retried_ = true;
      ++st_.counters.upstream_retries;
      beast::error_code ignored;
      upstream_->close(ignored);
      ubuf_.consume(ubuf_.size());
      return Connect([self = shared_from_this()] { self->Replay(); });
    }
    ++st_.counters.upstream_errors;
    if (response_started_) return Close();
    Fail(502, "Bad Gateway", "upstream connection failed: " + ec.message());
  }

  void Replay() {
    net::async_write(*upstream_, net::buffer(replay_),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (self->Gone()) return;
                       if (ec) return self->UpstreamFailed(ec);
                       if (self->req_->is_done()) return self->StartResponse();
                       self->ParseRequest();
                     });
  }

  // --- response -----------------------------------------------------------------------
  void StartResponse() {
    phase_ = Phase::kUpstream;
    Arm(st_.opt.upstream_timeout);
    NewResponseParser();
    ParseResponse();
  }

  void NewResponseParser() {
    bool sample = req_->method() == http::verb::post && !req_body_.empty();
    res_.emplace(sample ? &res_body_ : nullptr, st_.opt.stats_capture_bytes);
    // Responses are streamed, never held whole. (Not boost::none: Beast 1.74 compares
    // an empty optional as "exceeded".)
    res_->body_limit(std::numeric_limits<std::uint64_t>::max());
    res_->eager(true);
    if (req_->method() == http::verb::head) res_->skip(true);
  }

  void ParseResponse() {
    if (ubuf_.size() > 0) {
      beast::error_code ec;
      size_t n = res_->put(ubuf_.data(), ec);
      if (ec == http::error::need_more) ec = {};
      if (ec) {
        ++st_.counters.upstream_errors;
        if (response_started_) return Close();
        return Fail(502, "Bad Gateway", "invalid HTTP response from upstream: " + ec.message());
      }
      if (n > 0) {
        if (res_->is_done() && (res_->status() < 100 || res_->status() >= 200)) {
          OnResponseComplete();  // before the last bytes go out: a client that reads
                                 // /stats right after its response sees its sample queued
        }
        return WriteClient(n);
      }
    }
    upstream_->async_read_some(
        ubuf_.prepare(kReadChunk), [self = shared_from_this()](beast::error_code ec, size_t n) {
          if (self->Gone()) return;
          self->ubuf_.commit(n);
          if (!ec) return self->ParseResponse();
          if (ec == net::error::eof && self->res_->is_header_done() && self->res_->need_eof()) {
            beast::error_code eof_ec;
            self->res_->put_eof(eof_ec);  // the body ran until the upstream closed
            self->upstream_done_ = true;
            if (!eof_ec) return self->FinishExchange();
          }
          if (!self->res_->got_some()) return self->UpstreamFailed(ec);
          ++self->st_.counters.upstream_errors;
          self->Close();  // truncated response: the client must see the break
        });
  }

  void WriteClient(size_t n) {
    response_started_ = true;
    net::async_write(client_, net::buffer(ubuf_.data().data(), n),
                     [self = shared_from_this(), n](beast::error_code ec, size_t) {
                       if (self->Gone()) return;
                       self->ubuf_.consume(n);
                       if (ec) return self->Close();
                       if (!self->res_->is_done()) return self->ParseResponse();
                       int status = self->res_->status();
                       if (status >= 100 && status < 200 && status != 101) {
                         self->NewResponseParser();  // 100 Continue: the real answer follows
                         return self->ParseResponse();
                       }
                       self->FinishExchange();
                     });
  }

  void FinishExchange() {
    ++st_.counters.responses;
    if (counted_in_flight_) --st_.counters.in_flight;
    counted_in_flight_ = false;
    retried_ = false;
    int status = res_->status();
    bool upstream_keep = !upstream_done_ && res_->keep_alive() && status != 101 &&
                         ubuf_.size() == 0 && w_.idle_upstream.size() < st_.opt.max_idle_upstream;
    if (upstream_keep) {
      w_.idle_upstream.push_back(std::move(*upstream_));
    } else {
      beast::error_code ec;
      upstream_->close(ec);
      ubuf_.consume(ubuf_.size());
    }
    upstream_.reset();
    upstream_done_ = false;
    OnResponseComplete();
    bool keep = req_->keep_alive() && res_->keep_alive() && status != 101 && !st_.draining;
    if (!keep) return GracefulClose();
    ReadRequest();
  }

  void OnResponseComplete() {
    if (sampled_) return;
    sampled_ = true;
    if (st_.sink != nullptr && req_->method() == http::verb::post && req_->body_bytes() > 0) {
      st_.sink->Offer(req_body_, res_body_, res_->status(),
                      req_->capture_overflow() || res_->capture_overflow());
    }
    if (w_.mirror_percent > 0) MaybeMirror();
  }

  void MaybeMirror() {
    w_.mirror_share += w_.mirror_percent;
    if (w_.mirror_share < 100) return;
    w_.mirror_share -= 100;
    if (!replayable_) {
      ++st_.counters.mirror_dropped;  // too large to have kept a copy
      return;
    }
    StartMirror(st_, w_, replay_);
  }

  // --- errors and closing -------------------------------------------------------------
  // Answers the client with a short error (when no response byte went out yet) and
  // closes: after an error the byte stream can no longer be trusted to be in sync.
  void Fail(int status, std::string_view reason, const std::string& body) {
    if (counted_in_flight_) --st_.counters.in_flight;
    counted_in_flight_ = false;
    if (upstream_) {
      beast::error_code ec;
      upstream_->close(ec);
      upstream_.reset();
    }
    if (response_started_) return Close();
    response_started_ = true;
    failing_ = true;  // handlers of the operations cancelled below must stand aside
    beast::error_code ec;
    client_.cancel(ec);
    error_response_ = ErrorResponse(status, reason, body);
    Arm(std::chrono::milliseconds(5000));
    net::async_write(client_, net::buffer(error_response_),
                     [self = shared_from_this()](beast::error_code, size_t) {
                       if (self->closed_) return;
                       self->GracefulClose();
                     });
  }

  void GracefulClose() {
    beast::error_code ec;
    client_.shutdown(tcp::socket::shutdown_send, ec);
    Close();
  }

  ProxyState& st_;
  Worker& w_;
  tcp::socket client_;
  std::optional<tcp::socket> upstream_;
  bool upstream_reused_ = false;
  bool upstream_done_ = false;
  bool retried_ = false;
  beast::flat_buffer cbuf_;
  size_t parsed_ = 0;  // bytes of cbuf_ the parser consumed that are not forwarded yet
  beast::flat_buffer ubuf_;
  std::optional<RelayParser<true>> req_;
  std::optional<RelayParser<false>> res_;
  std::string req_body_;
  std::string res_body_;
  std::string replay_;
  bool replayable_ = true;
  bool sampled_ = false;
  bool response_started_ = false;
  bool counted_in_flight_ = false;
  std::string error_response_;
  net::steady_timer timer_;
  SteadyClock::time_point deadline_;
  SteadyClock::time_point timer_expiry_;
  bool timer_waiting_ = false;
  bool closed_ = false;
  bool failing_ = false;
  Phase phase_ = Phase::kIdle;
};

void StartSession(ProxyState& state, Worker& w, tcp::socket client) {
  auto s = std::make_shared<Session>(state, w, std::move(client));
  s->Start();
}

void CloseIdleSessions(Worker& w) {
  std::vector<Session*> idle;
  for (Session* s : w.sessions) {
    if (s->IsIdle()) idle.push_back(s);
  }
  for (Session* s : idle) s->Close();
}

}  // namespace skewgate::sidecar::internal

// Proxy: the acceptor, the I/O threads (one io_context each, so a connection and its
// pooled upstream sockets live on one thread without locks) and draining.
#include "sidecar/proxy.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "common/log.h"
#include "sidecar/proxy_internal.h"

namespace skewgate::sidecar {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using internal::Worker;

struct Proxy::Impl {
  internal::ProxyState st;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<net::steady_timer> drain_timer;
  size_t next_worker = 0;
  std::chrono::steady_clock::time_point drain_deadline;

  void Accept();
  void CheckDrained();
  void StopAll() {
    for (auto& w : st.workers) {
      w->guard.reset();
      w->ioc.stop();
    }
  }
};

namespace {

StatusOr<tcp::endpoint> Resolve(net::io_context& ioc, const std::string& host, uint16_t port,
                                const char* what) {
  boost::system::error_code ec;
  net::ip::address addr = net::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(addr, port);
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return UnavailableError(std::string("cannot resolve ") + what + " " + host + ": " +
                            ec.message());
  }
  return results.begin()->endpoint();
}

}  // namespace

Proxy::Proxy(ProxyOptions options, SampleSink* sink) : impl_(std::make_unique<Impl>()) {
  impl_->st.opt = std::move(options);
  impl_->st.sink = sink;
  int n = std::max(1, impl_->st.opt.io_threads);
  for (int i = 0; i < n; ++i) {
    impl_->st.workers.push_back(std::make_unique<Worker>());
    impl_->st.workers.back()->guard.emplace(impl_->st.workers.back()->ioc.get_executor());
  }
}

Proxy::~Proxy() { Stop(); }

const ProxyCounters& Proxy::counters() const { return impl_->st.counters; }

Status Proxy::Start() {
  auto& st = impl_->st;
  net::io_context& ioc = st.workers[0]->ioc;
  SG_ASSIGN_OR_RETURN(st.upstream,
                      Resolve(ioc, st.opt.upstream_host, st.opt.upstream_port, "upstream"));
  if (!st.opt.mirror_host.empty() && st.opt.mirror_percent > 0) {
    SG_ASSIGN_OR_RETURN(tcp::endpoint mirror,
                        Resolve(ioc, st.opt.mirror_host, st.opt.mirror_port, "mirror"));
    for (auto& w : st.workers) {  // the threads do not run yet
      w->mirror = mirror;
      w->mirror_percent = st.opt.mirror_percent;
    }
  }
  boost::system::error_code ec;
  net::ip::address addr = net::ip::make_address(st.opt.listen_address, ec);
  if (ec)
    return InvalidArgumentError("listen address '" + st.opt.listen_address +
                                "' is not an IP address");
  tcp::endpoint ep(addr, st.opt.port);
  auto acc = std::make_unique<tcp::acceptor>(ioc);
  std::string where = st.opt.listen_address + ":" + std::to_string(st.opt.port);
  if (acc->open(ep.protocol(), ec); ec)
    return UnavailableError("open " + where + ": " + ec.message());
  acc->set_option(net::socket_base::reuse_address(true), ec);
  if (acc->bind(ep, ec); ec) return UnavailableError("bind " + where + ": " + ec.message());
  if (acc->listen(net::socket_base::max_listen_connections, ec); ec) {
    return UnavailableError("listen " + where + ": " + ec.message());
  }
  impl_->acceptor = std::move(acc);
  impl_->Accept();
  return OkStatus();
}

Status Proxy::SetMirror(const std::string& host, uint16_t port, double percent) {
  tcp::endpoint mirror;
  if (!host.empty() && percent > 0) {
    net::io_context resolver_ioc;  // the caller's thread, never an I/O thread
    SG_ASSIGN_OR_RETURN(mirror, Resolve(resolver_ioc, host, port, "mirror"));
  } else {
    percent = 0;
  }
  for (auto& w : impl_->st.workers) {
    net::post(w->ioc, [w = w.get(), mirror, percent] {
      w->mirror = mirror;
      w->mirror_percent = percent;
      w->mirror_share = 0;
    });
  }
  return OkStatus();
}

uint16_t Proxy::port() const {
  boost::system::error_code ec;
  return impl_->acceptor ? impl_->acceptor->local_endpoint(ec).port() : 0;
}

void Proxy::Impl::Accept() {
  Worker& target = *st.workers[next_worker];
  next_worker = (next_worker + 1) % st.workers.size();
  acceptor->async_accept(target.ioc,
                         [this, &target](boost::system::error_code ec, tcp::socket socket) {
                           if (!acceptor || !acceptor->is_open()) return;
                           if (ec) {
                             // EMFILE and friends: do not spin; try again shortly.
                             SG_LOG(Warn, "").Msg("accept failed").Field("error", ec.message());
                             auto t = std::make_shared<net::steady_timer>(
                                 st.workers[0]->ioc, std::chrono::milliseconds(50));
                             t->async_wait([this, t](boost::system::error_code) {
                               if (acceptor && acceptor->is_open()) Accept();
                             });
                             return;
                           }
                           net::post(target.ioc, [this, &target, s = std::move(socket)]() mutable {
                             internal::StartSession(st, target, std::move(s));
                           });
                           Accept();
                         });
}

void Proxy::Run() {
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl_->st.workers.size(); ++i) {
    threads.emplace_back([w = impl_->st.workers[i].get()] { w->ioc.run(); });
  }
  impl_->st.workers[0]->ioc.run();
  for (auto& t : threads) t.join();
}

void Proxy::Drain(std::chrono::milliseconds grace) {
  net::post(impl_->st.workers[0]->ioc, [this, grace] {
    if (impl_->st.draining.exchange(true)) return;
    impl_->drain_deadline = std::chrono::steady_clock::now() + grace;
    boost::system::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
    for (auto& w : impl_->st.workers) {
      net::post(w->ioc, [w = w.get()] { internal::CloseIdleSessions(*w); });
    }
    impl_->drain_timer = std::make_unique<net::steady_timer>(impl_->st.workers[0]->ioc);
    impl_->CheckDrained();
  });
}

void Proxy::Impl::CheckDrained() {
  if (st.counters.in_flight.load() == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
    SG_LOG(Info, "").Msg("drained").Field("in_flight", st.counters.in_flight.load());
    return StopAll();
  }
  for (auto& w : st.workers) {
    net::post(w->ioc, [w = w.get()] { internal::CloseIdleSessions(*w); });
  }
  drain_timer->expires_after(std::chrono::milliseconds(20));
  drain_timer->async_wait([this](boost::system::error_code ec) {
    if (!ec) CheckDrained();
  });
}

void Proxy::Stop() {
  if (!impl_) return;
  impl_->StopAll();
}

}  // namespace skewgate::sidecar

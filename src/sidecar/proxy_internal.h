// Internal to the proxy: per-thread state shared by the session and the mirror code.
// Not part of the sidecar's interface.
//
//   Worker& w = *impl.workers[i];   // one io_context, one upstream pool, one thread
//   StartMirror(impl, w, std::move(raw_request));
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "sidecar/proxy.h"

namespace skewgate::sidecar::internal {

class Session;

// One I/O thread's world. Everything in it is touched only from its own io_context's
// thread, so none of it needs a lock.
struct Worker {
  boost::asio::io_context ioc{1};
  std::vector<boost::asio::ip::tcp::socket> idle_upstream;
  std::unordered_set<Session*> sessions;
  int mirror_in_flight = 0;
  double mirror_share = 0;  // accumulates mirror_percent per request; sends at >= 100
  // This thread's copy of the mirror settings: Proxy::SetMirror posts a change to every
  // worker, so a session reads them without a lock. percent 0 = not mirroring.
  boost::asio::ip::tcp::endpoint mirror;
  double mirror_percent = 0;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard;
};

struct ProxyState {
  ProxyOptions opt;
  SampleSink* sink = nullptr;
  ProxyCounters counters;
  std::vector<std::unique_ptr<Worker>> workers;
  boost::asio::ip::tcp::endpoint upstream;
  std::atomic<bool> draining{false};
};

// Starts serving one accepted client connection on worker `w`.
void StartSession(ProxyState& state, Worker& w, boost::asio::ip::tcp::socket client);
// Closes the sessions of `w` that sit idle between requests (drain). Runs on w's thread.
void CloseIdleSessions(Worker& w);
// Sends `raw_request` to the mirror and discards the answer. Runs on w's thread.
void StartMirror(ProxyState& state, Worker& w, std::string raw_request);

}  // namespace skewgate::sidecar::internal

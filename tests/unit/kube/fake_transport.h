// A scripted HttpTransport for unit tests of the client: records each request and
// answers from a queue; stream bodies are handed over in the chunks the test chose.
//
//   FakeTransport t;  t.Push({200, {}, R"({"kind":"Pod"})"});
//   auto c = NewClientWithTransport(cfg, t.Share(), opts);
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "common/clock.h"
#include "kube/http_transport.h"

namespace skewgate::kube {

struct ScriptedResponse {
  StatusOr<HttpResponse> response = HttpResponse{};
  std::vector<std::string> chunks;  // for Stream: the 2xx body in pieces
};

class FakeTransport {
 public:
  explicit FakeTransport(const Clock* clock = nullptr) : clock_(clock) {}

  void Push(HttpResponse r, std::vector<std::string> chunks = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back({std::move(r), std::move(chunks)});
  }
  void PushError(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back({std::move(s), {}});
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Fake-clock time at which each request was made.
  std::vector<std::chrono::steady_clock::time_point> times() const {
    std::lock_guard<std::mutex> lock(mu_);
    return times_;
  }

  // An HttpTransport view owned by the client; the FakeTransport must outlive it.
  std::unique_ptr<HttpTransport> Share();

 private:
  friend class FakeTransportView;
  ScriptedResponse Next(const HttpRequest& r) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(r);
    times_.push_back(clock_ ? clock_->SteadyNow() : std::chrono::steady_clock::time_point{});
    if (script_.empty()) return {UnavailableError("fake transport: script exhausted"), {}};
    ScriptedResponse s = std::move(script_.front());
    script_.pop_front();
    return s;
  }

  const Clock* clock_;
  mutable std::mutex mu_;
  std::deque<ScriptedResponse> script_;
  std::vector<HttpRequest> requests_;
  std::vector<std::chrono::steady_clock::time_point> times_;
};

class FakeTransportView final : public HttpTransport {
 public:
  explicit FakeTransportView(FakeTransport& t) : t_(t) {}
  // HttpTransport
  StatusOr<HttpResponse> Send(const HttpRequest& r) override {
    ScriptedResponse s = t_.Next(r);
    if (s.response.ok()) {
      for (const auto& c : s.chunks) s.response->body += c;
    }
    return s.response;
  }
  StatusOr<HttpResponse> Stream(const HttpRequest& r, const BodyChunkHandler& on_chunk,
                                const Cancellation& cancel) override {
    ScriptedResponse s = t_.Next(r);
    if (!s.response.ok()) return s.response;
    if (s.response->status < 200 || s.response->status >= 300) return s.response;
    for (const auto& c : s.chunks) {
      if (!on_chunk(c)) break;
    }
    return s.response;
  }
  const std::string& server() const override { return server_; }

 private:
  FakeTransport& t_;
  std::string server_ = "https://fake:6443";
};

inline std::unique_ptr<HttpTransport> FakeTransport::Share() {
  return std::make_unique<FakeTransportView>(*this);
}

}  // namespace skewgate::kube

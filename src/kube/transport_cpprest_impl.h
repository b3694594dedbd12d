// The only file pair that sees cpprestsdk: an HttpTransport over its Boost.Asio client
// with OpenSSL. Everything cpprest-shaped stays in the .cc (pimpl), so including this
// header drags in no pplx or web:: types.
//
//   SG_ASSIGN_OR_RETURN(auto t, CpprestTransportImpl::Create(config));
//   SG_ASSIGN_OR_RETURN(HttpResponse r, t->Send({.method = "GET", .target = "/readyz"}));
#pragma once

#include <memory>
#include <string>

#include "kube/http_transport.h"

namespace skewgate::kube {

class CpprestTransportImpl final : public HttpTransport {
 public:
  // Validates the TLS material up front (InvalidArgument naming config.source) so that a
  // bad key is reported at startup rather than on the first request.
  static StatusOr<std::unique_ptr<CpprestTransportImpl>> Create(const KubeConfig& config);
  ~CpprestTransportImpl() override;

  // HttpTransport
  StatusOr<HttpResponse> Send(const HttpRequest& request) override;
  StatusOr<HttpResponse> Stream(const HttpRequest& request, const BodyChunkHandler& on_chunk,
                                const Cancellation& cancel) override;
  const std::string& server() const override;

 private:
  struct State;
  explicit CpprestTransportImpl(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace skewgate::kube

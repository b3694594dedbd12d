// Counts the kube client's API requests into the metrics registry:
// skewgate_api_requests_total{verb,code} and skewgate_api_request_duration_seconds{verb}.
// Hand it to kube::ClientOptions::observer when building the client.
//
//   ApiRequestMetrics api(registry);  kube::ClientOptions o;  o.observer = &api;
//   auto client = kube::NewClient(config, o);
#pragma once

#include "kube/request_metrics.h"
#include "runtime/metrics.h"

namespace skewgate::runtime {

class ApiRequestMetrics final : public kube::RequestObserver {
 public:
  // Registration errors abort: the names are constants of this file.
  explicit ApiRequestMetrics(MetricsRegistry& registry);

  // kube::RequestObserver
  void OnRequest(std::string_view verb, int code, Duration latency) override;

 private:
  Family<Counter>* requests_;
  Family<Histogram>* duration_;
};

}  // namespace skewgate::runtime

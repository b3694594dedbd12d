#include "runtime/api_metrics.h"

#include <cstdlib>
#include <iostream>

namespace skewgate::runtime {

namespace {
template <typename T>
T Must(StatusOr<T> v) {
  if (!v.ok()) {
    std::cerr << "skewgate: api metrics: " << v.status().ToString() << "\n";
    std::abort();
  }
  return std::move(v).value();
}
}  // namespace

ApiRequestMetrics::ApiRequestMetrics(MetricsRegistry& registry)
    // verb x code is small (8 verbs x a dozen codes); the cap only guards against a bug.
    : requests_(Must(registry.AddCounter("skewgate_api_requests_total",
                                         "Kubernetes API requests by verb and HTTP code "
                                         "(0: no response).",
                                         {"verb", "code"}, 200))),
      duration_(Must(registry.AddHistogram("skewgate_api_request_duration_seconds",
                                           "Kubernetes API request latency.",
                                           ExponentialBuckets(0.001, 2, 15), {"verb"}, 20))) {}

void ApiRequestMetrics::OnRequest(std::string_view verb, int code, Duration latency) {
  std::string v(verb);
  requests_->WithLabels({v, std::to_string(code)})->Inc();
  duration_->WithLabels({v})->Observe(std::chrono::duration<double>(latency).count());
}

}  // namespace skewgate::runtime

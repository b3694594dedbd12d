// The pure half of analysis through Prometheus: the address, the PromQL the controller
// runs, the query URL, the JSON answer of /api/v1/query, and the samples turned back into
// skew::Counts. No I/O.
//
//   StatusOr<PrometheusAddress> a = ParsePrometheusAddress("http://prometheus.monitoring:9090");
//   std::string q = BinIncreaseQuery("ml", "7f3c9a01b2", 60);
//   // sum by (feature, bin) (increase(skewgate_sidecar_feature_bin_total{namespace="ml",
//   //                                   revision="7f3c9a01b2"}[60s]))
//   StatusOr<std::vector<PromSample>> v = ParseVectorResponse(body);
//   StatusOr<skew::Counts> c = CountsFromSamples(*v, &baseline);
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "skew/baseline.h"
#include "skew/counts.h"

namespace skewgate::analysis {

// "http://host[:port][/prefix]". Only plain http: an https address is an Unimplemented
// error saying so (TLS to Prometheus is not supported; put it behind an in-cluster http
// Service or a local proxy). The port defaults to 80; a trailing "/" is dropped from the
// prefix (a Prometheus run with --web.route-prefix=/prom has prefix "/prom").
struct PrometheusAddress {
  std::string host;
  int port = 80;
  std::string path_prefix;       // "" or "/prom"
  std::string ToString() const;  // "http://host:port/prefix", for messages
};
StatusOr<PrometheusAddress> ParsePrometheusAddress(std::string_view address);

// A PromQL double-quoted string literal's content: backslash, quote and newline escaped.
std::string EscapePromQLString(std::string_view s);

// sum by (feature, bin) (increase(skewgate_sidecar_feature_bin_total{namespace="NS",
// revision="REV"}[Ws])): what every pod of the revision counted per bucket in the last W
// seconds, across pods and sidecar restarts (increase() handles counter resets).
std::string BinIncreaseQuery(std::string_view ns, std::string_view revision, int64_t window_s);

// count by (baseline_hash) (max_over_time(skewgate_sidecar_baseline_info{namespace="NS",
// revision="REV"}[Ws])): the baselines the revision's sidecars counted with in the window.
std::string BaselineInfoQuery(std::string_view ns, std::string_view revision, int64_t window_s);

// "/prefix/api/v1/query?query=<percent-encoded>&time=<unix seconds>.<millis>".
std::string InstantQueryTarget(const PrometheusAddress& address, std::string_view promql,
                               TimePoint at);

// One element of an instant vector.
struct PromSample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

// The body of /api/v1/query. Errors (DataLoss) name the problem: not JSON, a missing or
// malformed field, a resultType other than "vector"; a {"status":"error"} answer is
// Unavailable with Prometheus' errorType and error.
StatusOr<std::vector<PromSample>> ParseVectorResponse(std::string_view body);

// Turns `sum by (feature, bin)` samples into counts. Values are rounded to the nearest
// integer (increase() extrapolates to the window's edges, so it returns fractions); a
// negative, NaN or infinite value, a missing or non-numeric `bin` label is an error.
// With `layout`, every feature must be one of its features and every bin inside its
// bucket count, and the result has a zero vector for each of its features (hash included).
// Without it (another revision's baseline), a feature's vector is as long as its highest
// bin + 1 (the sidecar exports every bucket, zeros included, so none is missing).
StatusOr<skew::Counts> CountsFromSamples(const std::vector<PromSample>& samples,
                                         const skew::Baseline* layout);

}  // namespace skewgate::analysis

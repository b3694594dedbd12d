#include "analysis/prometheus_query.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace skewgate::analysis {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string Selector(std::string_view metric, std::string_view ns, std::string_view revision) {
  return std::string(metric) + "{namespace=\"" + EscapePromQLString(ns) + "\",revision=\"" +
         EscapePromQLString(revision) + "\"}";
}

std::string PercentEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string PrometheusAddress::ToString() const {
  return "http://" + host + ":" + std::to_string(port) + path_prefix;
}

StatusOr<PrometheusAddress> ParsePrometheusAddress(std::string_view address) {
  if (StartsWith(address, "https://")) {
    return UnimplementedError("prometheus address " + std::string(address) +
                              ": https is not supported; use an http:// address (an in-cluster "
                              "Service, or a local TLS-terminating proxy)");
  }
  if (!StartsWith(address, "http://")) {
    return InvalidArgumentError("prometheus address " + std::string(address) +
                                ": must be http://host[:port][/prefix]");
  }
  std::string_view rest = address.substr(7);
  PrometheusAddress a;
  size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    if (prefix.find_first_of("?#") != std::string_view::npos) {
      return InvalidArgumentError("prometheus address " + std::string(address) +
                                  ": a query or fragment is not allowed");
    }
    a.path_prefix = std::string(prefix);
  }
  if (hostport.find('@') != std::string_view::npos) {
    return InvalidArgumentError("prometheus address " + std::string(address) +
                                ": credentials in the address are not supported");
  }
  std::string_view host = hostport;
  if (!hostport.empty() && hostport.front() == '[') {  // [::1]:9090
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgumentError("prometheus address " + std::string(address) +
                                  ": unterminated IPv6 literal");
    }
    host = hostport.substr(1, close - 1);
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      return InvalidArgumentError("prometheus address " + std::string(address) +
                                  ": unexpected text after the IPv6 literal");
    }
    hostport = after.empty() ? std::string_view() : after;
  } else {
    size_t colon = hostport.rfind(':');
    host = hostport.substr(0, colon);
    hostport = colon == std::string_view::npos ? std::string_view() : hostport.substr(colon);
  }
  if (!hostport.empty()) {  // ":port"
    std::string_view digits = hostport.substr(1);
    int port = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || port < 1 ||
        port > 65535) {
      return InvalidArgumentError("prometheus address " + std::string(address) +
                                  ": the port must be a number from 1 to 65535");
    }
    a.port = port;
  }
  if (host.empty()) {
    return InvalidArgumentError("prometheus address " + std::string(address) + ": no host");
  }
  a.host = std::string(host);
  return a;
}

std::string EscapePromQLString(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string BinIncreaseQuery(std::string_view ns, std::string_view revision, int64_t window_s) {
  return "sum by (feature, bin) (increase(" +
         Selector("skewgate_sidecar_feature_bin_total", ns, revision) + "[" +
         std::to_string(window_s) + "s]))";
}

std::string BaselineInfoQuery(std::string_view ns, std::string_view revision, int64_t window_s) {
  return "count by (baseline_hash) (max_over_time(" +
         Selector("skewgate_sidecar_baseline_info", ns, revision) + "[" + std::to_string(window_s) +
         "s]))";
}

std::string InstantQueryTarget(const PrometheusAddress& address, std::string_view promql,
                               TimePoint at) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  char time[40];
  std::snprintf(time, sizeof time, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return address.path_prefix + "/api/v1/query?query=" + PercentEncode(promql) + "&time=" + time;
}

StatusOr<std::vector<PromSample>> ParseVectorResponse(std::string_view body) {
  using nlohmann::json;
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLossError("the query answer is not a JSON object");
  }
  auto str = [](const json& o, const char* key) -> std::string {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : "";
  };
  const std::string status = str(j, "status");
  if (status == "error") {
    return UnavailableError("Prometheus answered an error (" + str(j, "errorType") +
                            "): " + str(j, "error"));
  }
  if (status != "success") return DataLossError("the query answer has no status \"success\"");
  auto data = j.find("data");
  if (data == j.end() || !data->is_object()) return DataLossError("the query answer has no data");
  if (str(*data, "resultType") != "vector") {
    return DataLossError("the query answer's resultType is \"" + str(*data, "resultType") +
                         "\", expected \"vector\"");
  }
  auto result = data->find("result");
  if (result == data->end() || !result->is_array()) {
    return DataLossError("the query answer has no data.result list");
  }
  std::vector<PromSample> out;
  for (size_t i = 0; i < result->size(); ++i) {
    const json& r = (*result)[i];
    const std::string where = "data.result[" + std::to_string(i) + "]";
    if (!r.is_object()) return DataLossError(where + " is not an object");
    PromSample s;
    auto metric = r.find("metric");
    if (metric != r.end()) {
      if (!metric->is_object()) return DataLossError(where + ".metric is not an object");
      for (const auto& [k, v] : metric->items()) {
        if (!v.is_string()) return DataLossError(where + ".metric." + k + " is not a string");
        s.labels[k] = v.get<std::string>();
      }
    }
    auto value = r.find("value");
    if (value == r.end() || !value->is_array() || value->size() != 2 || !(*value)[1].is_string()) {
      return DataLossError(where + ".value is not [time, \"number\"]");
    }
    const std::string text = (*value)[1].get<std::string>();
    char* end = nullptr;
    s.value = std::strtod(text.c_str(), &end);  // also reads "NaN", "+Inf"
    if (text.empty() || end != text.c_str() + text.size()) {
      return DataLossError(where + ".value \"" + text + "\" is not a number");
    }
    out.push_back(std::move(s));
  }
  return out;
}

StatusOr<skew::Counts> CountsFromSamples(const std::vector<PromSample>& samples,
                                         const skew::Baseline* layout) {
  skew::Counts c;
  if (layout != nullptr) c = skew::NewCounts(*layout);
  for (const PromSample& s : samples) {
    auto f = s.labels.find("feature");
    auto b = s.labels.find("bin");
    if (f == s.labels.end() || b == s.labels.end()) {
      return DataLossError("a sample has no feature or bin label");
    }
    const std::string& feature = f->second;
    size_t bin = 0;
    const std::string& bt = b->second;
    auto [p, ec] = std::from_chars(bt.data(), bt.data() + bt.size(), bin);
    if (bt.empty() || ec != std::errc() || p != bt.data() + bt.size()) {
      return DataLossError("feature " + feature + ": bin \"" + bt + "\" is not an index");
    }
    if (!std::isfinite(s.value) || s.value < -0.5) {
      return DataLossError("feature " + feature + " bin " + bt + ": value " +
                           std::to_string(s.value) + " is not a count");
    }
    const auto n = static_cast<uint64_t>(std::llround(std::max(0.0, s.value)));
    std::vector<uint64_t>* buckets = nullptr;
    if (layout != nullptr) {
      auto it = c.features.find(feature);
      if (it == c.features.end()) {
        return FailedPreconditionError("feature " + feature + " is not in baseline " +
                                       layout->hash);
      }
      buckets = &it->second;
      if (bin >= buckets->size()) {
        return FailedPreconditionError("feature " + feature + ": bin " + bt + " is outside its " +
                                       std::to_string(buckets->size()) + " buckets in baseline " +
                                       layout->hash);
      }
    } else {
      buckets = &c.features[feature];
      if (bin >= 100'000) {
        return DataLossError("feature " + feature + ": bin " + bt + " is implausibly large");
      }
      if (buckets->size() <= bin) buckets->resize(bin + 1, 0);
    }
    (*buckets)[bin] += n;
  }
  return c;
}

}  // namespace skewgate::analysis

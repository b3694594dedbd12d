#include "runtime/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace skewgate::runtime {

namespace {

std::string EscapeHelp(const std::string& h) {
  std::string out;
  for (char c : h) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

// {a="x",b="y"} plus an optional extra pair (the histogram's le); empty when no labels.
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     const char* extra_name = nullptr, const std::string& extra_value = "") {
  if (names.empty() && !extra_name) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ",";
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (extra_name) {
    if (!names.empty()) out += ",";
    out += std::string(extra_name) + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

const char* TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

void Counter::Inc(double v) {
  if (!(v >= 0)) return;
  value_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double v) {
  // upper_bound semantics of Prometheus: a value equal to a bound falls into that bucket.
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  std::lock_guard<std::mutex> l(mu_);
  counts_[i]++;
  sum_ += v;
  count_++;
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.bounds = bounds_;
  std::lock_guard<std::mutex> l(mu_);
  uint64_t running = 0;
  for (uint64_t c : counts_) {
    running += c;
    s.cumulative.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> b;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) b.push_back(v);
  return b;
}

namespace internal {

std::unique_ptr<Counter> NewSeries(const Counter*, const std::vector<double>&) {
  return std::make_unique<Counter>();
}
std::unique_ptr<Gauge> NewSeries(const Gauge*, const std::vector<double>&) {
  return std::make_unique<Gauge>();
}
std::unique_ptr<Histogram> NewSeries(const Histogram*, const std::vector<double>& bounds) {
  return std::make_unique<Histogram>(bounds);
}

void RenderSeries(const std::string& name, const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, const Counter& c, std::string* out) {
  *out += name + LabelSet(labels, values) + " " + FormatMetricValue(c.Value()) + "\n";
}

void RenderSeries(const std::string& name, const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, const Gauge& g, std::string* out) {
  *out += name + LabelSet(labels, values) + " " + FormatMetricValue(g.Value()) + "\n";
}

void RenderSeries(const std::string& name, const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, const Histogram& h, std::string* out) {
  Histogram::Snapshot s = h.Read();
  for (size_t i = 0; i < s.bounds.size(); ++i) {
    *out += name + "_bucket" + LabelSet(labels, values, "le", FormatMetricValue(s.bounds[i])) +
            " " + std::to_string(s.cumulative[i]) + "\n";
  }
  *out += name + "_bucket" + LabelSet(labels, values, "le", "+Inf") + " " +
          std::to_string(s.cumulative.back()) + "\n";
  *out += name + "_sum" + LabelSet(labels, values) + " " + FormatMetricValue(s.sum) + "\n";
  *out += name + "_count" + LabelSet(labels, values) + " " + std::to_string(s.count) + "\n";
}

namespace {

class CollectorFamily final : public FamilyBase {
 public:
  CollectorFamily(MetricType type, std::vector<std::string> labels,
                  std::function<std::vector<CollectedSample>()> collect)
      : type_(type), labels_(std::move(labels)), collect_(std::move(collect)) {}

  // FamilyBase
  MetricType type() const override { return type_; }
  void Render(const std::string& name, std::string* out) const override {
    for (const CollectedSample& s : collect_()) {
      if (s.label_values.size() != labels_.size()) DieLabelArity(labels_, s.label_values.size());
      *out += name + LabelSet(labels_, s.label_values) + " " + FormatMetricValue(s.value) + "\n";
    }
  }
  const std::vector<std::string>& label_names() const override { return labels_; }

 private:
  const MetricType type_;
  const std::vector<std::string> labels_;
  const std::function<std::vector<CollectedSample>()> collect_;
};

}  // namespace

void DieLabelArity(const std::vector<std::string>& names, size_t got) {
  // Label arity is fixed in code; a mismatch is a programming error, not input to handle.
  std::cerr << "skewgate: metric used with " << got << " label values but declared " << names.size()
            << " label names\n";
  std::abort();
}

}  // namespace internal

template <typename T>
StatusOr<Family<T>*> MetricsRegistry::Add(const std::string& name, const std::string& help,
                                          std::vector<std::string> labels, size_t max_series,
                                          std::vector<double> bounds) {
  if (!IsValidMetricName(name)) {
    return InvalidArgumentError("metric name '" + name +
                                "' is not a valid Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
  }
  for (auto& l : labels) {
    if (!IsValidLabelName(l) || l == "le") {
      return InvalidArgumentError("metric " + name + ": label name '" + l + "' is not allowed");
    }
  }
  for (size_t i = 1; i < bounds.size(); ++i) {
    if (!(bounds[i] > bounds[i - 1])) {
      return InvalidArgumentError("histogram " + name + ": bucket bounds must increase");
    }
  }
  if (max_series < 2) return InvalidArgumentError("metric " + name + ": max_series must be >= 2");
  std::lock_guard<std::mutex> l(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    auto* existing = dynamic_cast<Family<T>*>(it->second.family.get());
    if (!existing || existing->label_names() != labels) {
      return InvalidArgumentError("metric " + name +
                                  " is already registered with another type or labels");
    }
    return existing;
  }
  auto* family = new Family<T>(std::move(labels), max_series, std::move(bounds));
  families_[name] = Entry{help, std::unique_ptr<internal::FamilyBase>(family)};
  return family;
}

StatusOr<Family<Counter>*> MetricsRegistry::AddCounter(const std::string& name,
                                                       const std::string& help,
                                                       std::vector<std::string> labels,
                                                       size_t max_series) {
  return Add<Counter>(name, help, std::move(labels), max_series, {});
}

StatusOr<Family<Gauge>*> MetricsRegistry::AddGauge(const std::string& name, const std::string& help,
                                                   std::vector<std::string> labels,
                                                   size_t max_series) {
  return Add<Gauge>(name, help, std::move(labels), max_series, {});
}

StatusOr<Family<Histogram>*> MetricsRegistry::AddHistogram(const std::string& name,
                                                           const std::string& help,
                                                           std::vector<double> bounds,
                                                           std::vector<std::string> labels,
                                                           size_t max_series) {
  if (bounds.empty()) return InvalidArgumentError("histogram " + name + " needs bucket bounds");
  return Add<Histogram>(name, help, std::move(labels), max_series, std::move(bounds));
}

Status MetricsRegistry::AddCollector(const std::string& name, const std::string& help,
                                     MetricType type, std::vector<std::string> labels,
                                     std::function<std::vector<CollectedSample>()> collect) {
  if (!IsValidMetricName(name)) {
    return InvalidArgumentError("metric name '" + name +
                                "' is not a valid Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
  }
  for (auto& l : labels) {
    if (!IsValidLabelName(l) || l == "le") {
      return InvalidArgumentError("metric " + name + ": label name '" + l + "' is not allowed");
    }
  }
  if (type == MetricType::kHistogram) {
    return InvalidArgumentError("metric " + name + ": a collector is a counter or a gauge");
  }
  if (!collect) return InvalidArgumentError("metric " + name + ": no collect function");
  std::lock_guard<std::mutex> l(mu_);
  if (families_.count(name)) {
    return InvalidArgumentError("metric " + name + " is already registered");
  }
  families_[name] = Entry{help, std::make_unique<internal::CollectorFamily>(type, std::move(labels),
                                                                            std::move(collect))};
  return OkStatus();
}

void MetricsRegistry::OnScrape(std::function<void()> fn) {
  std::lock_guard<std::mutex> l(mu_);
  on_scrape_.push_back(std::move(fn));
}

std::string MetricsRegistry::Render() const {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard<std::mutex> l(mu_);
    hooks = on_scrape_;
  }
  for (auto& h : hooks) h();
  std::string out;
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [name, e] : families_) {
    out += "# HELP " + name + " " + EscapeHelp(e.help) + "\n";
    out += "# TYPE " + name + " " + TypeName(e.family->type()) + "\n";
    e.family->Render(name, &out);
  }
  return out;
}

bool IsValidMetricName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(const std::string& name) {
  if (name.empty() || name.rfind("__", 0) == 0) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the shortest form that reads back exactly (0.1 rather than 0.10000000000000001).
  for (int prec = 1; prec < 17; ++prec) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", prec, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return buf;
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

}  // namespace skewgate::runtime

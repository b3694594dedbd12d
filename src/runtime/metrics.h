// A small Prometheus metrics registry: counters, gauges and histograms with labels,
// rendered in the text exposition format (version 0.0.4) for /metrics. Each family caps
// its number of label combinations so that a label fed from user data cannot grow
// memory without bound: past the cap, new combinations share one series labelled "other".
//
//   auto* reconciles = registry.AddCounter("skewgate_reconcile_total", "...", {"result"});
//   reconciles->WithLabels({"done"})->Inc();
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"

namespace skewgate::runtime {

class Counter {
 public:
  // Adds `v` (must be >= 0: a counter only goes up; negative values are ignored).
  void Inc(double v = 1.0);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  void Inc() { Add(1.0); }
  void Dec() { Add(-1.0); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `bounds` are the upper bounds of the buckets, strictly increasing; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative), last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

// Exponential bucket bounds: start, start*factor, ... (count bounds).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

enum class MetricType { kCounter, kGauge, kHistogram };

namespace internal {
// Type-erased part of a family that the registry renders.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  virtual MetricType type() const = 0;
  virtual void Render(const std::string& name, std::string* out) const = 0;
  virtual const std::vector<std::string>& label_names() const = 0;
};

// Per-type pieces of Family<T>, overloaded on the series type.
std::unique_ptr<Counter> NewSeries(const Counter*, const std::vector<double>& bounds);
std::unique_ptr<Gauge> NewSeries(const Gauge*, const std::vector<double>& bounds);
std::unique_ptr<Histogram> NewSeries(const Histogram*, const std::vector<double>& bounds);
inline MetricType TypeOf(const Counter*) { return MetricType::kCounter; }
inline MetricType TypeOf(const Gauge*) { return MetricType::kGauge; }
inline MetricType TypeOf(const Histogram*) { return MetricType::kHistogram; }
void RenderSeries(const std::string& name, const std::vector<std::string>& label_names,
                  const std::vector<std::string>& values, const Counter& c, std::string* out);
void RenderSeries(const std::string& name, const std::vector<std::string>& label_names,
                  const std::vector<std::string>& values, const Gauge& g, std::string* out);
void RenderSeries(const std::string& name, const std::vector<std::string>& label_names,
                  const std::vector<std::string>& values, const Histogram& h, std::string* out);
[[noreturn]] void DieLabelArity(const std::vector<std::string>& names, size_t got);
// The label value that all combinations past a family's cap are folded into.
inline constexpr const char* kOverflowLabel = "other";
}  // namespace internal

// All series of one metric name, one per combination of label values.
template <typename T>
class Family final : public internal::FamilyBase {
 public:
  // The series for these label values, created on first use. The pointer stays valid for
  // the registry's lifetime. Passing a different number of values than label names is a
  // programming error and aborts.
  T* WithLabels(const std::vector<std::string>& values);
  // The series with no labels (for families declared without label names).
  T* Get() { return WithLabels({}); }

  // internal::FamilyBase
  MetricType type() const override { return internal::TypeOf(static_cast<const T*>(nullptr)); }
  void Render(const std::string& name, std::string* out) const override {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [values, series] : series_) {
      internal::RenderSeries(name, labels_, values, *series, out);
    }
  }
  const std::vector<std::string>& label_names() const override { return labels_; }

 private:
  friend class MetricsRegistry;
  Family(std::vector<std::string> labels, size_t max_series, std::vector<double> bounds)
      : labels_(std::move(labels)), max_series_(max_series), bounds_(std::move(bounds)) {}

  const std::vector<std::string> labels_;
  const size_t max_series_;
  const std::vector<double> bounds_;  // histograms only
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_;
};

template <typename T>
T* Family<T>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != labels_.size()) internal::DieLabelArity(labels_, values.size());
  std::lock_guard<std::mutex> l(mu_);
  auto it = series_.find(values);
  if (it != series_.end()) return it->second.get();
  std::vector<std::string> key = values;
  // One slot is kept for the overflow series, so the cap is never exceeded.
  if (!labels_.empty() && series_.size() + 1 >= max_series_) {
    key.assign(labels_.size(), internal::kOverflowLabel);
    it = series_.find(key);
    if (it != series_.end()) return it->second.get();
  }
  auto ins =
      series_.emplace(std::move(key), internal::NewSeries(static_cast<T*>(nullptr), bounds_));
  return ins.first->second.get();
}

// One sample of a collected family (MetricsRegistry::AddCollector).
struct CollectedSample {
  std::vector<std::string> label_values;  // one per label name, in order
  double value = 0;
};

// Owns all metric families of a process. Thread-safe.
class MetricsRegistry {
 public:
  static constexpr size_t kDefaultMaxSeries = 1000;

  // Registering the same name again with the same type and label names returns the
  // existing family (so that two components may share one); a clash in type or labels,
  // or a name that is not a valid Prometheus name, is an InvalidArgument error.
  StatusOr<Family<Counter>*> AddCounter(const std::string& name, const std::string& help,
                                        std::vector<std::string> labels = {},
                                        size_t max_series = kDefaultMaxSeries);
  StatusOr<Family<Gauge>*> AddGauge(const std::string& name, const std::string& help,
                                    std::vector<std::string> labels = {},
                                    size_t max_series = kDefaultMaxSeries);
  StatusOr<Family<Histogram>*> AddHistogram(const std::string& name, const std::string& help,
                                            std::vector<double> bounds,
                                            std::vector<std::string> labels = {},
                                            size_t max_series = kDefaultMaxSeries);

  // A family whose samples `collect` produces at every Render(): for values that live in
  // another component and come and go with the objects they describe (a deleted object's
  // series simply stop being reported, with nothing to unregister). `type` is kCounter or
  // kGauge. `collect` runs with the registry's lock held: it must be quick and must not
  // call back into the registry. A sample with the wrong number of label values is a
  // programming error and aborts. Errors as for AddCounter (same name and labels again:
  // InvalidArgument, since two functions cannot share one family).
  Status AddCollector(const std::string& name, const std::string& help, MetricType type,
                      std::vector<std::string> labels,
                      std::function<std::vector<CollectedSample>()> collect);

  // Runs `fn` at the start of every Render(), to copy values that another component
  // counts itself (a ListWatcher's relists) into series. `fn` must outlive the registry's
  // use, be quick, and not call back into the registry's Render.
  void OnScrape(std::function<void()> fn);

  // The whole registry in Prometheus text format, families sorted by name.
  std::string Render() const;

  // Content-Type of Render()'s output.
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  template <typename T>
  StatusOr<Family<T>*> Add(const std::string& name, const std::string& help,
                           std::vector<std::string> labels, size_t max_series,
                           std::vector<double> bounds);

  struct Entry {
    std::string help;
    std::unique_ptr<internal::FamilyBase> family;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> families_;
  std::vector<std::function<void()>> on_scrape_;
};

// Validation used by the registry; exposed for tests.
bool IsValidMetricName(const std::string& name);
bool IsValidLabelName(const std::string& name);
// Formats a sample value as Prometheus expects ("+Inf", "NaN", integers without ".0").
std::string FormatMetricValue(double v);
// Escapes a label value (backslash, double quote, newline).
std::string EscapeLabelValue(const std::string& v);

}  // namespace skewgate::runtime

#include "skew/builder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <queue>

#include "skew/binning.h"

namespace skewgate::skew {

double QuantileLinear(std::span<const double> sorted, double p) {
  const size_t n = sorted.size();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  // numpy's "linear" method: virtual index (n - 1) * p, then its two-sided lerp, which
  // interpolates from the nearer neighbour for bit-for-bit agreement.
  const double h = static_cast<double>(n - 1) * p;
  double lo_f = std::floor(h);
  lo_f = std::clamp(lo_f, 0.0, static_cast<double>(n - 1));
  const size_t lo = static_cast<size_t>(lo_f);
  const size_t hi = std::min(lo + 1, n - 1);
  const double t = h - lo_f;
  const double a = sorted[lo], b = sorted[hi];
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

NumericBins CutsFromQuantiles(std::span<const double> q) {
  NumericBins bins;
  for (size_t i = 0; i < q.size(); ++i) {
    if (!bins.cuts.empty() && q[i] == bins.cuts.back()) {
      bins.point.back() = true;  // two quantiles on one value: a mass point
      continue;
    }
    bins.cuts.push_back(q[i]);
    bins.point.push_back(false);
  }
  return bins;
}

Status ValidateBuilderOptions(const BuilderOptions& o) {
  if (o.bins < 1 || o.bins > 1000) {
    return InvalidArgumentError("bins: " + std::to_string(o.bins) + " is outside 1..1000");
  }
  if (o.top_k < 1 || o.top_k > 1000) {
    return InvalidArgumentError("top-k: " + std::to_string(o.top_k) + " is outside 1..1000");
  }
  if (o.memory_budget_bytes < 8 * 1024) {
    return InvalidArgumentError("memory budget: at least 8 KiB");
  }
  for (double p : o.summary_quantiles) {
    if (!(p >= 0 && p <= 1)) return InvalidArgumentError("summary quantiles must be in [0, 1]");
  }
  return OkStatus();
}

BaselineBuilder::BaselineBuilder(std::vector<ColumnSpec> columns, BuilderOptions options,
                                 RunStore* spill)
    : options_(std::move(options)), spill_(spill) {
  status_ = ValidateBuilderOptions(options_);
  columns_.reserve(columns.size());
  for (auto& spec : columns) {
    Column c;
    c.spec = std::move(spec);
    columns_.push_back(std::move(c));
  }
}

void BaselineBuilder::AddNumber(int column, double v) {
  if (!status_.ok()) return;
  Column& c = columns_[column];
  if (c.spec.kind != FeatureKind::kNumeric) std::abort();  // a caller bug, not bad data
  if (std::isnan(v)) {
    ++c.nan;
    return;
  }
  if (std::isinf(v)) {
    ++(v > 0 ? c.pos_inf : c.neg_inf);
    return;
  }
  if (c.finite == 0) {
    c.min = c.max = v;
  } else {
    c.min = std::min(c.min, v);
    c.max = std::max(c.max, v);
  }
  ++c.finite;
  const double delta = v - c.mean;
  c.mean += delta / static_cast<double>(c.finite);
  c.m2 += delta * (v - c.mean);
  c.buffer.push_back(v);
  if (++buffered_values_ * sizeof(double) > options_.memory_budget_bytes) SpillLargest();
}

void BaselineBuilder::AddLabel(int column, std::string_view label) {
  if (!status_.ok()) return;
  Column& c = columns_[column];
  if (c.spec.kind != FeatureKind::kCategorical) std::abort();
  auto it = c.labels.find(label);
  if (it != c.labels.end()) {
    ++it->second;
    return;
  }
  if (c.labels.size() >= options_.max_distinct_labels) {
    status_ = ResourceExhaustedError(
        "column '" + c.spec.name + "' has more than " +
        std::to_string(options_.max_distinct_labels) +
        " distinct values: it looks like an identifier, not a category; leave it out with "
        "--ignore " +
        c.spec.name);
    return;
  }
  c.labels.emplace(std::string(label), 1);
}

void BaselineBuilder::AddMissing(int column) {
  if (!status_.ok()) return;
  ++columns_[column].missing;
}

void BaselineBuilder::SpillLargest() {
  if (spill_ == nullptr) {
    status_ = ResourceExhaustedError("the numeric values exceed the memory budget of " +
                                     std::to_string(options_.memory_budget_bytes) +
                                     " bytes and no spill store was given");
    return;
  }
  Column* largest = &columns_[0];
  for (auto& c : columns_) {
    if (c.buffer.size() > largest->buffer.size()) largest = &c;
  }
  std::sort(largest->buffer.begin(), largest->buffer.end());
  StatusOr<int> id = spill_->WriteRun(largest->buffer);
  if (!id.ok()) {
    status_ = id.status().WithContext("spilling sorted values of '" + largest->spec.name + "'");
    return;
  }
  largest->runs.push_back(*id);
  largest->run_sizes.push_back(largest->buffer.size());
  buffered_values_ -= largest->buffer.size();
  std::vector<double>().swap(largest->buffer);  // give the memory back, not just the size
  ++spilled_runs_;
}

namespace {

// Order statistics at `ranks` (ascending, unique) of an unsorted buffer, by recursive
// selection: O(n log k) for k ranks instead of a full sort.
void SelectRanks(std::vector<double>& v, size_t lo, size_t hi, std::span<const size_t> ranks,
                 std::span<double> out) {
  if (ranks.empty() || lo >= hi) return;
  const size_t mid = ranks.size() / 2;
  const size_t r = ranks[mid];
  std::nth_element(v.begin() + static_cast<std::ptrdiff_t>(lo),
                   v.begin() + static_cast<std::ptrdiff_t>(r),
                   v.begin() + static_cast<std::ptrdiff_t>(hi));
  out[mid] = v[r];
  SelectRanks(v, lo, r, ranks.subspan(0, mid), out.subspan(0, mid));
  SelectRanks(v, r + 1, hi, ranks.subspan(mid + 1), out.subspan(mid + 1));
}

// Streams one spilled run (or the in-memory tail) in blocks.
class RunCursor {
 public:
  RunCursor(RunStore* store, int id, size_t block) : store_(store), id_(id), buf_(block) {}
  explicit RunCursor(std::span<const double> memory) : memory_(memory) {}

  // Advances to the next value; false at the end. Errors are kept in status().
  bool Next(double* v) {
    if (store_ == nullptr) {
      if (pos_ >= memory_.size()) return false;
      *v = memory_[pos_++];
      return true;
    }
    if (pos_ == len_) {
      StatusOr<size_t> n = store_->ReadRun(id_, offset_, buf_);
      if (!n.ok()) {
        status_ = n.status();
        return false;
      }
      if (*n == 0) return false;
      offset_ += *n;
      len_ = *n;
      pos_ = 0;
    }
    *v = buf_[pos_++];
    return true;
  }
  const Status& status() const { return status_; }

 private:
  RunStore* store_ = nullptr;
  int id_ = -1;
  std::vector<double> buf_;
  std::span<const double> memory_;
  uint64_t offset_ = 0;
  size_t pos_ = 0, len_ = 0;
  Status status_;
};

}  // namespace

StatusOr<FeatureBaseline> BaselineBuilder::FinishNumeric(Column& c) {
  FeatureBaseline f;
  f.name = c.spec.name;
  f.kind = FeatureKind::kNumeric;
  f.role = c.spec.role;
  const uint64_t n = c.finite;

  // The probabilities whose quantiles are needed: bin cuts, then summary quantiles.
  std::vector<double> probs;
  if (options_.strategy == BinStrategy::kEqualProbability) {
    for (int k = 1; k < options_.bins; ++k) probs.push_back(static_cast<double>(k) / options_.bins);
  }
  const size_t cut_probs = probs.size();
  probs.insert(probs.end(), options_.summary_quantiles.begin(), options_.summary_quantiles.end());

  std::vector<double> qvalues(probs.size(), 0.0);
  if (n > 0) {
    // Ranks each quantile reads (numpy "linear": floor((n-1)p) and the one after).
    std::vector<size_t> ranks;
    for (double p : probs) {
      const double h = static_cast<double>(n - 1) * p;
      const size_t lo = std::min<size_t>(static_cast<size_t>(std::floor(h)), n - 1);
      ranks.push_back(lo);
      ranks.push_back(std::min<size_t>(lo + 1, n - 1));
    }
    std::sort(ranks.begin(), ranks.end());
    ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
    std::vector<double> at(ranks.size());
    if (c.runs.empty()) {
      SelectRanks(c.buffer, 0, c.buffer.size(), ranks, at);
    } else {
      // k-way merge of the sorted runs and the sorted in-memory tail.
      std::sort(c.buffer.begin(), c.buffer.end());
      const size_t block = std::max<size_t>(
          1024, options_.memory_budget_bytes / sizeof(double) / (c.runs.size() + 1) / 4);
      std::vector<RunCursor> cursors;
      cursors.reserve(c.runs.size() + 1);
      for (int id : c.runs) cursors.emplace_back(spill_, id, block);
      cursors.emplace_back(std::span<const double>(c.buffer));
      using Item = std::pair<double, size_t>;
      std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
      for (size_t i = 0; i < cursors.size(); ++i) {
        double v;
        if (cursors[i].Next(&v)) heap.emplace(v, i);
        SG_RETURN_IF_ERROR(cursors[i].status());
      }
      uint64_t pos = 0;
      size_t want = 0;
      while (!heap.empty() && want < ranks.size()) {
        auto [v, i] = heap.top();
        heap.pop();
        while (want < ranks.size() && ranks[want] == pos) at[want++] = v;
        ++pos;
        double next;
        if (cursors[i].Next(&next)) heap.emplace(next, i);
        SG_RETURN_IF_ERROR(cursors[i].status());
      }
      if (want < ranks.size()) {
        return InternalError("spilled runs of '" + c.spec.name + "' hold fewer values (" +
                             std::to_string(pos) + ") than counted (" + std::to_string(n) + ")");
      }
    }
    auto value_at = [&](size_t rank) {
      return at[std::lower_bound(ranks.begin(), ranks.end(), rank) - ranks.begin()];
    };
    for (size_t i = 0; i < probs.size(); ++i) {
      // The same arithmetic as QuantileLinear, on the two order statistics.
      const double h = static_cast<double>(n - 1) * probs[i];
      const double lo_f = std::min(std::floor(h), static_cast<double>(n - 1));
      const size_t lo = static_cast<size_t>(lo_f);
      const double a = value_at(lo), b = value_at(std::min<size_t>(lo + 1, n - 1));
      const double t = h - lo_f, diff = b - a;
      qvalues[i] = t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
    }
  }

  if (n == 0) {
    // No finite training value: one bucket for all values; NaN/missing still counted.
  } else if (options_.strategy == BinStrategy::kEqualProbability) {
    f.numeric = CutsFromQuantiles(std::span<const double>(qvalues.data(), cut_probs));
  } else {
    std::vector<double> cuts;
    for (int k = 1; k < options_.bins; ++k) {
      cuts.push_back(c.min + (c.max - c.min) * (static_cast<double>(k) / options_.bins));
    }
    if (cuts.empty()) cuts.push_back(c.min);
    f.numeric = CutsFromQuantiles(cuts);
  }

  // Count the training values into the bins just defined.
  f.counts.assign(f.numeric.BucketCount(), 0);
  FeatureBinner binner(f);
  auto count = [&](double v) { ++f.counts[binner.Numeric(v)]; };
  for (double v : c.buffer) count(v);
  for (size_t r = 0; r < c.runs.size(); ++r) {
    RunCursor cursor(spill_, c.runs[r], 64 * 1024);
    double v;
    while (cursor.Next(&v)) count(v);
    SG_RETURN_IF_ERROR(cursor.status());
  }
  if (c.neg_inf > 0) f.counts[0] += c.neg_inf;
  if (c.pos_inf > 0) f.counts[f.numeric.ValueBucketCount() - 1] += c.pos_inf;
  f.counts[f.numeric.NanBucket()] += c.nan;
  f.counts[f.numeric.MissingBucket()] += c.missing;

  NumericStats& s = f.numeric_stats;
  s.count = n;
  s.nan = c.nan;
  s.missing = c.missing;
  s.pos_inf = c.pos_inf;
  s.neg_inf = c.neg_inf;
  if (n > 0) {
    // Values near the double range can overflow the running sums; a baseline then has no
    // mean/std rather than an infinity (Wasserstein falls back to raw units).
    const double sd = std::sqrt(c.m2 / static_cast<double>(n));
    if (std::isfinite(c.mean)) s.mean = c.mean;
    if (std::isfinite(sd)) s.std = sd;
    s.min = c.min;
    s.max = c.max;
    for (size_t i = cut_probs; i < probs.size(); ++i)
      s.quantiles.emplace_back(probs[i], qvalues[i]);
  }
  std::vector<double>().swap(c.buffer);
  return f;
}

StatusOr<FeatureBaseline> BaselineBuilder::FinishCategorical(Column& c) {
  FeatureBaseline f;
  f.name = c.spec.name;
  f.kind = FeatureKind::kCategorical;
  f.role = c.spec.role;
  std::vector<std::pair<std::string, uint64_t>> sorted(c.labels.begin(), c.labels.end());
  // Most frequent first; ties by label so the baseline does not depend on hash order.
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  const size_t k = std::min<size_t>(sorted.size(), static_cast<size_t>(options_.top_k));
  uint64_t oov = 0, total = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    total += sorted[i].second;
    if (i < k) {
      f.categorical.labels.push_back(sorted[i].first);
      f.counts.push_back(sorted[i].second);
    } else {
      oov += sorted[i].second;
    }
  }
  f.counts.push_back(oov);
  f.counts.push_back(c.missing);
  f.categorical_stats.count = total;
  f.categorical_stats.missing = c.missing;
  f.categorical_stats.distinct = sorted.size();
  return f;
}

StatusOr<Baseline> BaselineBuilder::Finish() {
  if (finished_) return FailedPreconditionError("BaselineBuilder::Finish called twice");
  finished_ = true;
  SG_RETURN_IF_ERROR(status_);
  Baseline b;
  b.rows = rows_;
  b.strategy = options_.strategy;
  b.bins = options_.bins;
  b.top_k = options_.top_k;
  for (auto& c : columns_) {
    StatusOr<FeatureBaseline> f =
        c.spec.kind == FeatureKind::kNumeric ? FinishNumeric(c) : FinishCategorical(c);
    if (!f.ok()) return f.status().WithContext("feature '" + c.spec.name + "'");
    b.features.push_back(std::move(f).value());
  }
  SG_RETURN_IF_ERROR(ValidateBaseline(b));
  b.hash = ComputeBaselineHash(b);
  return b;
}

}  // namespace skewgate::skew

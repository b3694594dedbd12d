#include "skew/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

namespace skewgate::skew {

namespace {

struct Interval {
  double lo, hi;
  bool lo_closed, hi_closed;
};

// The value buckets of NumericBins as intervals, in bucket order (see baseline.h).
std::vector<Interval> ValueIntervals(const NumericBins& b) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<Interval> out;
  if (b.cuts.empty()) return {{-kInf, kInf, false, false}};
  out.push_back({-kInf, b.cuts[0], false, false});
  for (size_t j = 0; j < b.cuts.size(); ++j) {
    const double c = b.cuts[j];
    const double next = j + 1 < b.cuts.size() ? b.cuts[j + 1] : kInf;
    if (b.point[j]) {
      out.push_back({c, c, true, true});
      out.push_back({c, next, false, false});
    } else {
      out.push_back({c, next, true, false});
    }
  }
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string Describe(const Interval& first, const Interval& last) {
  const double lo = first.lo, hi = last.hi;
  if (std::isinf(lo) && std::isinf(hi)) return "all";
  if (std::isinf(lo)) return (last.hi_closed ? "<= " : "< ") + Num(hi);
  if (std::isinf(hi)) return (first.lo_closed ? ">= " : "> ") + Num(lo);
  return (first.lo_closed ? "[" : "(") + Num(lo) + ", " + Num(hi) + (last.hi_closed ? "]" : ")");
}

std::vector<double> Shares(const std::vector<uint64_t>& counts, size_t n) {
  std::vector<double> out(n, 0.0);
  uint64_t total = 0;
  for (size_t i = 0; i < n && i < counts.size(); ++i) total += counts[i];
  if (total == 0) return out;
  for (size_t i = 0; i < n && i < counts.size(); ++i) {
    out[i] = static_cast<double>(counts[i]) / static_cast<double>(total);
  }
  return out;
}

}  // namespace

std::vector<HistogramRow> CompactHistogram(const FeatureBaseline& f,
                                           const std::vector<uint64_t>& live, int max_rows) {
  const size_t rows_cap = static_cast<size_t>(std::max(max_rows, 3));
  const size_t n = static_cast<size_t>(f.BucketCount());
  const std::vector<double> pb = Shares(f.counts, n), pl = Shares(live, n);
  std::vector<HistogramRow> out;
  if (f.kind == FeatureKind::kNumeric) {
    const size_t values = static_cast<size_t>(f.numeric.ValueBucketCount());
    std::vector<size_t> special;  // NaN, missing: only when someone has them
    for (size_t i = values; i < n; ++i) {
      if (pb[i] > 0 || pl[i] > 0) special.push_back(i);
    }
    const size_t budget = rows_cap - special.size();
    const size_t group = (values + budget - 1) / budget;
    const std::vector<Interval> iv = ValueIntervals(f.numeric);
    for (size_t start = 0; start < values; start += group) {
      const size_t end = std::min(values, start + group);  // [start, end)
      HistogramRow row;
      row.bucket = end - start == 1 ? f.DescribeBucket(static_cast<int>(start))
                                    : Describe(iv[start], iv[end - 1]);
      for (size_t i = start; i < end; ++i) {
        row.baseline += pb[i];
        row.live += pl[i];
      }
      out.push_back(std::move(row));
    }
    for (size_t i : special) out.push_back({f.DescribeBucket(static_cast<int>(i)), pb[i], pl[i]});
    return out;
  }
  std::vector<size_t> order;
  for (size_t i = 0; i < n; ++i) {
    if (pb[i] > 0 || pl[i] > 0) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::max(pb[a], pl[a]) > std::max(pb[b], pl[b]);
  });
  const size_t shown = order.size() > rows_cap ? rows_cap - 1 : order.size();
  for (size_t k = 0; k < shown; ++k) {
    out.push_back({f.DescribeBucket(static_cast<int>(order[k])), pb[order[k]], pl[order[k]]});
  }
  if (shown < order.size()) {
    HistogramRow rest{"(" + std::to_string(order.size() - shown) + " more)", 0, 0};
    for (size_t k = shown; k < order.size(); ++k) {
      rest.baseline += pb[order[k]];
      rest.live += pl[order[k]];
    }
    out.push_back(std::move(rest));
  }
  return out;
}

}  // namespace skewgate::skew

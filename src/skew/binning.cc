#include "skew/binning.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace skewgate::skew {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string NumberToLabel(double v) {
  char buf[64];
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    auto r = std::to_chars(buf, buf + sizeof(buf), static_cast<long long>(v));
    return std::string(buf, r.ptr);
  }
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

bool ParseNumber(std::string_view text, double* out) {
  text = Trim(text);
  if (text.empty()) return false;
  std::string_view body = text;
  if (body.front() == '+') body.remove_prefix(1);
  if (body.empty() || body.front() == '+') return false;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), *out);
  if (ptr != body.data() + body.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves the value untouched on overflow/underflow; strtod knows which.
    std::string copy(body);
    *out = std::strtod(copy.c_str(), nullptr);
    return true;
  }
  return ec == std::errc();
}

FeatureBinner::FeatureBinner(const FeatureBaseline& f)
    : name_(f.name), kind_(f.kind), bucket_count_(f.BucketCount()) {
  if (kind_ == FeatureKind::kNumeric) {
    const auto& cuts = f.numeric.cuts;
    real_cuts_ = static_cast<int>(cuts.size());
    size_t padded = 1;
    while (padded < cuts.size()) padded *= 2;
    cuts_.assign(padded, std::numeric_limits<double>::infinity());
    std::copy(cuts.begin(), cuts.end(), cuts_.begin());
    bucket_at_cut_.resize(cuts.size());
    is_point_.resize(cuts.size());
    int bucket = 1;
    for (size_t j = 0; j < cuts.size(); ++j) {
      bucket_at_cut_[j] = bucket;
      is_point_[j] = f.numeric.point[j] ? 1 : 0;
      bucket += f.numeric.point[j] ? 2 : 1;
    }
    nan_bucket_ = f.numeric.NanBucket();
  } else {
    labels_.reserve(f.categorical.labels.size() * 2);
    for (size_t i = 0; i < f.categorical.labels.size(); ++i) {
      labels_.emplace(f.categorical.labels[i], static_cast<int>(i));
    }
    oov_bucket_ = f.categorical.OovBucket();
  }
}

int FeatureBinner::NumericBucket(double v) const {
  if (std::isnan(v)) return nan_bucket_;
  if (real_cuts_ == 0) return 0;
  if (v == std::numeric_limits<double>::infinity()) return nan_bucket_ - 1;
  // Branch-light upper bound over the padded cuts: j = number of cuts <= v. The padding is
  // +inf, which is never <= a finite v.
  const double* c = cuts_.data();
  size_t j = 0;
  for (size_t step = cuts_.size() / 2; step > 0; step /= 2) {
    j += (c[j + step - 1] <= v) ? step : 0;
  }
  j += (c[j] <= v) ? 1 : 0;
  if (j == 0) return 0;
  const size_t k = j - 1;  // the greatest cut <= v
  const int b = bucket_at_cut_[k];
  return b + ((is_point_[k] && v != c[k]) ? 1 : 0);
}

int FeatureBinner::Numeric(double v) const {
  if (kind_ == FeatureKind::kNumeric) return NumericBucket(v);
  if (std::isnan(v)) return oov_bucket_;
  return Label(NumberToLabel(v));
}

int FeatureBinner::Label(std::string_view label) const {
  if (kind_ == FeatureKind::kNumeric) {
    double v = 0;
    if (!ParseNumber(label, &v)) return nan_bucket_;
    return NumericBucket(v);
  }
  auto it = labels_.find(label);
  return it == labels_.end() ? oov_bucket_ : it->second;
}

BinIndexer::BinIndexer(const Baseline& b) : hash_(b.hash) {
  features_.reserve(b.features.size());
  for (size_t i = 0; i < b.features.size(); ++i) {
    features_.emplace_back(b.features[i]);
    by_name_.emplace(b.features[i].name, static_cast<int>(i));
  }
}

int BinIndexer::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? -1 : it->second;
}

}  // namespace skewgate::skew

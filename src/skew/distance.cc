#include "skew/distance.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace skewgate::skew {

namespace {

// Validates both sides and returns their sums.
Status CheckPair(std::span<const double> p, std::span<const double> q, double* sp, double* sq) {
  if (p.size() != q.size()) {
    return InvalidArgumentError("distributions differ in length: " + std::to_string(p.size()) +
                                " vs " + std::to_string(q.size()) + " buckets");
  }
  if (p.empty()) return InvalidArgumentError("distributions have no buckets");
  double a = 0, b = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (!(p[i] >= 0) || !(q[i] >= 0) || !std::isfinite(p[i]) || !std::isfinite(q[i])) {
      return InvalidArgumentError("bucket " + std::to_string(i) +
                                  " has a negative or non-finite weight");
    }
    a += p[i];
    b += q[i];
  }
  if (a <= 0) return InvalidArgumentError("the first distribution is empty (sums to 0)");
  if (b <= 0) return InvalidArgumentError("the second distribution is empty (sums to 0)");
  *sp = a;
  *sq = b;
  return OkStatus();
}

// x * ln(x / y) with the limits rel_entr uses: 0 when x == 0.
inline double RelEntr(double x, double y) { return x > 0 ? x * std::log(x / y) : 0.0; }

}  // namespace

StatusOr<double> JensenShannon(std::span<const double> p, std::span<const double> q) {
  double sp = 0, sq = 0;
  SG_RETURN_IF_ERROR(CheckPair(p, q, &sp, &sq));
  double left = 0, right = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double pi = p[i] / sp, qi = q[i] / sq;
    const double m = (pi + qi) / 2.0;
    left += RelEntr(pi, m);
    right += RelEntr(qi, m);
  }
  const double js = (left + right) / std::log(2.0) / 2.0;
  // Rounding can leave a hair outside [0, 1]; the true value is inside.
  return std::clamp(js, 0.0, 1.0);
}

StatusOr<double> Psi(std::span<const double> p, std::span<const double> q) {
  double sp = 0, sq = 0;
  SG_RETURN_IF_ERROR(CheckPair(p, q, &sp, &sq));
  double psi = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    double pi = p[i] / sp, qi = q[i] / sq;
    if (pi == 0) pi = 1e-4;
    if (qi == 0) qi = 1e-4;
    psi += (qi - pi) * std::log(qi / pi);
  }
  return psi;
}

StatusOr<double> LInfinity(std::span<const double> p, std::span<const double> q) {
  double sp = 0, sq = 0;
  SG_RETURN_IF_ERROR(CheckPair(p, q, &sp, &sq));
  double d = 0;
  for (size_t i = 0; i < p.size(); ++i) d = std::max(d, std::fabs(p[i] / sp - q[i] / sq));
  return d;
}

StatusOr<double> BinnedKolmogorovSmirnov(std::span<const double> p, std::span<const double> q) {
  double sp = 0, sq = 0;
  SG_RETURN_IF_ERROR(CheckPair(p, q, &sp, &sq));
  double cp = 0, cq = 0, d = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    cp += p[i] / sp;
    cq += q[i] / sq;
    d = std::max(d, std::fabs(cp - cq));
  }
  return d;
}

StatusOr<double> Wasserstein(std::span<const double> centres, std::span<const double> p,
                             std::span<const double> q, double scale) {
  double sp = 0, sq = 0;
  SG_RETURN_IF_ERROR(CheckPair(p, q, &sp, &sq));
  if (centres.size() != p.size()) {
    return InvalidArgumentError("wasserstein: " + std::to_string(centres.size()) + " centres for " +
                                std::to_string(p.size()) + " buckets");
  }
  if (!(scale > 0) || !std::isfinite(scale)) {
    return InvalidArgumentError("wasserstein: scale must be positive and finite");
  }
  for (size_t i = 0; i < centres.size(); ++i) {
    if (!std::isfinite(centres[i]) || (i > 0 && centres[i] < centres[i - 1])) {
      return InvalidArgumentError("wasserstein: centres must be finite and ascending");
    }
  }
  // The area between the two CDFs, which are step functions on the shared support points.
  double cp = 0, cq = 0, w = 0;
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    cp += p[i];
    cq += q[i];
    w += std::fabs(cp / sp - cq / sq) * (centres[i + 1] - centres[i]);
  }
  return w / scale;
}

double ChiSquareSurvival(double x, int dof) {
  if (dof <= 0 || !(x > 0)) return 1.0;
  if (std::isinf(x)) return 0.0;
  const double a = dof / 2.0;
  const double z = x / 2.0;
  constexpr double kEps = 1e-16;
  constexpr double kTiny = 1e-300;
  constexpr int kMaxIter = 100000;
  const double log_prefactor = -z + a * std::log(z) - std::lgamma(a);
  if (z < a + 1.0) {
    // Series for the lower regularised gamma P(a, z); Q = 1 - P is not small here.
    double ap = a, term = 1.0 / a, sum = term;
    for (int i = 0; i < kMaxIter; ++i) {
      ap += 1.0;
      term *= z / ap;
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * kEps) break;
    }
    return std::clamp(1.0 - sum * std::exp(log_prefactor), 0.0, 1.0);
  }
  // Continued fraction for Q(a, z) (modified Lentz).
  double b = z + 1.0 - a, c = 1.0 / kTiny, d = 1.0 / b, h = d;
  for (int i = 1; i < kMaxIter; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return std::clamp(std::exp(log_prefactor) * h, 0.0, 1.0);
}

StatusOr<ChiSquareResult> ChiSquareHomogeneity(std::span<const double> baseline_counts,
                                               std::span<const double> live_counts,
                                               double min_expected) {
  double rb = 0, rl = 0;
  SG_RETURN_IF_ERROR(CheckPair(baseline_counts, live_counts, &rb, &rl));
  const size_t k = baseline_counts.size();
  const double n = rb + rl;
  const double rmin = std::min(rb, rl);
  ChiSquareResult out;
  out.groups.assign(k, -1);
  // Merge adjacent buckets into columns whose smaller expected count reaches min_expected.
  std::vector<double> gb, gl;
  double cb = 0, cl = 0;
  std::vector<size_t> open;  // buckets of the group being built
  for (size_t i = 0; i < k; ++i) {
    if (baseline_counts[i] + live_counts[i] == 0) continue;
    cb += baseline_counts[i];
    cl += live_counts[i];
    open.push_back(i);
    if ((cb + cl) * rmin / n >= min_expected) {
      for (size_t b : open) out.groups[b] = static_cast<int>(gb.size());
      gb.push_back(cb);
      gl.push_back(cl);
      cb = cl = 0;
      open.clear();
    }
  }
  if (!open.empty()) {
    if (gb.empty()) {
      gb.push_back(0);
      gl.push_back(0);
    }
    for (size_t b : open) out.groups[b] = static_cast<int>(gb.size() - 1);
    gb.back() += cb;
    gl.back() += cl;
  }
  const size_t g = gb.size();
  if (g < 2) return out;  // nothing to test
  double stat = 0;
  for (size_t j = 0; j < g; ++j) {
    const double col = gb[j] + gl[j];
    const double eb = rb * col / n, el = rl * col / n;
    stat += (gb[j] - eb) * (gb[j] - eb) / eb + (gl[j] - el) * (gl[j] - el) / el;
  }
  out.statistic = stat;
  out.dof = static_cast<int>(g) - 1;
  out.p_value = ChiSquareSurvival(stat, out.dof);
  return out;
}

std::string_view MetricName(Metric m) {
  switch (m) {
    case Metric::kJensenShannon: return "jensenShannon";
    case Metric::kPsi: return "psi";
    case Metric::kLInfinity: return "lInfinity";
    case Metric::kKolmogorovSmirnov: return "ks";
    case Metric::kWasserstein: return "wasserstein";
  }
  return "unknown";
}

bool ParseMetric(std::string_view name, Metric* out) {
  for (Metric m : {Metric::kJensenShannon, Metric::kPsi, Metric::kLInfinity,
                   Metric::kKolmogorovSmirnov, Metric::kWasserstein}) {
    if (MetricName(m) == name) {
      *out = m;
      return true;
    }
  }
  return false;
}

std::vector<double> ToWeights(std::span<const uint64_t> counts) {
  return std::vector<double>(counts.begin(), counts.end());
}

}  // namespace skewgate::skew

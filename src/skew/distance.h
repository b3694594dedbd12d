// Distances between a baseline and a live distribution on the same buckets. Inputs are
// bucket counts (or any non-negative weights); each side is normalised to sum 1 first.
// Conventions follow the tools users compare with (TFDV / Vertex AI, Evidently, scipy).
//
//   SG_ASSIGN_OR_RETURN(double js, JensenShannon(baseline_counts, live_counts));
//   SG_ASSIGN_OR_RETURN(double ks, BinnedKolmogorovSmirnov(ordered_b, ordered_l));
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skewgate::skew {

// Every function returns InvalidArgument when the two sides differ in length, are empty,
// contain a negative or non-finite weight, or when a side sums to 0.

// Jensen-Shannon divergence with log base 2, in [0, 1]; symmetric. Equals scipy's
// jensenshannon(p, q, base=2) ** 2.
StatusOr<double> JensenShannon(std::span<const double> p, std::span<const double> q);

// Population stability index, sum (q - p) * ln(q / p), with zero shares replaced by 1e-4
// (without renormalising), as Evidently does. p is the baseline, q the live side.
StatusOr<double> Psi(std::span<const double> p, std::span<const double> q);

// max_i |p_i - q_i| (TFDV's and SageMaker's categorical distance). Symmetric.
StatusOr<double> LInfinity(std::span<const double> p, std::span<const double> q);

// max_i |P_i - Q_i| over the cumulative sums of ordered buckets. Symmetric.
StatusOr<double> BinnedKolmogorovSmirnov(std::span<const double> p, std::span<const double> q);

// Earth mover's distance between the two weightings of the support points `centres`
// (ascending), divided by `scale` (the baseline std; pass 1 for the raw distance). Equals
// scipy.stats.wasserstein_distance(centres, centres, p, q) / scale. Symmetric.
StatusOr<double> Wasserstein(std::span<const double> centres, std::span<const double> p,
                             std::span<const double> q, double scale);

// Chi-square test of homogeneity on the 2 x k table of raw counts (not shares), after
// merging adjacent buckets left to right until every merged column's expected count is at
// least `min_expected` in both rows (a short last group joins the one before it), and
// dropping columns empty on both sides. Equals
// scipy.stats.chi2_contingency(merged, correction=False) statistic / dof / p-value.
// With one merged column there is nothing to test: statistic 0, dof 0, p-value 1.
struct ChiSquareResult {
  double statistic = 0;
  int dof = 0;
  double p_value = 1;
  std::vector<int> groups;  // for each input bucket, its merged column (-1: dropped)
};
StatusOr<ChiSquareResult> ChiSquareHomogeneity(std::span<const double> baseline_counts,
                                               std::span<const double> live_counts,
                                               double min_expected = 5.0);

// Upper tail of the chi-square distribution, P[X > x] for `dof` degrees of freedom
// (regularised upper incomplete gamma Q(dof/2, x/2)).
double ChiSquareSurvival(double x, int dof);

enum class Metric { kJensenShannon, kPsi, kLInfinity, kKolmogorovSmirnov, kWasserstein };
std::string_view MetricName(Metric m);  // "jensenShannon", "psi", "lInfinity", "ks", "wasserstein"
bool ParseMetric(std::string_view name, Metric* out);

// Counts as doubles, for the functions above (they normalise internally).
std::vector<double> ToWeights(std::span<const uint64_t> counts);

}  // namespace skewgate::skew

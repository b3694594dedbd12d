#include "skew/distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace skewgate::skew {
namespace {

using V = std::vector<double>;

double Js(const V& p, const V& q) { return JensenShannon(p, q).value(); }

TEST(Distance, IdenticalDistributionsScoreZero) {
  const V p = {3, 1, 0, 7, 2};
  const V scaled = {30, 10, 0, 70, 20};  // same shares, other sample size
  EXPECT_EQ(Js(p, scaled), 0.0);
  EXPECT_EQ(LInfinity(p, scaled).value(), 0.0);
  EXPECT_EQ(BinnedKolmogorovSmirnov(p, scaled).value(), 0.0);
  EXPECT_EQ(Psi(p, scaled).value(), 0.0);
  EXPECT_EQ(Wasserstein(V{0, 1, 2, 3, 4}, p, scaled, 1.0).value(), 0.0);
}

TEST(Distance, JensenShannonWorkedExamples) {
  // Disjoint supports: the maximum, 1 bit.
  EXPECT_DOUBLE_EQ(Js({1, 0}, {0, 1}), 1.0);
  // p = (.5,.5), q = (1,0): m = (.75,.25);
  // KL(p||m) = .5 log2(2/3) + .5 log2(2) = 0.2075187..., KL(q||m) = log2(4/3) = 0.4150375...
  EXPECT_NEAR(Js({1, 1}, {1, 0}), (0.5 * std::log2(2.0 / 3) + 0.5 + std::log2(4.0 / 3)) / 2, 1e-15);
}

TEST(Distance, PsiWorkedExampleAndZeroFill) {
  // (q - p) ln(q / p): (.25-.5) ln(.5) + (.75-.5) ln(1.5)
  EXPECT_NEAR(Psi(V{1, 1}, V{1, 3}).value(), -0.25 * std::log(0.5) + 0.25 * std::log(1.5), 1e-15);
  // A live-only bucket: the baseline share 0 becomes 1e-4 (Evidently), not infinity.
  const double psi = Psi(V{1, 0}, V{1, 1}).value();
  EXPECT_NEAR(psi, (0.5 - 1) * std::log(0.5 / 1) + (0.5 - 1e-4) * std::log(0.5 / 1e-4), 1e-12);
}

TEST(Distance, KsAndLInfinityWorkedExamples) {
  // CDFs (.5, .5, 1) vs (0, .5, 1): max gap .5 at the first bucket.
  EXPECT_DOUBLE_EQ(BinnedKolmogorovSmirnov(V{1, 0, 1}, V{0, 1, 1}).value(), 0.5);
  EXPECT_DOUBLE_EQ(LInfinity(V{1, 0, 1}, V{0, 1, 1}).value(), 0.5);
  EXPECT_DOUBLE_EQ(LInfinity(V{1, 3}, V{3, 1}).value(), 0.5);
}

TEST(Distance, WassersteinMovesMassOverBinCentres) {
  // All mass moves from centre 0 to centre 10: distance 10, normalised by std 2 -> 5.
  EXPECT_DOUBLE_EQ(Wasserstein(V{0, 10}, V{1, 0}, V{0, 1}, 1.0).value(), 10.0);
  EXPECT_DOUBLE_EQ(Wasserstein(V{0, 10}, V{1, 0}, V{0, 1}, 2.0).value(), 5.0);
  EXPECT_FALSE(Wasserstein(V{1, 0}, V{1, 0}, V{0, 1}, 1.0).ok());  // centres not ascending
  EXPECT_FALSE(Wasserstein(V{0, 1}, V{1, 0}, V{0, 1}, 0.0).ok());  // scale 0
}

TEST(Distance, PropertiesOnRandomDistributions) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 500; ++trial) {
    const int k = 1 + static_cast<int>(rng() % 30);
    V p(k), q(k), c(k);
    for (int i = 0; i < k; ++i) {
      p[i] = u(rng) < 0.2 ? 0 : u(rng) * 100;
      q[i] = u(rng) < 0.2 ? 0 : u(rng) * 100;
      c[i] = i * 1.5;
    }
    p[0] += 1;
    q[k - 1] += 1;
    const double js = Js(p, q);
    EXPECT_GE(js, 0.0);
    EXPECT_LE(js, 1.0);
    EXPECT_NEAR(js, Js(q, p), 1e-15);
    EXPECT_EQ(LInfinity(p, q).value(), LInfinity(q, p).value());
    EXPECT_NEAR(BinnedKolmogorovSmirnov(p, q).value(), BinnedKolmogorovSmirnov(q, p).value(),
                1e-15);
    EXPECT_NEAR(Wasserstein(c, p, q, 1).value(), Wasserstein(c, q, p, 1).value(), 1e-12);
    EXPECT_GE(Psi(p, q).value(), 0.0);
    EXPECT_LE(LInfinity(p, q).value(), BinnedKolmogorovSmirnov(p, q).value() * 2 + 1e-15);
  }
}

TEST(Distance, RejectsBadInputWithAMessage) {
  auto s = JensenShannon(V{1, 2}, V{1, 2, 3});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("differ in length"), std::string::npos);
  EXPECT_FALSE(JensenShannon(V{}, V{}).ok());
  EXPECT_FALSE(JensenShannon(V{0, 0}, V{1, 1}).ok());
  EXPECT_FALSE(Psi(V{-1, 2}, V{1, 1}).ok());
  EXPECT_FALSE(LInfinity(V{NAN, 2}, V{1, 1}).ok());
}

TEST(ChiSquare, SurvivalFunctionKnownValues) {
  EXPECT_NEAR(ChiSquareSurvival(2.0, 2), std::exp(-1.0), 1e-15);       // Q(1,1) = e^-1
  EXPECT_NEAR(ChiSquareSurvival(10.0, 4), 6 * std::exp(-5.0), 1e-15);  // Q(2,5) = 6e^-5
  EXPECT_NEAR(ChiSquareSurvival(3.841458820694124, 1), 0.05, 1e-12);   // the 5% point
  EXPECT_NEAR(ChiSquareSurvival(1.0, 30), 1.0, 1e-12);
  EXPECT_EQ(ChiSquareSurvival(0.0, 3), 1.0);
  EXPECT_EQ(ChiSquareSurvival(5.0, 0), 1.0);
}

TEST(ChiSquare, MergesSmallBucketsUntilExpectedReachesFive) {
  // Rows of 100 and 100: a column needs a total >= 10 for expected >= 5 in both rows.
  const V base = {50, 2, 2, 2, 44, 0};
  const V live = {50, 2, 2, 2, 44, 0};
  auto r = ChiSquareHomogeneity(base, live).value();
  // [50+50] closes; 2+2+2 (12 total) closes a group; 44 closes; the empty bucket is dropped.
  EXPECT_EQ(r.groups, (std::vector<int>{0, 1, 1, 1, 2, -1}));
  EXPECT_EQ(r.dof, 2);
  EXPECT_EQ(r.statistic, 0.0);
  EXPECT_EQ(r.p_value, 1.0);
}

TEST(ChiSquare, ShortLastGroupJoinsThePreviousOne) {
  const V base = {50, 48, 2};
  const V live = {50, 48, 2};
  auto r = ChiSquareHomogeneity(base, live).value();
  EXPECT_EQ(r.groups, (std::vector<int>{0, 1, 1}));
}

TEST(ChiSquare, ClearShiftIsSignificant) {
  auto r = ChiSquareHomogeneity(V{500, 500}, V{300, 700}).value();
  EXPECT_EQ(r.dof, 1);
  // Table [[500,500],[300,700]]: expected 400/600 in each row; stat = 4 * 100^2/400 ... computed:
  const double stat = 2 * (100.0 * 100 / 400) + 2 * (100.0 * 100 / 600);
  EXPECT_NEAR(r.statistic, stat, 1e-9);
  EXPECT_LT(r.p_value, 1e-15);
}

TEST(Metric, NamesRoundTrip) {
  for (Metric m : {Metric::kJensenShannon, Metric::kPsi, Metric::kLInfinity,
                   Metric::kKolmogorovSmirnov, Metric::kWasserstein}) {
    Metric back;
    ASSERT_TRUE(ParseMetric(MetricName(m), &back));
    EXPECT_EQ(back, m);
  }
  Metric x;
  EXPECT_FALSE(ParseMetric("jsd", &x));
}

}  // namespace
}  // namespace skewgate::skew

// PrometheusAnalyzer over a scripted querier: which queries it runs, and that every way
// Prometheus can fail to give evidence is Inconclusive with a reason, never a pass.
#include "analysis/prometheus_analyzer.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include "unit/analysis/test_baseline.h"

namespace skewgate::analysis {
namespace {

using testing::CountryBaseline;
using namespace std::chrono_literals;

// Answers by the query's metric and revision; records every query. A revision without a
// script has no series; `down` makes every query fail as an unreachable Prometheus does.
class ScriptedQuerier : public PrometheusQuerier {
 public:
  std::map<std::string, std::vector<PromSample>> info, bins;  // by revision
  bool down = false;
  std::vector<std::string> queries;
  std::vector<TimePoint> times;

  StatusOr<std::vector<PromSample>> Query(const PrometheusAddress& a, const std::string& promql,
                                          TimePoint at) override {
    queries.push_back(promql);
    times.push_back(at);
    if (down) return UnavailableError("connecting to " + a.ToString() + ": Connection refused");
    const auto& table = promql.find("baseline_info") != std::string::npos ? info : bins;
    for (const auto& [rev, samples] : table) {
      if (promql.find("revision=\"" + rev + "\"") != std::string::npos) return samples;
    }
    return std::vector<PromSample>{};
  }
};

PromSample Info(const std::string& hash) { return {{{"baseline_hash", hash}}, 1}; }
std::vector<PromSample> Country(double de, double fr) {
  return {{{{"feature", "country"}, {"bin", "0"}}, de},
          {{{"feature", "country"}, {"bin", "1"}}, fr},
          {{{"feature", "country"}, {"bin", "2"}}, 0},
          {{{"feature", "country"}, {"bin", "3"}}, 0}};
}

class PrometheusAnalyzerTest : public ::testing::Test {
 protected:
  PrometheusAnalyzerTest() {
    auto q = std::make_unique<ScriptedQuerier>();
    querier_ = q.get();
    analyzer_ = std::make_unique<PrometheusAnalyzer>(std::move(q));
    req_.key = "ml/fraud";
    req_.namespace_ = "ml";
    req_.baseline = &b_;
    req_.spec.min_samples = 100;
    req_.spec.skew.categorical = {api::SkewMetric::kLInfinity, 0.1};
    req_.spec.prometheus = api::PrometheusSource{"http://127.0.0.1:9091"};
    req_.canary = {"rev2", {}};
    req_.window_start = t0_;
    req_.now = t0_ + 30s + 400ms;
  }
  skew::Baseline b_ = CountryBaseline();
  TimePoint t0_ = FromUnixSeconds(10'000);
  ScriptedQuerier* querier_;
  std::unique_ptr<PrometheusAnalyzer> analyzer_;
  AnalysisRequest req_;
};

TEST_F(PrometheusAnalyzerTest, HealthyCountsAreSuccessfulWithTheWindowSinceTheStepStarted) {
  querier_->info["rev2"] = {Info(b_.hash)};
  querier_->bins["rev2"] = Country(500.4, 509.7);
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kSuccessful) << s.message;
  EXPECT_EQ(s.samples, 1010);  // rounded: 500 + 510
  EXPECT_EQ(s.revision, "rev2");
  ASSERT_EQ(querier_->queries.size(), 2u);
  // 30.4 s since the step started → a 31 s range, evaluated at `now`.
  EXPECT_EQ(querier_->queries[1], BinIncreaseQuery("ml", "rev2", 31));
  EXPECT_EQ(querier_->queries[0], BaselineInfoQuery("ml", "rev2", 31));
  EXPECT_EQ(querier_->times[1], req_.now);
}

TEST_F(PrometheusAnalyzerTest, SkewedCountsFailNamingTheFeature) {
  querier_->info["rev2"] = {Info(b_.hash)};
  querier_->bins["rev2"] = Country(800, 200);
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kFailed) << s.message;
  EXPECT_NE(s.message.find("country"), std::string::npos) << s.message;
}

TEST_F(PrometheusAnalyzerTest, PrometheusDownIsInconclusiveNamingPrometheus) {
  querier_->down = true;
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("querying Prometheus at http://127.0.0.1:9091"), std::string::npos)
      << s.message;
  EXPECT_NE(s.message.find("Connection refused"), std::string::npos) << s.message;
}

TEST_F(PrometheusAnalyzerTest, NoSeriesIsInconclusive) {
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("has no skewgate_sidecar_baseline_info for revision rev2 in namespace "
                           "ml over the last 31s"),
            std::string::npos)
      << s.message;
  querier_->info["rev2"] = {Info(b_.hash)};
  s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("no skewgate_sidecar_feature_bin_total series"), std::string::npos)
      << s.message;
}

TEST_F(PrometheusAnalyzerTest, AnotherBaselineIsInconclusive) {
  querier_->info["rev2"] = {Info(b_.hash), Info("sha256:stale")};
  querier_->bins["rev2"] = Country(500, 500);
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("count with baseline sha256:stale"), std::string::npos) << s.message;
}

TEST_F(PrometheusAnalyzerTest, TooFewSamplesIsInconclusive) {
  querier_->info["rev2"] = {Info(b_.hash)};
  querier_->bins["rev2"] = Country(30, 29);
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive) << s.message;
}

TEST_F(PrometheusAnalyzerTest, BadAddressOrEmptyWindowIsInconclusive) {
  req_.spec.prometheus = api::PrometheusSource{"https://prometheus:9090"};
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("https is not supported"), std::string::npos) << s.message;
  req_.spec.prometheus = api::PrometheusSource{"http://127.0.0.1:9091"};
  req_.now = req_.window_start;
  s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_TRUE(querier_->queries.empty());
}

TEST_F(PrometheusAnalyzerTest, CompareToStableQueriesTheStableRevision) {
  req_.spec.skew.compare_to_stable = true;
  req_.stable = RevisionPods{"rev1", {}};
  querier_->info["rev2"] = {Info(b_.hash)};
  querier_->bins["rev2"] = Country(800, 200);  // L∞ 0.3 ...
  querier_->info["rev1"] = {Info(b_.hash)};
  querier_->bins["rev1"] = Country(790, 210);  // ... and the stable sees the same drift
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kSuccessful) << s.message;
  ASSERT_EQ(querier_->queries.size(), 4u);
  EXPECT_EQ(querier_->queries[3], BinIncreaseQuery("ml", "rev1", 31));

  querier_->bins.erase("rev1");  // the stable has no series: no comparison possible
  s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("revision rev1"), std::string::npos) << s.message;
}

}  // namespace
}  // namespace skewgate::analysis

namespace skewgate::analysis {
namespace {

// The real HTTP querier against a port nobody listens on (bound, then closed): the error
// names Prometheus' query endpoint, not the whole encoded query.
TEST(HttpPrometheusQuerierTest, UnreachableNamesTheEndpointOnly) {
  int port = 0;
  {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(
        ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto q = NewHttpPrometheusQuerier(std::chrono::milliseconds(2000));
  auto r = q->Query(PrometheusAddress{"127.0.0.1", port, "/prom"}, BinIncreaseQuery("ml", "r1", 30),
                    FromUnixSeconds(1000));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  const std::string m = r.status().message();
  EXPECT_NE(m.find("http://127.0.0.1:" + std::to_string(port) + "/prom/api/v1/query"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("query="), std::string::npos) << m;
}

}  // namespace
}  // namespace skewgate::analysis

#include "analysis/sidecar_analyzer.h"

#include <gtest/gtest.h>

#include "unit/analysis/test_baseline.h"

namespace skewgate::analysis {
namespace {

using testing::CountryBaseline;
using testing::CountryCounts;
using namespace std::chrono_literals;

// Serves scripted /stats per pod IP; an IP without a script is unreachable.
class ScriptedStatsClient : public StatsClient {
 public:
  std::map<std::string, SidecarStats> by_ip;
  StatusOr<SidecarStats> Fetch(const std::string& host, int port) override {
    auto it = by_ip.find(host);
    if (it == by_ip.end()) return UnavailableError("connecting to " + host + ": refused");
    return it->second;
  }
};

class SidecarAnalyzerTest : public ::testing::Test {
 protected:
  SidecarAnalyzerTest() {
    auto c = std::make_unique<ScriptedStatsClient>();
    client_ = c.get();
    analyzer_ = std::make_unique<SidecarAnalyzer>(std::move(c));
    req_.key = "ml/fraud";
    req_.baseline = &b_;
    req_.spec.min_samples = 100;
    req_.spec.skew.categorical = {api::SkewMetric::kLInfinity, 0.1};
    req_.canary = {"rev2", {{"uid-1", "127.100.0.1", t0_ + 1s, true}}};
    req_.window_start = t0_;
    req_.now = t0_ + 30s;
  }
  void Serve(const std::string& ip, skew::Counts c) {
    SidecarStats s;
    s.baseline_hash = c.baseline_hash;
    s.start_id = c.start_id;
    s.counts = std::move(c);
    client_->by_ip[ip] = s;
  }
  skew::Baseline b_ = CountryBaseline();
  TimePoint t0_ = FromUnixSeconds(10'000);
  ScriptedStatsClient* client_;
  std::unique_ptr<SidecarAnalyzer> analyzer_;
  AnalysisRequest req_;
};

TEST_F(SidecarAnalyzerTest, HealthyTrafficAcrossScrapesIsSuccessful) {
  // The pod was created inside the window, so its first scrape counts whole: 80/20 is
  // L∞ 0.3 against the 50/50 baseline, over the 0.1 threshold.
  Serve("127.100.0.1", CountryCounts(b_.hash, "s1", 80, 20));
  EXPECT_EQ(analyzer_->Analyze(req_).verdict, api::Verdict::kFailed);
  Serve("127.100.0.1", CountryCounts(b_.hash, "s1", 500, 510));
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kSuccessful) << s.message;
  EXPECT_EQ(s.samples, 1010);
}

TEST_F(SidecarAnalyzerTest, UnreachableSidecarIsInconclusiveNeverAPass) {
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("refused"), std::string::npos) << s.message;
}

TEST_F(SidecarAnalyzerTest, NoReadyPodsIsInconclusive) {
  req_.canary.pods[0].ready = false;
  Serve("127.100.0.1", CountryCounts(b_.hash, "s1", 500, 500));
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("no Ready pods"), std::string::npos) << s.message;
}

TEST_F(SidecarAnalyzerTest, BaselineMismatchIsInconclusive) {
  Serve("127.100.0.1", CountryCounts("sha256:stale", "s1", 500, 500));
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("sha256:stale"), std::string::npos) << s.message;
}

TEST_F(SidecarAnalyzerTest, AnotherRevisionsSidecarAtThePodIpIsInconclusive) {
  Serve("127.100.0.1", CountryCounts(b_.hash, "s1", 500, 500));
  client_->by_ip["127.100.0.1"].revision = "rev1";  // the IP's previous owner, still draining
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("reports revision rev1, not rev2"), std::string::npos) << s.message;
  client_->by_ip["127.100.0.1"].revision = "rev2";  // its own sidecar: counted
  s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kSuccessful) << s.message;
}

TEST_F(SidecarAnalyzerTest, ANewStepStartsAFreshWindow) {
  Serve("127.100.0.1", CountryCounts(b_.hash, "s1", 0, 0, 2000));  // skewed at first
  EXPECT_EQ(analyzer_->Analyze(req_).verdict, api::Verdict::kFailed);
  // Next step: the pod existed before the new window, so its old counts are not in it.
  req_.window_start = t0_ + 60s;
  req_.now = t0_ + 90s;
  EXPECT_EQ(analyzer_->Analyze(req_).verdict, api::Verdict::kInconclusive);
  Serve("127.100.0.1", CountryCounts(b_.hash, "s1", 600, 600, 2000));
  EXPECT_EQ(analyzer_->Analyze(req_).verdict, api::Verdict::kSuccessful);
}

TEST_F(SidecarAnalyzerTest, TheWindowOfARevisionNoLongerTheCanaryIsDropped) {
  req_.canary.pods[0].created = t0_ - 10s;  // anchored by its first scrape
  Serve("127.100.0.1", CountryCounts(b_.hash, "s1", 500, 500));
  EXPECT_EQ(analyzer_->Analyze(req_).samples, 0);
  // Another canary replaces rev2 (rev2 was aborted or superseded): its window goes.
  AnalysisRequest next = req_;
  next.canary = {"rev3", {{"uid-3", "127.100.0.3", t0_ + 1s, true}}};
  Serve("127.100.0.3", CountryCounts(b_.hash, "s3", 50, 50));
  analyzer_->Analyze(next);
  // Had rev2's window been kept, the 200 new requests would count; it starts over.
  Serve("127.100.0.1", CountryCounts(b_.hash, "s1", 600, 600));
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive) << s.message;
  EXPECT_EQ(s.samples, 0);
}

TEST_F(SidecarAnalyzerTest, APodNotReadyYetIsAnchoredSoAllItServesCounts) {
  // Created before the window, its sidecar up but its model still loading (not Ready).
  req_.canary.pods[0].created = t0_ - 10s;
  req_.canary.pods[0].ready = false;
  Serve("127.100.0.1", CountryCounts(b_.hash, "s1", 0, 0));
  auto s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kInconclusive);
  EXPECT_NE(s.message.find("no Ready pods"), std::string::npos) << s.message;
  // Ready, it served 600 requests: all of them are the window's (without the scrape while
  // it was not Ready, this first one would anchor it and count 0).
  req_.canary.pods[0].ready = true;
  Serve("127.100.0.1", CountryCounts(b_.hash, "s1", 300, 300));
  s = analyzer_->Analyze(req_);
  EXPECT_EQ(s.verdict, api::Verdict::kSuccessful) << s.message;
  EXPECT_EQ(s.samples, 600);
}

}  // namespace
}  // namespace skewgate::analysis

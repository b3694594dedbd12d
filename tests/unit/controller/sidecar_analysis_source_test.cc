#include "controller/sidecar_analysis_source.h"

#include <gtest/gtest.h>

#include "controller/labels.h"
#include "unit/controller/fake_cluster.h"
#include "unit/controller/test_objects.h"
#include "unit/skew/test_baselines.h"

namespace skewgate::controller {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Serves scripted /stats per pod IP and counts the scrapes; an IP without a script is
// unreachable.
class ScriptedStatsClient final : public analysis::StatsClient {
 public:
  StatusOr<analysis::SidecarStats> Fetch(const std::string& host, int) override {
    std::lock_guard<std::mutex> lock(mu);
    ++fetches;
    auto it = by_ip.find(host);
    if (it == by_ip.end()) return UnavailableError("connecting to " + host + ": refused");
    return it->second;
  }
  std::mutex mu;
  std::map<std::string, analysis::SidecarStats> by_ip;
  int fetches = 0;
};

class SidecarAnalysisSourceTest : public ::testing::Test {
 protected:
  static constexpr const char* kIp = "127.100.0.7";

  SidecarAnalysisSourceTest() {
    cluster_.Put(testing::BaselineConfigMap("ml", "fraud-baseline"));
    auto stats = std::make_unique<ScriptedStatsClient>();
    stats_ = stats.get();
    source_ = std::make_unique<SidecarAnalysisSource>(
        cluster_, std::move(stats), analysis::NewHttpPrometheusQuerier(1s), clock_);
    md_ = testing::Md("ml", "fraud");
    api::CanaryStrategy canary;
    canary.steps = {{api::SetWeightStep{50}}, {api::PauseStep{5s}}};
    canary.analysis.interval = 10s;
    canary.analysis.min_samples = 200;
    md_.spec.strategy.canary = canary;
    md_.status.stable_revision = "rev1";
    md_.status.canary_revision = "rev2";
    md_.status.current_step_index = 1;
    md_.status.current_step_started_at = t0_;
  }

  // A Ready pod of the canary revision, created at `created`.
  void AddPod(TimePoint created) {
    cluster_.Put(
        {{"apiVersion", "v1"},
         {"kind", "Pod"},
         {"metadata",
          {{"name", "fraud-rev2-a"},
           {"namespace", "ml"},
           {"uid", "pod-uid-1"},
           {"creationTimestamp", FormatRfc3339(created)},
           {"labels", {{kLabelModelDeployment, "fraud"}, {kLabelRevision, "rev2"}}}}},
         {"status", {{"podIP", kIp}, {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}});
  }
  // The sidecar's cumulative counters after `n` requests shaped like the baseline.
  void Serve(uint64_t n) {
    analysis::SidecarStats s;
    s.counts = skew::testing::CountsFor(baseline_,
                                        {{"amount", {n / 4, n / 4, n / 4, n - 3 * (n / 4), 0, 0}},
                                         {"country", {n * 6 / 10, n - n * 6 / 10, 0, 0}}});
    s.counts.start_id = "start-1";
    s.baseline_hash = s.counts.baseline_hash;
    s.start_id = "start-1";
    s.revision = "rev2";
    std::lock_guard<std::mutex> lock(stats_->mu);
    stats_->by_ip[kIp] = s;
  }
  int Fetches() {
    std::lock_guard<std::mutex> lock(stats_->mu);
    return stats_->fetches;
  }
  // What the reconciler does while a canary is analysed: a Read every second.
  AnalysisReading Tick(Duration d = 1s) {
    clock_.Advance(d);
    return source_->Read(md_);
  }

  FakeClock clock_{FromUnixSeconds(1'700'000'000)};
  TimePoint t0_ = FromUnixSeconds(1'700'000'000);
  skew::Baseline baseline_ = skew::testing::TwoFeatureBaseline();
  testing::FakeCluster cluster_;
  ScriptedStatsClient* stats_ = nullptr;
  std::unique_ptr<SidecarAnalysisSource> source_;
  api::ModelDeployment md_;
};

TEST_F(SidecarAnalysisSourceTest, TheWindowIsAnchoredWhenTheStepStartsNotAtTheFirstRun) {
  md_.spec.strategy.canary->steps[1] = {api::PauseStep{}};  // a manual gate: no early run
  AddPod(t0_ - 60s);                                        // it served before the step started
  Serve(1000);
  EXPECT_FALSE(source_->Read(md_).latest.has_value());
  // The anchor scrape happens at once, and is no run.
  EXPECT_EQ(source_->RunDue(), 1);
  EXPECT_EQ(Fetches(), 1);
  EXPECT_FALSE(source_->Read(md_).latest.has_value());
  Serve(1400);  // 400 requests inside the step
  for (int s = 1; s < 10; ++s) {
    Tick();
    EXPECT_EQ(source_->RunDue(), 0) << s;
  }
  Tick();
  EXPECT_EQ(source_->RunDue(), 1);
  AnalysisReading r = source_->Read(md_);
  ASSERT_TRUE(r.latest.has_value());
  // Without the anchor this first scrape would be the anchor: 0 samples, Inconclusive.
  EXPECT_EQ(r.latest->verdict, api::Verdict::kSuccessful) << r.latest->message;
  EXPECT_EQ(r.latest->samples, 400);
  EXPECT_EQ(r.latest->time, t0_ + 10s);
}

TEST_F(SidecarAnalysisSourceTest, ARunIsPublishedAsSoonAsThePauseEnds) {
  AddPod(t0_ + 1s);  // created inside the window: everything it counted is in it
  Serve(0);
  source_->Read(md_);
  EXPECT_EQ(source_->RunDue(), 1);  // the anchor
  Serve(300);
  for (int s = 1; s < 5; ++s) {
    Tick();
    EXPECT_EQ(source_->RunDue(), 0) << "the pause is not over at +" << s << "s";
  }
  Tick();  // +5 s: the pause ends, the state machine waits for a successful run
  EXPECT_EQ(source_->RunDue(), 1);
  AnalysisReading r = source_->Read(md_);
  ASSERT_TRUE(r.latest.has_value());
  EXPECT_EQ(r.latest->verdict, api::Verdict::kSuccessful) << r.latest->message;
  EXPECT_EQ(r.latest->time, t0_ + 5s);
  // It has what it waited for: no more probes; the next run is one interval later.
  for (int s = 6; s < 15; ++s) {
    Tick();
    EXPECT_EQ(source_->RunDue(), 0) << s;
  }
  Tick();
  EXPECT_EQ(source_->RunDue(), 1);
}

TEST_F(SidecarAnalysisSourceTest, ProbesPublishOnlyConclusiveRunsAtMostOneScrapeASecond) {
  AddPod(t0_ + 1s);
  Serve(0);
  source_->Read(md_);
  EXPECT_EQ(source_->RunDue(), 1);  // the anchor
  Serve(120);                       // fewer than minSamples 200
  Tick(5s);
  EXPECT_EQ(source_->RunDue(), 1);  // a probe at the pause's end...
  EXPECT_FALSE(source_->Read(md_).latest.has_value()) << "...Inconclusive: not published";
  EXPECT_EQ(source_->RunDue(), 0);  // the same instant: no second scrape
  Tick(500ms);
  EXPECT_EQ(source_->RunDue(), 0);  // half a second later: still none
  Tick(500ms);
  EXPECT_EQ(source_->RunDue(), 1);  // +6 s
  for (int s = 7; s < 10; ++s) {
    Tick();
    EXPECT_EQ(source_->RunDue(), 1) << s;
    EXPECT_FALSE(source_->Read(md_).latest.has_value()) << s;
  }
  // The interval's run is published whatever it says, and Inconclusive stays so.
  Tick();
  EXPECT_EQ(source_->RunDue(), 1);
  AnalysisReading r = source_->Read(md_);
  ASSERT_TRUE(r.latest.has_value());
  EXPECT_EQ(r.latest->verdict, api::Verdict::kInconclusive) << r.latest->message;
  EXPECT_EQ(r.latest->time, t0_ + 10s);
  // Once minSamples is reachable the next probe decides, without waiting for +20 s.
  Serve(260);
  Tick();
  EXPECT_EQ(source_->RunDue(), 1);
  r = source_->Read(md_);
  ASSERT_TRUE(r.latest.has_value());
  EXPECT_EQ(r.latest->verdict, api::Verdict::kSuccessful) << r.latest->message;
  EXPECT_EQ(r.latest->time, t0_ + 11s);
  EXPECT_EQ(Fetches(), 1 + 1 + 1 + 3 + 1 + 1);
}

TEST_F(SidecarAnalysisSourceTest, ACanaryNoLongerReadIsNotScraped) {
  AddPod(t0_ + 1s);
  Serve(0);
  source_->Read(md_);
  EXPECT_EQ(source_->RunDue(), 1);  // the anchor
  Serve(500);
  // The reconcile that read this run aborted the canary; no reconcile reads it as a canary
  // again (its poll stops with the abort).
  for (int s = 1; s <= 30; ++s) {
    clock_.Advance(1s);
    EXPECT_EQ(source_->RunDue(), 0) << s;
  }
  EXPECT_EQ(Fetches(), 1);
  // Read again as the canary: scraping resumes with the same window.
  source_->Read(md_);
  EXPECT_EQ(source_->RunDue(), 1);
  ASSERT_TRUE(source_->Read(md_).latest.has_value());
  EXPECT_EQ(source_->Read(md_).latest->samples, 500);
}

TEST_F(SidecarAnalysisSourceTest, AnAbortedCanaryIsForgottenAtOnce) {
  AddPod(t0_ + 1s);
  Serve(400);
  source_->Read(md_);
  EXPECT_EQ(source_->RunDue(), 1);
  api::ModelDeployment aborted = md_;
  aborted.status.abort = api::AbortInfo{"rev2", t0_ + 1s, "AnalysisFailed", "skew", {}};
  aborted.status.canary_revision.clear();
  aborted.status.current_step_index.reset();
  aborted.status.current_step_started_at.reset();
  clock_.Advance(1s);
  AnalysisReading r = source_->Read(aborted);
  EXPECT_TRUE(r.enabled);
  EXPECT_FALSE(r.latest.has_value());
  for (int s = 0; s < 20; ++s) {
    clock_.Advance(1s);
    source_->Read(aborted);
    EXPECT_EQ(source_->RunDue(), 0) << s;
  }
  EXPECT_EQ(Fetches(), 1);
}

}  // namespace
}  // namespace skewgate::controller

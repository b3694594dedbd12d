#include "runtime/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace skewgate::runtime {
namespace {

TEST(MetricsTest, RendersCountersAndGaugesWithHelpAndType) {
  MetricsRegistry r;
  auto c = r.AddCounter("skewgate_things_total", "Things done.", {"kind"});
  ASSERT_TRUE(c.ok());
  (*c)->WithLabels({"b"})->Inc(2);
  (*c)->WithLabels({"a"})->Inc();
  auto g = r.AddGauge("skewgate_leader", "1 when leading.");
  ASSERT_TRUE(g.ok());
  (*g)->Get()->Set(1);
  EXPECT_EQ(r.Render(),
            "# HELP skewgate_leader 1 when leading.\n"
            "# TYPE skewgate_leader gauge\n"
            "skewgate_leader 1\n"
            "# HELP skewgate_things_total Things done.\n"
            "# TYPE skewgate_things_total counter\n"
            "skewgate_things_total{kind=\"a\"} 1\n"
            "skewgate_things_total{kind=\"b\"} 2\n");
}

TEST(MetricsTest, CollectorsRenderWhatTheirFunctionReturnsAtEachScrape) {
  MetricsRegistry r;
  std::vector<CollectedSample> now = {{{"ml", "a"}, 1}, {{"ml", "b"}, 0.5}};
  ASSERT_TRUE(
      r.AddCollector("skewgate_weight", "Weight.", MetricType::kGauge, {"namespace", "name"}, [&] {
         return now;
       }).ok());
  EXPECT_EQ(r.Render(),
            "# HELP skewgate_weight Weight.\n"
            "# TYPE skewgate_weight gauge\n"
            "skewgate_weight{namespace=\"ml\",name=\"a\"} 1\n"
            "skewgate_weight{namespace=\"ml\",name=\"b\"} 0.5\n");
  now.pop_back();  // the object is gone: so is its series, with nothing to unregister
  EXPECT_EQ(r.Render().find("name=\"b\""), std::string::npos) << r.Render();
  // Names are checked as for other families; a collector cannot share a name.
  EXPECT_FALSE(r.AddCollector("skewgate_weight", "", MetricType::kGauge, {"namespace", "name"}, [] {
                  return std::vector<CollectedSample>{};
                }).ok());
  EXPECT_FALSE(r.AddCollector("bad-name", "", MetricType::kGauge, {}, [] {
                  return std::vector<CollectedSample>{};
                }).ok());
  EXPECT_FALSE(r.AddCollector("skewgate_h", "", MetricType::kHistogram, {}, [] {
                  return std::vector<CollectedSample>{};
                }).ok());
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfSumCount) {
  MetricsRegistry r;
  auto h = r.AddHistogram("lat_seconds", "Latency.", {0.1, 1}, {"op"});
  ASSERT_TRUE(h.ok());
  auto* s = (*h)->WithLabels({"get"});
  s->Observe(0.05);
  s->Observe(0.1);  // equal to a bound: in that bucket (le is inclusive)
  s->Observe(0.5);
  s->Observe(7);
  EXPECT_EQ(r.Render(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{op=\"get\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{op=\"get\",le=\"1\"} 3\n"
            "lat_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{op=\"get\"} 7.65\n"
            "lat_seconds_count{op=\"get\"} 4\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry r;
  auto c = r.AddCounter("x_total", "line1\nback\\slash", {"v"});
  ASSERT_TRUE(c.ok());
  (*c)->WithLabels({"a\"b\\c\nd"})->Inc();
  std::string out = r.Render();
  EXPECT_NE(out.find("# HELP x_total line1\\nback\\\\slash\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << out;
}

TEST(MetricsTest, RejectsBadNamesAndClashes) {
  MetricsRegistry r;
  EXPECT_EQ(r.AddCounter("1bad", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.AddCounter("has-dash", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.AddCounter("ok_total", "", {"__reserved"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(r.AddHistogram("h", "", {1, 1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.AddHistogram("h", "", {1}, {"le"}).status().code(), StatusCode::kInvalidArgument);
  auto first = r.AddCounter("same_total", "", {"a"});
  ASSERT_TRUE(first.ok());
  // Same shape: shared.
  auto again = r.AddCounter("same_total", "", {"a"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*first, *again);
  // Different type or labels: refused, naming the metric.
  auto gauge = r.AddGauge("same_total", "", {"a"});
  EXPECT_EQ(gauge.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(gauge.status().message().find("same_total"), std::string::npos);
  EXPECT_FALSE(r.AddCounter("same_total", "", {"b"}).ok());
}

TEST(MetricsTest, CardinalityIsBoundedByOverflowSeries) {
  MetricsRegistry r;
  auto c = r.AddCounter("req_total", "", {"path"}, /*max_series=*/4);
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 100; ++i) (*c)->WithLabels({"/p" + std::to_string(i)})->Inc();
  std::string out = r.Render();
  // 3 distinct series plus the overflow one that absorbed the other 97 increments.
  size_t lines = 0;
  for (size_t p = out.find("req_total{"); p != std::string::npos;
       p = out.find("req_total{", p + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 4u) << out;
  EXPECT_NE(out.find("req_total{path=\"other\"} 97\n"), std::string::npos) << out;
  // Existing series keep working after the cap is reached.
  (*c)->WithLabels({"/p0"})->Inc();
  EXPECT_EQ((*c)->WithLabels({"/p0"})->Value(), 2);
}

TEST(MetricsTest, CounterIgnoresNegativeAndGaugeGoesBothWays) {
  Counter c;
  c.Inc(3);
  c.Inc(-1);
  c.Inc(std::nan(""));
  EXPECT_EQ(c.Value(), 3);
  Gauge g;
  g.Inc();
  g.Inc();
  g.Dec();
  EXPECT_EQ(g.Value(), 1);
}

TEST(MetricsTest, FormatsSpecialValues) {
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatMetricValue(42), "42");
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
  EXPECT_EQ(FormatMetricValue(2.5e-5), "2.5e-05");
}

}  // namespace
}  // namespace skewgate::runtime

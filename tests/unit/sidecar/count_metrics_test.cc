#include "sidecar/count_metrics.h"

#include <gtest/gtest.h>

namespace skewgate::sidecar {
namespace {

StatsSnapshot TwoFeatures() {
  StatsSnapshot s;
  s.baseline_hash = "sha256:abc";
  s.start_id = "0123";
  s.revision = "7f3c9a";
  s.counts.features["amount"] = {3, 0, 5};
  s.counts.features["country"] = {0, 0, 1, 2};
  return s;
}

TEST(EscapeLabelValueTest, EscapesBackslashQuoteAndNewlineOnly) {
  EXPECT_EQ(EscapeLabelValue("plain-name_1"), "plain-name_1");
  EXPECT_EQ(EscapeLabelValue("a\"b"), "a\\\"b");
  EXPECT_EQ(EscapeLabelValue("a\\b"), "a\\\\b");
  EXPECT_EQ(EscapeLabelValue("a\nb"), "a\\nb");
  EXPECT_EQ(EscapeLabelValue("größe\t"), "größe\t");
}

TEST(CountMetricsTest, EveryBucketIncludingZerosWithBoundedLabels) {
  std::string out;
  AppendCountMetrics(out, TwoFeatures(), "ml");
  const std::string p = "skewgate_sidecar_feature_bin_total{namespace=\"ml\",revision=\"7f3c9a\",";
  EXPECT_NE(out.find(p + "feature=\"amount\",bin=\"0\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find(p + "feature=\"amount\",bin=\"1\"} 0\n"), std::string::npos) << out;
  EXPECT_NE(out.find(p + "feature=\"amount\",bin=\"2\"} 5\n"), std::string::npos) << out;
  EXPECT_NE(out.find(p + "feature=\"country\",bin=\"3\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("skewgate_sidecar_baseline_info{namespace=\"ml\",revision=\"7f3c9a\","
                     "baseline_hash=\"sha256:abc\",start_id=\"0123\"} 1\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("# TYPE skewgate_sidecar_feature_bin_total counter\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE skewgate_sidecar_baseline_info gauge\n"), std::string::npos);
  // 3 + 4 buckets, one info sample, two HELP and two TYPE lines.
  size_t lines = 0;
  for (char c : out) lines += c == '\n';
  EXPECT_EQ(lines, 7u + 1u + 4u);
}

TEST(CountMetricsTest, FeatureNamesAndNamespaceAreEscaped) {
  StatsSnapshot s;
  s.revision = "r";
  s.counts.features["we\"ird\\name\n"] = {1};
  std::string out;
  AppendCountMetrics(out, s, "n\"s");
  EXPECT_NE(
      out.find(
          "{namespace=\"n\\\"s\",revision=\"r\",feature=\"we\\\"ird\\\\name\\n\",bin=\"0\"} 1\n"),
      std::string::npos)
      << out;
}

TEST(CountMetricsTest, WithoutABaselineOnlyTheInfoMetric) {
  StatsSnapshot s;
  s.start_id = "x";
  std::string out;
  AppendCountMetrics(out, s, "");
  EXPECT_NE(
      out.find("skewgate_sidecar_baseline_info{namespace=\"\",revision=\"\",baseline_hash=\"\","
               "start_id=\"x\"} 1\n"),
      std::string::npos);
  EXPECT_EQ(out.find("skewgate_sidecar_feature_bin_total{"), std::string::npos);
}

}  // namespace
}  // namespace skewgate::sidecar

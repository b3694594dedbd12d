#include "sidecar/count_metrics.h"

namespace skewgate::sidecar {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

void AppendMetricHeader(std::string& out, std::string_view name, std::string_view type,
                        std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help);
  out.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

void AppendCountMetrics(std::string& out, const StatsSnapshot& snapshot,
                        std::string_view pod_namespace) {
  const std::string common = "namespace=\"" + EscapeLabelValue(pod_namespace) + "\",revision=\"" +
                             EscapeLabelValue(snapshot.revision) + "\"";
  AppendMetricHeader(out, kBaselineInfoMetric, "gauge",
                     "The baseline the bin counters use and the counters' start id (always 1).");
  out += kBaselineInfoMetric;
  out += "{" + common + ",baseline_hash=\"" + EscapeLabelValue(snapshot.baseline_hash) +
         "\",start_id=\"" + EscapeLabelValue(snapshot.start_id) + "\"} 1\n";

  AppendMetricHeader(out, kFeatureBinMetric, "counter",
                     "Values counted per feature and baseline bucket (index into /stats counts).");
  for (const auto& [feature, buckets] : snapshot.counts.features) {
    const std::string prefix = std::string(kFeatureBinMetric) + "{" + common + ",feature=\"" +
                               EscapeLabelValue(feature) + "\",bin=\"";
    for (size_t i = 0; i < buckets.size(); ++i) {
      out += prefix;
      out += std::to_string(i);
      out += "\"} ";
      out += std::to_string(buckets[i]);
      out += '\n';
    }
  }
}

}  // namespace skewgate::sidecar

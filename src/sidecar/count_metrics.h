// The sidecar's bin counters in Prometheus text format, so a Prometheus that scrapes
// /metrics holds exactly the counts /stats serves and the controller can read them back
// with increase() (analysis::PrometheusAnalyzer). Pure.
//
//   std::string out;
//   AppendCountMetrics(out, stats.Snapshot(), "ml");   // appended to /metrics
//
// Series (bounded: one per baseline bucket, the labels come from the baseline and the
// configuration, never from payloads):
//   skewgate_sidecar_feature_bin_total{namespace,revision,feature,bin}  counter
//     `bin` is the bucket's index in the baseline's layout for that feature (numeric:
//     value bins, then NaN, then missing; categorical: labels, then other/OOV, then
//     missing) — exactly the index into /stats' counts.features[feature].
//   skewgate_sidecar_baseline_info{namespace,revision,baseline_hash,start_id} 1
#pragma once

#include <string>
#include <string_view>

#include "sidecar/stats_collector.h"

namespace skewgate::sidecar {

inline constexpr char kFeatureBinMetric[] = "skewgate_sidecar_feature_bin_total";
inline constexpr char kBaselineInfoMetric[] = "skewgate_sidecar_baseline_info";

// A label value as the text exposition format wants it: backslash, double quote and line
// feed escaped (\\, \", \n); everything else, UTF-8 included, as is.
std::string EscapeLabelValue(std::string_view value);

// "# HELP name help\n# TYPE name type\n": the header of one metric family; every family
// the sidecar's /metrics serves starts with it.
void AppendMetricHeader(std::string& out, std::string_view name, std::string_view type,
                        std::string_view help);

// Appends both families (HELP, TYPE, samples) for `snapshot`. Every bucket of every
// baseline feature is written, zeros included, so a series exists from the sidecar's start
// and increase() sees its first increments. Without a baseline only the info metric is
// written (baseline_hash="").
void AppendCountMetrics(std::string& out, const StatsSnapshot& snapshot,
                        std::string_view pod_namespace);

}  // namespace skewgate::sidecar

// Text views of a ModelDeployment for the kubectl plugin, as pure functions of the objects
// read from the cluster and of "now" (so tests compare them with golden files): the tree
// of `get`/`status`, the table of `history`, the bars of `skew NAME`, and YAML output.
//
//   TreeInput in{md, replicasets, pods, events, clock.Now(), ColorEnabled()};
//   std::cout << RenderTree(in);
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/plugin_kube.h"
#include "common/clock.h"
#include "skew/histogram.h"

namespace skewgate::cli {

struct TreeInput {
  nlohmann::json md;                        // the ModelDeployment as stored
  std::vector<nlohmann::json> replicasets;  // of its namespace (filtered here)
  std::vector<nlohmann::json> pods;         // of its namespace (filtered here)
  std::vector<nlohmann::json> events;       // events.k8s.io/v1 of its namespace
  TimePoint now{};
  bool color = false;
  size_t max_events = 5;
};

// Summary (phase, message, step and weights, revisions, replicas), the last analysis per
// feature, the revision → ReplicaSet → Pod tree with readiness, and the recent Events.
std::string RenderTree(const TreeInput& in);

// One line per ModelDeployment (for `get` without a name, and `get -A`).
std::string RenderList(const std::vector<nlohmann::json>& mds, bool with_namespace, TimePoint now);

// status.history newest first, numbered as `undo --to-revision N` takes them (oldest 1).
std::string RenderHistory(const nlohmann::json& md, bool color);

// status.lastAnalysis per feature, worst first (score over threshold), as terminal bars
// with the threshold marked; then, for each feature whose histogram the controller kept
// (the worst ones), its baseline vs live share per bucket as two bars.
std::string RenderSkew(const nlohmann::json& md, int width, bool color);

// Rows of baseline (=) and live (#) bars, both scaled so the largest share of either side
// fills `width`; each line is indented by `indent` spaces. `live_color` paints the live bars.
std::string RenderHistogram(const std::vector<skew::HistogramRow>& rows, int width, int indent,
                            Color live_color, bool color);

// Block-style YAML of a JSON value (strings double-quoted, so any value round-trips).
std::string ToYaml(const nlohmann::json& value);

// The 1-based number `history` shows for each entry of status.history (oldest = 1).
int HistoryNumber(const nlohmann::json& history, size_t index);

}  // namespace skewgate::cli

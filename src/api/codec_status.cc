// The status half of the codec. Status is written by the controller (and the gates by the
// CLI); strings that are empty and optionals that are unset are left out of the JSON.
#include "api/codec.h"
#include "api/codec_internal.h"

namespace skewgate::api {

using internal::Reader;
using nlohmann::json;

namespace internal {
namespace {

void DecodeGate(Reader r, std::optional<GateRequest>* out) {
  if (!r.present()) return;
  r.Allow({"id", "requestedAt", "requestedBy", "revision", "acknowledgedAt", "result"});
  GateRequest g;
  r.String("id", &g.id);
  r.Time("requestedAt", &g.requested_at);
  r.String("requestedBy", &g.requested_by);
  r.String("revision", &g.revision);
  r.OptionalTime("acknowledgedAt", &g.acknowledged_at);
  r.String("result", &g.result);
  *out = std::move(g);
}

void DecodeAnalysis(Reader r, std::optional<AnalysisStatus>* out) {
  if (!r.present()) return;
  r.Allow({"revision", "time", "verdict", "message", "samples", "maxScore", "maxFeature",
           "features", "featuresOmitted"});
  AnalysisStatus a;
  r.String("revision", &a.revision);
  r.Time("time", &a.time);
  r.Enum("verdict", kVerdicts, &a.verdict);
  r.String("message", &a.message);
  r.Int64("samples", &a.samples);
  r.Double("maxScore", &a.max_score);
  r.String("maxFeature", &a.max_feature);
  for (const auto& [item, path] : r.Array("features")) {
    Reader f(r.errors(), item, path);
    f.Allow({"name", "type", "metric", "score", "stableScore", "threshold", "samples", "critical",
             "verdict", "histogram"});
    FeatureAnalysis fa;
    f.String("name", &fa.name);
    f.Enum("type", kFeatureTypes, &fa.type);
    f.Enum("metric", kAllMetrics, &fa.metric);
    f.Double("score", &fa.score);
    f.OptionalDouble("stableScore", &fa.stable_score);
    f.Double("threshold", &fa.threshold);
    f.Int64("samples", &fa.samples);
    f.Bool("critical", &fa.critical);
    f.Enum("verdict", kFeatureVerdicts, &fa.verdict);
    for (const auto& [bin_item, bin_path] : f.Array("histogram")) {
      Reader b(f.errors(), bin_item, bin_path);
      b.Allow({"bucket", "baseline", "live"});
      HistogramBin bin;
      b.String("bucket", &bin.bucket);
      b.Double("baseline", &bin.baseline);
      b.Double("live", &bin.live);
      fa.histogram.push_back(std::move(bin));
    }
    a.features.push_back(std::move(fa));
  }
  r.Int32("featuresOmitted", &a.features_omitted);
  *out = std::move(a);
}

}  // namespace

void DecodeStatus(Reader& r, ModelDeploymentStatus* s) {
  r.Allow({"observedGeneration",
           "phase",
           "message",
           "conditions",
           "stableRevision",
           "canaryRevision",
           "baselineDigest",
           "currentStepIndex",
           "currentStepStartedAt",
           "canaryWeight",
           "actualCanaryWeight",
           "failedRuns",
           "consecutiveInconclusiveRuns",
           "lastProgressTime",
           "replicas",
           "readyReplicas",
           "selector",
           "lastAnalysis",
           "history",
           "gates",
           "abort"});
  r.Int64("observedGeneration", &s->observed_generation);
  r.Enum("phase", kPhases, &s->phase);
  r.String("message", &s->message);
  for (const auto& [item, path] : r.Array("conditions")) {
    Reader c(r.errors(), item, path);
    c.Allow({"type", "status", "reason", "message", "observedGeneration", "lastTransitionTime"});
    Condition cond;
    c.String("type", &cond.type);
    c.String("status", &cond.status);
    c.String("reason", &cond.reason);
    c.String("message", &cond.message);
    c.Int64("observedGeneration", &cond.observed_generation);
    c.Time("lastTransitionTime", &cond.last_transition_time);
    s->conditions.push_back(std::move(cond));
  }
  r.String("stableRevision", &s->stable_revision);
  r.String("canaryRevision", &s->canary_revision);
  r.String("baselineDigest", &s->baseline_digest);
  if (r.Get("currentStepIndex")) {
    int32_t index = 0;
    r.Int32("currentStepIndex", &index);
    s->current_step_index = index;
  }
  r.OptionalTime("currentStepStartedAt", &s->current_step_started_at);
  r.Int32("canaryWeight", &s->canary_weight);
  r.Int32("actualCanaryWeight", &s->actual_canary_weight);
  r.Int32("failedRuns", &s->failed_runs);
  r.Int32("consecutiveInconclusiveRuns", &s->consecutive_inconclusive_runs);
  r.OptionalTime("lastProgressTime", &s->last_progress_time);
  r.Int32("replicas", &s->replicas);
  r.Int32("readyReplicas", &s->ready_replicas);
  r.String("selector", &s->selector);
  DecodeAnalysis(r.Object("lastAnalysis"), &s->last_analysis);
  for (const auto& [item, path] : r.Array("history")) {
    Reader h(r.errors(), item, path);
    h.Allow({"revision", "modelDigest", "image", "baselineDigest", "outcome", "time", "message"});
    RevisionRecord rec;
    h.String("revision", &rec.revision);
    h.String("modelDigest", &rec.model_digest);
    h.String("image", &rec.image);
    h.String("baselineDigest", &rec.baseline_digest);
    h.Enum("outcome", kOutcomes, &rec.outcome);
    h.Time("time", &rec.time);
    h.String("message", &rec.message);
    s->history.push_back(std::move(rec));
  }
  Reader g = r.Object("gates");
  g.Allow({"promote", "promoteFull", "abort", "retry"});
  DecodeGate(g.Object("promote"), &s->gates.promote);
  DecodeGate(g.Object("promoteFull"), &s->gates.promote_full);
  DecodeGate(g.Object("abort"), &s->gates.abort);
  DecodeGate(g.Object("retry"), &s->gates.retry);
  Reader a = r.Object("abort");
  if (a.present()) {
    a.Allow({"revision", "time", "reason", "message", "features"});
    AbortInfo info;
    a.String("revision", &info.revision);
    a.Time("time", &info.time);
    a.String("reason", &info.reason);
    a.String("message", &info.message);
    a.StringList("features", &info.features);
    s->abort = std::move(info);
  }
}

}  // namespace internal

namespace {

void PutString(json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

json GateToJson(const GateRequest& g) {
  json j = json::object();
  PutString(j, "id", g.id);
  j["requestedAt"] = FormatRfc3339(g.requested_at);
  PutString(j, "requestedBy", g.requested_by);
  PutString(j, "revision", g.revision);
  if (g.acknowledged_at) j["acknowledgedAt"] = FormatRfc3339(*g.acknowledged_at);
  PutString(j, "result", g.result);
  return j;
}

json AnalysisToJson(const AnalysisStatus& a) {
  json j = json::object();
  PutString(j, "revision", a.revision);
  j["time"] = FormatRfc3339(a.time);
  j["verdict"] = VerdictName(a.verdict);
  PutString(j, "message", a.message);
  j["samples"] = a.samples;
  j["maxScore"] = a.max_score;
  PutString(j, "maxFeature", a.max_feature);
  if (!a.features.empty()) {
    json features = json::array();
    for (const auto& f : a.features) {
      json fj = {{"name", f.name},
                 {"type", internal::NameOf(internal::kFeatureTypes, f.type)},
                 {"metric", MetricName(f.metric)},
                 {"score", f.score},
                 {"threshold", f.threshold},
                 {"samples", f.samples},
                 {"critical", f.critical},
                 {"verdict", FeatureVerdictName(f.verdict)}};
      if (f.stable_score) fj["stableScore"] = *f.stable_score;
      if (!f.histogram.empty()) {
        json bins = json::array();
        for (const auto& b : f.histogram) {
          bins.push_back({{"bucket", b.bucket}, {"baseline", b.baseline}, {"live", b.live}});
        }
        fj["histogram"] = std::move(bins);
      }
      features.push_back(fj);
    }
    j["features"] = features;
  }
  if (a.features_omitted) j["featuresOmitted"] = a.features_omitted;
  return j;
}

}  // namespace

json ToJson(const ModelDeploymentStatus& s) {
  json j = json::object();
  if (s.observed_generation) j["observedGeneration"] = s.observed_generation;
  PutString(j, "phase", PhaseName(s.phase));
  PutString(j, "message", s.message);
  if (!s.conditions.empty()) {
    json conds = json::array();
    for (const auto& c : s.conditions) {
      conds.push_back({{"type", c.type},
                       {"status", c.status},
                       {"reason", c.reason},
                       {"message", c.message},
                       {"observedGeneration", c.observed_generation},
                       {"lastTransitionTime", FormatRfc3339(c.last_transition_time)}});
    }
    j["conditions"] = conds;
  }
  PutString(j, "stableRevision", s.stable_revision);
  PutString(j, "canaryRevision", s.canary_revision);
  PutString(j, "baselineDigest", s.baseline_digest);
  if (s.current_step_index) j["currentStepIndex"] = *s.current_step_index;
  if (s.current_step_started_at) {
    j["currentStepStartedAt"] = FormatRfc3339(*s.current_step_started_at);
  }
  if (s.canary_weight) j["canaryWeight"] = s.canary_weight;
  if (s.actual_canary_weight) j["actualCanaryWeight"] = s.actual_canary_weight;
  if (s.failed_runs) j["failedRuns"] = s.failed_runs;
  if (s.consecutive_inconclusive_runs) {
    j["consecutiveInconclusiveRuns"] = s.consecutive_inconclusive_runs;
  }
  if (s.last_progress_time) j["lastProgressTime"] = FormatRfc3339(*s.last_progress_time);
  if (s.replicas) j["replicas"] = s.replicas;
  if (s.ready_replicas) j["readyReplicas"] = s.ready_replicas;
  PutString(j, "selector", s.selector);
  if (s.last_analysis) j["lastAnalysis"] = AnalysisToJson(*s.last_analysis);
  if (!s.history.empty()) {
    json history = json::array();
    for (const auto& h : s.history) {
      json hj = {{"revision", h.revision},
                 {"outcome", OutcomeName(h.outcome)},
                 {"time", FormatRfc3339(h.time)}};
      PutString(hj, "modelDigest", h.model_digest);
      PutString(hj, "image", h.image);
      PutString(hj, "baselineDigest", h.baseline_digest);
      PutString(hj, "message", h.message);
      history.push_back(hj);
    }
    j["history"] = history;
  }
  json gates = json::object();
  if (s.gates.promote) gates["promote"] = GateToJson(*s.gates.promote);
  if (s.gates.promote_full) gates["promoteFull"] = GateToJson(*s.gates.promote_full);
  if (s.gates.abort) gates["abort"] = GateToJson(*s.gates.abort);
  if (s.gates.retry) gates["retry"] = GateToJson(*s.gates.retry);
  if (!gates.empty()) j["gates"] = gates;
  if (s.abort) {
    json a = {{"time", FormatRfc3339(s.abort->time)}};
    PutString(a, "revision", s.abort->revision);
    PutString(a, "reason", s.abort->reason);
    PutString(a, "message", s.abort->message);
    if (!s.abort->features.empty()) a["features"] = s.abort->features;
    j["abort"] = a;
  }
  return j;
}

}  // namespace skewgate::api

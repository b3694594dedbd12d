// Value types of the ModelDeployment resource (skewgate.io/v1alpha1): spec and status.
// Plain structs with defaults equal to the CRD's schema defaults; no I/O, no logic.
// The JSON codec is in api/codec.h, the rules in api/validation.h, the field-by-field
// user documentation in docs/api.md and in the CRD's descriptions (crds/).
//
//   StatusOr<ModelDeployment> md = FromJson(object_json);   // api/codec.h
//   for (const CanaryStep& s : md->spec.strategy.canary->steps) { if (s.IsPause()) ... }
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/clock.h"

namespace skewgate::api {

inline constexpr const char* kGroup = "skewgate.io";
inline constexpr const char* kVersion = "v1alpha1";
inline constexpr const char* kApiVersion = "skewgate.io/v1alpha1";
inline constexpr const char* kKind = "ModelDeployment";
inline constexpr const char* kPlural = "modeldeployments";
// On each revision's ReplicaSet: the spec fields that make the revision (model, baseline,
// template, sidecar) as JSON, written by the controller and read by `skewgate undo`.
inline constexpr const char* kAnnotationRevisionSpec = "skewgate.io/revision-spec";

// ---------------------------------------------------------------------------------------
// Spec
// ---------------------------------------------------------------------------------------

// The model artifact. The digest is mandatory: a pod never serves bytes that were not
// verified against it, and it is part of the revision's content address.
struct ModelSource {
  std::string uri;     // http://, https:// or file://
  std::string digest;  // "sha256:<64 lowercase hex>"
  friend bool operator==(const ModelSource&, const ModelSource&) = default;
};

// A key of a ConfigMap in the ModelDeployment's namespace.
struct ConfigMapKeyRef {
  std::string name;
  std::string key = "baseline.json";
  friend bool operator==(const ConfigMapKeyRef&, const ConfigMapKeyRef&) = default;
};

// The training baseline (output of `skewgate baseline`). Its sha256 is recorded in
// status.baselineDigest and in the revision, so changing the baseline is a new revision.
struct BaselineSource {
  ConfigMapKeyRef config_map_ref;
  friend bool operator==(const BaselineSource&, const BaselineSource&) = default;
};

// How the sidecar reads request payloads.
enum class PayloadProtocol {
  kAuto,  // detect per request: "instances" → V1, "inputs" → V2, else rows
  kV1,    // KServe V1 {"instances": [...]}
  kV2,    // Open Inference Protocol {"inputs": [{name, shape, datatype, data}]}
  kRows,  // plain JSON object or array of objects, one feature per key
};

// The skewgate-sidecar injected into every serving pod.
struct SidecarSpec {
  PayloadProtocol protocol = PayloadProtocol::kAuto;
  int32_t port = 8080;        // where the sidecar listens (the Service targets it)
  int32_t model_port = 8081;  // where the model server container listens
  std::string image;          // empty: the controller's default sidecar image
  // Names of the columns of unnamed tensors / positional instances, in order
  // (V1 "instances": [[1.0, 3]] or a V2 tensor without per-feature names).
  std::vector<std::string> feature_names;
  // corev1.ResourceRequirements, kept as JSON; null when not set.
  nlohmann::json resources;
  friend bool operator==(const SidecarSpec&, const SidecarSpec&) = default;
};

// Step kinds of a canary strategy. Exactly one per step (the JSON object has one key).
struct SetWeightStep {
  int32_t weight = 0;  // percent of live traffic (or replicas) on the canary, 0..100
  friend bool operator==(const SetWeightStep&, const SetWeightStep&) = default;
};
struct PauseStep {
  // Absent: a manual gate, released by a promote request (`kubectl skewgate promote`).
  // Present: the step holds for this long, and needs a successful analysis to advance.
  std::optional<Duration> duration;
  friend bool operator==(const PauseStep&, const PauseStep&) = default;
};
struct ShadowStep {
  int32_t percent = 0;  // share of stable traffic mirrored to the canary, 1..100
  Duration duration{};  // how long to mirror; users only ever see stable's responses
  friend bool operator==(const ShadowStep&, const ShadowStep&) = default;
};

struct CanaryStep {
  std::variant<SetWeightStep, PauseStep, ShadowStep> action;

  bool IsSetWeight() const { return std::holds_alternative<SetWeightStep>(action); }
  bool IsPause() const { return std::holds_alternative<PauseStep>(action); }
  bool IsShadow() const { return std::holds_alternative<ShadowStep>(action); }
  friend bool operator==(const CanaryStep&, const CanaryStep&) = default;
};

// Distances, as computed in src/skew (see ARCHITECTURE.md "Skew: the method").
enum class SkewMetric {
  kJensenShannon,  // JS divergence, log base 2, in [0, 1]; numeric or categorical
  kPsi,            // population stability index, >= 0; numeric
  kKs,             // binned Kolmogorov–Smirnov max|ΔCDF|, in [0, 1]; numeric
  kWasserstein,    // Wasserstein-1 normalised by the baseline std, >= 0; numeric
  kLInfinity,      // max |p_i - q_i|, in [0, 1]; categorical
};

struct MetricThreshold {
  SkewMetric metric = SkewMetric::kJensenShannon;
  double threshold = 0.1;  // a score strictly above this fails the feature
  friend bool operator==(const MetricThreshold&, const MetricThreshold&) = default;
};

// A per-feature override. Unset metric/threshold fall back to the feature type's.
struct FeatureSkewRule {
  std::string name;
  std::optional<SkewMetric> metric;
  std::optional<double> threshold;
  bool critical = false;  // exceeding fails the run whatever maxFailingFeatures says
  bool ignore = false;    // never scored (IDs, timestamps)
  friend bool operator==(const FeatureSkewRule&, const FeatureSkewRule&) = default;
};

struct SkewPolicy {
  MetricThreshold numeric{SkewMetric::kJensenShannon, 0.1};
  MetricThreshold categorical{SkewMetric::kLInfinity, 0.1};
  std::vector<FeatureSkewRule> features;  // names unique
  // How many non-critical features may exceed their threshold before the run fails.
  int32_t max_failing_features = 0;
  // Only count a feature against the canary when its score exceeds the stable's score on
  // the same window by more than stable_margin (drift both show is the world's, not ours).
  bool compare_to_stable = false;
  double stable_margin = 0.02;
  friend bool operator==(const SkewPolicy&, const SkewPolicy&) = default;
};

// Where the analysis reads bin counts: by default the controller scrapes each pod's
// sidecar /stats; with a Prometheus source it queries the sidecars' exported counters.
struct PrometheusSource {
  std::string address;  // "http://prometheus.monitoring:9090"
  friend bool operator==(const PrometheusSource&, const PrometheusSource&) = default;
};

struct AnalysisSpec {
  Duration interval = std::chrono::seconds(30);  // one analysis run per interval
  int64_t min_samples = 1000;                    // fewer live values for a feature → Inconclusive
  int32_t failure_limit = 1;       // failed runs (for this revision) that abort the rollout
  int32_t inconclusive_limit = 3;  // consecutive inconclusive runs that pause it
  SkewPolicy skew;
  std::optional<PrometheusSource> prometheus;
  friend bool operator==(const AnalysisSpec&, const AnalysisSpec&) = default;
};

// Traffic split. Without gatewayAPI the weight is realised as a replica ratio behind one
// Service (weight is then approximate: see status.actualCanaryWeight).
struct GatewayApiTraffic {
  std::string http_route;  // name of an HTTPRoute in the same namespace
  friend bool operator==(const GatewayApiTraffic&, const GatewayApiTraffic&) = default;
};
struct TrafficSpec {
  std::optional<GatewayApiTraffic> gateway_api;
  bool UsesReplicaRatio() const { return !gateway_api.has_value(); }
  friend bool operator==(const TrafficSpec&, const TrafficSpec&) = default;
};

struct CanaryStrategy {
  std::vector<CanaryStep> steps;  // at least one; setWeight values never decrease
  AnalysisSpec analysis;
  TrafficSpec traffic;
  friend bool operator==(const CanaryStrategy&, const CanaryStrategy&) = default;
};

// Without a canary strategy a new revision replaces the stable one as soon as its pods
// are ready (no analysis gate): for development namespaces.
struct Strategy {
  std::optional<CanaryStrategy> canary;
  friend bool operator==(const Strategy&, const Strategy&) = default;
};

struct ModelDeploymentSpec {
  int32_t replicas = 1;
  ModelSource model;
  BaselineSource baseline;
  // corev1.PodTemplateSpec of the model server; the sidecar and the fetch init container
  // are added by the controller. Kept as JSON: skewgate does not interpret it beyond the
  // containers' names and images.
  nlohmann::json pod_template = nlohmann::json::object();
  SidecarSpec sidecar;
  Strategy strategy;
  int32_t progress_deadline_seconds = 600;  // no progress for this long → Degraded
  bool progress_deadline_abort = false;     // ...and also abort (traffic back to stable)
  int32_t revision_history_limit = 10;      // entries kept in status.history
  bool paused = false;                      // freezes the rollout where it is (traffic unchanged)
  friend bool operator==(const ModelDeploymentSpec&, const ModelDeploymentSpec&) = default;
};

// ---------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------

// metav1.Condition. Types and reasons are constants in api/conditions.h.
struct Condition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;  // CamelCase constant
  std::string message;
  int64_t observed_generation = 0;
  TimePoint last_transition_time{};
  friend bool operator==(const Condition&, const Condition&) = default;
};

// Summary for humans and dashboards; machines should read the conditions.
enum class Phase {
  kUnknown,      // "" — not reconciled yet
  kProgressing,  // a canary is being rolled out
  kPaused,       // waiting: manual gate, spec.paused, or too many inconclusive runs
  kHealthy,      // one revision serves everything, nothing pending
  kDegraded,     // aborted, deadline exceeded, or invalid spec; stable still serves
};

enum class Verdict { kSuccessful, kFailed, kInconclusive };
enum class FeatureVerdict { kPass, kFail, kInconclusive, kIgnored };
enum class FeatureType { kNumeric, kCategorical };

// One bucket of a compact histogram: the share of the training values and of the canary's
// live values in the analysis window that fell into it.
struct HistogramBin {
  std::string bucket;   // "[1.5, 3)", "< 0", "{0}", "NaN", "missing", a label, "(other)"
  double baseline = 0;  // in [0, 1]
  double live = 0;      // in [0, 1]
  friend bool operator==(const HistogramBin&, const HistogramBin&) = default;
};
// Histograms are kept for the worst kMaxFeatureHistograms features only, with at most
// kMaxHistogramBins buckets each, so a status stays small (about 15 KB at most).
inline constexpr int kMaxFeatureHistograms = 10;
inline constexpr int kMaxHistogramBins = 24;

struct FeatureAnalysis {
  std::string name;
  FeatureType type = FeatureType::kNumeric;
  SkewMetric metric = SkewMetric::kJensenShannon;
  double score = 0;                    // canary vs baseline
  std::optional<double> stable_score;  // stable vs baseline (compareToStable)
  double threshold = 0;
  int64_t samples = 0;  // live values of this feature in the window
  bool critical = false;
  FeatureVerdict verdict = FeatureVerdict::kPass;
  // Baseline vs live shares per bucket (numeric buckets in value order, categorical ones
  // largest first); empty for features beyond the worst kMaxFeatureHistograms.
  std::vector<HistogramBin> histogram;
  friend bool operator==(const FeatureAnalysis&, const FeatureAnalysis&) = default;
};

struct AnalysisStatus {
  std::string revision;  // the canary revision analysed
  TimePoint time{};      // end of the window
  Verdict verdict = Verdict::kInconclusive;
  std::string message;      // why, in one line
  int64_t samples = 0;      // requests seen by the canary in the window
  double max_score = 0;     // worst feature score, to 4 decimals (the Skew printer column)
  std::string max_feature;  // the feature with that score
  // Worst first, at most kMaxFeatureAnalyses; features_omitted counts the rest.
  std::vector<FeatureAnalysis> features;
  int32_t features_omitted = 0;
  friend bool operator==(const AnalysisStatus&, const AnalysisStatus&) = default;
};
inline constexpr int kMaxFeatureAnalyses = 100;

enum class RevisionOutcome {
  kActive,      // currently stable or canary
  kPromoted,    // became stable (and has since been superseded if not the stable)
  kAborted,     // rolled back because of analysis or a user abort
  kSuperseded,  // replaced by a newer spec before finishing
};

// One immutable revision: everything that determines what a pod serves.
struct RevisionRecord {
  std::string revision;  // content hash of (model digest, image, baseline digest, config)
  std::string model_digest;
  std::string image;  // the model server's image
  std::string baseline_digest;
  RevisionOutcome outcome = RevisionOutcome::kActive;
  TimePoint time{};     // when the revision was first deployed
  std::string message;  // e.g. which features failed
  friend bool operator==(const RevisionRecord&, const RevisionRecord&) = default;
};
inline constexpr int kMaxHistory = 100;

// A human decision, written by the CLI through the status subresource (so the spec in Git
// never drifts) and acknowledged by the controller. A new request replaces the old one
// with a fresh id and clears the acknowledgement.
struct GateRequest {
  std::string id;  // unique per request (the CLI uses a random token)
  TimePoint requested_at{};
  std::string requested_by;  // free text, e.g. the user name
  std::string revision;      // the canary revision it is meant for; "" = whatever is current
  std::optional<TimePoint> acknowledged_at;  // set by the controller once acted on
  std::string result;  // set with acknowledged_at: "Accepted" or "Rejected: <why>"
  bool Pending() const { return !acknowledged_at.has_value(); }
  friend bool operator==(const GateRequest&, const GateRequest&) = default;
};

struct Gates {
  std::optional<GateRequest> promote;       // release the current manual pause / step
  std::optional<GateRequest> promote_full;  // skip remaining steps, go to 100%
  std::optional<GateRequest> abort;         // traffic to stable, canary scaled down
  std::optional<GateRequest> retry;         // restart an aborted canary from step 0
  friend bool operator==(const Gates&, const Gates&) = default;
};

struct AbortInfo {
  std::string revision;
  TimePoint time{};
  std::string reason;  // a reason constant (api/conditions.h)
  std::string message;
  std::vector<std::string> features;  // offending features, if the analysis aborted
  friend bool operator==(const AbortInfo&, const AbortInfo&) = default;
};

struct ModelDeploymentStatus {
  int64_t observed_generation = 0;
  Phase phase = Phase::kUnknown;
  std::string message;
  std::vector<Condition> conditions;

  std::string stable_revision;
  std::string canary_revision;                // "" when no canary is in flight
  std::string baseline_digest;                // sha256 of the baseline the newest revision uses
  std::optional<int32_t> current_step_index;  // index into steps; == steps.size() at end
  std::optional<TimePoint> current_step_started_at;
  int32_t canary_weight = 0;         // weight the current step asks for
  int32_t actual_canary_weight = 0;  // weight actually achieved (replica ratio rounding)
  int32_t failed_runs = 0;           // for the current canary revision
  int32_t consecutive_inconclusive_runs = 0;
  std::optional<TimePoint> last_progress_time;  // for progressDeadlineSeconds

  // Scale subresource: total pods, and the label selector they share, as a string.
  int32_t replicas = 0;
  int32_t ready_replicas = 0;
  std::string selector;

  std::optional<AnalysisStatus> last_analysis;
  std::vector<RevisionRecord> history;  // newest first, at most revisionHistoryLimit
  Gates gates;
  std::optional<AbortInfo> abort;
  friend bool operator==(const ModelDeploymentStatus&, const ModelDeploymentStatus&) = default;
};

// The whole object. Metadata is kept as JSON (name, namespace, generation, labels...).
struct ModelDeployment {
  nlohmann::json metadata = nlohmann::json::object();
  ModelDeploymentSpec spec;
  ModelDeploymentStatus status;

  // Empty / 0 when absent or not of the expected type (never throws).
  std::string Name() const { return MetaString("name"); }
  std::string Namespace() const { return MetaString("namespace"); }
  int64_t Generation() const {
    auto it = metadata.find("generation");
    return it != metadata.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  }
  std::string MetaString(const char* key) const {
    auto it = metadata.find(key);
    return it != metadata.end() && it->is_string() ? it->get<std::string>() : "";
  }
  friend bool operator==(const ModelDeployment&, const ModelDeployment&) = default;
};

}  // namespace skewgate::api

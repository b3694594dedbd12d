// Mirrors crds/skewgate.io_modeldeployments.yaml rule by rule. Messages reuse the API
// server's wording for OpenAPI checks ("should be less than or equal to 100") and the CRD's
// own CEL messages, so that lint and admission name the same field with the same words.
// When you change a rule here, change the CRD and tests/data/api/invalid.yaml together.
#include "api/validation.h"

#include <set>
#include <sstream>

#include "api/duration.h"
#include "api/text_match.h"

namespace skewgate::api {
namespace {

using nlohmann::json;

std::string FormatNumber(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

class Checker {
 public:
  void Add(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
  }
  void Range(const std::string& field, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo) Add(field, "should be greater than or equal to " + std::to_string(lo));
    if (v > hi) Add(field, "should be less than or equal to " + std::to_string(hi));
  }
  // (lo, hi]: thresholds, where 0 would fail every feature.
  void PositiveAtMost(const std::string& field, double v, double hi) {
    if (!(v > 0)) Add(field, "should be greater than 0");
    if (v > hi) Add(field, "should be less than or equal to " + FormatNumber(hi));
  }
  void Length(const std::string& field, const std::string& v, size_t lo, size_t hi) {
    if (v.size() < lo) Add(field, "should be at least " + std::to_string(lo) + " chars long");
    if (v.size() > hi) Add(field, "may not be more than " + std::to_string(hi) + " bytes");
  }
  // Empty values are reported by Length (minLength) instead, as the API server does.
  void Match(const std::string& field, const std::string& v, bool (*matches)(std::string_view),
             const std::string& message) {
    if (!v.empty() && !matches(v)) Add(field, message);
  }
  void DurationRange(const std::string& field, Duration d, Duration lo, Duration hi,
                     const std::string& message) {
    if (d < lo || d > hi) Add(field, message);
  }
  std::vector<FieldError> Take() { return std::move(errors_); }

 private:
  std::vector<FieldError> errors_;
};

const char* kDnsMessage =
    "must be a lowercase DNS subdomain name (letters, digits, '-' and '.', starting and ending "
    "with a letter or digit)";

bool BoundedMetric(SkewMetric m) {
  return m == SkewMetric::kJensenShannon || m == SkewMetric::kKs || m == SkewMetric::kLInfinity;
}

void CheckTemplate(Checker& c, const json& tmpl) {
  const std::string path = "spec.template.spec.containers";
  auto spec = tmpl.find("spec");
  if (spec == tmpl.end() || !spec->is_object()) return;  // the codec reported it
  auto containers = spec->find("containers");
  if (containers == spec->end() || !containers->is_array()) return;
  if (containers->empty()) c.Add(path, "should have at least 1 items");
  for (size_t i = 0; i < containers->size(); ++i) {
    const json& ctr = (*containers)[i];
    auto name = ctr.find("name");
    if (name == ctr.end() || !name->is_string()) continue;
    const std::string field = path + "[" + std::to_string(i) + "].name";
    const std::string& n = name->get_ref<const std::string&>();
    if (n == "skewgate-sidecar" || n == "skewgate-fetch") {
      c.Add(field, "the container names skewgate-sidecar and skewgate-fetch are reserved");
    }
  }
}

void CheckSidecar(Checker& c, const SidecarSpec& s) {
  c.Range("spec.sidecar.port", s.port, 1, 65535);
  c.Range("spec.sidecar.modelPort", s.model_port, 1, 65535);
  if (s.port == s.model_port) {
    c.Add("spec.sidecar",
          "port and modelPort must differ: the sidecar listens in front of the model");
  }
  c.Length("spec.sidecar.image", s.image, 0, 512);
  if (s.feature_names.size() > static_cast<size_t>(kMaxFeatureNames)) {
    c.Add("spec.sidecar.featureNames",
          "must have at most " + std::to_string(kMaxFeatureNames) + " items");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < s.feature_names.size(); ++i) {
    const std::string field = "spec.sidecar.featureNames[" + std::to_string(i) + "]";
    c.Length(field, s.feature_names[i], 1, 256);
    if (!seen.insert(s.feature_names[i]).second) {
      c.Add(field, "Duplicate value: \"" + s.feature_names[i] + "\"");
    }
  }
}

void CheckSteps(Checker& c, const std::vector<CanaryStep>& steps) {
  const std::string path = "spec.strategy.canary.steps";
  if (steps.empty()) c.Add(path, "a canary strategy needs at least one step");
  if (steps.size() > static_cast<size_t>(kMaxSteps)) {
    c.Add(path, "must have at most " + std::to_string(kMaxSteps) + " items");
  }
  int32_t last_weight = -1;
  bool decreasing = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string step = path + "[" + std::to_string(i) + "]";
    if (const auto* w = std::get_if<SetWeightStep>(&steps[i].action)) {
      c.Range(step + ".setWeight", w->weight, 0, 100);
      if (w->weight < last_weight) decreasing = true;
      last_weight = w->weight;
    } else if (const auto* p = std::get_if<PauseStep>(&steps[i].action)) {
      if (p->duration) {
        c.DurationRange(step + ".pause.duration", *p->duration, std::chrono::seconds(1),
                        std::chrono::hours(168), "a pause must last between 1s and 168h");
      }
    } else if (const auto* s = std::get_if<ShadowStep>(&steps[i].action)) {
      c.Range(step + ".shadow.percent", s->percent, 1, 100);
      c.DurationRange(step + ".shadow.duration", s->duration, std::chrono::seconds(10),
                      std::chrono::hours(24), "a shadow step must last between 10s and 24h");
    }
  }
  if (decreasing) c.Add(path, "setWeight values must not decrease from one step to the next");
}

void CheckSkew(Checker& c, const SkewPolicy& skew) {
  const std::string path = "spec.strategy.canary.analysis.skew";
  c.PositiveAtMost(path + ".numeric.threshold", skew.numeric.threshold, kMaxUnboundedThreshold);
  if (BoundedMetric(skew.numeric.metric) && skew.numeric.threshold > 1) {
    c.Add(path + ".numeric",
          "threshold must be at most 1 for jensenShannon and ks, whose scores lie in [0, 1]");
  }
  c.PositiveAtMost(path + ".categorical.threshold", skew.categorical.threshold, 1);
  if (skew.features.size() > static_cast<size_t>(kMaxFeatureRules)) {
    c.Add(path + ".features", "must have at most " + std::to_string(kMaxFeatureRules) + " items");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < skew.features.size(); ++i) {
    const FeatureSkewRule& f = skew.features[i];
    const std::string field = path + ".features[" + std::to_string(i) + "]";
    c.Length(field + ".name", f.name, 1, 256);
    if (!seen.insert(f.name).second) {
      c.Add(field, "Duplicate value: feature \"" + f.name + "\" is listed more than once");
    }
    if (f.threshold) c.PositiveAtMost(field + ".threshold", *f.threshold, kMaxUnboundedThreshold);
    if (f.threshold && f.metric && BoundedMetric(*f.metric) && *f.threshold > 1) {
      c.Add(field, "threshold must be at most 1 for jensenShannon, ks and lInfinity");
    }
    if (f.critical && f.ignore) c.Add(field, "a feature cannot be both critical and ignored");
  }
  c.Range(path + ".maxFailingFeatures", skew.max_failing_features, 0, kMaxFeatureRules);
  if (skew.stable_margin < 0) c.Add(path + ".stableMargin", "should be greater than or equal to 0");
  if (skew.stable_margin > 1) c.Add(path + ".stableMargin", "should be less than or equal to 1");
}

void CheckCanary(Checker& c, const CanaryStrategy& canary, const ModelDeploymentSpec& spec) {
  CheckSteps(c, canary.steps);
  const AnalysisSpec& a = canary.analysis;
  const std::string path = "spec.strategy.canary.analysis";
  c.DurationRange(path + ".interval", a.interval, std::chrono::seconds(5), std::chrono::hours(1),
                  "interval must be between 5s and 1h");
  c.Range(path + ".minSamples", a.min_samples, 1, kMaxMinSamples);
  c.Range(path + ".failureLimit", a.failure_limit, 1, kMaxRunLimit);
  c.Range(path + ".inconclusiveLimit", a.inconclusive_limit, 1, kMaxRunLimit);
  CheckSkew(c, a.skew);
  if (a.prometheus) {
    c.Length(path + ".prometheus.address", a.prometheus->address, 1, 512);
    c.Match(path + ".prometheus.address", a.prometheus->address, internal::IsHttpUrl,
            "must be an http:// or https:// URL");
  }
  if (canary.traffic.gateway_api) {
    const std::string field = "spec.strategy.canary.traffic.gatewayAPI.httpRoute";
    c.Length(field, canary.traffic.gateway_api->http_route, 1, 253);
    c.Match(field, canary.traffic.gateway_api->http_route, internal::IsDnsSubdomain, kDnsMessage);
  }
  if (a.interval >= std::chrono::seconds(spec.progress_deadline_seconds)) {
    c.Add("spec.progressDeadlineSeconds",
          "progressDeadlineSeconds must be longer than strategy.canary.analysis.interval");
  }
}

}  // namespace

std::vector<FieldError> ValidateSpec(const ModelDeploymentSpec& spec) {
  Checker c;
  c.Range("spec.replicas", spec.replicas, 0, kMaxReplicas);
  c.Length("spec.model.uri", spec.model.uri, 1, 2048);
  c.Match("spec.model.uri", spec.model.uri, internal::IsModelUri,
          "must start with http://, https:// or file://");
  if (!internal::IsSha256Digest(spec.model.digest)) {
    c.Add("spec.model.digest", "must be sha256: followed by 64 lowercase hex digits");
  }
  const ConfigMapKeyRef& ref = spec.baseline.config_map_ref;
  c.Length("spec.baseline.configMapRef.name", ref.name, 1, 253);
  c.Match("spec.baseline.configMapRef.name", ref.name, internal::IsDnsSubdomain, kDnsMessage);
  c.Length("spec.baseline.configMapRef.key", ref.key, 1, 253);
  c.Match("spec.baseline.configMapRef.key", ref.key, internal::IsConfigMapKey,
          "must consist of letters, digits, '-', '_' or '.'");
  CheckTemplate(c, spec.pod_template);
  CheckSidecar(c, spec.sidecar);
  if (spec.strategy.canary) CheckCanary(c, *spec.strategy.canary, spec);
  c.Range("spec.progressDeadlineSeconds", spec.progress_deadline_seconds,
          kMinProgressDeadlineSeconds, kMaxProgressDeadlineSeconds);
  c.Range("spec.revisionHistoryLimit", spec.revision_history_limit, 0, kMaxRevisionHistoryLimit);
  return c.Take();
}

std::vector<FieldError> ValidateManifest(const json& object) {
  FieldError decode_error;
  StatusOr<ModelDeployment> md = FromJson(object, &decode_error);
  if (!md.ok()) return {decode_error};
  std::vector<FieldError> errors;
  const std::string name = md->Name();
  if (name.empty()) {
    errors.push_back({"metadata.name", "Required value: name is required"});
  } else if (name.size() > 253 || !internal::IsDnsSubdomain(name)) {
    errors.push_back({"metadata.name", kDnsMessage});
  }
  std::vector<FieldError> spec_errors = ValidateSpec(md->spec);
  errors.insert(errors.end(), spec_errors.begin(), spec_errors.end());
  return errors;
}

Status ToStatus(const std::vector<FieldError>& errors) {
  if (errors.empty()) return OkStatus();
  std::string message;
  for (const auto& e : errors) message += (message.empty() ? "" : "; ") + e.ToString();
  return InvalidArgumentError(message);
}

}  // namespace skewgate::api

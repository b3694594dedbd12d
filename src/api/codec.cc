// The spec half of the codec and the whole-object entry points. The status half is in
// codec_status.cc. Defaults here must equal the CRD's `default:` values: the cluster test
// compares ToJson(FromJson(example)) with what the API server stores.
#include "api/codec.h"

#include "api/codec_internal.h"
#include "api/duration.h"

namespace skewgate::api {

using internal::Reader;
using nlohmann::json;

const char* PhaseName(Phase p) { return internal::NameOf(internal::kPhases, p); }
const char* MetricName(SkewMetric m) { return internal::NameOf(internal::kAllMetrics, m); }
const char* ProtocolName(PayloadProtocol p) { return internal::NameOf(internal::kProtocols, p); }
const char* VerdictName(Verdict v) { return internal::NameOf(internal::kVerdicts, v); }
const char* FeatureVerdictName(FeatureVerdict v) {
  return internal::NameOf(internal::kFeatureVerdicts, v);
}
const char* OutcomeName(RevisionOutcome o) { return internal::NameOf(internal::kOutcomes, o); }

namespace internal {
namespace {

void DecodeStep(const json& j, const std::string& path, Errors* errors, CanaryStep* step) {
  Reader r(errors, &j, path);
  r.Allow({"setWeight", "pause", "shadow"});
  int kinds = (r.Get("setWeight") ? 1 : 0) + (r.Get("pause") ? 1 : 0) + (r.Get("shadow") ? 1 : 0);
  if (r.present() && kinds != 1) {
    // The CRD's CEL rule on a step uses the same message.
    errors->Add(path, "each step must set exactly one of setWeight, pause or shadow");
    return;
  }
  if (r.Get("setWeight")) {
    SetWeightStep s;
    r.Int32("setWeight", &s.weight);
    step->action = s;
  } else if (r.Get("pause")) {
    PauseStep s;
    Reader p = r.Object("pause");
    p.Allow({"duration"});
    p.OptionalDur("duration", &s.duration);
    step->action = s;
  } else if (r.Get("shadow")) {
    ShadowStep s;
    Reader p = r.Object("shadow");
    p.Allow({"percent", "duration"});
    p.Int32("percent", &s.percent, kRequired);
    p.Dur("duration", &s.duration, kRequired);
    step->action = s;
  }
}

void DecodeThreshold(Reader r, const EnumTable<SkewMetric>& metrics, MetricThreshold* out) {
  r.Allow({"metric", "threshold"});
  r.Enum("metric", metrics, &out->metric);
  r.Double("threshold", &out->threshold);
}

void DecodeSkew(Reader r, SkewPolicy* skew) {
  r.Allow({"numeric", "categorical", "features", "maxFailingFeatures", "compareToStable",
           "stableMargin"});
  DecodeThreshold(r.Object("numeric"), kNumericMetrics, &skew->numeric);
  DecodeThreshold(r.Object("categorical"), kCategoricalMetrics, &skew->categorical);
  for (const auto& [item, path] : r.Array("features")) {
    Reader f(r.errors(), item, path);
    if (!item->is_object()) break;  // the Reader recorded the type error
    f.Allow({"name", "metric", "threshold", "critical", "ignore"});
    FeatureSkewRule rule;
    f.String("name", &rule.name, kRequired);
    f.OptionalEnum("metric", kAllMetrics, &rule.metric);
    f.OptionalDouble("threshold", &rule.threshold);
    f.Bool("critical", &rule.critical);
    f.Bool("ignore", &rule.ignore);
    skew->features.push_back(std::move(rule));
  }
  r.Int32("maxFailingFeatures", &skew->max_failing_features);
  r.Bool("compareToStable", &skew->compare_to_stable);
  r.Double("stableMargin", &skew->stable_margin);
}

void DecodeCanary(Reader r, CanaryStrategy* canary) {
  r.Allow({"steps", "analysis", "traffic"});
  // An absent or empty steps list is reported by the validator (same message as the CRD).
  for (const auto& [item, path] : r.Array("steps")) {
    CanaryStep step;
    DecodeStep(*item, path, r.errors(), &step);
    canary->steps.push_back(std::move(step));
  }
  Reader a = r.Object("analysis");
  a.Allow({"interval", "minSamples", "failureLimit", "inconclusiveLimit", "skew", "prometheus"});
  AnalysisSpec& analysis = canary->analysis;
  a.Dur("interval", &analysis.interval);
  a.Int64("minSamples", &analysis.min_samples);
  a.Int32("failureLimit", &analysis.failure_limit);
  a.Int32("inconclusiveLimit", &analysis.inconclusive_limit);
  DecodeSkew(a.Object("skew"), &analysis.skew);
  if (a.Get("prometheus")) {
    Reader p = a.Object("prometheus");
    p.Allow({"address"});
    PrometheusSource prom;
    p.String("address", &prom.address, kRequired);
    analysis.prometheus = prom;
  }
  Reader t = r.Object("traffic");
  t.Allow({"gatewayAPI"});
  if (t.Get("gatewayAPI")) {
    Reader g = t.Object("gatewayAPI");
    g.Allow({"httpRoute"});
    GatewayApiTraffic gw;
    g.String("httpRoute", &gw.http_route, kRequired);
    canary->traffic.gateway_api = gw;
  }
}

}  // namespace

void DecodeSpec(Reader& r, ModelDeploymentSpec* spec) {
  r.Allow({"replicas", "model", "baseline", "template", "sidecar", "strategy",
           "progressDeadlineSeconds", "progressDeadlineAbort", "revisionHistoryLimit", "paused"});
  r.Int32("replicas", &spec->replicas);
  if (r.Require("model")) {
    Reader m = r.Object("model");
    m.Allow({"uri", "digest"});
    m.String("uri", &spec->model.uri, kRequired);
    m.String("digest", &spec->model.digest, kRequired);
  }
  if (r.Require("baseline")) {
    Reader b = r.Object("baseline");
    b.Allow({"configMapRef"});
    if (b.Require("configMapRef")) {
      Reader c = b.Object("configMapRef");
      c.Allow({"name", "key"});
      c.String("name", &spec->baseline.config_map_ref.name, kRequired);
      c.String("key", &spec->baseline.config_map_ref.key);
    }
  }
  if (r.Require("template")) {
    // Kept as JSON, but the parts skewgate relies on are checked like the schema does.
    Reader t = r.Object("template");
    t.Allow({"metadata", "spec"});
    if (t.Require("spec")) {
      Reader ps = t.Object("spec");
      if (ps.Require("containers")) {
        for (const auto& [item, path] : ps.Array("containers")) {
          Reader c(r.errors(), item, path);
          std::string checked;
          c.String("name", &checked, kRequired);
          c.String("image", &checked, kRequired);
        }
      }
    }
    r.Raw("template", &spec->pod_template);
  }
  Reader s = r.Object("sidecar");
  s.Allow({"protocol", "port", "modelPort", "image", "featureNames", "resources"});
  s.Enum("protocol", kProtocols, &spec->sidecar.protocol);
  s.Int32("port", &spec->sidecar.port);
  s.Int32("modelPort", &spec->sidecar.model_port);
  s.String("image", &spec->sidecar.image);
  s.StringList("featureNames", &spec->sidecar.feature_names);
  s.Raw("resources", &spec->sidecar.resources);
  Reader st = r.Object("strategy");
  st.Allow({"canary"});
  if (st.Get("canary")) {
    CanaryStrategy canary;
    DecodeCanary(st.Object("canary"), &canary);
    spec->strategy.canary = std::move(canary);
  }
  r.Int32("progressDeadlineSeconds", &spec->progress_deadline_seconds);
  r.Bool("progressDeadlineAbort", &spec->progress_deadline_abort);
  r.Int32("revisionHistoryLimit", &spec->revision_history_limit);
  r.Bool("paused", &spec->paused);
}

}  // namespace internal

namespace {

json StepToJson(const CanaryStep& step) {
  if (const auto* w = std::get_if<SetWeightStep>(&step.action)) return {{"setWeight", w->weight}};
  if (const auto* p = std::get_if<PauseStep>(&step.action)) {
    json pause = json::object();
    if (p->duration) pause["duration"] = FormatDuration(*p->duration);
    return {{"pause", pause}};
  }
  const auto& s = std::get<ShadowStep>(step.action);
  return {{"shadow", {{"percent", s.percent}, {"duration", FormatDuration(s.duration)}}}};
}

json ThresholdToJson(const MetricThreshold& t) {
  return {{"metric", MetricName(t.metric)}, {"threshold", t.threshold}};
}

json CanaryToJson(const CanaryStrategy& c) {
  json out = json::object();
  if (!c.steps.empty()) {
    json steps = json::array();
    for (const auto& s : c.steps) steps.push_back(StepToJson(s));
    out["steps"] = steps;
  }
  const AnalysisSpec& a = c.analysis;
  json skew = {{"numeric", ThresholdToJson(a.skew.numeric)},
               {"categorical", ThresholdToJson(a.skew.categorical)},
               {"maxFailingFeatures", a.skew.max_failing_features},
               {"compareToStable", a.skew.compare_to_stable},
               {"stableMargin", a.skew.stable_margin}};
  if (!a.skew.features.empty()) {
    json features = json::array();
    for (const auto& f : a.skew.features) {
      json fj = {{"name", f.name}, {"critical", f.critical}, {"ignore", f.ignore}};
      if (f.metric) fj["metric"] = MetricName(*f.metric);
      if (f.threshold) fj["threshold"] = *f.threshold;
      features.push_back(fj);
    }
    skew["features"] = features;
  }
  json analysis = {{"interval", FormatDuration(a.interval)},
                   {"minSamples", a.min_samples},
                   {"failureLimit", a.failure_limit},
                   {"inconclusiveLimit", a.inconclusive_limit},
                   {"skew", skew}};
  if (a.prometheus) analysis["prometheus"] = {{"address", a.prometheus->address}};
  out["analysis"] = analysis;
  out["traffic"] = json::object();
  if (c.traffic.gateway_api) {
    out["traffic"]["gatewayAPI"] = {{"httpRoute", c.traffic.gateway_api->http_route}};
  }
  return out;
}

}  // namespace

json ToJson(const ModelDeploymentSpec& spec) {
  json sidecar = {{"protocol", ProtocolName(spec.sidecar.protocol)},
                  {"port", spec.sidecar.port},
                  {"modelPort", spec.sidecar.model_port}};
  if (!spec.sidecar.image.empty()) sidecar["image"] = spec.sidecar.image;
  if (!spec.sidecar.feature_names.empty()) sidecar["featureNames"] = spec.sidecar.feature_names;
  if (!spec.sidecar.resources.is_null()) sidecar["resources"] = spec.sidecar.resources;
  json strategy = json::object();
  if (spec.strategy.canary) strategy["canary"] = CanaryToJson(*spec.strategy.canary);
  return {
      {"replicas", spec.replicas},
      {"model", {{"uri", spec.model.uri}, {"digest", spec.model.digest}}},
      {"baseline",
       {{"configMapRef",
         {{"name", spec.baseline.config_map_ref.name},
          {"key", spec.baseline.config_map_ref.key}}}}},
      {"template", spec.pod_template},
      {"sidecar", sidecar},
      {"strategy", strategy},
      {"progressDeadlineSeconds", spec.progress_deadline_seconds},
      {"progressDeadlineAbort", spec.progress_deadline_abort},
      {"revisionHistoryLimit", spec.revision_history_limit},
      {"paused", spec.paused},
  };
}

namespace {

Status Finish(const internal::Errors& errors, FieldError* error) {
  if (errors.ok()) return OkStatus();
  if (error) *error = *errors.first;
  return InvalidArgumentError(errors.first->ToString());
}

}  // namespace

StatusOr<ModelDeploymentSpec> SpecFromJson(const json& spec, const std::string& path,
                                           FieldError* error) {
  internal::Errors errors;
  ModelDeploymentSpec out;
  Reader r(&errors, &spec, path);
  internal::DecodeSpec(r, &out);
  SG_RETURN_IF_ERROR(Finish(errors, error));
  return out;
}

StatusOr<ModelDeploymentStatus> StatusFromJson(const json& status, const std::string& path,
                                               FieldError* error) {
  internal::Errors errors;
  ModelDeploymentStatus out;
  Reader r(&errors, &status, path);
  internal::DecodeStatus(r, &out);
  SG_RETURN_IF_ERROR(Finish(errors, error));
  return out;
}

StatusOr<ModelDeployment> FromJson(const json& object, FieldError* error) {
  internal::Errors errors;
  ModelDeployment md;
  Reader r(&errors, &object, "");
  r.Allow({"apiVersion", "kind", "metadata", "spec", "status"});
  std::string api_version = kApiVersion, kind = kKind;
  r.String("apiVersion", &api_version);
  r.String("kind", &kind);
  if (api_version != kApiVersion) {
    errors.Add("apiVersion",
               "must be " + std::string(kApiVersion) + ", not \"" + api_version + "\"");
  }
  if (kind != kKind) errors.Add("kind", "must be " + std::string(kKind) + ", not \"" + kind + "\"");
  if (const json* m = r.Get("metadata")) {
    if (!m->is_object())
      r.TypeError("metadata", *m, "object");
    else
      md.metadata = *m;
  }
  if (r.Require("spec")) {
    Reader s = r.Object("spec");
    internal::DecodeSpec(s, &md.spec);
  }
  Reader st = r.Object("status");
  internal::DecodeStatus(st, &md.status);
  SG_RETURN_IF_ERROR(Finish(errors, error));
  return md;
}

json ToJson(const ModelDeployment& md) {
  json out = {{"apiVersion", kApiVersion},
              {"kind", kKind},
              {"metadata", md.metadata},
              {"spec", ToJson(md.spec)}};
  json status = ToJson(md.status);
  if (!status.empty()) out["status"] = status;
  return out;
}

}  // namespace skewgate::api

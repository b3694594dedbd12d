#include "controller/pod_shape.h"

#include <string_view>

#include "api/codec.h"
#include "controller/labels.h"
#include "rollout/revision.h"

namespace skewgate::controller {

using nlohmann::json;

std::string ServingServiceName(std::string_view md_name) { return std::string(md_name); }
std::string StableServiceName(std::string_view md_name) { return std::string(md_name) + "-stable"; }
std::string CanaryServiceName(std::string_view md_name) { return std::string(md_name) + "-canary"; }
std::string SidecarConfigMapName(std::string_view replica_set_name) {
  return std::string(replica_set_name) + "-sidecar";
}
std::string PodSelector(std::string_view md_name) {
  return std::string(kLabelModelDeployment) + "=" + std::string(md_name);
}

namespace {

json RevisionLabels(const RevisionObjects& r) {
  return {{kLabelModelDeployment, r.md.Name()},
          {kLabelRevision, r.revision},
          {kLabelManagedBy, kManagedByValue}};
}

// An object member of the given type, created when absent or of another type (the API
// server's schema has already rejected wrong types; this keeps the builder total).
json& Member(json& parent, const char* key, json::value_t type) {
  json& v = parent[key];
  if (v.type() != type) v = json(type);
  return v;
}

json FetchContainer(const RevisionObjects& r) {
  const api::ModelSource& m = r.md.spec.model;
  json args = {"fetch", "--uri", m.uri, "--digest", m.digest, "--to", kModelDir};
  // The validator admits http:// model URIs; fetch refuses them unless told, and the
  // digest check still guards the bytes.
  if (std::string_view(m.uri).substr(0, 7) == "http://") args.push_back("--allow-http");
  return {{"name", kFetchContainer},
          {"image", r.image},
          {"command", {"skewgate"}},
          {"args", std::move(args)},
          {"volumeMounts", {{{"name", kModelVolume}, {"mountPath", kModelDir}}}}};
}

json SidecarContainer(const RevisionObjects& r) {
  const api::SidecarSpec& s = r.md.spec.sidecar;
  int32_t admin = SidecarAdminPort(s);
  auto field_env = [](const char* name, const char* path) {
    return json{{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", path}}}}}};
  };
  json c = {
      {"name", kSidecarContainer},
      {"image", s.image.empty() ? r.image : s.image},
      {"command", {"skewgate-sidecar"}},
      {"args", {"--config", std::string(kSidecarConfigDir) + "/" + kSidecarConfigFile}},
      {"ports",
       {{{"name", "http"}, {"containerPort", s.port}, {"protocol", "TCP"}},
        {{"name", "admin"}, {"containerPort", admin}, {"protocol", "TCP"}}}},
      {"env",
       {field_env("POD_IP", "status.podIP"), field_env("POD_NAME", "metadata.name"),
        field_env("POD_NAMESPACE", "metadata.namespace")}},
      // The sidecar's /readyz is Ready only when the model server answers its ready path
      // through it, so one probe covers both and traffic never reaches a cold model.
      {"readinessProbe",
       {{"httpGet", {{"path", "/readyz"}, {"port", admin}}},
        {"periodSeconds", 2},
        {"failureThreshold", 3}}},
      {"livenessProbe",
       {{"httpGet", {{"path", "/healthz"}, {"port", admin}}},
        {"periodSeconds", 10},
        {"failureThreshold", 6}}},
      {"volumeMounts",
       {{{"name", kSidecarConfigVolume}, {"mountPath", kSidecarConfigDir}, {"readOnly", true}},
        {{"name", kBaselineVolume}, {"mountPath", kBaselineDir}, {"readOnly", true}}}},
  };
  if (s.resources.is_object() && !s.resources.empty()) c["resources"] = s.resources;
  return c;
}

bool HasMountAt(const json& container, std::string_view path) {
  auto it = container.find("volumeMounts");
  if (it == container.end() || !it->is_array()) return false;
  for (const json& m : *it) {
    if (m.is_object() && m.value("mountPath", "") == path) return true;
  }
  return false;
}

}  // namespace

int32_t SidecarAdminPort(const api::SidecarSpec& sidecar) {
  int32_t p = 9090;
  while (p == sidecar.port || p == sidecar.model_port) ++p;
  return p;
}

json OwnerReference(const api::ModelDeployment& md) {
  return {{"apiVersion", api::kApiVersion}, {"kind", api::kKind}, {"name", md.Name()},
          {"uid", md.MetaString("uid")},    {"controller", true}, {"blockOwnerDeletion", true}};
}

json SidecarConfigJson(const RevisionObjects& r) {
  const api::SidecarSpec& s = r.md.spec.sidecar;
  json c = {
      // Explicit rather than the sidecar's default, so a pod simulator can rebind it.
      {"listenAddress", "0.0.0.0"},
      {"port", s.port},
      {"adminPort", SidecarAdminPort(s)},
      {"upstream", "127.0.0.1:" + std::to_string(s.model_port)},
      {"baselinePath", std::string(kBaselineDir) + "/" + kBaselineFile},
      {"revision", r.revision},
      {"protocol", api::ProtocolName(s.protocol)},
  };
  if (!s.feature_names.empty()) c["columns"] = s.feature_names;
  if (r.mirror && r.mirror->percent > 0) {
    c["mirror"] = {{"url", r.mirror->url}, {"percent", r.mirror->percent}};
  }
  return c;
}

json BuildSidecarConfigMap(const RevisionObjects& r) {
  std::string rs = rollout::ReplicaSetName(r.md.Name(), r.revision);
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"name", SidecarConfigMapName(rs)},
            {"namespace", r.md.Namespace()},
            {"labels", RevisionLabels(r)},
            {"ownerReferences", {OwnerReference(r.md)}}}},
          {"data", {{kSidecarConfigFile, SidecarConfigJson(r).dump(2) + "\n"}}}};
}

json BuildPodTemplate(const RevisionObjects& r) {
  json t = r.md.spec.pod_template.is_object() ? r.md.spec.pod_template : json::object();
  json& meta = Member(t, "metadata", json::value_t::object);
  json& labels = Member(meta, "labels", json::value_t::object);
  const json ours = RevisionLabels(r);  // a named object: items() of a temporary dangles
  for (auto& [k, v] : ours.items()) labels[k] = v;

  json& spec = Member(t, "spec", json::value_t::object);
  json& containers = Member(spec, "containers", json::value_t::array);
  for (json& c : containers) {
    if (!c.is_object() || HasMountAt(c, kModelDir)) continue;
    Member(c, "volumeMounts", json::value_t::array)
        .push_back({{"name", kModelVolume}, {"mountPath", kModelDir}, {"readOnly", true}});
  }
  containers.push_back(SidecarContainer(r));

  // The fetch runs first, before any init container of the user's, so they may read the model.
  json init = json::array({FetchContainer(r)});
  if (auto it = spec.find("initContainers"); it != spec.end() && it->is_array()) {
    for (json& c : *it) init.push_back(std::move(c));
  }
  spec["initContainers"] = std::move(init);

  std::string rs = rollout::ReplicaSetName(r.md.Name(), r.revision);
  const api::ConfigMapKeyRef& b = r.md.spec.baseline.config_map_ref;
  json& volumes = Member(spec, "volumes", json::value_t::array);
  volumes.push_back({{"name", kModelVolume}, {"emptyDir", json::object()}});
  volumes.push_back(
      {{"name", kBaselineVolume},
       {"configMap", {{"name", b.name}, {"items", {{{"key", b.key}, {"path", kBaselineFile}}}}}}});
  volumes.push_back(
      {{"name", kSidecarConfigVolume}, {"configMap", {{"name", SidecarConfigMapName(rs)}}}});
  return t;
}

json RevisionSpecJson(const api::ModelDeploymentSpec& spec) {
  json full = api::ToJson(spec);
  json out = json::object();
  for (const char* key : {"model", "baseline", "template", "sidecar"}) {
    if (full.contains(key)) out[key] = full[key];
  }
  return out;
}

json BuildReplicaSet(const RevisionObjects& r) {
  json selector = {{kLabelModelDeployment, r.md.Name()}, {kLabelRevision, r.revision}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata",
           {{"name", rollout::ReplicaSetName(r.md.Name(), r.revision)},
            {"namespace", r.md.Namespace()},
            {"labels", RevisionLabels(r)},
            // Created once per revision from the spec that made it, never rewritten.
            {"annotations", {{api::kAnnotationRevisionSpec, RevisionSpecJson(r.md.spec).dump()}}},
            {"ownerReferences", {OwnerReference(r.md)}}}},
          {"spec",
           {{"replicas", r.replicas},
            {"selector", {{"matchLabels", std::move(selector)}}},
            {"template", BuildPodTemplate(r)}}}};
}

}  // namespace skewgate::controller

#include "controller/traffic_objects.h"

#include "controller/labels.h"
#include "controller/pod_shape.h"

namespace skewgate::controller {

using nlohmann::json;

json BuildService(const api::ModelDeployment& md, const std::string& name,
                  const std::vector<std::string>& revisions) {
  json selector = {{kLabelModelDeployment, md.Name()}};
  if (revisions.size() == 1) selector[kLabelRevision] = revisions[0];
  int32_t port = md.spec.sidecar.port;
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata",
           {{"name", name},
            {"namespace", md.Namespace()},
            {"labels", {{kLabelModelDeployment, md.Name()}, {kLabelManagedBy, kManagedByValue}}},
            {"ownerReferences", {OwnerReference(md)}}}},
          {"spec",
           {{"type", "ClusterIP"},
            {"selector", std::move(selector)},
            {"ports",
             {{{"name", "http"}, {"port", port}, {"targetPort", port}, {"protocol", "TCP"}}}}}}};
}

namespace {

// Every key of `want` is in `have` with the same value (the server adds its own keys).
bool Contains(const json& have, const json& want) {
  if (!have.is_object() || !want.is_object()) return have == want;
  for (auto& [k, v] : want.items()) {
    auto it = have.find(k);
    if (it == have.end() || *it != v) return false;
  }
  return true;
}

bool OwnedBy(const json& observed, const json& owner) {
  const json* refs = observed.contains("metadata") ? &observed["metadata"] : nullptr;
  if (refs == nullptr || !refs->contains("ownerReferences")) return false;
  for (const json& r : (*refs)["ownerReferences"]) {
    if (r.is_object() && r.value("uid", "") == owner.value("uid", "") &&
        r.value("controller", false)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool ServiceMatches(const json& observed, const json& desired) {
  if (!observed.is_object()) return false;
  const json& ds = desired["spec"];
  const json os = observed.value("spec", json::object());
  if (os.value("selector", json::object()) != ds["selector"]) return false;
  const json oports = os.value("ports", json::array());
  if (!oports.is_array() || oports.size() != ds["ports"].size()) return false;
  for (size_t i = 0; i < oports.size(); ++i) {
    if (!Contains(oports[i], ds["ports"][i])) return false;
  }
  const json om = observed.value("metadata", json::object());
  if (!Contains(om.value("labels", json::object()), desired["metadata"]["labels"])) return false;
  return OwnedBy(observed, desired["metadata"]["ownerReferences"][0]);
}

json ServicePatch(const json& observed, const json& desired) {
  json selector = desired["spec"]["selector"];
  if (auto s = observed.find("spec"); s != observed.end() && s->is_object()) {
    if (auto have = s->find("selector"); have != s->end() && have->is_object()) {
      for (auto& [k, v] : have->items()) {
        if (!selector.contains(k)) selector[k] = nullptr;
      }
    }
  }
  return {{"metadata", {{"labels", desired["metadata"]["labels"]}}},
          {"spec", {{"selector", std::move(selector)}, {"ports", desired["spec"]["ports"]}}}};
}

StatusOr<std::optional<json>> RouteWeightsApply(const api::ModelDeployment& md, const json& route,
                                                const rollout::RouteWeights& weights) {
  std::string stable = StableServiceName(md.Name());
  std::string canary = CanaryServiceName(md.Name());
  std::string route_name = route.value("/metadata/name"_json_pointer, std::string());
  const json* rules = nullptr;
  if (auto s = route.find("spec"); s != route.end() && s->is_object()) {
    if (auto r = s->find("rules"); r != s->end() && r->is_array()) rules = &*r;
  }
  if (rules == nullptr) {
    return FailedPreconditionError("HTTPRoute " + md.Namespace() + "/" + route_name +
                                   " has no spec.rules");
  }
  json new_rules = *rules;
  bool found = false;
  bool changed = false;
  for (json& rule : new_rules) {
    if (!rule.is_object()) continue;
    auto refs = rule.find("backendRefs");
    if (refs == rule.end() || !refs->is_array()) continue;
    for (json& ref : *refs) {
      if (!ref.is_object()) continue;
      // Only core Services (group "" and kind Service, the defaults) are ours.
      if (ref.value("group", "") != "" || ref.value("kind", "Service") != "Service") continue;
      std::string name = ref.value("name", "");
      int32_t w;
      if (name == stable) {
        w = weights.stable_weight;
      } else if (name == canary) {
        w = weights.canary_weight;
      } else {
        continue;
      }
      found = true;
      auto it = ref.find("weight");
      // weight defaults to 1 in Gateway API; an absent weight is not the one we want
      // unless we want 1.
      if (it == ref.end() ? w != 1 : (*it != w)) {
        ref["weight"] = w;
        changed = true;
      }
    }
  }
  if (!found) {
    return FailedPreconditionError("HTTPRoute " + md.Namespace() + "/" + route_name +
                                   " has no backendRef to Service " + stable + " or " + canary +
                                   "; add both so skewgate can set their weights");
  }
  if (!changed) return std::optional<json>();
  json body = {
      {"apiVersion", route.value("apiVersion", "gateway.networking.k8s.io/v1")},
      {"kind", "HTTPRoute"},
      {"metadata",
       {{"name", route_name},
        {"namespace", md.Namespace()},
        {"resourceVersion", route.value("/metadata/resourceVersion"_json_pointer, std::string())}}},
      {"spec", {{"rules", std::move(new_rules)}}}};
  return std::optional<json>(std::move(body));
}

std::string CanaryServiceUrl(const api::ModelDeployment& md) {
  return "http://" + CanaryServiceName(md.Name()) + "." + md.Namespace() +
         ".svc:" + std::to_string(md.spec.sidecar.port);
}

}  // namespace skewgate::controller

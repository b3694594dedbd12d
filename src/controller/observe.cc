#include "controller/observe.h"

#include <cstdlib>

#include "api/conditions.h"
#include "common/sha256.h"
#include "controller/labels.h"
#include "skew/baseline.h"

namespace skewgate::controller {

using nlohmann::json;

namespace {

std::string Label(const json& object, const char* key) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  auto l = m->find("labels");
  if (l == m->end() || !l->is_object()) return "";
  auto v = l->find(key);
  return v != l->end() && v->is_string() ? v->get<std::string>() : "";
}

int32_t IntAt(const json& object, const char* section, const char* key) {
  auto s = object.find(section);
  if (s == object.end() || !s->is_object()) return 0;
  auto v = s->find(key);
  return v != s->end() && v->is_number_integer() ? v->get<int32_t>() : 0;
}

// The termination of the fetch container (current or last state) with a non-zero exit.
std::optional<std::string> FetchFailure(const json& pod) {
  auto st = pod.find("status");
  if (st == pod.end() || !st->is_object()) return std::nullopt;
  auto inits = st->find("initContainerStatuses");
  if (inits == st->end() || !inits->is_array()) return std::nullopt;
  for (const json& c : *inits) {
    if (!c.is_object() || c.value("name", "") != kFetchContainer) continue;
    for (const char* which : {"state", "lastState"}) {
      auto s = c.find(which);
      if (s == c.end() || !s->is_object()) continue;
      auto t = s->find("terminated");
      if (t == s->end() || !t->is_object()) continue;
      int64_t code = t->value("exitCode", int64_t{0});
      if (code == 0) continue;
      std::string msg = t->value("message", "");
      if (msg.empty()) msg = t->value("reason", "");
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      return "exit code " + std::to_string(code) + (msg.empty() ? "" : ": " + msg);
    }
  }
  return std::nullopt;
}

}  // namespace

json CompactPod(json&& pod) {
  json out = json::object();
  if (!pod.is_object()) return out;
  if (auto m = pod.find("metadata"); m != pod.end() && m->is_object()) {
    for (const char* key : {"name", "namespace", "resourceVersion"}) {
      if (auto v = m->find(key); v != m->end()) out["metadata"][key] = std::move(*v);
    }
    if (auto l = m->find("labels"); l != m->end() && l->is_object()) {
      for (const char* key : {kLabelModelDeployment, kLabelRevision}) {
        if (auto v = l->find(key); v != l->end()) out["metadata"]["labels"][key] = std::move(*v);
      }
    }
  }
  auto st = pod.find("status");
  if (st == pod.end() || !st->is_object()) return out;
  auto inits = st->find("initContainerStatuses");
  if (inits == st->end() || !inits->is_array()) return out;
  for (json& c : *inits) {
    if (!c.is_object() || c.value("name", "") != kFetchContainer) continue;
    json kept = {{"name", kFetchContainer}};
    for (const char* which : {"state", "lastState"}) {
      const json* t = c.contains(which) && c[which].is_object() && c[which].contains("terminated")
                          ? &c[which]["terminated"]
                          : nullptr;
      if (t == nullptr || !t->is_object() || t->value("exitCode", int64_t{0}) == 0) continue;
      json term = json::object();
      for (const char* key : {"exitCode", "message", "reason"}) {
        if (t->contains(key)) term[key] = (*t)[key];
      }
      kept[which] = {{"terminated", std::move(term)}};
    }
    if (kept.size() > 1) out["status"]["initContainerStatuses"].push_back(std::move(kept));
  }
  return out;
}

bool ControlledBy(const json& object, const api::ModelDeployment& md) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return false;
  auto refs = m->find("ownerReferences");
  if (refs == m->end() || !refs->is_array()) return false;
  std::string uid = md.MetaString("uid");
  for (const json& r : *refs) {
    if (r.is_object() && r.value("controller", false) && r.value("kind", "") == api::kKind &&
        r.value("uid", "") == uid) {
      return true;
    }
  }
  return false;
}

std::vector<rollout::ObservedReplicaSet> ObserveReplicaSets(
    const api::ModelDeployment& md, const std::vector<runtime::ObjectPtr>& replica_sets) {
  std::vector<rollout::ObservedReplicaSet> out;
  for (const runtime::ObjectPtr& rs : replica_sets) {
    if (Label(*rs, kLabelModelDeployment) != md.Name() || !ControlledBy(*rs, md)) continue;
    std::string revision = Label(*rs, kLabelRevision);
    if (revision.empty()) continue;
    out.push_back(
        {revision, IntAt(*rs, "spec", "replicas"), IntAt(*rs, "status", "readyReplicas")});
  }
  return out;
}

std::optional<rollout::Problem> FailingFetch(const api::ModelDeployment& md,
                                             const std::string& revision,
                                             const std::vector<runtime::ObjectPtr>& pods) {
  for (const runtime::ObjectPtr& pod : pods) {
    if (Label(*pod, kLabelModelDeployment) != md.Name() ||
        Label(*pod, kLabelRevision) != revision) {
      continue;
    }
    if (auto why = FetchFailure(*pod)) {
      std::string name = pod->value("/metadata/name"_json_pointer, std::string());
      return rollout::Problem{api::kReasonModelDigestMismatch,
                              "pod " + md.Namespace() + "/" + name + ": init container " +
                                  kFetchContainer + " failed (" + *why + ") for model " +
                                  md.spec.model.uri + " with digest " + md.spec.model.digest};
    }
  }
  return std::nullopt;
}

namespace {

// The summary of one data key: its baseline's digest, or why it is not a baseline.
json SummarizeKey(const std::string& text) {
  StatusOr<skew::Baseline> b = skew::ParseBaseline(text);
  if (!b.ok()) return {{"invalid", b.status().message()}};
  return {{"digest", "sha256:" + Sha256Hex(text)}};
}

json Summarize(const json& configmap, const std::set<std::string>& keys) {
  json out = {{"baselines", json::object()}};
  if (auto m = configmap.find("metadata"); m != configmap.end() && m->is_object()) {
    for (const char* key : {"name", "namespace", "resourceVersion", "uid"}) {
      if (auto v = m->find(key); v != m->end()) out["metadata"][key] = *v;
    }
  }
  for (const char* section : {"data", "binaryData"}) {
    auto d = configmap.find(section);
    if (d == configmap.end() || !d->is_object()) continue;
    json& summaries = out["baselines"][section];
    summaries = json::object();
    for (auto& [k, v] : d->items()) {
      if (std::string(section) != "data" || !v.is_string()) {
        summaries[k] = json::object();  // never a baseline
      } else if (keys.contains(k)) {
        summaries[k] = SummarizeKey(v.get_ref<const std::string&>());
      } else {
        summaries[k] = {{"unread", true}};
      }
    }
  }
  return out;
}

}  // namespace

json BaselineSummary(json&& configmap, const std::set<std::string>& keys) {
  return Summarize(configmap, keys);
}

BaselineCheck CheckBaseline(const api::ModelDeployment& md, const json* configmap) {
  std::optional<BaselineCheck> out;
  if (configmap == nullptr) {
    out = CheckBaselineSummary(md, nullptr);
  } else {
    json summary = Summarize(*configmap, {md.spec.baseline.config_map_ref.key});
    out = CheckBaselineSummary(md, &summary);
  }
  // The key was summarised (or is absent), so the summary answers: anything else is a bug.
  if (!out) std::abort();
  return *out;
}

std::optional<BaselineCheck> CheckBaselineSummary(const api::ModelDeployment& md,
                                                  const json* summary) {
  const api::ConfigMapKeyRef& ref = md.spec.baseline.config_map_ref;
  std::string where = "ConfigMap " + md.Namespace() + "/" + ref.name;
  BaselineCheck out;
  if (summary == nullptr) {
    out.problem = rollout::Problem{
        api::kReasonBaselineNotFound,
        "spec.baseline.configMapRef: " + where + " not found; create it with `skewgate baseline`"};
    return out;
  }
  const json* found = nullptr;
  std::string keys;
  if (auto b = summary->find("baselines"); b != summary->end() && b->is_object()) {
    for (const char* section : {"data", "binaryData"}) {
      auto d = b->find(section);
      if (d == b->end() || !d->is_object()) continue;
      for (auto& [k, v] : d->items()) {
        keys += (keys.empty() ? "" : ", ") + k;
        if (k == ref.key && std::string(section) == "data" && v.is_object() &&
            (v.contains("digest") || v.contains("invalid") || v.contains("unread"))) {
          found = &v;
        }
      }
    }
  }
  if (found == nullptr) {
    out.problem =
        rollout::Problem{api::kReasonBaselineNotFound,
                         "spec.baseline.configMapRef.key: " + where + " has no data key \"" +
                             ref.key + "\" (keys: " + (keys.empty() ? "none" : keys) + ")"};
    return out;
  }
  if (found->contains("unread")) return std::nullopt;
  if (auto invalid = found->find("invalid"); invalid != found->end()) {
    out.problem = rollout::Problem{
        api::kReasonBaselineInvalid,
        "spec.baseline: " + where + " key \"" + ref.key + "\": " + invalid->get<std::string>()};
    return out;
  }
  out.digest = found->value("digest", "");
  return out;
}

std::optional<rollout::Problem> CheckModelPort(const api::ModelDeployment& md) {
  int32_t want = md.spec.sidecar.model_port;
  const json& t = md.spec.pod_template;
  if (t.is_object() && t.contains("spec") && t["spec"].is_object()) {
    const json& spec = t["spec"];
    if (auto cs = spec.find("containers"); cs != spec.end() && cs->is_array()) {
      for (const json& c : *cs) {
        if (!c.is_object()) continue;
        auto ports = c.find("ports");
        if (ports == c.end() || !ports->is_array()) continue;
        for (const json& p : *ports) {
          if (p.is_object() && p.value("containerPort", int64_t{0}) == want) return std::nullopt;
        }
      }
    }
  }
  return rollout::Problem{api::kReasonValidationFailed,
                          "spec.template.spec.containers: no container declares containerPort " +
                              std::to_string(want) +
                              " (spec.sidecar.modelPort), where the sidecar forwards requests; "
                              "add it to the model server's ports or set spec.sidecar.modelPort"};
}

}  // namespace skewgate::controller

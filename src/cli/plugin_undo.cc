#include "cli/plugin_undo.h"

#include <algorithm>
#include <iostream>

#include "cli/plugin_render.h"
#include "kube/errors.h"
#include "kube/resource.h"

namespace skewgate::cli {

using nlohmann::json;

std::string ResolveUndoTarget(const json& md, const std::string& to, std::string* why) {
  const json& st = JObj(md, "status");
  const json& h = JObj(st, "history");
  const std::string stable = JStr(st, "stableRevision"), canary = JStr(st, "canaryRevision");
  const size_t n = h.is_array() ? h.size() : 0;
  if (to.empty()) {
    if (!canary.empty() && !stable.empty()) return stable;
    for (size_t i = 0; i < n; ++i) {
      std::string rev = JStr(h[i], "revision");
      if (JStr(h[i], "outcome") == "Promoted" && rev != stable) return rev;
    }
    *why = "there is no earlier promoted revision to go back to (see 'kubectl skewgate history')";
    return "";
  }
  std::string target;
  if (std::all_of(to.begin(), to.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    long long num = to.size() > 6 ? 0 : std::stoll(to);
    for (size_t i = 0; i < n; ++i) {
      if (HistoryNumber(h, i) == num) target = JStr(h[i], "revision");
    }
  }
  if (target.empty()) {
    int matches = 0;
    for (size_t i = 0; i < n; ++i) {
      std::string rev = JStr(h[i], "revision");
      if (!rev.empty() && rev.rfind(to, 0) == 0 && rev != target) {
        target = rev;
        ++matches;
      }
    }
    if (matches > 1) {
      *why = "revision prefix '" + to + "' is ambiguous; give more characters";
      return "";
    }
  }
  if (target.empty()) {
    *why = "no revision '" + to + "' in the history (see 'kubectl skewgate history')";
    return "";
  }
  if (target == stable && canary.empty()) {
    *why = "revision " + target + " is already the stable revision and nothing else is rolling out";
    return "";
  }
  return target;
}

int Undo(KubeSession& s, const std::string& name, const json& md, const std::string& to) {
  std::string why;
  const std::string target = ResolveUndoTarget(md, to, &why);
  if (target.empty()) {
    return PrintError(FailedPreconditionError("cannot undo " + s.ns + "/" + name + ": " + why));
  }
  const std::string rs_name = name + "-" + target;
  auto rs = s.client->Get(kube::resources::ReplicaSets(), s.ns, rs_name);
  if (!rs.ok() && !kube::IsNotFound(rs.status())) {
    return PrintError(Explain(rs.status(), "get", "replicasets.apps", s.ns));
  }
  std::string recorded =
      rs.ok() ? JStr(JObj(JObj(*rs, "metadata"), "annotations"), kRevisionSpecAnnotation) : "";
  json content = json::parse(recorded, nullptr, /*allow_exceptions=*/false);
  if (!content.is_object()) {
    return PrintError(FailedPreconditionError(
        "cannot undo " + s.ns + "/" + name + " to revision " + target + ": its ReplicaSet " +
        rs_name +
        (rs.ok() ? " has no valid " + std::string(kRevisionSpecAnnotation) + " annotation"
                 : " no longer exists") +
        ", so its spec cannot be restored exactly; restore that revision's spec from Git"));
  }
  json updated = md;
  updated.erase("status");
  std::vector<std::string> restored;
  for (const char* key : {"model", "baseline", "template", "sidecar"}) {
    if (content.contains(key)) {
      updated["spec"][key] = content[key];
      restored.push_back(key);
    }
  }
  auto r = s.client->Update(kube::resources::ModelDeployments(), s.ns, updated,
                            {.field_manager = "kubectl-skewgate"});
  if (!r.ok())
    return PrintError(Explain(r.status(), "update", "modeldeployments.skewgate.io", s.ns));
  std::string fields;
  for (const auto& k : restored) fields += (fields.empty() ? "spec." : ", spec.") + k;
  std::cout << "modeldeployment " << s.ns << "/" << name << ": spec set back to revision " << target
            << " (" << fields << "); the controller rolls it out\n";
  return 0;
}

}  // namespace skewgate::cli

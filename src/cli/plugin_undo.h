// `skewgate undo`: put an earlier revision's content back into a ModelDeployment's spec.
// A revision is content-addressed (rollout/revision.h); the controller records the spec
// fields that make it (model, baseline, template, sidecar) as JSON in the annotation
// kRevisionSpecAnnotation of the revision's ReplicaSet "<name>-<revision>", so undo
// restores exactly what that revision served, not an approximation from history.
//
//   std::string rev = ResolveUndoTarget(md, "2", &why);   // history number or hash prefix
//   int code = Undo(session, "fraud", md, "");            // back to the stable revision
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/types.h"
#include "cli/plugin_kube.h"

namespace skewgate::cli {

inline constexpr const char* kRevisionSpecAnnotation = api::kAnnotationRevisionSpec;

// The revision `to` names ("" = default: the stable revision while a canary is in flight,
// else the newest promoted revision other than the stable one; digits = the number
// `skewgate history` shows; else a unique revision hash prefix). "" with *why set when
// there is none.
std::string ResolveUndoTarget(const nlohmann::json& md, const std::string& to, std::string* why);

// Resolves, reads the ReplicaSet's annotation and updates the spec (compare-and-swap on
// the resourceVersion read). Prints what changed; returns the exit code.
int Undo(KubeSession& s, const std::string& name, const nlohmann::json& md, const std::string& to);

}  // namespace skewgate::cli

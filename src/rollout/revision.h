// Revision identity: a short content hash over everything that determines what a serving
// pod does (model URI and digest, baseline digest, pod template, sidecar settings) and
// nothing that only says how many pods or how to roll out (replicas, strategy, deadlines).
// Two specs with the same hash serve the same thing, so undo is "apply the old content".
//
//   std::string rev = RevisionHash(md.spec, baseline_sha256);   // "3f2a9c01b7"
//   std::string rs = ReplicaSetName(md.Name(), rev);             // "fraud-detector-3f2a9c01b7"
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/types.h"

namespace skewgate::rollout {

// Hex digits of the sha256 kept in a revision hash: 40 bits, collisions among one
// ModelDeployment's few dozen revisions are negligible, and names stay short.
inline constexpr size_t kRevisionHashLength = 10;

// The canonical document hashed by RevisionHash (object keys sorted, as nlohmann::json
// dumps them). Exposed so tests and `skewgate history` can show what a revision is made of.
nlohmann::json RevisionContent(const api::ModelDeploymentSpec& spec,
                               std::string_view baseline_digest);

// First kRevisionHashLength lowercase hex digits of sha256(RevisionContent(...).dump()).
// Stable across processes and versions as long as RevisionContent's shape is unchanged.
std::string RevisionHash(const api::ModelDeploymentSpec& spec, std::string_view baseline_digest);

// "<name>-<revision>": the ReplicaSet (and per-revision pod label value) of a revision.
std::string ReplicaSetName(std::string_view md_name, std::string_view revision);

// The model server's image (first container of the pod template), for history records;
// "" when the template has no container with a string image.
std::string ModelServerImage(const api::ModelDeploymentSpec& spec);

}  // namespace skewgate::rollout

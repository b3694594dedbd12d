// The traffic side of a ModelDeployment: the user-facing Service "<md>", the per-revision
// Services "<md>-stable" and "<md>-canary", and the backendRef weights of a user's
// HTTPRoute. Pure functions from the plan to API objects, plus the comparisons that let
// the reconciler write nothing when the cluster already matches.
//
//   json svc = BuildService(md, ServingServiceName(md.Name()), {"3f2a9c01b7"});
//   if (!ServiceMatches(observed, svc)) client.MergePatch(Services(), ns, name,
//                                                         ServicePatch(observed, svc), opts);
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "common/status.h"
#include "rollout/state_machine.h"

namespace skewgate::controller {

// A ClusterIP Service on the sidecar's port. `revisions` empty or with two or more entries
// selects every pod of the ModelDeployment (the replica ratio splits traffic); one entry
// selects only that revision's pods.
nlohmann::json BuildService(const api::ModelDeployment& md, const std::string& name,
                            const std::vector<std::string>& revisions);

// True when `observed` already has the desired selector, ports, labels and owner, so that
// applying `desired` would change nothing the controller cares about.
bool ServiceMatches(const nlohmann::json& observed, const nlohmann::json& desired);

// The JSON merge patch that turns `observed`, an existing Service this ModelDeployment
// controls, into `desired`: its labels and ports, and exactly its selector (keys `desired`
// no longer has are set to null). A merge patch removes what it nulls whoever set it; an
// apply releases only fields its own manager applied before, and a Service created with a
// POST (the reconciler creates new objects that way) belongs to an Update manager, so an
// apply would leave a stale `skewgate.io/revision` in the selector.
//
//   {"metadata": {"labels": {...}}, "spec": {"selector": {"skewgate.io/revision": null,
//    "skewgate.io/modeldeployment": "fraud"}, "ports": [...]}}
nlohmann::json ServicePatch(const nlohmann::json& observed, const nlohmann::json& desired);

// The server-side apply body that sets the weights of the backendRefs of `route` naming the
// "<md>-stable" and "<md>-canary" Services, or nullopt when they already have them.
// spec.rules is an atomic list in Gateway API's CRD, so the body carries every rule as
// found, changing only those weights; it is pinned to the route's resourceVersion so a
// concurrent edit is a conflict (re-read), never overwritten. FailedPrecondition naming the
// route when it references neither Service (the user must route to both).
StatusOr<std::optional<nlohmann::json>> RouteWeightsApply(const api::ModelDeployment& md,
                                                          const nlohmann::json& route,
                                                          const rollout::RouteWeights& weights);

// The mirror target URL of the canary Service ("http://<md>-canary.<ns>.svc:<port>").
std::string CanaryServiceUrl(const api::ModelDeployment& md);

}  // namespace skewgate::controller

// Names the controller gives to what it owns: labels, container and volume names, mount
// paths, the field manager. One place, so the pod shape, the informers' selectors, the
// docs and the tests agree.
//
//   std::string sel = std::string(kLabelModelDeployment) + "=" + md.Name();
//   ApplyOptions o{.field_manager = kFieldManager, .force = true};
#pragma once

#include <string>
#include <string_view>

namespace skewgate::controller {

// On every object the controller owns (and on every serving pod).
inline constexpr const char* kLabelModelDeployment = "skewgate.io/modeldeployment";
// On ReplicaSets, their pods and the per-revision ConfigMaps.
inline constexpr const char* kLabelRevision = "skewgate.io/revision";
inline constexpr const char* kLabelManagedBy = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "skewgate";

// Server-side apply field manager for everything the controller writes.
inline constexpr const char* kFieldManager = "skewgate";

// Containers and volumes added to the user's pod template (names reserved by the API).
inline constexpr const char* kFetchContainer = "skewgate-fetch";
inline constexpr const char* kSidecarContainer = "skewgate-sidecar";
inline constexpr const char* kModelVolume = "skewgate-model";
inline constexpr const char* kBaselineVolume = "skewgate-baseline";
inline constexpr const char* kSidecarConfigVolume = "skewgate-sidecar-config";

inline constexpr const char* kModelDir = "/models";
inline constexpr const char* kBaselineDir = "/etc/skewgate/baseline";
inline constexpr const char* kBaselineFile = "baseline.json";
inline constexpr const char* kSidecarConfigDir = "/etc/skewgate/sidecar";
inline constexpr const char* kSidecarConfigFile = "sidecar.json";

inline constexpr const char* kDefaultImage = "skewgate:0.1.0";

// "<md>" serves users; "<md>-stable" and "<md>-canary" select one revision each.
std::string ServingServiceName(std::string_view md_name);
std::string StableServiceName(std::string_view md_name);
std::string CanaryServiceName(std::string_view md_name);
// "<replicaset>-sidecar": the sidecar settings of one revision.
std::string SidecarConfigMapName(std::string_view replica_set_name);
// "skewgate.io/modeldeployment=<md>": every pod of every revision (status.selector).
std::string PodSelector(std::string_view md_name);

}  // namespace skewgate::controller

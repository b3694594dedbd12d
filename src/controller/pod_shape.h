// What a revision looks like in the cluster: its ReplicaSet (the user's pod template plus
// the fetch init container, the skewgate-sidecar and their volumes) and the ConfigMap with
// the sidecar's settings. Pure functions from the spec to API objects, so the pod shape is
// tested as data, without a cluster.
//
//   RevisionObjects r{.md = md, .revision = "3f2a9c01b7", .replicas = 4, .image = img};
//   nlohmann::json rs = BuildReplicaSet(r);   // apply with field manager "skewgate"
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/types.h"

namespace skewgate::controller {

// The stable revision's sidecars mirror `percent` of requests to `url` (shadow step).
struct MirrorTarget {
  std::string url;  // "http://fraud-canary.ml.svc:8080"
  int32_t percent = 0;
  friend bool operator==(const MirrorTarget&, const MirrorTarget&) = default;
};

struct RevisionObjects {
  const api::ModelDeployment& md;  // name, namespace, uid, spec
  std::string revision;
  int32_t replicas = 0;
  std::string image;  // the controller's --image: fetch init container and default sidecar
  std::optional<MirrorTarget> mirror;
};

// ownerReference (controller=true, blockOwnerDeletion) to the ModelDeployment, so that
// deleting it cascades and the runtime's owner mapping enqueues it.
nlohmann::json OwnerReference(const api::ModelDeployment& md);

// The sidecar's admin port (/stats, /metrics, /readyz): 9090, or the first port above it
// that neither the sidecar nor the model server uses.
int32_t SidecarAdminPort(const api::SidecarSpec& sidecar);

// The sidecar's configuration file, in the format of src/sidecar/sidecar_config.h.
nlohmann::json SidecarConfigJson(const RevisionObjects& r);

// ConfigMap "<rs>-sidecar" holding SidecarConfigJson under "sidecar.json".
nlohmann::json BuildSidecarConfigMap(const RevisionObjects& r);

// The spec fields that make a revision (model, baseline, template, sidecar; defaults
// included), as the codec encodes them: putting them back into a spec gives back the same
// revision hash. Stored on the ReplicaSet as api::kAnnotationRevisionSpec for `undo`.
nlohmann::json RevisionSpecJson(const api::ModelDeploymentSpec& spec);

// ReplicaSet "<md>-<revision>": selector and pod labels {modeldeployment, revision}, and
// the annotation api::kAnnotationRevisionSpec = RevisionSpecJson(spec).dump().
nlohmann::json BuildReplicaSet(const RevisionObjects& r);

// The pod template alone (exposed for tests): the user's template with skewgate's labels,
// the fetch init container (fail closed: a digest mismatch exits non-zero, so the pod never
// starts), the sidecar, the shared model volume mounted read-only in every user container,
// the baseline and sidecar settings volumes.
nlohmann::json BuildPodTemplate(const RevisionObjects& r);

}  // namespace skewgate::controller

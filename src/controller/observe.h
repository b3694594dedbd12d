// Reading the world for the state machine: pure functions from cached API objects to the
// rollout Input's observed parts (ReplicaSets, failing pods) and to the problems that make
// a valid-looking spec unworkable (baseline missing or invalid, no model port).
//
//   auto rs = ObserveReplicaSets(md, rs_store.List(md.Namespace()));
//   BaselineCheck b = CheckBaseline(md, configmap_or_null);  // b.problem or b.digest
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "rollout/state_machine.h"
#include "runtime/store.h"

namespace skewgate::controller {

// True when `object` has a controller ownerReference to exactly this ModelDeployment (by
// uid: a re-created ModelDeployment of the same name does not adopt old objects).
bool ControlledBy(const nlohmann::json& object, const api::ModelDeployment& md);

// The ReplicaSets `md` controls (label and owner uid both match), in the shape Decide reads.
std::vector<rollout::ObservedReplicaSet> ObserveReplicaSets(
    const api::ModelDeployment& md, const std::vector<runtime::ObjectPtr>& replica_sets);

// Pods of `revision` whose fetch init container failed (the model did not match its
// digest, or could not be downloaded): a problem that waiting will not heal. Names the pod
// and repeats the container's termination message.
std::optional<rollout::Problem> FailingFetch(const api::ModelDeployment& md,
                                             const std::string& revision,
                                             const std::vector<runtime::ObjectPtr>& pods);

// What the pod cache keeps of a pod (the informer's projection): name, namespace,
// resourceVersion, the ModelDeployment and revision labels, and the fetch init container's
// non-zero terminations (FailingFetch reads nothing else). A healthy pod shrinks to its
// identity: there is one per replica, and a 10,000-pod cluster should not cost 65 MB.
nlohmann::json CompactPod(nlohmann::json&& pod);

struct BaselineCheck {
  std::string digest;                       // "sha256:<hex>" of the key's bytes
  std::optional<rollout::Problem> problem;  // BaselineNotFound / BaselineInvalid
};

// `configmap` is the referenced ConfigMap or null when it does not exist.
BaselineCheck CheckBaseline(const api::ModelDeployment& md, const nlohmann::json* configmap);

// What the baseline cache keeps of a user's ConfigMap (an informer projection): its
// identity, and for every key the digest of the baseline it holds or why it is not one —
// everything CheckBaseline reads, a few hundred bytes whatever the baseline's size.
//
//   {"metadata": {"name": "fraud-baseline", "namespace": "ml", "resourceVersion": "7", ...},
//    "baselines": {"data": {"baseline.json": {"digest": "sha256:…"},
//                           "notes.txt": {"invalid": "…"}},
//                  "binaryData": {"blob": {}}}}
nlohmann::json BaselineSummary(nlohmann::json&& configmap);

// CheckBaseline on a BaselineSummary (null when the ConfigMap does not exist): the same
// digest, problems and messages.
BaselineCheck CheckBaselineSummary(const api::ModelDeployment& md, const nlohmann::json* summary);

// The model server must listen on spec.sidecar.modelPort: some container of the template
// declares it as a containerPort, or the sidecar would forward into the void.
std::optional<rollout::Problem> CheckModelPort(const api::ModelDeployment& md);

}  // namespace skewgate::controller

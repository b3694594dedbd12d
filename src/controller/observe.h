// Reading the world for the state machine: pure functions from cached API objects to the
// rollout Input's observed parts (ReplicaSets, failing pods) and to the problems that make
// a valid-looking spec unworkable (baseline missing or invalid, no model port).
//
//   auto rs = ObserveReplicaSets(md, rs_store.List(md.Namespace()));
//   BaselineCheck b = CheckBaseline(md, configmap_or_null);  // b.problem or b.digest
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
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
// identity, the names of all its keys, and for each data key in `keys` (those some
// ModelDeployment reads) the digest of the baseline it holds or why it is not one —
// everything CheckBaseline reads, a few hundred bytes whatever the baseline's size. Other
// data keys are only named, `{"unread": true}`: most ConfigMaps are not baselines, and
// parsing and hashing every key of every one on every change is the cache's whole cost.
//
//   {"metadata": {"name": "fraud-baseline", "namespace": "ml", "resourceVersion": "7", ...},
//    "baselines": {"data": {"baseline.json": {"digest": "sha256:…"},
//                           "notes.txt": {"invalid": "…"}, "big.csv": {"unread": true}},
//                  "binaryData": {"blob": {}}}}
nlohmann::json BaselineSummary(nlohmann::json&& configmap, const std::set<std::string>& keys);

// CheckBaseline on a BaselineSummary (null when the ConfigMap does not exist): the same
// digest, problems and messages; nullopt when md's key is there but unread (nobody read it
// when this version was cached), so that only a read of the ConfigMap can tell.
std::optional<BaselineCheck> CheckBaselineSummary(const api::ModelDeployment& md,
                                                  const nlohmann::json* summary);

// The model server must listen on spec.sidecar.modelPort: some container of the template
// declares it as a containerPort, or the sidecar would forward into the void.
std::optional<rollout::Problem> CheckModelPort(const api::ModelDeployment& md);

}  // namespace skewgate::controller

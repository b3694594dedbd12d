// Reactions to changes in an informer's store, and the two that controllers need: enqueue
// the object's own key, or enqueue the key of its controlling owner (an event on a
// ReplicaSet that a ModelDeployment owns with controller=true enqueues that
// ModelDeployment). Handlers see projected objects and only enqueue: the reconciler reads
// the store again, so what an event said is never acted on directly.
//
//   md_store.AddHandler(EnqueueObject(controller.queue()));
//   rs_store.AddHandler(EnqueueOwner(controller.queue(), "skewgate.io", "ModelDeployment"));
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace skewgate::runtime {

class WorkQueue;

class ResourceEventHandler {
 public:
  virtual ~ResourceEventHandler() = default;
  // Called on the informer's thread; must be quick and must not throw.
  virtual void OnAdd(const nlohmann::json& object) = 0;
  virtual void OnUpdate(const nlohmann::json& old_object, const nlohmann::json& new_object) = 0;
  // `object` is the last state the store held.
  virtual void OnDelete(const nlohmann::json& object) = 0;
};

// Enqueues the object's own key on every change.
std::shared_ptr<ResourceEventHandler> EnqueueObject(WorkQueue& queue);

// Enqueues the owner named by the object's controller ownerReference when its kind and
// API group match (group "" is the core group); objects without one are ignored. On an
// update both the old and the new owner are enqueued (an adoption or orphaning affects
// both).
std::shared_ptr<ResourceEventHandler> EnqueueOwner(WorkQueue& queue, std::string owner_group,
                                                   std::string owner_kind);

// The key ("ns/name") of the owner named by `object`'s ownerReference with
// controller=true, when it has the given API group and kind. Owners live in the object's
// own namespace (Kubernetes forbids cross-namespace owners). Pure.
std::optional<std::string> ControllerOwnerKey(const nlohmann::json& object,
                                              const std::string& owner_group,
                                              const std::string& owner_kind);

}  // namespace skewgate::runtime

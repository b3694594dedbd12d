// The read-only view of an informer's cache: the objects of one kind that a controller
// watches, kept up to date by a list-watch loop, keyed by "namespace/name". Objects are
// shared immutable snapshots: a reader may keep one while the store moves on.
//
//   if (!store.HasSynced()) return ReconcileResult::RequeueAfter(1s);
//   ObjectPtr md = store.Get("ml/fraud");  // nullptr when absent
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace skewgate::runtime {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

class Store {
 public:
  virtual ~Store() = default;
  // The object with this key, or nullptr. Thread-safe.
  virtual ObjectPtr Get(const std::string& key) const = 0;
  // All objects (namespace empty) or those of one namespace, in key order.
  virtual std::vector<ObjectPtr> List(const std::string& ns = "") const = 0;
  // Objects of namespace `ns` whose label `key` equals `value`, in key order. A store that
  // indexes `key` answers in time proportional to the matches; the default filters List(ns).
  virtual std::vector<ObjectPtr> ListByLabel(const std::string& ns, const std::string& key,
                                             const std::string& value) const;
  virtual size_t Size() const = 0;
  // True once the first full list has been stored. Until then a Get() miss does not mean
  // the object is absent, so controllers must not act on it (/readyz waits for this).
  virtual bool HasSynced() const = 0;
};

// The value of label `key` of an object; "" when absent.
std::string LabelValueOf(const nlohmann::json& object, const std::string& key);

// "ns/name" (or "name" when the object has no namespace) from an object's metadata; ""
// when metadata.name is missing.
std::string ObjectKeyOf(const nlohmann::json& object);

// Turns a full API object into what the cache keeps. Called once per object received.
// It must keep metadata.name, metadata.namespace and metadata.resourceVersion (the store
// relies on them); whatever else it drops saves memory for every cached object.
using Projection = std::function<nlohmann::json(nlohmann::json&&)>;

// Drops what no controller reads and that dominates object size: metadata.managedFields
// and the kubectl last-applied-configuration annotation.
nlohmann::json StripBookkeeping(nlohmann::json&& object);

// Keeps only the listed JSON pointers ("/spec/replicas", "/status/phase") plus the
// metadata the store and owner mapping need (name, namespace, uid, resourceVersion,
// generation, labels, ownerReferences, deletionTimestamp).
Projection KeepOnly(std::vector<std::string> json_pointers);

}  // namespace skewgate::runtime

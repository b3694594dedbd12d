// Kubernetes Events (events.k8s.io/v1) about the objects a controller manages, so that
// `kubectl describe` shows what happened and why. Repeats of the same event (same object,
// type, reason, action and note) are aggregated into one Event's `series` (count and
// lastObservedTime) instead of creating a new object each time. Best effort: a failure to
// record is returned for logging, never a reason to fail a reconcile.
//
//   recorder.Record(ReferenceTo(md), EventType::kWarning, reasons::kSkewExceeded, "Analyze",
//                   "feature amount: JS 0.31 > 0.1").IgnoreError();
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace skewgate::runtime {

// The object an Event is about (corev1.ObjectReference's fields that matter).
struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string ns;
  std::string name;
  std::string uid;
};

// Builds a reference from an object's apiVersion, kind and metadata.
ObjectReference ReferenceTo(const nlohmann::json& object);

enum class EventType { kNormal, kWarning };

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // Records one occurrence. `reason` is a CamelCase constant (up to 128 chars), `action`
  // what the controller did or failed to do, `note` a human sentence (longer than 1 KiB is
  // cut with a visible marker, as the API limits it). Thread-safe.
  virtual Status Record(const ObjectReference& regarding, EventType type, const std::string& reason,
                        const std::string& action, const std::string& note) = 0;
};

}  // namespace skewgate::runtime

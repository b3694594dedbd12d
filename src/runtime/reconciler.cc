#include "runtime/reconciler.h"

namespace skewgate::runtime {

StatusOr<ObjectKey> ObjectKey::Parse(const std::string& key) {
  auto slash = key.find('/');
  ObjectKey k;
  if (slash == std::string::npos) {
    k.name = key;
  } else {
    k.ns = key.substr(0, slash);
    k.name = key.substr(slash + 1);
    if (k.name.find('/') != std::string::npos || k.ns.empty()) {
      return InvalidArgumentError("object key '" + key + "' is not 'namespace/name' or 'name'");
    }
  }
  if (k.name.empty()) return InvalidArgumentError("object key '" + key + "' has an empty name");
  return k;
}

const char* ReconcileResult::KindLabel(Kind kind) {
  switch (kind) {
    case Kind::kDone: return "done";
    case Kind::kRequeueAfter: return "requeue_after";
    case Kind::kRetryableError: return "retryable_error";
    case Kind::kTerminalError: return "terminal_error";
  }
  return "unknown";
}

}  // namespace skewgate::runtime

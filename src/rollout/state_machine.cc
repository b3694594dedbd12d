#include "rollout/state_machine.h"

namespace skewgate::rollout {

// Placeholder so the controller can link against the interface; the real decision
// replaces it in the next commit. Keeps everything as it is.
Plan Decide(const Input& input) {
  Plan plan;
  plan.status = input.md.status;
  return plan;
}

}  // namespace skewgate::rollout

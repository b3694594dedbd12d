// libFuzzer target: the sidecar's JSON reader must never crash, hang or read out of
// bounds, and a successful parse must produce a well-formed tree.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sidecar/json_doc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace skewgate::sidecar;
  static JsonDoc doc(JsonLimits{64, 100000});
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (doc.Parse(text) != JsonError::kNone) return 0;
  // Every child link must point inside the node array.
  for (uint32_t i = 0; i < doc.node_count(); ++i) {
    const JsonNode& n = doc.node(i);
    if (n.first_child != kNoNode && n.first_child >= doc.node_count()) std::abort();
    if (n.next_sibling != kNoNode && n.next_sibling >= doc.node_count()) std::abort();
  }
  return 0;
}

// libFuzzer targets for the small parsers at the edges: the sidecar configuration, the
// model JSON and fetch URIs. FUZZ_WHICH selects one at build time. Errors must come back
// as Status values, never as exceptions or crashes.
#include <cstdint>
#include <string_view>

#include "fetch/fetch.h"
#include "modelserver/model.h"
#include "sidecar/sidecar_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
#if FUZZ_WHICH == 0
  skewgate::sidecar::SidecarConfig c;
  skewgate::sidecar::ParseSidecarConfigJson(text, &c).IgnoreError();
#elif FUZZ_WHICH == 1
  auto m = skewgate::modelserver::ParseLinearModel(text);
  if (m.ok()) m->Predict(std::vector<double>(m->features.size(), 1.0));
#else
  skewgate::fetch::ParseUri(text).status().IgnoreError();
  skewgate::fetch::ValidateDigest(text).IgnoreError();
#endif
  return 0;
}

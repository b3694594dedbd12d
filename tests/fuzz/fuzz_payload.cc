// libFuzzer target: V1/V2/rows request and response decoding into live counters, as the
// sidecar's statistics thread does it, with a small baseline.
#include <cstdint>
#include <memory>
#include <string_view>

#include "sidecar/json_doc.h"
#include "sidecar/live_counters.h"
#include "sidecar/payload.h"

namespace {

std::shared_ptr<const skewgate::skew::Baseline> TestBaseline() {
  using namespace skewgate::skew;
  auto b = std::make_shared<Baseline>();
  auto numeric = [](const char* name, FeatureRole role) {
    FeatureBaseline f;
    f.name = name;
    f.role = role;
    f.numeric.cuts = {0, 1, 10};
    f.numeric.point = {false, true, false};
    f.counts.assign(static_cast<size_t>(f.numeric.BucketCount()), 1);
    return f;
  };
  b->features.push_back(numeric("a", FeatureRole::kInput));
  b->features.push_back(numeric("b", FeatureRole::kInput));
  b->features.push_back(numeric("score", FeatureRole::kOutput));
  FeatureBaseline c;
  c.name = "c";
  c.kind = FeatureKind::kCategorical;
  c.categorical.labels = {"x", "y"};
  c.counts.assign(4, 1);
  b->features.push_back(c);
  b->hash = "sha256:fuzz";
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace skewgate::sidecar;
  static JsonDoc doc;
  static LiveCounters counters(TestBaseline());
  static PayloadDecoder decoders[] = {
      PayloadDecoder({Protocol::kAuto, {"a", "b", "c"}, {"score"}, {{"input-0", {"a", "b"}}}}),
      PayloadDecoder({Protocol::kV1, {"a"}, {"score"}, {}}),
      PayloadDecoder({Protocol::kV2, {"a", "b", "c"}, {}, {}}),
      PayloadDecoder({Protocol::kRows, {}, {"score", "a"}, {}}),
  };
  if (size == 0) return 0;
  PayloadDecoder& dec = decoders[data[0] % 4];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (doc.Parse(text) != JsonError::kNone) return 0;
  counters.SetRole(skewgate::skew::FeatureRole::kInput);
  if (dec.DecodeRequest(doc, counters).ok()) {
    counters.Commit();
  } else {
    counters.Discard();
  }
  counters.SetRole(skewgate::skew::FeatureRole::kOutput);
  if (dec.DecodeResponse(doc, counters).ok()) {
    counters.Commit();
  } else {
    counters.Discard();
  }
  return 0;
}

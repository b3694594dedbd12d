// The YAML adapter: manifest text (one or more `---` documents) → JSON objects, with the
// line of every field so that `skewgate lint` can point at "file:line". yaml-cpp lives only
// here; its exceptions are caught and turned into Status. Scalars are typed as kubectl
// (sigs.k8s.io/yaml) types them: quoted → string; plain → null, bool, integer, float or
// string. Pure: works on text, reads no file.
//
//   StatusOr<std::vector<ManifestDocument>> docs = ParseYamlManifests(text);
//   int line = (*docs)[0].LineOf("spec.strategy.canary.steps[1].setWeight");
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skewgate::api {

struct ManifestDocument {
  nlohmann::json object;
  int line = 1;                      // 1-based line where the document starts
  std::map<std::string, int> lines;  // field path (kubectl notation) → 1-based line

  // The line of `field`, or of its nearest ancestor that exists in the document (a missing
  // required field points at its parent); the document's first line otherwise.
  int LineOf(const std::string& field) const;
};

// Limits that keep hostile input (alias bombs, deep nesting) from exhausting memory/stack.
inline constexpr int kMaxYamlDepth = 64;
inline constexpr size_t kMaxYamlNodes = 1000000;

// InvalidArgument with "line N: ..." on malformed YAML, duplicate keys, values JSON cannot
// hold (.inf, .nan) or the limits above. Empty documents are skipped.
StatusOr<std::vector<ManifestDocument>> ParseYamlManifests(std::string_view text);

}  // namespace skewgate::api

// Test data shared by the api unit tests and the api cluster tests: the table of invalid
// manifests (tests/data/api/invalid.yaml) and the examples (examples/*.yaml).
//
//   for (const InvalidCase& c : LoadInvalidCases())
//   EXPECT_FALSE(ValidateManifest(c.manifest).empty()); for (const std::string& path :
//   ExampleFiles()) { auto docs = LoadYamlFile(path); ... }
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "api/manifest_yaml.h"

namespace skewgate::api::testdata {

struct InvalidCase {
  std::string name;     // as written in the file ("replicas-negative")
  std::string field;    // the field the error must name
  std::string message;  // a fragment the message must contain
  nlohmann::json manifest;
};
// Test names print the case name, not the bytes of the struct.
inline void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

// The repository root, known at build time (test discovery runs without CTest's env).
std::string RepoRoot();
// Aborts the test binary with a message naming the file and problem if the file is broken:
// a broken table must never turn into "zero cases, all green".
nlohmann::json InvalidBase();
std::vector<InvalidCase> LoadInvalidCases();
// The ModelDeployment examples: examples/*.yaml (not examples/training/), sorted.
std::vector<std::string> ExampleFiles();
// Reads and parses a YAML file; aborts on error.
std::vector<ManifestDocument> LoadYamlFile(const std::string& path);
// "replicas-negative" → "replicas_negative" (gtest parameter names).
std::string GTestName(const std::string& name);

}  // namespace skewgate::api::testdata

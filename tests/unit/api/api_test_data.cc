#include "unit/api/api_test_data.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace skewgate::api::testdata {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "api test data: %s\n", message.c_str());
  std::abort();
}

std::string InvalidPath() { return RepoRoot() + "/tests/data/api/invalid.yaml"; }

const nlohmann::json& InvalidFile() {
  static const nlohmann::json file = [] {
    auto docs = LoadYamlFile(InvalidPath());
    if (docs.size() != 1) Die(InvalidPath() + ": expected exactly one YAML document");
    return docs[0].object;
  }();
  return file;
}

}  // namespace

std::string RepoRoot() { return SKEWGATE_SOURCE_DIR; }

std::vector<ManifestDocument> LoadYamlFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto docs = ParseYamlManifests(text.str());
  if (!docs.ok()) Die(path + ": " + docs.status().message());
  return *docs;
}

nlohmann::json InvalidBase() {
  const auto& file = InvalidFile();
  if (!file.contains("base") || !file["base"].is_object()) Die(InvalidPath() + ": no base");
  return file["base"];
}

std::vector<InvalidCase> LoadInvalidCases() {
  const auto& file = InvalidFile();
  if (!file.contains("cases") || !file["cases"].is_array()) Die(InvalidPath() + ": no cases");
  std::vector<InvalidCase> cases;
  for (const auto& c : file["cases"]) {
    for (const char* key : {"name", "field", "message"}) {
      if (!c.contains(key) || !c[key].is_string()) {
        Die(InvalidPath() + ": a case lacks a string '" + key + "': " + c.dump());
      }
    }
    if (!c.contains("patch")) Die(InvalidPath() + ": case " + c["name"].dump() + " has no patch");
    InvalidCase ic{c["name"], c["field"], c["message"], InvalidBase()};
    ic.manifest.merge_patch(c["patch"]);  // RFC 7386, as the file's header says
    ic.manifest["metadata"]["name"] = "invalid-" + ic.name;
    cases.push_back(std::move(ic));
  }
  return cases;
}

std::vector<std::string> ExampleFiles() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(RepoRoot() + "/examples")) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) Die("no examples/*.yaml found under " + RepoRoot());
  return files;
}

std::string GTestName(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

}  // namespace skewgate::api::testdata

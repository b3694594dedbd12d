// skewgate lint FILE...: checks ModelDeployment manifests offline with the same rules as the
// API server (src/api/validation.h mirrors the CRD), and points at file:line for each problem.
// Exit codes: 0 every ModelDeployment is valid, 1 a problem was found, 2 usage error.
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/manifest_yaml.h"
#include "api/validation.h"
#include "cli/command.h"
#include "cli/commands_decl.h"
#include "common/flags.h"

namespace skewgate::cli {
namespace {

// Manifests are small; anything bigger is almost certainly the wrong file.
constexpr size_t kMaxManifestBytes = 16 << 20;

StatusOr<std::string> ReadInput(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return NotFoundError("cannot open " + path);
    text << in.rdbuf();
    if (in.bad()) return DataLossError("cannot read " + path);
  }
  std::string s = text.str();
  if (s.size() > kMaxManifestBytes) {
    return ResourceExhaustedError(path + " is larger than 16 MiB; is it a manifest?");
  }
  return s;
}

struct FileReport {
  int models = 0;
  int skipped = 0;
  int problems = 0;
};

// Lints one object (a ModelDeployment or another kind, skipped). `prefix` is the object's
// path inside the document ("" or "items[3]") for line lookup.
void LintObject(const std::string& name, const api::ManifestDocument& doc,
                const nlohmann::json& object, const std::string& prefix, FileReport* report) {
  auto kind = object.is_object() ? object.find("kind") : object.end();
  if (!object.is_object() || kind == object.end() || *kind != api::kKind) {
    ++report->skipped;
    return;
  }
  ++report->models;
  for (const api::FieldError& e : api::ValidateManifest(object)) {
    ++report->problems;
    std::string path = prefix.empty() ? e.field : prefix + "." + e.field;
    std::cout << name << ":" << doc.LineOf(path) << ": " << e.ToString() << "\n";
  }
}

FileReport LintFile(const std::string& path) {
  FileReport report;
  const std::string name = path == "-" ? "<stdin>" : path;
  StatusOr<std::string> text = ReadInput(path);
  if (!text.ok()) {
    std::cout << name << ": " << text.status().message() << "\n";
    report.problems = 1;
    return report;
  }
  StatusOr<std::vector<api::ManifestDocument>> docs = api::ParseYamlManifests(*text);
  if (!docs.ok()) {
    // The adapter's message starts with "line N: ", which reads well after "file:".
    std::cout << name << ": " << docs.status().message() << "\n";
    report.problems = 1;
    return report;
  }
  for (const api::ManifestDocument& doc : *docs) {
    const nlohmann::json& obj = doc.object;
    auto items = obj.is_object() ? obj.find("items") : obj.end();
    if (obj.is_object() && obj.value("kind", "") == "List" && items != obj.end() &&
        items->is_array()) {
      for (size_t i = 0; i < items->size(); ++i) {
        LintObject(name, doc, (*items)[i], "items[" + std::to_string(i) + "]", &report);
      }
    } else {
      LintObject(name, doc, obj, "", &report);
    }
  }
  if (report.models == 0 && report.problems == 0) {
    std::cout << name << ": no ModelDeployment found\n";
    report.problems = 1;
  }
  return report;
}

}  // namespace

int RunLint(const std::vector<std::string>& args) {
  FlagSet flags("skewgate lint FILE... ('-' reads stdin)",
                "Check ModelDeployment manifests offline with the API server's rules");
  flags.Bool("quiet", false, "print problems only, not a line per valid file").Short("q");
  if (auto exit = ParseFlags(flags, args)) return *exit;
  if (flags.positional().empty()) {
    std::cerr << "error: no file given\n" << flags.Usage();
    return 2;
  }
  int problems = 0;
  for (const std::string& path : flags.positional()) {
    FileReport r = LintFile(path);
    problems += r.problems;
    if (r.problems == 0 && !flags.GetBool("quiet")) {
      std::cout << (path == "-" ? "<stdin>" : path) << ": ok (" << r.models
                << (r.models == 1 ? " ModelDeployment" : " ModelDeployments")
                << (r.skipped ? ", " + std::to_string(r.skipped) + " other objects skipped" : "")
                << ")\n";
    }
  }
  if (problems > 0) {
    std::cout << problems << (problems == 1 ? " problem" : " problems") << " found\n";
    return 1;
  }
  return 0;
}

}  // namespace skewgate::cli

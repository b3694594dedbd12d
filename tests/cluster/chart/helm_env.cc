#include "cluster/chart/helm_env.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace skewgate::testing {

std::string HelmVersion() {
  std::ifstream in(RepoRoot() + "/hack/versions.env");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("HELM_VERSION=", 0) == 0) return line.substr(13);
  }
  return "";
}

std::string HelmPath() {
  std::string cache;
  if (const char* c = std::getenv("SKEWGATE_CACHE")) {
    cache = c;
  } else if (const char* h = std::getenv("HOME")) {
    cache = std::string(h) + "/.cache/skewgate";
  }
  return cache + "/bin/tools/helm-" + HelmVersion() + "/helm";
}

std::string ChartDir() { return RepoRoot() + "/charts/skewgate"; }

bool HelmAvailable() { return access(HelmPath().c_str(), X_OK) == 0; }

CommandResult Helm(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {HelmPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

}  // namespace skewgate::testing

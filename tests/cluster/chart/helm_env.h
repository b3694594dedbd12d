// Where the chart tests find helm (the pinned build of hack/build-helm.sh) and how they
// run it. A missing helm fails the test with the command that builds it.
//
//   std::string helm = HelmPath();   // ~/.cache/skewgate/bin/tools/helm-v3.19.5/helm
//   CommandResult r = Helm({"lint", ChartDir()});
#pragma once

#include <string>
#include <vector>

#include "support/cluster_env.h"

namespace skewgate::testing {

std::string HelmVersion();  // HELM_VERSION from hack/versions.env
std::string HelmPath();
std::string ChartDir();  // <repo>/charts/skewgate
bool HelmAvailable();
CommandResult Helm(const std::vector<std::string>& args);

}  // namespace skewgate::testing

// The skewgate-controller program: flags, kube config, the runtime Manager with one
// informer per watched kind (filtered to what skewgate owns), owner mapping, the
// ModelDeployment reconciler, leader election and graceful SIGTERM. main() only calls this.
//
//   int main(int argc, char** argv) {
//     return skewgate::controller::RunControllerMain({argv + 1, argv + argc}); }
#pragma once

#include <string>
#include <vector>

namespace skewgate::controller {

// Exit codes: 0 after a graceful stop, 1 on a runtime failure (unreachable API server,
// missing CRD, lost leadership), 2 on a usage error (bad flag, unreadable kubeconfig).
// Every failure is one line on stderr starting with "skewgate-controller: ".
int RunControllerMain(const std::vector<std::string>& args);

}  // namespace skewgate::controller

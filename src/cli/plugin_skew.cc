// skewgate skew NAME: the live side of the skew report — status.lastAnalysis of a
// ModelDeployment in the cluster, per feature, worst first, as terminal bars. (With
// --baseline/--counts, cmd_skew.cc computes an offline report instead.)
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/plugin_kube.h"
#include "cli/plugin_render.h"
#include "common/flags.h"

namespace skewgate::cli {

int RunSkewLive(const std::vector<std::string>& args) {
  FlagSet f("skewgate skew NAME [flags]   (offline: skewgate skew --baseline B --counts C)",
            "Show the last analysis of a ModelDeployment: each feature's skew score against its\n"
            "threshold as a bar, worst first. Exit code 0 Successful, 3 Failed, 4 Inconclusive.");
  AddKubeFlags(f);
  f.String("width", "30", "width of the bars");
  if (auto exit = ParseFlags(f, args)) return *exit;
  auto width = f.GetInt("width");
  if (f.positional().size() != 1 || !width.ok() || *width < 5 || *width > 200) {
    std::cerr << "error: expected one ModelDeployment NAME and --width 5..200\n\n" << f.Usage();
    return 2;
  }
  auto s = Connect(f);
  if (!s.ok()) return PrintError(s.status());
  auto md = GetModelDeployment(*s, f.positional()[0]);
  if (!md.ok()) return PrintError(md.status());
  std::cout << RenderSkew(*md, static_cast<int>(*width), ColorEnabled());
  const std::string verdict = JStr(JObj(JObj(*md, "status"), "lastAnalysis"), "verdict");
  return verdict == "Failed" ? 3 : verdict == "Inconclusive" ? 4 : 0;
}

}  // namespace skewgate::cli

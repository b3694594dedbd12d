// skewgate history NAME: the revisions in status.history (newest first) with model digest,
// image, baseline digest, outcome and time; the numbers are what `undo --to-revision` takes.
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/plugin_kube.h"
#include "cli/plugin_render.h"
#include "common/flags.h"

namespace skewgate::cli {

int RunHistory(const std::vector<std::string>& args) {
  FlagSet f("skewgate history NAME [-o json|yaml] [flags]",
            "List a ModelDeployment's revisions: model digest, image, baseline digest, outcome\n"
            "and time, newest first. 'skewgate undo NAME --to-revision N' takes the # column.");
  AddKubeFlags(f);
  f.String("output", "", "json or yaml: print status.history instead of the table").Short("o");
  if (auto exit = ParseFlags(f, args)) return *exit;
  const std::string format = f.Get("output");
  if (f.positional().size() != 1 || (!format.empty() && format != "json" && format != "yaml")) {
    std::cerr << "error: expected one ModelDeployment NAME and -o json or yaml\n\n" << f.Usage();
    return 2;
  }
  auto s = Connect(f);
  if (!s.ok()) return PrintError(s.status());
  auto md = GetModelDeployment(*s, f.positional()[0]);
  if (!md.ok()) return PrintError(md.status());
  const nlohmann::json& h = JObj(JObj(*md, "status"), "history");
  const nlohmann::json history = h.is_array() ? h : nlohmann::json::array();
  if (format == "json") {
    std::cout << history.dump(2) << "\n";
  } else if (format == "yaml") {
    std::cout << ToYaml(history);
  } else {
    std::cout << RenderHistory(*md, ColorEnabled());
  }
  return 0;
}

}  // namespace skewgate::cli

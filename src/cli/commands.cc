// The command table. Add a line here when you add a cmd_<name>.cc.
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"

namespace skewgate::cli {

const std::vector<Command>& AllCommands() {
  static const std::vector<Command> kCommands = {
      {"version", "Print the skewgate version", RunVersion},
      {"lint", "Check ModelDeployment manifests offline (same rules as the API server)", RunLint},
      {"fetch", "Download a model artifact and verify its sha256", RunFetch},
      {"baseline", "Build a training baseline from a CSV or JSONL file", RunBaseline},
      {"skew", "Report per-feature skew of live counts against a baseline", RunSkew},
      {"get", "Show a ModelDeployment as a tree, or list them (-w to watch)", RunGet},
      {"status", "Show a ModelDeployment; --timeout waits (0 Healthy, 1 Degraded, 2 timeout)",
       RunStatus},
      {"promote", "Release the current manual gate (--full: skip the remaining steps)", RunPromote},
      {"abort", "Abort the canary in flight: traffic back to stable", RunAbort},
      {"retry", "Restart an aborted canary from step 0", RunRetry},
      {"undo", "Roll back to an earlier revision (--to-revision N)", RunUndo},
      {"pause", "Freeze a rollout where it is (spec.paused)", RunPause},
      {"resume", "Clear spec.paused", RunResume},
      {"history", "List a ModelDeployment's revisions", RunHistory},
      {"completion", "Print a bash or zsh completion script", RunCompletion},
  };
  return kCommands;
}

std::optional<int> ParseFlags(FlagSet& f, const std::vector<std::string>& args, int usage_code) {
  if (Status s = f.Parse(args); !s.ok()) {
    std::cerr << "error: " << s.message() << "\n\n" << f.Usage();
    return usage_code;
  }
  if (f.help_requested()) {
    std::cout << f.Usage();
    return 0;
  }
  return std::nullopt;
}

int RunCli(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout
        << "skewgate: deploy ML models as canaries gated on live training-serving skew.\n\n"
           "Usage: skewgate COMMAND [flags]   (also: kubectl skewgate COMMAND)\n\nCommands:\n";
    for (const auto& c : AllCommands()) {
      std::string n(c.name);
      std::cout << "  " << n << std::string(n.size() < 12 ? 12 - n.size() : 1, ' ') << c.summary
                << "\n";
    }
    std::cout << "\nRun 'skewgate COMMAND --help' for a command's flags.\n";
    return args.empty() ? 2 : 0;
  }
  for (const auto& c : AllCommands()) {
    if (c.name == args[0]) return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::cerr << "error: unknown command '" << args[0] << "'; run 'skewgate help' for the list\n";
  return 2;
}

}  // namespace skewgate::cli

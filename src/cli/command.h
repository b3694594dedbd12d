// The skewgate CLI's subcommands. Each lives in its own cmd_<name>.cc and is listed once
// in commands.cc; src/exe/skewgate/main.cc dispatches on the first argument.
//
//   skewgate baseline --input train.csv --output baseline.json
//   kubectl skewgate status fraud-detector -n ml --timeout 10m
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/flags.h"

namespace skewgate::cli {

// A subcommand receives its arguments without the program and command names and returns
// the process exit code: 0 success, 1 failure, 2 usage error (other codes as documented).
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  std::string_view name;
  std::string_view summary;
  CommandFn run;
};

const std::vector<Command>& AllCommands();

// Parses a subcommand's `args` into `f` the same way for every command: a bad flag prints
// "error: …" and the usage on stderr and gives `usage_code`; --help prints the usage on
// stdout and gives 0; otherwise nullopt (go on with the command).
//   if (auto exit = ParseFlags(f, args)) return *exit;
std::optional<int> ParseFlags(FlagSet& f, const std::vector<std::string>& args, int usage_code = 2);

// Runs `skewgate ARGS...` as if from the shell; used by main() and by tests.
int RunCli(const std::vector<std::string>& args);

}  // namespace skewgate::cli

// Entry points of the subcommands, one per cmd_<name>.cc. Internal to src/cli.
#pragma once

#include <string>
#include <vector>

namespace skewgate::cli {

int RunVersion(const std::vector<std::string>& args);
int RunLint(const std::vector<std::string>& args);
int RunFetch(const std::vector<std::string>& args);
int RunBaseline(const std::vector<std::string>& args);
int RunSkew(const std::vector<std::string>& args);

}  // namespace skewgate::cli

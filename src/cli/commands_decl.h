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
// kubectl plugin commands (cmd_status.cc, cmd_gates.cc, cmd_history.cc, cmd_completion.cc,
// plugin_skew.cc for `skew NAME`).
int RunGet(const std::vector<std::string>& args);
int RunStatus(const std::vector<std::string>& args);
int RunPromote(const std::vector<std::string>& args);
int RunAbort(const std::vector<std::string>& args);
int RunRetry(const std::vector<std::string>& args);
int RunUndo(const std::vector<std::string>& args);
int RunPause(const std::vector<std::string>& args);
int RunResume(const std::vector<std::string>& args);
int RunHistory(const std::vector<std::string>& args);
int RunCompletion(const std::vector<std::string>& args);
int RunSkewLive(const std::vector<std::string>& args);

}  // namespace skewgate::cli

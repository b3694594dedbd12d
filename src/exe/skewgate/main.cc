// skewgate: the command-line tool; installed as kubectl-skewgate too.
#include <string>
#include <vector>

#include "cli/command.h"

int main(int argc, char** argv) {
  return skewgate::cli::RunCli(std::vector<std::string>(argv + 1, argv + argc));
}

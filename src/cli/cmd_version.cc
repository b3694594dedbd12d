#include <iostream>

#include "cli/commands_decl.h"
#include "common/version.h"

namespace skewgate::cli {

int RunVersion(const std::vector<std::string>& args) {
  std::cout << "skewgate " << kVersion << "\n";
  return 0;
}

}  // namespace skewgate::cli

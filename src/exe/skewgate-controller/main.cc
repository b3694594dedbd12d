// skewgate-controller: the operator (see docs/controller.md). All wiring is in
// src/controller/app.cc so that it can be tested; this file only hands over the arguments.
#include <string>
#include <vector>

#include "controller/app.h"

int main(int argc, char** argv) {
  return skewgate::controller::RunControllerMain(std::vector<std::string>(argv + 1, argv + argc));
}

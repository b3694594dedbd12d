// skewgate-model-server --model model.json [--digest sha256:...] --listen 127.0.0.1:8081
// Prints {"event":"listening","port":P} on stdout once bound.
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/flags.h"
#include "common/log.h"
#include "common/sha256.h"
#include "modelserver/model_server.h"

int main(int argc, char** argv) {
  using namespace skewgate;
  FlagSet f("skewgate-model-server --model FILE [flags]",
            "Serve a linear/logistic model over KServe V1 and Open Inference Protocol V2");
  f.String("model", "", "model JSON file").Required();
  f.String("digest", "", "expected sha256:<hex> of the model file; refused on mismatch");
  f.String("listen", "127.0.0.1:8081", "host:port to listen on (port 0 picks one)");
  f.String("threads", "1", "I/O threads");
  if (Status s = f.Parse(std::vector<std::string>(argv + 1, argv + argc)); !s.ok()) {
    std::cerr << "skewgate-model-server: " << s.message() << "\n" << f.Usage();
    return 2;
  }
  if (f.help_requested()) {
    std::cout << f.Usage();
    return 0;
  }
  ConfigureLogging(DefaultLogConfig("model-server"));
  std::ifstream in(f.Get("model"), std::ios::binary);
  if (!in) {
    std::cerr << "skewgate-model-server: cannot read " << f.Get("model") << "\n";
    return 1;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (f.IsSet("digest")) {
    std::string actual = "sha256:" + Sha256Hex(text);
    if (actual != f.Get("digest")) {
      std::cerr << "skewgate-model-server: digest mismatch for " << f.Get("model") << ": expected "
                << f.Get("digest") << ", got " << actual << "\n";
      return 1;
    }
  }
  auto model = modelserver::ParseLinearModel(text);
  if (!model.ok()) {
    std::cerr << "skewgate-model-server: " << f.Get("model") << ": " << model.status().message()
              << "\n";
    return 1;
  }
  sidecar::HttpServerOptions o;
  if (Status s = sidecar::SplitHostPort(f.Get("listen"), &o.address, &o.port); !s.ok()) {
    std::cerr << "skewgate-model-server: --listen: " << s.message() << "\n";
    return 2;
  }
  auto threads = f.GetInt("threads");
  if (!threads.ok() || *threads < 1 || *threads > 64) {
    std::cerr << "skewgate-model-server: --threads: must be an integer between 1 and 64\n";
    return 2;
  }
  o.threads = static_cast<int>(*threads);
  std::signal(SIGPIPE, SIG_IGN);
  modelserver::ModelServer server(std::move(model).value());
  sidecar::HttpServer http(o,
                           [&server](const sidecar::HttpRequest& r) { return server.Handle(r); });
  if (Status s = http.Start(); !s.ok()) {
    std::cerr << "skewgate-model-server: " << s.message() << "\n";
    return 1;
  }
  std::cout << "{\"event\":\"listening\",\"port\":" << http.port() << "}" << std::endl;
  SG_LOG(Info, server.model().name).Msg("serving").Field("port", static_cast<int>(http.port()));
  http.Run();
  return 0;
}

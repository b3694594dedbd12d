// Test helpers for the sidecar, model server and fetch tests: real processes and real
// sockets on 127.0.0.1 with ports picked by the kernel (port 0).
//
//   Daemon ms({BinPath("skewgate-model-server"), "--model", path, "--listen", "127.0.0.1:0"});
//   std::string raw = RawExchange(ms.port(), "GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n\r\n");
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "skew/baseline.h"

namespace skewgate::testing {

// A child process that prints one JSON line with its ports on stdout once it listens.
class Daemon {
 public:
  explicit Daemon(const std::vector<std::string>& argv);
  ~Daemon();
  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  int admin_port() const { return admin_port_; }
  pid_t pid() const { return pid_; }
  const std::string& first_line() const { return line_; }
  // Sends SIGTERM and waits (up to 10 s, then SIGKILL); returns the exit status.
  int Terminate();

 private:
  pid_t pid_ = -1;
  int port_ = 0, admin_port_ = 0;
  std::string line_;
};

// Connects to 127.0.0.1:port, writes `request` and reads `responses` complete HTTP
// responses (or until the peer closes). Returns the raw bytes. HEAD is not supported.
std::string RawExchange(int port, const std::string& request, int responses = 1,
                        int timeout_ms = 20000);

// Sends raw bytes and returns everything the peer sends until it closes (or timeout).
std::string SendAndReadToClose(int port, const std::string& bytes, int timeout_ms = 20000);

// Status code of the first response in raw bytes, or -1.
int StatusOf(const std::string& raw);
// Body of a raw Content-Length response (no chunk decoding).
std::string BodyOf(const std::string& raw);

// A server on 127.0.0.1:0 whose handler sees each request's raw bytes (header + body as
// parsed) and returns the exact bytes to send back. Thread per connection.
class RawServer {
 public:
  struct Request {
    std::string method, target, body;
  };
  // Returns the raw response; set *close to end the connection after it.
  using Handler = std::function<std::string(const Request&, bool* close)>;
  explicit RawServer(Handler h);
  ~RawServer();
  int port() const { return port_; }
  int connections() const { return connections_.load(); }

 private:
  void Serve(int fd);
  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::vector<std::thread> threads_;
};

// A product binary next to the running test (all executables land in <build>/bin).
std::string SiblingBinary(const std::string& name);

std::string WriteTempFile(const std::string& name, const std::string& content);
std::string MakeTempDir();

// A baseline with numeric features (cuts as given, role input) and optional outputs.
struct NumericSpec {
  std::string name;
  std::vector<double> cuts;
  skew::FeatureRole role = skew::FeatureRole::kInput;
};
struct CategoricalSpec {
  std::string name;
  std::vector<std::string> labels;
};
skew::Baseline MakeBaseline(const std::vector<NumericSpec>& numeric,
                            const std::vector<CategoricalSpec>& categorical = {});

}  // namespace skewgate::testing

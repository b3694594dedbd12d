// Security checks and the sidecar restart fault, on real processes: TLS verification is on
// by default (a kubeconfig with the wrong CA, or none, is refused with a clear error); the
// controller's logs never carry the bearer token, nor the sidecar's and model server's the
// payload values; the real sidecar binary enforces its body and header limits; a sidecar
// killed in the middle of an analysis window is counted after its restart without losing
// or double-counting what it saw (analysis::RevisionWindow over real /stats scrapes).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/stats_client.h"
#include "analysis/window.h"
#include "common/clock.h"
#include "e2e/faults/fault_env.h"

namespace skewgate::faults {
namespace {

using namespace std::chrono_literals;

// Sends one raw HTTP request to 127.0.0.1:port and returns the status code (0: no answer).
int HttpStatus(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return 0;
  }
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading everything
    sent += static_cast<size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; out.find("\r\n") == std::string::npos && (n = read(fd, buf, sizeof buf)) > 0;) {
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (out.rfind("HTTP/1.", 0) != 0 || out.size() < 12) return 0;
  return std::atoi(out.substr(9, 3).c_str());
}

std::string Predict(const std::string& body, const std::string& extra_headers = "") {
  return "POST /v1/models/fraud:predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
         "application/json\r\nConnection: close\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Values that appear nowhere but in these payloads.
constexpr const char* kSecretCountry = "ZQXJVWK";
constexpr const char* kSecretAmount = "987654.125";
std::string Row(int i) {
  return std::string(R"({"amount":)") + kSecretAmount + R"(,"age":)" + std::to_string(30 + i % 40) +
         R"(,"distance_km":3,"hour":12,"country":")" + kSecretCountry + R"(","channel":"web"})";
}

// The real skewgate-model-server and skewgate-sidecar, as in a serving pod.
class ServingPod {
 public:
  ServingPod() : dir_(TempDir("skewgate-pod")) {}
  ~ServingPod() {
    KillAndReap(sidecar_);
    KillAndReap(model_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool Start(const std::vector<std::string>& sidecar_flags = {}) {
    CommandResult b =
        RunCommand({BinPath("skewgate"), "baseline", "--input",
                    RepoRoot() + "/examples/training/fraud-train.csv", "--output",
                    dir_ + "/baseline.json", "--ignore", "transaction_id,prediction"});
    if (b.exit_code != 0) return false;
    model_ = Spawn({BinPath("skewgate-model-server"), "--model",
                    RepoRoot() + "/examples/demo/fraud-v1.json", "--listen", "127.0.0.1:0"},
                   dir_ + "/model.log");
    int model_port = WaitPort(dir_ + "/model.log", "\"port\":");
    if (model_port <= 0) return false;
    sidecar_flags_ = {BinPath("skewgate-sidecar"),
                      "--listen-address",
                      "127.0.0.1",
                      "--port",
                      "0",
                      "--admin-port",
                      "0",
                      "--upstream",
                      "127.0.0.1:" + std::to_string(model_port),
                      "--baseline",
                      dir_ + "/baseline.json",
                      "--revision",
                      "r1",
                      "--log-level",
                      "debug"};
    sidecar_flags_.insert(sidecar_flags_.end(), sidecar_flags.begin(), sidecar_flags.end());
    return StartSidecar();
  }
  bool StartSidecar() {
    const std::string log = dir_ + "/sidecar-" + std::to_string(++sidecar_runs_) + ".log";
    sidecar_ = Spawn(sidecar_flags_, log);
    port_ = WaitPort(log, "\"port\":");
    admin_port_ = WaitPort(log, "\"admin_port\":");
    return port_ > 0 && admin_port_ > 0;
  }
  void KillSidecar() {
    KillAndReap(sidecar_);
    sidecar_ = -1;
  }
  bool SidecarAlive() const { return sidecar_ > 0 && waitpid(sidecar_, nullptr, WNOHANG) == 0; }
  int port() const { return port_; }
  int admin_port() const { return admin_port_; }
  // Every log line the model server and the sidecar(s) wrote.
  std::string Logs() const {
    std::string all = ReadFile(dir_ + "/model.log");
    for (int i = 1; i <= sidecar_runs_; ++i) {
      all += ReadFile(dir_ + "/sidecar-" + std::to_string(i) + ".log");
    }
    return all;
  }

 private:
  // The first integer after `key` in the log, once it appears.
  static int WaitPort(const std::string& log, const std::string& key) {
    int port = 0;
    PollUntil(
        [&] {
          std::string text = ReadFile(log);
          size_t at = text.find(key);
          if (at == std::string::npos) return false;
          port = std::atoi(text.c_str() + at + key.size());
          return port > 0;
        },
        10s);
    return port;
  }

  std::string dir_;
  std::vector<std::string> sidecar_flags_;
  pid_t model_ = -1, sidecar_ = -1;
  int port_ = 0, admin_port_ = 0, sidecar_runs_ = 0;
};

TEST(SidecarSecurityTest, RealSidecarEnforcesBodyAndHeaderLimits) {
  ServingPod pod;
  ASSERT_TRUE(pod.Start({"--max-body-bytes", "4096"}));
  ASSERT_EQ(HttpStatus(pod.port(), Predict(R"({"instances":[)" + Row(0) + "]}")), 200);
  // A body over --max-body-bytes: 413, announced by Content-Length or not.
  std::string big = R"({"instances":[)" + Row(0);
  while (big.size() < 8192) big += "," + Row(1);
  big += "]}";
  EXPECT_EQ(HttpStatus(pod.port(), Predict(big)), 413);
  std::string chunked =
      "POST /v1/models/fraud:predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n";
  std::ostringstream hex;
  hex << std::hex << big.size();
  chunked += hex.str() + "\r\n" + big + "\r\n0\r\n\r\n";
  EXPECT_EQ(HttpStatus(pod.port(), chunked), 413);
  // Headers over the limit (64 KiB): 431.
  EXPECT_EQ(HttpStatus(pod.port(), Predict(R"({"instances":[)" + Row(0) + "]}",
                                           "X-Padding: " + std::string(100 << 10, 'a') + "\r\n")),
            431);
  // Still serving.
  EXPECT_EQ(HttpStatus(pod.port(), Predict(R"({"instances":[)" + Row(0) + "]}")), 200);
  EXPECT_TRUE(pod.SidecarAlive());
}

TEST(SidecarSecurityTest, SidecarAndModelServerLogsCarryNoPayloadValues) {
  ServingPod pod;
  ASSERT_TRUE(pod.Start());
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(HttpStatus(pod.port(), Predict(R"({"instances":[)" + Row(i) + "]}")), 200);
  }
  // Malformed payloads are logged as errors too: they must not quote the values either.
  HttpStatus(pod.port(), Predict(std::string(R"({"instances":[{"amount":")") + kSecretAmount +
                                 R"(","country":)" + kSecretCountry + "]}"));
  auto stats = analysis::NewHttpStatsClient(2s)->Fetch("127.0.0.1", pod.admin_port());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  const std::string logs = pod.Logs();
  ASSERT_FALSE(logs.empty());
  EXPECT_EQ(logs.find(kSecretCountry), std::string::npos) << logs;
  EXPECT_EQ(logs.find(kSecretAmount), std::string::npos) << logs;
  EXPECT_EQ(logs.find("987654"), std::string::npos) << logs;
}

// analysis::RevisionWindow over real scrapes: the sidecar is SIGKILLed mid-window and
// started again (a new start id, counters from zero).
TEST(SidecarFaultTest, SidecarKilledMidWindowIsCountedOnceAcrossItsRestart) {
  ServingPod pod;
  ASSERT_TRUE(pod.Start());
  auto client = analysis::NewHttpStatsClient(2s);
  const TimePoint window_start = RealClock::Get().Now();
  analysis::RevisionWindow window(window_start, "");
  auto send = [&](int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(HttpStatus(pod.port(), Predict(R"({"instances":[)" + Row(i) + "]}")), 200);
    }
  };
  // Counted when parsed (off the hot path): wait until /stats shows all of them.
  auto scrape_when = [&](uint64_t want_amount) -> std::string {
    analysis::SidecarStats got;
    EXPECT_TRUE(PollUntil(
        [&] {
          auto s = client->Fetch("127.0.0.1", pod.admin_port());
          if (!s.ok()) return false;
          got = *s;
          return got.counts.Total("amount") == want_amount;
        },
        10s))
        << "the sidecar counted " << got.counts.Total("amount") << ", want " << want_amount;
    Status observed = window.Observe({"pod-1", window_start - 1s, got.counts});
    EXPECT_TRUE(observed.ok()) << observed.ToString();
    return got.start_id;
  };
  // The pod existed before the window: its first scrape is the anchor, not counted.
  send(30);
  const std::string first_id = scrape_when(30);
  send(40);
  scrape_when(70);
  scrape_when(70);  // scraped again with nothing new: nothing added
  pod.KillSidecar();
  ASSERT_TRUE(pod.StartSidecar());
  send(25);
  const std::string second_id = scrape_when(25);
  scrape_when(25);
  EXPECT_NE(first_id, second_id) << "a restarted sidecar must report a new start id";
  auto merged = window.Merged();
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  // 40 after the anchor, then 25 after the restart: nothing lost, nothing twice.
  EXPECT_EQ(merged->Total("amount"), 65u);
  EXPECT_EQ(merged->Total("country"), 65u);
  EXPECT_EQ(window.resets_seen(), 1);
}

class ControllerSecurityTest : public skewgate::testing::ClusterTest {
 protected:
  void SetUp() override {
    skewgate::testing::ClusterTest::SetUp();
    ASSERT_TRUE(InstallCrds());
  }
};

TEST_F(ControllerSecurityTest, WrongOrMissingCaIsRefusedWithAClearError) {
  const std::string dir = TempDir("skewgate-wrong-ca");
  ASSERT_TRUE(MakeCa(dir));
  const std::string wrong = KubeconfigWithCa(dir + "/kubeconfig.json", dir + "/ca.crt");
  for (const std::string& kubeconfig : {wrong, std::string()}) {
    std::string path = kubeconfig;
    if (path.empty()) {
      // No CA at all: only the system's trust store, which does not know the cluster's CA.
      json kc = json::parse(ReadFile(wrong));
      kc["clusters"][0]["cluster"].erase("certificate-authority-data");
      path = dir + "/no-ca.json";
      std::ofstream(path) << kc.dump();
    }
    CommandResult r = RunCommand({"timeout", "60", BinPath("skewgate-controller"), "--kubeconfig",
                                  path, "--metrics-address", "", "--analysis", "none"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("cannot reach the API server"), std::string::npos) << r.err;
    const bool names_tls = r.err.find("certificate") != std::string::npos ||
                           r.err.find("verify") != std::string::npos ||
                           r.err.find("TLS") != std::string::npos ||
                           r.err.find("handshake") != std::string::npos;
    EXPECT_TRUE(names_tls) << "the error should say the server's certificate was refused: "
                           << r.err;
    EXPECT_EQ(r.err.find("\"level\":\"info\",\"component\":\"controller\",\"msg\":\"starting\""),
              std::string::npos)
        << "nothing may start without a verified connection";
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_F(ControllerSecurityTest, ControllerLogsNeverCarryTheBearerToken) {
  const std::string ns = CreateNamespace("sec-token");
  ASSERT_EQ(Kubectl({"create", "serviceaccount", "skewgate", "-n", ns}).exit_code, 0);
  ASSERT_EQ(Kubectl({"create", "rolebinding", "skewgate", "-n", ns, "--clusterrole=cluster-admin",
                     "--serviceaccount=" + ns + ":skewgate"})
                .exit_code,
            0);
  CommandResult token = Kubectl({"create", "token", "skewgate", "-n", ns, "--duration=10m"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  std::string bearer = token.out;
  while (!bearer.empty() && std::isspace(static_cast<unsigned char>(bearer.back()))) {
    bearer.pop_back();
  }
  ASSERT_GT(bearer.size(), 40u);
  const std::string dir = TempDir("skewgate-token");
  CommandResult flat = Kubectl({"config", "view", "--raw", "--minify", "--flatten", "-o", "json"});
  json kc = json::parse(flat.out);
  kc["users"][0]["user"] = {{"token", bearer}};
  std::ofstream(dir + "/kubeconfig.json") << kc.dump();

  ControllerProcess c(
      {"--kubeconfig", dir + "/kubeconfig.json", "--namespace", ns, "--log-level", "debug"});
  ASSERT_TRUE(c.Start()) << c.Log();
  std::string err;
  ASSERT_EQ(ApplyJson(BaselineConfigMapJson(ns, "fraud"), &err), 0) << err;
  ASSERT_EQ(ApplyJson(ModelDeploymentJson(ns, "fraud", 2, 'a'), &err), 0) << err;
  EXPECT_TRUE(PollUntil(
      [&] {
        json md = GetJson({"md", "fraud", "-n", ns});
        return !md.is_null() && md.value("/status/phase"_json_pointer, "") == "Healthy";
      },
      90s))
      << c.Log().substr(0, 3000);
  // A second revision: more requests, more log lines.
  ASSERT_EQ(ApplyJson(ModelDeploymentJson(ns, "fraud", 2, 'b'), &err), 0) << err;
  EXPECT_TRUE(PollUntil([&] { return c.ApiWrites() > 3; }, 30s));
  c.Stop();
  // The same token against a server whose certificate is refused: the error either.
  ASSERT_TRUE(MakeCa(dir + "/ca"));
  json bad = kc;
  bad["clusters"][0]["cluster"]["certificate-authority-data"] =
      RunCommand({"base64", "-w0", dir + "/ca/ca.crt"}).out;
  std::ofstream(dir + "/bad.json") << bad.dump();
  CommandResult refused =
      RunCommand({"timeout", "60", BinPath("skewgate-controller"), "--kubeconfig",
                  dir + "/bad.json", "--metrics-address", "", "--log-level", "debug"});
  EXPECT_EQ(refused.exit_code, 1);
  const std::string logs = c.Log() + refused.out + refused.err;
  // The whole token, and its signature alone (the part that grants access).
  const std::string signature = bearer.substr(bearer.rfind('.') + 1);
  EXPECT_EQ(logs.find(bearer), std::string::npos) << "the bearer token is in the logs";
  EXPECT_EQ(logs.find(signature), std::string::npos) << "the token's signature is in the logs";
  EXPECT_NE(logs.find("replica set applied"), std::string::npos) << "the controller worked";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace skewgate::faults

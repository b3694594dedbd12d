// skewgate-loadgen: replays a CSV data set as KServe V1 predict requests through the pods
// a Service would send them to (its selector's Ready pods, round robin — the replica ratio
// the controller sets is then the traffic split). Closed-loop test and demo
// infrastructure, not shipped. With --report it keeps a JSON file of what each pod IP was
// sent (rewritten every second and at exit), so a test can prove which pods served users.
//   skewgate-loadgen --kubeconfig K -n demo --service fraud --data train.csv --rate 200 --duration
//   30s
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "api/duration.h"
#include "common/flags.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/resource.h"

namespace {

using nlohmann::json;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
volatile std::sig_atomic_t g_stop = 0;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// One keep-alive connection per pod IP.
class Poster {
 public:
  // "" when the answer was 200, else why not ("connect: …", "HTTP 502", …).
  std::string Post(const std::string& ip, int port, const std::string& target,
                   const std::string& body) {
    auto& conn = conns_[ip];
    beast::error_code ec;
    if (!conn || !conn->is_open()) {
      conn = std::make_unique<tcp::socket>(ioc_);
      conn->connect(tcp::endpoint(boost::asio::ip::make_address(ip, ec), port), ec);
      if (ec) {
        conn.reset();
        return "connect: " + ec.message();
      }
    }
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, ip);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(*conn, req, ec);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    if (!ec) http::read(*conn, buf, res, ec);
    if (ec) {
      conn.reset();
      return "exchange: " + ec.message();
    }
    if (!res.keep_alive()) conn.reset();
    return res.result() == http::status::ok ? "" : "HTTP " + std::to_string(res.result_int());
  }

 private:
  boost::asio::io_context ioc_;
  std::map<std::string, std::unique_ptr<tcp::socket>> conns_;
};

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace skewgate;
  FlagSet f("skewgate-loadgen [flags]", "Replays a CSV through a Service's Ready pods.");
  f.String("kubeconfig", "", "kubeconfig of the local cluster").Required();
  f.String("namespace", "default", "namespace of the Service").Short("n");
  f.String("service", "", "the Service whose selector picks the pods").Required();
  f.String("data", "", "CSV with a header row").Required();
  f.String("model", "model", "model name in the predict URL");
  f.String("ignore", "", "columns not sent (ids, labels), comma-separated");
  f.String("categorical", "", "columns sent as strings, comma-separated");
  f.String("rate", "100", "requests per second");
  f.String("duration", "30s", "how long to run");
  f.String("port", "8080", "pod port to send to (the sidecar)");
  f.String("report", "", "JSON file of requests per pod IP, rewritten every second");
  Status s = f.Parse(std::vector<std::string>(argv + 1, argv + argc));
  if (f.help_requested()) return std::cout << f.Usage(), 0;
  if (!s.ok()) return std::cerr << "error: " << s.message() << "\n", 2;
  auto rate = f.GetInt("rate");
  auto port = f.GetInt("port");
  auto duration = api::ParseDuration(f.Get("duration"));
  if (!rate.ok() || !port.ok() || !duration.ok() || *rate <= 0) {
    std::cerr << "error: --rate, --port and --duration need valid positive values\n";
    return 2;
  }
  auto cfg = kube::LoadKubeConfigFile(f.Get("kubeconfig"));
  if (!cfg.ok()) return std::cerr << "error: " << cfg.status().message() << "\n", 1;
  auto client = kube::NewClient(*cfg);
  if (!client.ok()) return std::cerr << "error: " << client.status().message() << "\n", 1;
  std::ifstream in(f.Get("data"));
  if (!in) return std::cerr << "error: cannot read " << f.Get("data") << "\n", 1;
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header = SplitCsv(line);
  auto ignore = f.GetList("ignore");
  auto categorical = f.GetList("categorical");
  std::vector<std::string> rows;
  while (std::getline(in, line)) {
    auto cells = SplitCsv(line);
    json inst = json::object();
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) {
      if (std::find(ignore.begin(), ignore.end(), header[i]) != ignore.end()) continue;
      if (std::find(categorical.begin(), categorical.end(), header[i]) != categorical.end()) {
        inst[header[i]] = cells[i];
      } else if (!cells[i].empty()) {
        inst[header[i]] = std::strtod(cells[i].c_str(), nullptr);
      }
    }
    rows.push_back(json({{"instances", json::array({inst})}}).dump());
  }
  if (rows.empty()) return std::cerr << "error: " << f.Get("data") << " has no data rows\n", 1;
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::signal(SIGINT, [](int) { g_stop = 1; });

  std::string ns = f.Get("namespace"), target = "/v1/models/" + f.Get("model") + ":predict";
  Poster poster;
  std::vector<std::string> ips;
  auto refresh = [&] {
    auto svc = (*client)->Get(kube::resources::Services(), ns, f.Get("service"));
    if (!svc.ok()) return;
    std::string selector;
    const json sel = (*svc)["spec"].value("selector", json::object());
    for (const auto& [k, v] : sel.items()) {
      if (v.is_string()) selector += (selector.empty() ? "" : ",") + k + "=" + v.get<std::string>();
    }
    kube::ListOptions o;
    o.label_selector = selector;
    auto pods = (*client)->List(kube::resources::Pods(), ns, o);
    if (!pods.ok()) return;
    ips.clear();
    for (const auto& p : pods->items) {
      bool ready = false;
      for (const auto& c : p["status"].value("conditions", json::array())) {
        if (Str(c, "type") == "Ready") ready = Str(c, "status") == "True";
      }
      if (ready && !Str(p["status"], "podIP").empty()) ips.push_back(Str(p["status"], "podIP"));
    }
  };
  auto start = std::chrono::steady_clock::now();
  auto end = start + *duration;
  auto next_refresh = start;
  uint64_t sent = 0, ok = 0, failed = 0;
  std::map<std::string, std::pair<uint64_t, uint64_t>> per_pod;  // ip → ok, failed
  std::map<std::string, uint64_t> why_failed;
  auto unix_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  int64_t first_request_ms = 0;
  auto write_report = [&] {
    if (f.Get("report").empty()) return;
    json pods = json::object();
    for (const auto& [ip, n] : per_pod) pods[ip] = {{"ok", n.first}, {"failed", n.second}};
    json r = {{"sent", sent},           {"ok", ok},
              {"failed", failed},       {"firstRequestUnixMs", first_request_ms},
              {"failures", why_failed}, {"pods", pods}};
    std::string tmp = f.Get("report") + ".tmp";
    std::ofstream(tmp) << r.dump() << "\n";
    std::rename(tmp.c_str(), f.Get("report").c_str());
  };
  size_t row = 0, rr = 0;
  auto interval = std::chrono::nanoseconds(1'000'000'000LL / *rate);
  auto next = start;
  while (!g_stop && std::chrono::steady_clock::now() < end) {
    if (std::chrono::steady_clock::now() >= next_refresh) {
      refresh();
      write_report();
      next_refresh = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    if (!ips.empty()) {
      const std::string& ip = ips[rr++ % ips.size()];
      if (sent++ == 0) first_request_ms = unix_ms();
      std::string why = poster.Post(ip, static_cast<int>(*port), target, rows[row++ % rows.size()]);
      bool good = why.empty();
      (good ? ok : failed)++;
      if (!good) ++why_failed[why];
      (good ? per_pod[ip].first : per_pod[ip].second)++;
    }
    next += interval;
    std::this_thread::sleep_until(next);
  }
  write_report();
  std::cout << "sent " << sent << " ok " << ok << " failed " << failed << "\n";
  return 0;
}

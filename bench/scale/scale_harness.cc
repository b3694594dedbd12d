// The controller at scale, against a real control plane (hack/bench-scale.sh starts one):
// starts the real skewgate-controller, creates --count ModelDeployments at once from
// --creators threads, and measures from its own watches when each one has a ReplicaSet
// and a current status.observedGeneration, when all are Healthy, the controller's peak
// RSS (VmHWM) and CPU seconds (/proc), its API requests by verb (its /metrics), the
// writes and CPU of a steady-state window, and spec change → canary ReplicaSet latency
// with every object present. Prints one JSON document on stdout.
//
//   skewgate-scale-harness --kubeconfig .cluster-bench/kubeconfig --count 1000
//     --controller build/bin/skewgate-controller --baseline /tmp/b.json
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/flags.h"
#include "kube/client.h"
#include "kube/config.h"
#include "proc_sampler.h"
#include "runtime/informer.h"

namespace skewgate::bench {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kMdLabel = "skewgate.io/modeldeployment";

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// What the harness's own watches saw of one ModelDeployment.
struct MdSeen {
  int64_t generation = 0;
  int64_t observed_generation = -1;
  std::string phase;
  Clock::time_point observed_at;  // first time observedGeneration == generation
  Clock::time_point healthy_at;   // first time phase Healthy (at the current generation)
  int replica_sets_added = 0;
  Clock::time_point last_rs_added_at;
};

class Tracker {
 public:
  void OnMd(const json& md) {
    std::string key = Key(md, md.value("/metadata/name"_json_pointer, std::string()));
    int64_t gen = md.value("/metadata/generation"_json_pointer, int64_t{0});
    int64_t og = md.value("/status/observedGeneration"_json_pointer, int64_t{-1});
    std::string phase = md.value("/status/phase"_json_pointer, std::string());
    auto now = Clock::now();
    std::lock_guard<std::mutex> l(mu_);
    MdSeen& s = seen_[key];
    if (gen != s.generation) {
      s.generation = gen;
      s.observed_at = {};
      s.healthy_at = {};
    }
    s.observed_generation = og;
    s.phase = phase;
    if (og == gen && s.observed_at == Clock::time_point{}) s.observed_at = now;
    if (og == gen && phase == "Healthy" && s.healthy_at == Clock::time_point{}) {
      s.healthy_at = now;
    }
    cv_.notify_all();
  }
  void OnRsAdded(const json& rs) {
    std::string md =
        rs.value("/metadata/labels/skewgate.io~1modeldeployment"_json_pointer, std::string());
    if (md.empty()) return;
    auto now = Clock::now();
    std::lock_guard<std::mutex> l(mu_);
    MdSeen& s = seen_[Key(rs, md)];
    s.replica_sets_added++;
    s.last_rs_added_at = now;
    cv_.notify_all();
  }
  MdSeen Get(const std::string& key) {
    std::lock_guard<std::mutex> l(mu_);
    return seen_[key];
  }
  // Waits until `pred(seen)` holds or the deadline passes; returns whether it held.
  bool WaitFor(const std::function<bool(const std::map<std::string, MdSeen>&)>& pred,
               Clock::time_point deadline) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_until(l, deadline, [&] { return pred(seen_); });
  }
  std::map<std::string, MdSeen> Snapshot() {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }

 private:
  static std::string Key(const json& o, const std::string& name) {
    return o.value("/metadata/namespace"_json_pointer, std::string()) + "/" + name;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, MdSeen> seen_;
};

class MdHandler final : public runtime::ResourceEventHandler {
 public:
  explicit MdHandler(Tracker& t) : t_(t) {}
  void OnAdd(const json& o) override { t_.OnMd(o); }
  void OnUpdate(const json&, const json& o) override { t_.OnMd(o); }
  void OnDelete(const json&) override {}

 private:
  Tracker& t_;
};

class RsHandler final : public runtime::ResourceEventHandler {
 public:
  explicit RsHandler(Tracker& t) : t_(t) {}
  void OnAdd(const json& o) override { t_.OnRsAdded(o); }
  void OnUpdate(const json&, const json&) override {}
  void OnDelete(const json&) override {}

 private:
  Tracker& t_;
};

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[16384];
      for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) {
        out.append(buf, static_cast<size_t>(n));
      }
    }
  }
  close(fd);
  size_t body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

pid_t StartProcess(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> c;
    for (const std::string& a : argv) c.push_back(const_cast<char*>(a.c_str()));
    c.push_back(nullptr);
    execv(c[0], c.data());
    _exit(127);
  }
  return pid;
}

json ModelDeployment(const std::string& ns, const std::string& name, int replicas,
                     const std::string& baseline_cm, int digest) {
  char hex[80];
  std::snprintf(hex, sizeof(hex), "sha256:%064x", digest);
  return {{"apiVersion", "skewgate.io/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"replicas", replicas},
            {"model", {{"uri", "https://models.example.com/bench/model.json"}, {"digest", hex}}},
            {"baseline", {{"configMapRef", {{"name", baseline_cm}}}}},
            {"template",
             {{"spec",
               {{"containers",
                 {{{"name", "server"},
                   {"image", "registry.example.com/bench-server:1"},
                   {"ports", {{{"containerPort", 8081}}}}}}}}}}},
            // A spec change makes a canary that waits at a manual gate: the latency phase
            // changes each object once and the canary then stays put (a steady state).
            {"strategy",
             {{"canary", {{"steps", {{{"setWeight", 50}}, {{"pause", json::object()}}}}}}}}}}};
}

// API requests by verb (all codes) from the controller's /metrics.
json ByVerb(const std::map<std::string, double>& before,
            const std::map<std::string, double>& after) {
  std::map<std::string, double> out;
  for (const auto& [series, value] : after) {
    if (series.rfind("skewgate_api_requests_total{", 0) != 0) continue;
    double prev = before.count(series) ? before.at(series) : 0;
    out[LabelOf(series, "verb")] += value - prev;
  }
  json j = json::object();
  double total = 0;
  for (const auto& [verb, n] : out) {
    j[verb] = static_cast<long long>(n);
    total += n;
  }
  j["total"] = static_cast<long long>(total);
  return j;
}

double Delta(const std::map<std::string, double>& before,
             const std::map<std::string, double>& after, const std::string& name,
             const std::map<std::string, std::string>& labels = {}) {
  return SumSeries(after, name, labels) - SumSeries(before, name, labels);
}

double Writes(const std::map<std::string, double>& before,
              const std::map<std::string, double>& after) {
  double n = 0;
  for (const char* verb : {"create", "update", "patch", "apply", "delete"}) {
    n += Delta(before, after, "skewgate_api_requests_total", {{"verb", verb}});
  }
  return n;
}

// Nearest rank: the smallest value with at least p of the values at or below it.
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

json Proc(const ProcSample& s) {
  return {{"rss_mb", s.rss_kb / 1024.0},
          {"peak_rss_mb", s.hwm_kb / 1024.0},
          {"cpu_seconds", s.cpu_seconds},
          {"threads", s.threads}};
}

int Run(const std::vector<std::string>& args) {
  FlagSet f("skewgate-scale-harness --kubeconfig K --controller BIN --baseline FILE [flags]",
            "Creates ModelDeployments at once and measures the controller (JSON on stdout)");
  f.String("kubeconfig", "", "kubeconfig of the cluster to use (required)");
  f.String("controller", "", "the skewgate-controller binary (required)");
  f.String("controller-log", "/tmp/skewgate-scale-controller.log", "its stdout and stderr");
  f.String("baseline", "", "a baseline JSON file for the shared baseline ConfigMap (required)");
  f.String("namespace", "scale", "namespace of the ModelDeployments (created)");
  f.String("count", "1000", "ModelDeployments to create");
  f.String("replicas", "1", "spec.replicas of each");
  f.String("creators", "16", "concurrent create requests");
  f.String("workers", "", "the controller's --workers (default: the controller's default)");
  f.String("resync-period", "30s", "the controller's --resync-period");
  f.String("converge-timeout", "600", "seconds to wait for every ReplicaSet and status");
  f.String("healthy-timeout", "600", "seconds to wait for every ModelDeployment Healthy");
  f.String("steady-seconds", "65", "length of the steady-state window; 0 skips it");
  f.String("latency-changes", "200", "spec changes for the latency phase; 0 skips it");
  f.String("pids", "", "other processes to report CPU of: name=pid,name=pid");
  f.String("out", "", "also write the JSON here after every phase (a partial run leaves it)");
  if (Status s = f.Parse(args); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  if (f.help_requested()) {
    std::cout << f.Usage();
    return 0;
  }
  auto num = [&](const char* name) { return std::stoi(f.Get(name)); };
  const std::string ns = f.Get("namespace");
  const int count = num("count");
  const int replicas = num("replicas");
  const int creators = num("creators");
  auto log = [](const std::string& m) { std::cerr << "[harness] " << m << std::endl; };

  StatusOr<kube::KubeConfig> cfg = kube::LoadKubeConfigFile(f.Get("kubeconfig"));
  if (!cfg.ok()) {
    std::cerr << cfg.status().ToString() << "\n";
    return 2;
  }
  StatusOr<std::unique_ptr<kube::Client>> client = kube::NewClient(*cfg);
  if (!client.ok()) {
    std::cerr << client.status().ToString() << "\n";
    return 2;
  }
  kube::Client& c = **client;

  std::map<std::string, pid_t> others;
  {
    std::istringstream in(f.Get("pids"));
    for (std::string item; std::getline(in, item, ',');) {
      size_t eq = item.find('=');
      if (eq != std::string::npos) others[item.substr(0, eq)] = std::stoi(item.substr(eq + 1));
    }
  }
  auto others_cpu = [&] {
    std::map<std::string, double> m;
    for (const auto& [name, pid] : others) m[name] = ReadProc(pid).cpu_seconds;
    return m;
  };

  // The namespace and the baseline every ModelDeployment shares.
  {
    json nsobj = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
    auto r = c.Create(kube::resources::Namespaces(), "", nsobj, {});
    if (!r.ok() && r.status().code() != StatusCode::kAlreadyExists) {
      std::cerr << "namespace: " << r.status().ToString() << "\n";
      return 1;
    }
    std::ifstream in(f.Get("baseline"));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.empty()) {
      std::cerr << "--baseline: cannot read " << f.Get("baseline") << "\n";
      return 2;
    }
    json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "bench-baseline"}, {"namespace", ns}}},
               {"data", {{"baseline.json", text}}}};
    kube::ApplyOptions ao;
    ao.field_manager = "skewgate-scale-harness";
    ao.force = true;
    auto a = c.Apply(kube::resources::ConfigMaps(), ns, cm, ao);
    if (!a.ok()) {
      std::cerr << "baseline ConfigMap: " << a.status().ToString() << "\n";
      return 1;
    }
  }

  // The harness's own view: compact, label-filtered, as the controller's.
  Tracker tracker;
  runtime::InformerOptions mdo;
  mdo.projection = runtime::KeepOnly({"/status/observedGeneration", "/status/phase"});
  runtime::Informer mds(c, kube::resources::ModelDeployments(), ns, mdo);
  mds.store_impl().AddHandler(std::make_shared<MdHandler>(tracker));
  runtime::InformerOptions rso;
  rso.label_selector = kMdLabel;
  rso.projection = runtime::KeepOnly({});
  runtime::Informer rss(c, kube::resources::ReplicaSets(), ns, rso);
  rss.store_impl().AddHandler(std::make_shared<RsHandler>(tracker));
  mds.Start();
  rss.Start();
  kube::Cancellation never;

  // The controller, idle and synced before the burst.
  const int port = FreePort();
  std::vector<std::string> argv = {f.Get("controller"),
                                   "--kubeconfig",
                                   f.Get("kubeconfig"),
                                   "--metrics-address",
                                   "127.0.0.1:" + std::to_string(port),
                                   "--analysis",
                                   "none",
                                   "--resync-period",
                                   f.Get("resync-period")};
  if (!f.Get("workers").empty()) argv.insert(argv.end(), {"--workers", f.Get("workers")});
  pid_t pid = StartProcess(argv, f.Get("controller-log"));
  auto ready_deadline = Clock::now() + 60s;
  while (HttpGet(port, "/readyz").find("ok") == std::string::npos) {
    int st = 0;
    if (waitpid(pid, &st, WNOHANG) == pid || Clock::now() > ready_deadline) {
      std::cerr << "the controller did not become ready; log: " << f.Get("controller-log") << "\n";
      return 1;
    }
    std::this_thread::sleep_for(100ms);
  }
  mds.WaitForSync(never);
  rss.WaitForSync(never);
  std::this_thread::sleep_for(2s);
  auto metrics = [&] { return ParseMetrics(HttpGet(port, "/metrics")); };
  json out;
  auto save = [&] {
    if (f.Get("out").empty()) return;
    std::ofstream(f.Get("out") + ".tmp") << out.dump(2) << "\n";
    std::rename((f.Get("out") + ".tmp").c_str(), f.Get("out").c_str());
  };
  out["count"] = count;
  out["replicas"] = replicas;
  out["creators"] = creators;
  out["workers"] = f.Get("workers").empty() ? "default" : f.Get("workers");
  out["controller_args"] = argv;
  out["resync_period"] = f.Get("resync-period");
  out["load_average"]["start"] = LoadAverage();
  const ProcSample idle0 = ReadProc(pid);
  out["controller"]["before_burst"] = Proc(idle0);
  const auto m0 = metrics();
  const auto o0 = others_cpu();

  // The burst: every creator thread has its own client (connection).
  log("creating " + std::to_string(count) + " ModelDeployments from " + std::to_string(creators) +
      " threads");
  const Clock::time_point t0 = Clock::now();
  std::atomic<int> next{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < creators; ++t) {
    threads.emplace_back([&] {
      auto cl = kube::NewClient(*cfg);
      if (!cl.ok()) return;
      for (int i; (i = next.fetch_add(1)) < count;) {
        char name[32];
        std::snprintf(name, sizeof(name), "md-%05d", i);
        auto r = (*cl)->Create(kube::resources::ModelDeployments(), ns,
                               ModelDeployment(ns, name, replicas, "bench-baseline", 1), {});
        if (!r.ok()) errors++;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double create_s = Seconds(Clock::now() - t0);
  out["create"] = {{"seconds", create_s},
                   {"errors", errors.load()},
                   {"per_second", count / create_s},
                   {"load_average", LoadAverage()}};
  log("created in " + std::to_string(create_s) + " s");

  auto all_converged = [&](const std::map<std::string, MdSeen>& seen) {
    int n = 0;
    for (const auto& [k, s] : seen) {
      if (s.replica_sets_added > 0 && s.observed_at != Clock::time_point{}) n++;
    }
    return n >= count;
  };
  bool converged =
      tracker.WaitFor(all_converged, t0 + std::chrono::seconds(num("converge-timeout")));
  const ProcSample conv = ReadProc(pid);
  const auto m1 = metrics();
  const auto o1 = others_cpu();
  {
    auto seen = tracker.Snapshot();
    double last_rs = 0, last_obs = 0;
    int with_rs = 0, observed = 0;
    for (const auto& [k, s] : seen) {
      if (s.replica_sets_added > 0) {
        with_rs++;
        last_rs = std::max(last_rs, Seconds(s.last_rs_added_at - t0));
      }
      if (s.observed_at != Clock::time_point{}) {
        observed++;
        last_obs = std::max(last_obs, Seconds(s.observed_at - t0));
      }
    }
    out["converge"] = {{"reached", converged},
                       {"seconds", std::max(last_rs, last_obs)},
                       {"last_replicaset_seconds", last_rs},
                       {"last_observed_generation_seconds", last_obs},
                       {"with_replicaset", with_rs},
                       {"observed", observed},
                       {"load_average", LoadAverage()}};
    out["controller"]["at_converge"] = Proc(conv);
    out["controller"]["cpu_seconds_converge"] = conv.cpu_seconds - idle0.cpu_seconds;
    out["api_requests"]["converge"] = ByVerb(m0, m1);
    double dn = Delta(m0, m1, "skewgate_api_request_duration_seconds_count");
    double ds = Delta(m0, m1, "skewgate_api_request_duration_seconds_sum");
    out["api_mean_latency_ms"]["converge"] = dn > 0 ? 1000 * ds / dn : 0;
    out["reconciles"]["converge"] = Delta(m0, m1, "skewgate_reconcile_total");
    for (const auto& [name, v] : o1)
      out["processes"][name]["cpu_seconds_converge"] = v - o0.at(name);
    log("converged: " + out["converge"].dump());
    out["controller"]["peak_rss_mb"] = conv.hwm_kb / 1024.0;
    save();
  }

  auto all_healthy = [&](const std::map<std::string, MdSeen>& seen) {
    int n = 0;
    for (const auto& [k, s] : seen) n += s.healthy_at != Clock::time_point{} ? 1 : 0;
    return n >= count;
  };
  bool healthy = tracker.WaitFor(all_healthy, t0 + std::chrono::seconds(num("healthy-timeout")));
  {
    auto seen = tracker.Snapshot();
    double last = 0;
    int n = 0;
    for (const auto& [k, s] : seen) {
      if (s.healthy_at == Clock::time_point{}) continue;
      n++;
      last = std::max(last, Seconds(s.healthy_at - t0));
    }
    const auto m2 = metrics();
    const auto o2 = others_cpu();
    const ProcSample h = ReadProc(pid);
    out["healthy"] = {
        {"reached", healthy}, {"seconds", last}, {"healthy", n}, {"load_average", LoadAverage()}};
    out["controller"]["at_healthy"] = Proc(h);
    out["controller"]["cpu_seconds_healthy"] = h.cpu_seconds - idle0.cpu_seconds;
    out["api_requests"]["healthy"] = ByVerb(m0, m2);
    out["reconciles"]["healthy"] = Delta(m0, m2, "skewgate_reconcile_total");
    for (const auto& [name, v] : o2)
      out["processes"][name]["cpu_seconds_healthy"] = v - o0.at(name);
    log("healthy: " + out["healthy"].dump());
    out["controller"]["peak_rss_mb"] = h.hwm_kb / 1024.0;
    save();
  }
  // Without every object Healthy the controller is still working through its queue: a
  // "steady state" or a reaction time measured now would measure the backlog.
  const bool settled = healthy;

  const int steady_s = num("steady-seconds");
  if (steady_s > 0 && !settled) out["steady"] = {{"skipped", "not all Healthy in time"}};
  if (steady_s > 0 && settled) {
    std::this_thread::sleep_for(5s);  // let the last status writes land
    const auto ms0 = metrics();
    const ProcSample p0 = ReadProc(pid);
    const auto os0 = others_cpu();
    auto s0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(steady_s));
    const auto ms1 = metrics();
    const ProcSample p1 = ReadProc(pid);
    const auto os1 = others_cpu();
    double secs = Seconds(Clock::now() - s0);
    double reconciles = Delta(ms0, ms1, "skewgate_reconcile_total");
    double writes = Writes(ms0, ms1);
    out["steady"] = {
        {"seconds", secs},
        {"reconciles", reconciles},
        {"writes", writes},
        {"writes_per_reconcile", reconciles > 0 ? writes / reconciles : 0},
        {"api_requests", ByVerb(ms0, ms1)},
        {"cpu_seconds", p1.cpu_seconds - p0.cpu_seconds},
        {"cpu_percent", 100 * (p1.cpu_seconds - p0.cpu_seconds) / secs},
        {"watch_restarts", Delta(ms0, ms1, "skewgate_informer_watch_restarts_total")},
        {"relists", Delta(ms0, ms1, "skewgate_informer_relists_total")},
        {"watch_restarts_since_start", SumSeries(ms1, "skewgate_informer_watch_restarts_total")},
        {"relists_since_start", SumSeries(ms1, "skewgate_informer_relists_total")},
        {"informer_failures_since_start", SumSeries(ms1, "skewgate_informer_failures_total")},
        {"load_average", LoadAverage()}};
    for (const auto& [name, v] : os1) {
      out["processes"][name]["cpu_percent_steady"] = 100 * (v - os0.at(name)) / secs;
    }
    out["controller"]["at_steady"] = Proc(p1);
    log("steady: " + out["steady"].dump());
    save();
  }

  const int changes = std::min(num("latency-changes"), count);
  if (changes > 0 && !settled) out["latency"] = {{"skipped", "not all Healthy in time"}};
  if (changes > 0 && settled) {
    std::vector<double> ms;
    int missed = 0;
    kube::WriteOptions wo;
    wo.field_manager = "skewgate-scale-harness";
    for (int i = 0; i < changes; ++i) {
      char name[32];
      std::snprintf(name, sizeof(name), "md-%05d", i);
      const std::string key = ns + "/" + name;
      const int before = tracker.Get(key).replica_sets_added;
      char hex[80];
      std::snprintf(hex, sizeof(hex), "sha256:%064x", 2);
      json patch = {{"spec", {{"model", {{"digest", hex}}}}}};
      auto t = Clock::now();
      auto r = c.MergePatch(kube::resources::ModelDeployments(), ns, name, patch, wo);
      if (!r.ok()) {
        missed++;
        continue;
      }
      int64_t gen = r->value("/metadata/generation"_json_pointer, int64_t{0});
      bool seen = tracker.WaitFor(
          [&](const std::map<std::string, MdSeen>& s) {
            return s.at(key).replica_sets_added > before;
          },
          t + 30s);
      if (!seen) {
        missed++;
        continue;
      }
      ms.push_back(1000 * Seconds(tracker.Get(key).last_rs_added_at - t));
      // Each change starts from a controller that has finished the previous one.
      tracker.WaitFor(
          [&](const std::map<std::string, MdSeen>& s) {
            const MdSeen& m = s.at(key);
            return m.generation == gen && m.observed_at != Clock::time_point{};
          },
          Clock::now() + 30s);
      std::this_thread::sleep_for(100ms);
    }
    out["latency"] = {{"changes", changes},
                      {"measured", ms.size()},
                      {"missed", missed},
                      {"p50_ms", Percentile(ms, 0.50)},
                      {"p99_ms", Percentile(ms, 0.99)},
                      {"max_ms", ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end())},
                      {"load_average", LoadAverage()}};
    log("latency: " + out["latency"].dump());
  }

  const ProcSample end = ReadProc(pid);
  const auto mend = metrics();
  out["controller"]["end"] = Proc(end);
  out["controller"]["peak_rss_mb"] = end.hwm_kb / 1024.0;
  out["controller"]["cpu_seconds_total"] = end.cpu_seconds;
  out["api_requests"]["total"] = ByVerb({}, mend);
  out["informers"] = {{"watch_restarts", SumSeries(mend, "skewgate_informer_watch_restarts_total")},
                      {"relists", SumSeries(mend, "skewgate_informer_relists_total")},
                      {"failures", SumSeries(mend, "skewgate_informer_failures_total")}};
  out["load_average"]["end"] = LoadAverage();
  kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  mds.Stop();
  rss.Stop();
  save();
  std::cout << out.dump(2) << std::endl;
  return 0;
}

}  // namespace
}  // namespace skewgate::bench

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  return skewgate::bench::Run(std::vector<std::string>(argv + 1, argv + argc));
}

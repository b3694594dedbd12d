#include "pod_runner/pod_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "analysis/stats_client.h"
#include "common/log.h"
#include "kube/resource.h"

namespace skewgate::testing {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ExpandVars(const std::string& text, const std::map<std::string, std::string>& env) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "$$(") == 0) {  // escaped: a literal $(
      out += "$(";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "$(") == 0) {
      size_t end = text.find(')', i + 2);
      if (end != std::string::npos) {
        std::string name = text.substr(i + 2, end - i - 2);
        auto it = env.find(name);
        // As the kubelet does: an unknown reference stays as written.
        out += it != env.end() ? it->second : text.substr(i, end - i + 1);
        i = end + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::string MapPaths(const std::string& arg, const std::map<std::string, std::string>& mounts) {
  // Longest mount path first, so /models/cache wins over /models.
  const std::pair<const std::string, std::string>* best = nullptr;
  size_t best_pos = std::string::npos;
  for (const auto& m : mounts) {
    size_t pos = arg.find(m.first);
    if (pos == std::string::npos) continue;
    size_t after = pos + m.first.size();
    bool boundary = after == arg.size() || arg[after] == '/';
    bool starts = pos == 0 || arg[pos - 1] == '=' || arg[pos - 1] == ':';
    if (!boundary || !starts) continue;
    if (best == nullptr || m.first.size() > best->first.size()) best = &m, best_pos = pos;
  }
  if (best == nullptr) return arg;
  return arg.substr(0, best_pos) + best->second + arg.substr(best_pos + best->first.size());
}

std::string RewriteForPod(const std::string& text, const std::map<std::string, std::string>& mounts,
                          const std::string& pod_ip) {
  std::string out = text;
  auto replace_all = [&](const std::string& from, const std::string& to, bool path) {
    for (size_t pos = out.find(from); pos != std::string::npos; pos = out.find(from, pos)) {
      size_t after = pos + from.size();
      bool ok =
          !path ||
          ((pos == 0 || std::string("\"=: ").find(out[pos - 1]) != std::string::npos) &&
           (after == out.size() || std::string("/\" \n").find(out[after]) != std::string::npos));
      if (!ok) {
        pos = after;
        continue;
      }
      out.replace(pos, from.size(), to);
      pos += to.size();
    }
  };
  replace_all("127.0.0.1", pod_ip, false);
  replace_all("0.0.0.0", pod_ip, false);
  // Longest mount paths first, so /etc/skewgate/sidecar is not taken for /etc/skewgate.
  std::vector<std::pair<std::string, std::string>> sorted(mounts.begin(), mounts.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [from, to] : sorted) replace_all(from, to, true);
  return out;
}

namespace {

// The string at key, or "" when absent, null or not a string (never throws).
std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::map<std::string, std::string> ContainerEnv(const json& c, const json& pod) {
  std::map<std::string, std::string> env;
  for (const auto& e : c.value("env", json::array())) {
    std::string name = Str(e, "name");
    if (e.contains("value")) {
      env[name] = ExpandVars(e["value"].get<std::string>(), env);
    } else if (e.contains("valueFrom") && e["valueFrom"].contains("fieldRef")) {
      std::string path = Str(e["valueFrom"]["fieldRef"], "fieldPath");
      if (path == "status.podIP")
        env[name] = Str(pod["status"], "podIP");
      else if (path == "metadata.name")
        env[name] = Str(pod["metadata"], "name");
      else if (path == "metadata.namespace")
        env[name] = Str(pod["metadata"], "namespace");
      else if (path == "metadata.uid")
        env[name] = Str(pod["metadata"], "uid");
    }
  }
  return env;
}

// Starts argv with env and output to log; returns the pid or -1.
pid_t Spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::string& log) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  setpgid(0, 0);
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

}  // namespace

PodRunner::PodRunner(kube::Client& client, PodRunnerOptions options)
    : client_(client), options_(std::move(options)) {}

PodRunner::~PodRunner() { StopAll(); }

Status PodRunner::Start(const json& pod, Running& r) {
  r.dir = options_.work_dir + "/" + r.ns + "_" + r.name;
  fs::remove_all(r.dir);
  fs::create_directories(r.dir);
  // Volumes: ConfigMap keys as files, emptyDir as a folder.
  std::map<std::string, std::string> volume_dirs;
  for (const auto& v : pod["spec"].value("volumes", json::array())) {
    std::string name = Str(v, "name");
    volume_dirs[name] = r.dir + "/vol-" + name;
    fs::create_directories(volume_dirs[name]);
  }
  r.volumes = pod["spec"].value("volumes", json::array());
  r.volume_dirs = volume_dirs;
  for (const char* kind : {"initContainers", "containers"}) {
    for (const auto& c : pod["spec"].value(kind, json::array())) {
      for (const auto& vm : c.value("volumeMounts", json::array())) {
        r.all_mounts[Str(vm, "mountPath")] = volume_dirs[Str(vm, "name")];
      }
    }
  }
  ConfigMapCache cache;
  SG_RETURN_IF_ERROR(WriteConfigMapVolumes(r, cache));
  auto mounts_of = [&](const json& c) {
    std::map<std::string, std::string> m;
    for (const auto& vm : c.value("volumeMounts", json::array())) {
      m[Str(vm, "mountPath")] = volume_dirs[Str(vm, "name")];
    }
    return m;
  };
  auto argv_of = [&](const json& c, const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv;
    for (const char* key : {"command", "args"}) {
      for (const auto& a : c.value(key, json::array())) {
        argv.push_back(MapPaths(ExpandVars(a.get<std::string>(), env), mounts_of(c)));
      }
    }
    if (!argv.empty()) argv[0] = options_.bin_dir + "/" + fs::path(argv[0]).filename().string();
    return argv;
  };
  for (const auto& c : pod["spec"].value("initContainers", json::array())) {
    auto env = ContainerEnv(c, pod);
    auto argv = argv_of(c, env);
    if (argv.empty()) continue;
    pid_t pid = Spawn(argv, env, r.dir + "/" + c.value("name", "init") + ".log");
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      r.failed = true;
      r.failed_container = Str(c, "name");
      r.failed_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      std::ifstream log(r.dir + "/" + Str(c, "name") + ".log");
      for (std::string line; std::getline(log, line);) {
        if (!line.empty()) r.failed_message = line;  // the last line says why, as a kubelet's
      }
      SG_LOG(Warn, r.ns + "/" + r.name)
          .Msg("init container failed")
          .Field("container", Str(c, "name"));
      return OkStatus();
    }
  }
  for (const auto& c : pod["spec"].value("containers", json::array())) {
    auto env = ContainerEnv(c, pod);
    auto argv = argv_of(c, env);
    if (argv.empty()) continue;
    std::string log = r.dir + "/" + c.value("name", "c") + ".log";
    r.pids.push_back(Spawn(argv, env, log));
    r.containers.push_back({argv, env, log, std::chrono::steady_clock::now(), 0});
    if (c.contains("readinessProbe") && c["readinessProbe"].contains("httpGet")) {
      const auto& g = c["readinessProbe"]["httpGet"];
      r.readiness_path = g.value("path", "/");
      r.readiness_port = g["port"].is_number() ? g["port"].get<int>() : 0;
    }
  }
  return OkStatus();
}

Status PodRunner::WriteConfigMapVolumes(Running& r, ConfigMapCache& cache) {
  for (const auto& v : r.volumes) {
    if (!v.contains("configMap")) continue;
    std::string name = Str(v, "name");
    std::string cm_name = Str(v["configMap"], "name");
    auto key = std::make_pair(r.ns, cm_name);
    if (cache.count(key) == 0) {
      auto cm = client_.Get(kube::resources::ConfigMaps(), r.ns, cm_name);
      if (!cm.ok()) return cm.status().WithContext("volume " + name);
      cache[key] = (*cm).value("data", json::object());
    }
    const json& data = cache[key];
    for (const auto& [k, value] : data.items()) {
      if (!value.is_string()) continue;
      std::string file = k;
      for (const auto& item : v["configMap"].value("items", json::array())) {
        if (Str(item, "key") == k) file = item.value("path", k);
      }
      std::string text =
          RewriteServiceUrls(RewriteForPod(value.get<std::string>(), r.all_mounts, r.ip),
                             [&](const std::string& ns, const std::string& svc, int port) {
                               return services_.Address(ns, svc, port);
                             });
      std::string path = r.volume_dirs[name] + "/" + file;
      std::ifstream in(path);
      std::string have((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (in && have == text) continue;
      // Atomically, as the kubelet swaps its ..data symlink: a reader never sees half a file.
      std::ofstream(path + ".tmp") << text;
      fs::rename(path + ".tmp", path);
    }
  }
  return OkStatus();
}

void PodRunner::RestartExited(Running& r) {
  for (size_t i = 0; i < r.pids.size() && i < r.containers.size(); ++i) {
    auto& c = r.containers[i];
    if (r.pids[i] > 0 && waitpid(r.pids[i], nullptr, WNOHANG) == r.pids[i]) r.pids[i] = -1;
    // As a kubelet's back-off, but short: at most one restart a second.
    if (r.pids[i] > 0 || std::chrono::steady_clock::now() - c.started < std::chrono::seconds(1)) {
      continue;
    }
    SG_LOG(Info, r.ns + "/" + r.name)
        .Msg("container exited; restarting")
        .Field("argv0", c.argv.empty() ? "" : c.argv[0])
        .Field("restarts", ++c.restarts);
    r.pids[i] = Spawn(c.argv, c.env, c.log);
    c.started = std::chrono::steady_clock::now();
  }
}

void PodRunner::Stop(Running& r) {
  for (pid_t pid : r.pids) {
    if (pid > 0) kill(-pid, SIGTERM);
  }
  for (pid_t pid : r.pids) {
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
  r.pids.clear();
  r.containers.clear();
}

void PodRunner::UpdateReadiness(Running& r) {
  bool ready = false;
  if (!r.failed && r.readiness_port > 0) {
    // A kubelet's defaults: 1 s timeout, and a Ready pod turns unready only after 3 failed
    // probes in a row (on a loaded machine a single slow probe is not an outage).
    bool ok =
        analysis::HttpGet(r.ip, r.readiness_port, r.readiness_path, std::chrono::seconds(1)).ok();
    r.probe_failures = ok ? 0 : r.probe_failures + 1;
    ready = ok || (r.last_ready == 1 && r.probe_failures < 3);
  } else if (!r.failed) {
    ready = true;
  }
  if (static_cast<int>(ready) == r.last_ready) return;
  std::string now = FormatRfc3339(RealClock::Get().Now());
  json cond = {
      {"type", "Ready"}, {"status", ready ? "True" : "False"}, {"lastTransitionTime", now}};
  json cready = {{"type", "ContainersReady"},
                 {"status", ready ? "True" : "False"},
                 {"lastTransitionTime", now}};
  if (!ready) cond["reason"] = r.failed ? "InitContainerFailed" : "ReadinessProbeFailed";
  // A JSON merge patch replaces the conditions list whole: keep the others as they are.
  auto pod = client_.Get(kube::resources::Pods(), r.ns, r.name);
  if (!pod.ok()) return;
  json conditions = json::array({cond, cready});
  for (const auto& c : (*pod)["status"].value("conditions", json::array())) {
    std::string type = Str(c, "type");
    if (type != "Ready" && type != "ContainersReady") conditions.push_back(c);
  }
  json patch = {{"status", {{"conditions", conditions}}}};
  if (r.failed) {
    // As a kubelet reports it: the init container terminated with its exit code and the
    // last line it printed (the controller reads this to see a model digest mismatch).
    json inits = json::array();
    for (const auto& s : (*pod)["status"].value("initContainerStatuses", json::array())) {
      if (Str(s, "name") != r.failed_container) inits.push_back(s);
    }
    std::string image;
    for (const auto& c : (*pod)["spec"].value("initContainers", json::array())) {
      if (Str(c, "name") == r.failed_container) image = Str(c, "image");
    }
    inits.push_back({{"name", r.failed_container},
                     {"ready", false},
                     {"restartCount", 0},
                     {"image", image},
                     {"imageID", ""},
                     {"state",
                      {{"terminated",
                        {{"exitCode", r.failed_exit_code},
                         {"reason", "Error"},
                         {"message", r.failed_message},
                         {"startedAt", now},
                         {"finishedAt", now}}}}}});
    patch["status"]["initContainerStatuses"] = inits;
  }
  auto res = client_.PatchStatus(kube::resources::Pods(), r.ns, r.name, patch, {});
  if (res.ok()) r.last_ready = ready;
}

Status PodRunner::SyncOnce() {
  kube::ListOptions opts;
  opts.label_selector = "skewgate.io/revision";
  SG_ASSIGN_OR_RETURN(kube::ListResult pods,
                      kube::ListAll(client_, kube::resources::Pods(), options_.namespace_, opts));
  std::map<std::string, const json*> seen;
  for (const auto& p : pods.items) {
    std::string ip = Str(p["status"], "podIP");
    bool deleting = p["metadata"].contains("deletionTimestamp");
    if (ip.empty() || deleting || Str(p["status"], "phase") != "Running") continue;
    seen[Str(p["metadata"], "uid")] = &p;
  }
  for (auto it = pods_.begin(); it != pods_.end();) {
    if (seen.count(it->first) == 0) {
      Stop(it->second);
      it = pods_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [uid, p] : seen) {
    auto it = pods_.find(uid);
    if (it == pods_.end()) {
      Running r;
      r.uid = uid;
      r.ns = Str((*p)["metadata"], "namespace");
      r.name = Str((*p)["metadata"], "name");
      r.ip = Str((*p)["status"], "podIP");
      Status s = Start(*p, r);
      if (!s.ok()) {
        SG_LOG(Warn, r.ns + "/" + r.name).Msg("cannot start pod").Field("error", s.message());
        Stop(r);
        continue;  // retried on the next sync
      }
      it = pods_.emplace(uid, std::move(r)).first;
    }
    if (!it->second.failed) RestartExited(it->second);
    UpdateReadiness(it->second);
  }
  if (std::chrono::steady_clock::now() >= next_volume_refresh_) {
    next_volume_refresh_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    ConfigMapCache cache;  // one read of each ConfigMap per round, however many pods mount it
    for (auto& [uid, r] : pods_) {
      if (r.failed) continue;
      if (Status s = WriteConfigMapVolumes(r, cache); !s.ok()) {
        SG_LOG(Warn, r.ns + "/" + r.name).Msg("volume refresh failed").Field("error", s.message());
      }
    }
    services_.Refresh(client_);
  }
  return OkStatus();
}

void PodRunner::StopAll() {
  for (auto& [uid, r] : pods_) Stop(r);
  pods_.clear();
}

}  // namespace skewgate::testing

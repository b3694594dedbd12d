#include "sidecar/sidecar_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/flags.h"
#include "sidecar/http_server.h"

namespace skewgate::sidecar {
namespace {

using nlohmann::json;

Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return OkStatus();
}

Status GetString(const json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end()) return OkStatus();
  if (!it->is_string()) return InvalidArgumentError(std::string(key) + ": must be a string");
  *out = it->get<std::string>();
  return OkStatus();
}

template <typename T>
Status GetUint(const json& j, const char* key, T max, T* out) {
  auto it = j.find(key);
  if (it == j.end()) return OkStatus();
  if (!it->is_number_unsigned() || it->get<uint64_t>() > static_cast<uint64_t>(max)) {
    return InvalidArgumentError(std::string(key) + ": must be an integer between 0 and " +
                                std::to_string(static_cast<uint64_t>(max)));
  }
  *out = static_cast<T>(it->get<uint64_t>());
  return OkStatus();
}

Status GetMillis(const json& j, const char* key, std::chrono::milliseconds* out) {
  int64_t v = out->count();
  SG_RETURN_IF_ERROR(GetUint<int64_t>(j, key, 86'400'000, &v));
  *out = std::chrono::milliseconds(v);
  return OkStatus();
}

Status GetNames(const json& j, const char* key, std::vector<std::string>* out) {
  auto it = j.find(key);
  if (it == j.end()) return OkStatus();
  if (!it->is_array()) return InvalidArgumentError(std::string(key) + ": must be a list of names");
  out->clear();
  for (size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) {
      return InvalidArgumentError(std::string(key) + "[" + std::to_string(i) +
                                  "]: must be a string");
    }
    out->push_back((*it)[i].get<std::string>());
  }
  return OkStatus();
}

Status Apply(const json& j, SidecarConfig* c) {
  if (!j.is_object()) return InvalidArgumentError("the configuration must be a JSON object");
  SG_RETURN_IF_ERROR(GetString(j, "listenAddress", &c->proxy.listen_address));
  SG_RETURN_IF_ERROR(GetUint<uint16_t>(j, "port", 65535, &c->proxy.port));
  SG_RETURN_IF_ERROR(GetString(j, "adminAddress", &c->admin_address));
  SG_RETURN_IF_ERROR(GetUint<uint16_t>(j, "adminPort", 65535, &c->admin_port));
  std::string upstream;
  SG_RETURN_IF_ERROR(GetString(j, "upstream", &upstream));
  if (!upstream.empty()) {
    SG_RETURN_IF_ERROR(SplitHostPort(upstream, &c->proxy.upstream_host, &c->proxy.upstream_port)
                           .WithContext("upstream"));
  }
  SG_RETURN_IF_ERROR(GetString(j, "baselinePath", &c->baseline_path));
  SG_RETURN_IF_ERROR(GetString(j, "revision", &c->revision));
  std::string protocol;
  SG_RETURN_IF_ERROR(GetString(j, "protocol", &protocol));
  if (!protocol.empty() && !ParseProtocol(protocol, &c->decoder.protocol)) {
    return InvalidArgumentError("protocol: '" + protocol + "' is not one of auto, v1, v2, rows");
  }
  SG_RETURN_IF_ERROR(GetNames(j, "columns", &c->decoder.columns));
  SG_RETURN_IF_ERROR(GetNames(j, "outputColumns", &c->decoder.output_columns));
  if (auto it = j.find("tensorColumns"); it != j.end()) {
    if (!it->is_object()) return InvalidArgumentError("tensorColumns: must be an object");
    c->decoder.tensor_columns.clear();
    for (auto& [name, cols] : it->items()) {
      std::vector<std::string> names;
      SG_RETURN_IF_ERROR(
          GetNames(json{{"c", cols}}, "c", &names).WithContext("tensorColumns." + name));
      c->decoder.tensor_columns[name] = std::move(names);
    }
  }
  if (auto it = j.find("mirror"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgumentError("mirror: must be an object");
    std::string url;
    SG_RETURN_IF_ERROR(GetString(*it, "url", &url).WithContext("mirror"));
    if (!url.empty()) {
      SG_RETURN_IF_ERROR(ParseMirrorUrl(url, &c->proxy.mirror_host, &c->proxy.mirror_port)
                             .WithContext("mirror.url"));
    }
    if (auto p = it->find("percent"); p != it->end()) {
      if (!p->is_number() || p->get<double>() < 0 || p->get<double>() > 100) {
        return InvalidArgumentError("mirror.percent: must be between 0 and 100");
      }
      c->proxy.mirror_percent = p->get<double>();
    }
  }
  SG_RETURN_IF_ERROR(GetUint<uint64_t>(j, "maxBodyBytes", 1ull << 34, &c->proxy.max_body_bytes));
  SG_RETURN_IF_ERROR(
      GetUint<size_t>(j, "statsCaptureBytes", 1ull << 30, &c->proxy.stats_capture_bytes));
  SG_RETURN_IF_ERROR(GetUint<int>(j, "ioThreads", 64, &c->proxy.io_threads));
  SG_RETURN_IF_ERROR(GetUint<size_t>(j, "queueCapacity", 1 << 20, &c->queue_capacity));
  SG_RETURN_IF_ERROR(GetString(j, "readyPath", &c->ready_path));
  if (auto it = j.find("timeouts"); it != j.end()) {
    if (!it->is_object()) return InvalidArgumentError("timeouts: must be an object");
    SG_RETURN_IF_ERROR(
        GetMillis(*it, "headerMs", &c->proxy.header_timeout).WithContext("timeouts"));
    SG_RETURN_IF_ERROR(GetMillis(*it, "idleMs", &c->proxy.idle_timeout).WithContext("timeouts"));
    SG_RETURN_IF_ERROR(GetMillis(*it, "bodyMs", &c->proxy.body_timeout).WithContext("timeouts"));
    SG_RETURN_IF_ERROR(
        GetMillis(*it, "upstreamMs", &c->proxy.upstream_timeout).WithContext("timeouts"));
    SG_RETURN_IF_ERROR(GetMillis(*it, "drainMs", &c->drain_timeout).WithContext("timeouts"));
    SG_RETURN_IF_ERROR(GetMillis(*it, "reloadMs", &c->reload_interval).WithContext("timeouts"));
  }
  return OkStatus();
}

}  // namespace

Status ParseMirrorUrl(std::string_view url, std::string* host, uint16_t* port) {
  constexpr std::string_view kHttp = "http://";
  if (url.substr(0, kHttp.size()) != kHttp) {
    return InvalidArgumentError("'" + std::string(url) +
                                "': only http:// mirror URLs are supported");
  }
  std::string_view rest = url.substr(kHttp.size());
  rest = rest.substr(0, rest.find('/'));
  if (rest.find(':') == std::string_view::npos) {
    *host = std::string(rest);
    *port = 80;
    if (host->empty()) return InvalidArgumentError("'" + std::string(url) + "': no host");
    return OkStatus();
  }
  return SplitHostPort(rest, host, port);
}

Status ParseSidecarConfigJson(std::string_view text, SidecarConfig* into) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("configuration is not valid JSON");
  // Apply only reads through checked accessors, but nlohmann may still throw on a type
  // we did not foresee: turn that into a Status here, at the adapter.
  try {
    return Apply(j, into);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("configuration: ") + e.what());
  }
}

StatusOr<SidecarConfig> LoadSidecarConfig(const std::vector<std::string>& args) {
  FlagSet f("skewgate-sidecar [flags]",
            "Reverse proxy in front of a model server that counts live features into the "
            "baseline's bins");
  f.String("config", "", "JSON configuration file (mounted by the controller)");
  f.String("listen-address", "", "address to listen on (default 0.0.0.0)");
  f.String("port", "", "proxy port (default 8080; 0 picks one)");
  f.String("admin-address", "", "admin address (default: the listen address)");
  f.String("admin-port", "", "admin port for /stats, /metrics, /healthz, /readyz (default 9090)");
  f.String("upstream", "", "model server host:port (default 127.0.0.1:8081)");
  f.String("baseline", "", "baseline JSON file");
  f.String("revision", "", "revision label reported in /stats");
  f.String("protocol", "", "auto, v1, v2 or rows (default auto)");
  f.String("columns", "", "comma-separated input feature names for positional columns");
  f.String("output-columns", "", "comma-separated output names for positional predictions");
  f.String("tensor-columns", "", "TENSOR=a,b,c[;TENSOR2=...]: V2 tensor columns to features");
  f.String("mirror-url", "", "http://host:port to mirror a share of requests to");
  f.String("mirror-percent", "", "share of requests mirrored, 0-100");
  f.String("max-body-bytes", "", "largest request body accepted (413 above)");
  f.String("io-threads", "", "proxy I/O threads (default 1)");
  f.String("header-timeout-ms", "", "time allowed to send a request header (default 10000)");
  f.String("upstream-timeout-ms", "", "time allowed for the upstream to answer (default 60000)");
  f.String("log-level", "info", "debug, info, warn or error");
  SidecarConfig c;
  if (Status s = f.Parse(args); !s.ok()) return s;
  c.usage = f.Usage();
  if (f.help_requested()) {
    c.help = true;
    return c;
  }
  if (!f.Get("config").empty()) {
    c.config_path = f.Get("config");
    std::string text;
    SG_RETURN_IF_ERROR(ReadFile(c.config_path, &text).WithContext("--config"));
    SG_RETURN_IF_ERROR(ParseSidecarConfigJson(text, &c).WithContext(c.config_path));
  }
  // Flags override the file: express them as a JSON object so both share one validator.
  json o = json::object();
  auto set_int = [&](const char* flag, const char* key) -> Status {
    if (!f.IsSet(flag)) return OkStatus();
    auto v = f.GetInt(flag);
    if (!v.ok()) return v.status();
    if (*v < 0) return InvalidArgumentError(std::string("--") + flag + ": must not be negative");
    o[key] = static_cast<uint64_t>(*v);
    return OkStatus();
  };
  if (f.IsSet("listen-address")) o["listenAddress"] = f.Get("listen-address");
  if (f.IsSet("admin-address")) o["adminAddress"] = f.Get("admin-address");
  if (f.IsSet("upstream")) o["upstream"] = f.Get("upstream");
  if (f.IsSet("baseline")) o["baselinePath"] = f.Get("baseline");
  if (f.IsSet("revision")) o["revision"] = f.Get("revision");
  if (f.IsSet("protocol")) o["protocol"] = f.Get("protocol");
  if (f.IsSet("columns")) o["columns"] = f.GetList("columns");
  if (f.IsSet("output-columns")) o["outputColumns"] = f.GetList("output-columns");
  SG_RETURN_IF_ERROR(set_int("port", "port"));
  SG_RETURN_IF_ERROR(set_int("admin-port", "adminPort"));
  SG_RETURN_IF_ERROR(set_int("max-body-bytes", "maxBodyBytes"));
  SG_RETURN_IF_ERROR(set_int("io-threads", "ioThreads"));
  if (f.IsSet("tensor-columns")) {
    json tc = json::object();
    std::string spec = f.Get("tensor-columns");
    size_t start = 0;
    while (start <= spec.size()) {
      size_t end = spec.find(';', start);
      std::string item = spec.substr(start, end == std::string::npos ? end : end - start);
      if (!item.empty()) {
        size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
          return InvalidArgumentError("--tensor-columns: '" + item + "' is not TENSOR=a,b,c");
        }
        json cols = json::array();
        std::stringstream ss(item.substr(eq + 1));
        for (std::string col; std::getline(ss, col, ',');) {
          if (!col.empty()) cols.push_back(col);
        }
        tc[item.substr(0, eq)] = cols;
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    o["tensorColumns"] = tc;
  }
  if (f.IsSet("mirror-url") || f.IsSet("mirror-percent")) {
    json m = json::object();
    if (f.IsSet("mirror-url")) m["url"] = f.Get("mirror-url");
    if (f.IsSet("mirror-percent")) {
      auto p = f.GetDouble("mirror-percent");
      if (!p.ok()) return p.status();
      m["percent"] = *p;
    }
    o["mirror"] = m;
  }
  json t = json::object();
  if (f.IsSet("header-timeout-ms")) {
    SG_RETURN_IF_ERROR(set_int("header-timeout-ms", "headerMs"));
    t["headerMs"] = o["headerMs"];
    o.erase("headerMs");
  }
  if (f.IsSet("upstream-timeout-ms")) {
    SG_RETURN_IF_ERROR(set_int("upstream-timeout-ms", "upstreamMs"));
    t["upstreamMs"] = o["upstreamMs"];
    o.erase("upstreamMs");
  }
  if (!t.empty()) o["timeouts"] = t;
  SG_RETURN_IF_ERROR(
      ParseSidecarConfigJson(o.dump(-1, ' ', false, json::error_handler_t::replace), &c)
          .WithContext("flags"));
  c.log_level = f.Get("log-level");
  if (c.admin_address.empty()) c.admin_address = c.proxy.listen_address;
  if (c.proxy.mirror_percent > 0 && c.proxy.mirror_host.empty()) {
    return InvalidArgumentError("mirror.percent is set but mirror.url is not");
  }
  return c;
}

}  // namespace skewgate::sidecar

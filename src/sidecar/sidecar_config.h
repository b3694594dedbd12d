// The sidecar's configuration: a JSON file the controller mounts, with command-line flags
// on top for local use. See docs/sidecar.md for every field.
//
//   SG_ASSIGN_OR_RETURN(SidecarConfig c, LoadSidecarConfig(args));  // --config + flags
//   c.proxy.port == 8080;  c.baseline_path == "/etc/skewgate/baseline.json"
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/payload.h"
#include "sidecar/proxy.h"

namespace skewgate::sidecar {

struct SidecarConfig {
  ProxyOptions proxy;
  std::string admin_address;  // defaults to proxy.listen_address
  uint16_t admin_port = 9090;
  std::string config_path;    // where the file came from; re-read for baseline changes
  std::string baseline_path;  // empty: count nothing, proxy only
  std::string revision;
  // The pod's namespace ($POD_NAMESPACE, from the downward API): a label of the bin
  // counters in /metrics, so Prometheus queries can select one ModelDeployment's revision.
  std::string pod_namespace;
  DecoderConfig decoder;
  size_t queue_capacity = 4096;
  std::string ready_path = "/v2/health/ready";  // probed on the upstream for /readyz
  std::chrono::milliseconds drain_timeout{10'000};
  std::chrono::milliseconds reload_interval{2'000};
  std::string log_level = "info";
  bool help = false;
  std::string usage;
};

// Parses the JSON text of a configuration file over `into` (fields absent keep their
// value). Errors name the field: "mirror.percent: must be between 0 and 100".
Status ParseSidecarConfigJson(std::string_view text, SidecarConfig* into);

// --config FILE first, then the other flags override it. Errors name the flag or field.
StatusOr<SidecarConfig> LoadSidecarConfig(const std::vector<std::string>& args);

// Parses "http://host:port[/...]" into host and port (the path is ignored: mirrored
// requests keep their own). Only plain http is supported for mirroring.
Status ParseMirrorUrl(std::string_view url, std::string* host, uint16_t* port);

}  // namespace skewgate::sidecar

#include "kube/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

#include "common/log.h"
#include "kube/file_util.h"

namespace skewgate::kube {
namespace {

// Errors carry the file and, when yaml-cpp knows it, the line (1-based).
std::string Where(const std::string& path, const YAML::Node& node) {
  std::string w = "kubeconfig " + path;
  if (node.IsDefined() && node.Mark().line >= 0) {
    w += ":" + std::to_string(node.Mark().line + 1);
  }
  return w;
}

StatusOr<std::string> ScalarField(const YAML::Node& parent, const char* key,
                                  const std::string& path, const std::string& field_path) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) return std::string();
  if (!n.IsScalar()) {
    return InvalidArgumentError(Where(path, n) + ": " + field_path + "." + key +
                                " must be a string");
  }
  return n.Scalar();
}

// Finds the entry of a named list ("clusters", "users", "contexts") by name and returns
// its inner map ("cluster", "user", "context").
StatusOr<YAML::Node> FindNamed(const YAML::Node& root, const char* list, const char* inner,
                               const std::string& name, const std::string& path,
                               const std::string& referrer) {
  YAML::Node entries = root[list];
  if (entries.IsDefined() && !entries.IsNull() && !entries.IsSequence()) {
    return InvalidArgumentError(Where(path, entries) + ": " + list + " must be a list");
  }
  // yaml-cpp throws when an undefined node is asked its type, hence IsDefined first.
  if (entries.IsDefined() && entries.IsSequence()) {
    for (const auto& e : entries) {
      if (!e.IsMap()) {
        return InvalidArgumentError(Where(path, e) + ": every entry of " + list +
                                    " must be a map with name and " + inner);
      }
      YAML::Node entry_name = e["name"];
      if (entry_name.IsDefined() && entry_name.IsScalar() && entry_name.Scalar() == name) {
        YAML::Node body = e[inner];
        if (!body.IsDefined() || !body.IsMap()) {
          return InvalidArgumentError(Where(path, e) + ": " + list + "[" + name + "]." + inner +
                                      " is missing or not a map");
        }
        return body;
      }
    }
  }
  return InvalidArgumentError("kubeconfig " + path + ": " + referrer + " refers to " +
                              std::string(inner) + " \"" + name + "\", which is not in " + list);
}

// Reads the "-data" (base64) variant or else the file variant of a PEM field.
StatusOr<std::string> PemField(const YAML::Node& body, const char* file_key,
                               const std::string& data_key, const std::string& path,
                               const std::string& base_dir, const std::string& field_path) {
  SG_ASSIGN_OR_RETURN(std::string data, ScalarField(body, data_key.c_str(), path, field_path));
  if (!data.empty()) {
    std::optional<std::string> decoded = internal::Base64Decode(data);
    if (!decoded) {
      return InvalidArgumentError(Where(path, body[data_key]) + ": " + field_path + "." + data_key +
                                  " is not valid base64");
    }
    return *decoded;
  }
  SG_ASSIGN_OR_RETURN(std::string file, ScalarField(body, file_key, path, field_path));
  if (file.empty()) return std::string();
  auto contents = internal::ReadFileToString(internal::ResolvePath(base_dir, file), file_key);
  if (!contents.ok()) {
    return Status(contents.status().code(), Where(path, body[file_key]) + ": " + field_path + "." +
                                                file_key + ": " + contents.status().message());
  }
  return *contents;
}

bool ParseBool(const YAML::Node& n) {
  if (!n.IsDefined() || !n.IsScalar()) return false;
  const std::string& s = n.Scalar();
  return s == "true" || s == "True" || s == "TRUE";
}

StatusOr<KubeConfig> ParseDocument(const YAML::Node& root, const std::string& path,
                                   const std::string& context_override) {
  if (!root.IsMap()) {
    return InvalidArgumentError("kubeconfig " + path + ": not a YAML map (is this a kubeconfig?)");
  }
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  KubeConfig cfg;
  cfg.source = "kubeconfig " + path;

  std::string context = context_override;
  if (context.empty()) {
    SG_ASSIGN_OR_RETURN(context, ScalarField(root, "current-context", path, "kubeconfig"));
    if (context.empty()) {
      return InvalidArgumentError("kubeconfig " + path +
                                  ": no current-context is set and no --context was given");
    }
  }
  cfg.context = context;
  auto ctx = FindNamed(root, "contexts", "context", context, path,
                       context_override.empty() ? "current-context" : "--context");
  if (!ctx.ok()) {
    if (!context_override.empty()) {
      return InvalidArgumentError("kubeconfig " + path + ": context \"" + context + "\" not found");
    }
    return ctx.status();
  }
  const std::string ctx_path = "contexts[" + context + "].context";
  SG_ASSIGN_OR_RETURN(std::string cluster_name, ScalarField(*ctx, "cluster", path, ctx_path));
  SG_ASSIGN_OR_RETURN(std::string user_name, ScalarField(*ctx, "user", path, ctx_path));
  SG_ASSIGN_OR_RETURN(std::string ns, ScalarField(*ctx, "namespace", path, ctx_path));
  if (!ns.empty()) cfg.default_namespace = ns;
  if (cluster_name.empty()) {
    return InvalidArgumentError(Where(path, *ctx) + ": " + ctx_path + ".cluster is empty");
  }

  SG_ASSIGN_OR_RETURN(YAML::Node cluster, FindNamed(root, "clusters", "cluster", cluster_name, path,
                                                    "context \"" + context + "\""));
  const std::string cl_path = "clusters[" + cluster_name + "].cluster";
  SG_ASSIGN_OR_RETURN(cfg.server, ScalarField(cluster, "server", path, cl_path));
  if (cfg.server.empty()) {
    return InvalidArgumentError(Where(path, cluster) + ": " + cl_path + ".server is empty");
  }
  if (cfg.server.rfind("https://", 0) != 0 && cfg.server.rfind("http://", 0) != 0) {
    return InvalidArgumentError(Where(path, cluster["server"]) + ": " + cl_path + ".server \"" +
                                cfg.server + "\" is not an http(s):// URL");
  }
  while (!cfg.server.empty() && cfg.server.back() == '/') cfg.server.pop_back();
  SG_ASSIGN_OR_RETURN(cfg.ca_pem, PemField(cluster, "certificate-authority",
                                           "certificate-authority-data", path, base_dir, cl_path));
  cfg.insecure_skip_tls_verify = ParseBool(cluster["insecure-skip-tls-verify"]);
  SG_ASSIGN_OR_RETURN(cfg.tls_server_name, ScalarField(cluster, "tls-server-name", path, cl_path));

  if (!user_name.empty()) {
    cfg.user = user_name;
    SG_ASSIGN_OR_RETURN(YAML::Node user, FindNamed(root, "users", "user", user_name, path,
                                                   "context \"" + context + "\""));
    const std::string u_path = "users[" + user_name + "].user";
    if (user["exec"].IsDefined() || user["auth-provider"].IsDefined()) {
      return UnimplementedError(Where(path, user) + ": " + u_path +
                                " uses an exec or auth-provider plugin, which skewgate does not "
                                "support; use a token, tokenFile or client certificate");
    }
    SG_ASSIGN_OR_RETURN(
        cfg.client_cert_pem,
        PemField(user, "client-certificate", "client-certificate-data", path, base_dir, u_path));
    SG_ASSIGN_OR_RETURN(cfg.client_key_pem,
                        PemField(user, "client-key", "client-key-data", path, base_dir, u_path));
    if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty()) {
      return InvalidArgumentError(Where(path, user) + ": " + u_path +
                                  " has a client certificate without a key or a key without a "
                                  "certificate");
    }
    SG_ASSIGN_OR_RETURN(cfg.token, ScalarField(user, "token", path, u_path));
    SG_ASSIGN_OR_RETURN(std::string token_file, ScalarField(user, "tokenFile", path, u_path));
    if (cfg.token.empty() && !token_file.empty()) {
      cfg.token_file = internal::ResolvePath(base_dir, token_file);
      // Read once now so that a missing file is reported at startup, not per request.
      auto t = internal::ReadFileToString(cfg.token_file, "tokenFile");
      if (!t.ok()) {
        return Status(t.status().code(), Where(path, user["tokenFile"]) + ": " + u_path +
                                             ".tokenFile: " + t.status().message());
      }
    }
  }
  return cfg;
}

}  // namespace

StatusOr<KubeConfig> ParseKubeConfig(std::string_view yaml_text, const std::string& path,
                                     const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
    return ParseDocument(root, path, context);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's marks are 0-based; people count lines from 1.
    std::string where = "kubeconfig " + path;
    if (e.mark.line >= 0) {
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    return InvalidArgumentError(where + ": malformed YAML: " + e.msg);
  }
}

StatusOr<KubeConfig> LoadKubeConfigFile(const std::string& path, const std::string& context) {
  auto text = internal::ReadFileToString(path, "kubeconfig");
  if (!text.ok()) return text.status();
  return ParseKubeConfig(*text, path, context);
}

StatusOr<KubeConfig> LoadInClusterConfig(const InClusterEnv& env) {
  auto get = [&](const char* name) -> std::string {
    if (env.getenv) return env.getenv(name);
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  std::string host = get("KUBERNETES_SERVICE_HOST");
  std::string port = get("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return FailedPreconditionError(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set "
        "(not running in a pod?); pass --kubeconfig instead");
  }
  KubeConfig cfg;
  cfg.source = "in-cluster service account";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6 literal
  cfg.server = "https://" + host + ":" + port;
  auto token = internal::ReadFileToString(env.token_path, "service account token");
  if (!token.ok()) return token.status().WithContext("in-cluster config");
  if (token->empty()) {
    return UnauthenticatedError("in-cluster config: service account token file " + env.token_path +
                                " is empty");
  }
  cfg.token_file = env.token_path;
  auto ca = internal::ReadFileToString(env.ca_path, "service account CA");
  if (!ca.ok()) return ca.status().WithContext("in-cluster config");
  cfg.ca_pem = *ca;
  auto ns = internal::ReadFileToString(env.namespace_path, "service account namespace");
  if (ns.ok() && !ns->empty()) {
    std::string n = *ns;
    while (!n.empty() && (n.back() == '\n' || n.back() == ' ')) n.pop_back();
    if (!n.empty()) cfg.default_namespace = n;
  }
  return cfg;
}

StatusOr<KubeConfig> LoadDefaultConfig(const std::string& explicit_path,
                                       const std::string& context) {
  if (!explicit_path.empty()) return LoadKubeConfigFile(explicit_path, context);
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::string first(env);
    first = first.substr(0, first.find(':'));
    if (!first.empty()) return LoadKubeConfigFile(first, context);
  }
  if (const char* h = std::getenv("KUBERNETES_SERVICE_HOST"); h && *h && context.empty()) {
    return LoadInClusterConfig();
  }
  const char* home = std::getenv("HOME");
  std::string path = std::string(home ? home : "") + "/.kube/config";
  auto cfg = LoadKubeConfigFile(path, context);
  if (!cfg.ok() && cfg.status().code() == StatusCode::kNotFound &&
      cfg.status().message().find(path) != std::string::npos) {
    return NotFoundError("no Kubernetes configuration: " + path +
                         " does not exist, KUBECONFIG is unset and this is not a pod; pass "
                         "--kubeconfig");
  }
  return cfg;
}

}  // namespace skewgate::kube

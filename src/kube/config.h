// Where the API server is and how to authenticate to it: a kubeconfig file (yaml-cpp) or
// the in-cluster service account. Loading never touches the network.
//
//   SG_ASSIGN_OR_RETURN(KubeConfig cfg, LoadKubeConfigFile("/home/me/.kube/config", "kind"));
//   SG_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, NewClient(cfg));
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skewgate::kube {

// Everything a Client needs to reach and authenticate to one API server. Certificates
// and keys are held as PEM text: file references are read at load time so that a
// missing file is reported once, at startup, naming the kubeconfig that points to it.
struct KubeConfig {
  std::string server;  // "https://127.0.0.1:6443"; no trailing slash
  std::string ca_pem;  // trusted CA bundle; empty means the system trust store
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;       // static bearer token (kubeconfig "token")
  std::string token_file;  // bearer token file, re-read when it changes (rotation)
  // Only when the kubeconfig says insecure-skip-tls-verify: true; NewClient warns.
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // SNI / name to verify, when not the server's host
  std::string default_namespace = "default";

  // Provenance, for error messages: "kubeconfig /home/me/.kube/config" or "in-cluster".
  std::string source;
  std::string context;  // the context that was selected (kubeconfig only)
  std::string user;     // the user entry's name (kubeconfig only)
};

// Reads and parses a kubeconfig file. `context` selects a context; empty means
// current-context. Relative file paths inside resolve against the file's directory, as
// kubectl does. Errors are InvalidArgument (malformed YAML with line, unknown context,
// missing field) or NotFound (the file or a referenced cert/key/CA file is missing) and
// always name the file.
StatusOr<KubeConfig> LoadKubeConfigFile(const std::string& path, const std::string& context = "");

// Parses kubeconfig text; `path` is used in messages and to resolve relative paths.
StatusOr<KubeConfig> ParseKubeConfig(std::string_view yaml_text, const std::string& path,
                                     const std::string& context = "");

// Inputs of the in-cluster config, injectable for tests.
struct InClusterEnv {
  std::function<std::string(const char*)> getenv;  // defaults to ::getenv
  std::string token_path = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_path = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_path = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// The pod's service account: KUBERNETES_SERVICE_HOST/PORT, the projected token (as
// token_file, so rotation is picked up) and CA. FailedPrecondition when not in a pod.
StatusOr<KubeConfig> LoadInClusterConfig(const InClusterEnv& env = {});

// The usual precedence: explicit path (--kubeconfig) > $KUBECONFIG (first entry) >
// in-cluster (when KUBERNETES_SERVICE_HOST is set) > ~/.kube/config.
StatusOr<KubeConfig> LoadDefaultConfig(const std::string& explicit_path = "",
                                       const std::string& context = "");

}  // namespace skewgate::kube

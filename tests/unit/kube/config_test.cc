#include "kube/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

namespace skewgate::kube {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("skewgate-config-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }

  std::string dir_;
};

// Two clusters, users of every credential kind, and contexts that mix them.
constexpr const char* kKubeconfig = R"(apiVersion: v1
kind: Config
current-context: files
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority: pki/ca.crt
- name: inline
  cluster:
    server: https://10.0.0.1:443
    certificate-authority-data: LS0tQ0EtLS0=
    insecure-skip-tls-verify: true
users:
- name: cert-files
  user:
    client-certificate: pki/admin.crt
    client-key: pki/admin.key
- name: cert-data
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: static-token
  user:
    token: abc.def
- name: token-file
  user:
    tokenFile: token
contexts:
- name: files
  context: {cluster: local, user: cert-files}
- name: data
  context: {cluster: inline, user: cert-data, namespace: ml}
- name: token
  context: {cluster: local, user: static-token}
- name: tokenfile
  context: {cluster: local, user: token-file, namespace: team}
)";

TEST_F(ConfigTest, CurrentContextWithRelativeFiles) {
  fs::create_directories(dir_ + "/pki");
  Write("pki/ca.crt", "CA-PEM");
  Write("pki/admin.crt", "CERT-PEM");
  Write("pki/admin.key", "KEY-PEM");
  std::string path = Write("kubeconfig", kKubeconfig);
  auto cfg = LoadKubeConfigFile(path);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://127.0.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(cfg->ca_pem, "CA-PEM");
  EXPECT_EQ(cfg->client_cert_pem, "CERT-PEM");
  EXPECT_EQ(cfg->client_key_pem, "KEY-PEM");
  EXPECT_EQ(cfg->default_namespace, "default");
  EXPECT_FALSE(cfg->insecure_skip_tls_verify);
  EXPECT_EQ(cfg->context, "files");
  EXPECT_EQ(cfg->user, "cert-files");
  EXPECT_EQ(cfg->source, "kubeconfig " + path);
}

TEST_F(ConfigTest, ContextOverrideWithInlineDataAndNamespace) {
  auto cfg = ParseKubeConfig(kKubeconfig, dir_ + "/kc", "data");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://10.0.0.1:443");
  EXPECT_EQ(cfg->ca_pem, "---CA---");
  EXPECT_EQ(cfg->client_cert_pem, "CERT");
  EXPECT_EQ(cfg->client_key_pem, "KEY");
  EXPECT_EQ(cfg->default_namespace, "ml");
  EXPECT_TRUE(cfg->insecure_skip_tls_verify);
}

TEST_F(ConfigTest, TokenAndTokenFile) {
  fs::create_directories(dir_ + "/pki");
  Write("pki/ca.crt", "CA-PEM");
  auto tok = ParseKubeConfig(kKubeconfig, dir_ + "/kc", "token");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  EXPECT_EQ(tok->token, "abc.def");
  EXPECT_TRUE(tok->client_cert_pem.empty());

  Write("token", "file-token\n");
  auto tf = ParseKubeConfig(kKubeconfig, dir_ + "/kc", "tokenfile");
  ASSERT_TRUE(tf.ok()) << tf.status().ToString();
  EXPECT_EQ(tf->token_file, dir_ + "/token");  // resolved against the kubeconfig's dir
  EXPECT_TRUE(tf->token.empty());              // read per request, for rotation
  EXPECT_EQ(tf->default_namespace, "team");
}

// Each bad input gives one error naming the problem and the file (and line if known).
TEST_F(ConfigTest, BadInputNamesTheProblem) {
  struct Case {
    std::string name;
    std::string yaml;
    std::string context;
    StatusCode code;
    std::string expect;
  };
  const std::string p = dir_ + "/kc";
  std::vector<Case> cases = {
      {"malformed", "clusters:\n  - name: a\n   bad: [\n", "", StatusCode::kInvalidArgument,
       p + ":3"},
      {"not a map", "- just\n- a list\n", "", StatusCode::kInvalidArgument, "not a YAML map"},
      {"empty", "", "", StatusCode::kInvalidArgument, "not a YAML map"},
      {"unknown context", kKubeconfig, "prod", StatusCode::kInvalidArgument,
       "context \"prod\" not found"},
      {"no current context", "clusters: []\n", "", StatusCode::kInvalidArgument,
       "no current-context"},
      {"missing cluster",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: gone, user: u}\n", "",
       StatusCode::kInvalidArgument, "cluster \"gone\", which is not in clusters"},
      {"missing user",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: who}\n"
       "clusters:\n- name: k\n  cluster: {server: 'https://x'}\n",
       "", StatusCode::kInvalidArgument, "user \"who\", which is not in users"},
      {"missing ca file", kKubeconfig, "files", StatusCode::kNotFound, "pki/ca.crt"},
      {"bad base64",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k}\nclusters:\n- name: k\n"
       "  cluster: {server: 'https://x', certificate-authority-data: '!!!'}\n",
       "", StatusCode::kInvalidArgument, "certificate-authority-data is not valid base64"},
      {"server not a url",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k}\nclusters:\n- name: k\n"
       "  cluster: {server: 'localhost:6443'}\n",
       "", StatusCode::kInvalidArgument, "is not an http(s):// URL"},
      {"cert without key",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n"
       "- name: k\n  cluster: {server: 'https://x'}\nusers:\n- name: u\n"
       "  user: {client-certificate-data: Q0VSVA==}\n",
       "", StatusCode::kInvalidArgument, "certificate without a key"},
      {"exec plugin",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n"
       "- name: k\n  cluster: {server: 'https://x'}\nusers:\n- name: u\n"
       "  user: {exec: {command: aws}}\n",
       "", StatusCode::kUnimplemented, "exec or auth-provider"},
      {"missing token file",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n"
       "- name: k\n  cluster: {server: 'https://x'}\nusers:\n- name: u\n"
       "  user: {tokenFile: /nonexistent/token}\n",
       "", StatusCode::kNotFound, "/nonexistent/token"},
      {"clusters not a list", "current-context: c\ncontexts: {a: b}\n", "",
       StatusCode::kInvalidArgument, "contexts must be a list"},
  };
  for (const auto& c : cases) {
    auto cfg = ParseKubeConfig(c.yaml, p, c.context);
    ASSERT_FALSE(cfg.ok()) << c.name;
    EXPECT_EQ(cfg.status().code(), c.code) << c.name << ": " << cfg.status().ToString();
    EXPECT_NE(cfg.status().message().find(c.expect), std::string::npos)
        << c.name << ": " << cfg.status().message();
    EXPECT_NE(cfg.status().message().find(p), std::string::npos)
        << c.name << " does not name the file: " << cfg.status().message();
    EXPECT_EQ(cfg.status().message().find('\n'), std::string::npos) << "one line: " << c.name;
  }
}

TEST_F(ConfigTest, MissingKubeconfigFileIsNotFound) {
  auto cfg = LoadKubeConfigFile(dir_ + "/absent");
  EXPECT_EQ(cfg.status().code(), StatusCode::kNotFound);
  EXPECT_NE(cfg.status().message().find(dir_ + "/absent"), std::string::npos);
}

TEST_F(ConfigTest, InClusterConfig) {
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  InClusterEnv in;
  in.getenv = [&](const char* n) { return env.count(n) ? env[n] : std::string(); };
  in.token_path = Write("sa-token", "jwt-token");
  in.ca_path = Write("sa-ca", "SA-CA");
  in.namespace_path = Write("sa-ns", "ml-prod\n");
  auto cfg = LoadInClusterConfig(in);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://10.96.0.1:443");
  EXPECT_EQ(cfg->token_file, in.token_path);
  EXPECT_EQ(cfg->ca_pem, "SA-CA");
  EXPECT_EQ(cfg->default_namespace, "ml-prod");

  env["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  EXPECT_EQ(LoadInClusterConfig(in)->server, "https://[fd00::1]:443");

  in.token_path = dir_ + "/missing-token";
  auto no_token = LoadInClusterConfig(in);
  EXPECT_EQ(no_token.status().code(), StatusCode::kNotFound);
  EXPECT_NE(no_token.status().message().find("missing-token"), std::string::npos);

  env.clear();
  auto outside = LoadInClusterConfig(in);
  EXPECT_EQ(outside.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(outside.status().message().find("KUBERNETES_SERVICE_HOST"), std::string::npos);
}

}  // namespace
}  // namespace skewgate::kube

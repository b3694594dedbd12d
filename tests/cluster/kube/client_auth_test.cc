// Bad credentials and bad trust against the real API server: each is one error line
// naming the problem and the server or kubeconfig, never a hang.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "kube/errors.h"
#include "kube/resource.h"
#include "kube_fixture.h"

namespace skewgate::kube::testing {
namespace {

using skewgate::testing::RunCommand;

std::string Base64Url(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(kAlphabet[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kAlphabet[((val << 8) >> (bits + 8)) & 0x3F]);
  return out;
}

class ClientAuthTest : public KubeClusterTest {
 protected:
  // The cluster's config with the credentials removed, as a user with a bad token has.
  KubeConfig WithoutCredentials() const {
    KubeConfig c = config();
    c.client_cert_pem.clear();
    c.client_key_pem.clear();
    c.token.clear();
    c.token_file.clear();
    c.user = "tester";
    c.source = "kubeconfig /tmp/test-kubeconfig";
    return c;
  }

  Status GetWith(const KubeConfig& c) {
    auto client = NewClient(c);
    if (!client.ok()) return client.status();
    return (*client)->Get(resources::ConfigMaps(), ns(), "x").status();
  }
};

TEST_F(ClientAuthTest, WrongCaIsATlsErrorNamingTheServer) {
  std::string dir = std::filesystem::temp_directory_path() / skewgate::testing::UniqueName("ca");
  std::filesystem::create_directories(dir);
  auto r =
      RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                  "/CN=not-the-cluster-ca", "-keyout", dir + "/ca.key", "-out", dir + "/ca.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(dir + "/ca.crt");
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);

  KubeConfig c = config();
  c.ca_pem = pem;
  Status s = GetWith(c);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find(config().server), std::string::npos) << s.message();
  // The reason from a direct OpenSSL handshake, not only cpprest's generic message.
  EXPECT_NE(s.message().find("server certificate verify failed"), std::string::npos) << s.message();
  std::fprintf(stderr, "wrong CA: %s\n", s.ToString().c_str());
}

TEST_F(ClientAuthTest, InvalidTokenIsUnauthorizedNamingUserAndKubeconfig) {
  KubeConfig c = WithoutCredentials();
  c.token = "not-a-valid-token";
  Status s = GetWith(c);
  EXPECT_TRUE(IsUnauthorized(s)) << s.ToString();
  EXPECT_NE(s.message().find(config().server), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("\"tester\""), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("/tmp/test-kubeconfig"), std::string::npos) << s.message();
  std::fprintf(stderr, "bad token: %s\n", s.ToString().c_str());
}

TEST_F(ClientAuthTest, ExpiredJwtSaysWhenItExpired) {
  KubeConfig c = WithoutCredentials();
  c.token = Base64Url(R"({"alg":"RS256","typ":"JWT"})") + "." +
            Base64Url(R"({"iss":"x","sub":"y","exp":1600000000})") + "." + Base64Url("sig");
  Status s = GetWith(c);
  EXPECT_TRUE(IsUnauthorized(s)) << s.ToString();
  EXPECT_NE(s.message().find("expired at 2020-09-13T12:26:40Z"), std::string::npos) << s.message();
  std::fprintf(stderr, "expired token: %s\n", s.ToString().c_str());
}

TEST_F(ClientAuthTest, TokenFileIsReReadWhenItRotates) {
  std::string path =
      std::filesystem::temp_directory_path() / skewgate::testing::UniqueName("token");
  std::ofstream(path) << "first-invalid-token\n";
  KubeConfig c = WithoutCredentials();
  c.token_file = path;
  auto client = NewClient(c);
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE(IsUnauthorized((*client)->Get(resources::ConfigMaps(), ns(), "x").status()));
  // Rotate to another (still invalid) token; the anonymous-vs-token distinction shows the
  // file is read per request: an empty file means no Authorization header at all.
  std::ofstream(path, std::ios::trunc) << "";
  Status anon = (*client)->Get(resources::ConfigMaps(), ns(), "x").status();
  EXPECT_TRUE(IsForbidden(anon)) << anon.ToString();
  std::filesystem::remove(path);
}

TEST_F(ClientAuthTest, NoCredentialsIsForbiddenAsAnonymous) {
  Status s = GetWith(WithoutCredentials());
  EXPECT_TRUE(IsForbidden(s)) << s.ToString();
  EXPECT_NE(s.message().find("system:anonymous"), std::string::npos) << s.message();
  std::fprintf(stderr, "no credentials: %s\n", s.ToString().c_str());
}

}  // namespace
}  // namespace skewgate::kube::testing

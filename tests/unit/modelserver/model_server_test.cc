#include "modelserver/model_server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "support/cluster_env.h"
#include "unit/sidecar/net_test_util.h"

namespace skewgate::modelserver {
namespace {

const char* kModel =
    R"({"name":"fraud","kind":"logistic","features":["amount","age"],"weights":[0.5,-1],"bias":0.25,"output":"p"})";

TEST(ParseLinearModel, ReadsAndValidates) {
  auto m = ParseLinearModel(kModel);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, ModelKind::kLogistic);
  EXPECT_DOUBLE_EQ(m->Predict({2, 1}), 1 / (1 + std::exp(-(0.25 + 1 - 1))));
  struct Bad {
    const char* text;
    const char* needle;
  };
  for (const Bad& b : std::vector<Bad>{
           {"{", "not a JSON object"},
           {R"({"features":["a"],"weights":[1]})", "name"},
           {R"({"name":"m","features":["a","b"],"weights":[1]})", "weights: 1 values for 2"},
           {R"({"name":"m","features":["a","a"],"weights":[1,2]})", "duplicate"},
           {R"({"name":"m","features":["a"],"weights":["x"]})", "weights[0]"},
           {R"({"name":"m","kind":"tree","features":["a"],"weights":[1]})", "kind"},
           {R"({"name":"a/b","features":["a"],"weights":[1]})", "name"},
       }) {
    auto r = ParseLinearModel(b.text);
    ASSERT_FALSE(r.ok()) << b.text;
    EXPECT_NE(r.status().message().find(b.needle), std::string::npos) << r.status().message();
  }
}

class ModelServerTest : public ::testing::Test {
 protected:
  sidecar::HttpResponse Call(std::string_view method, std::string_view path,
                             std::string_view body = "") {
    sidecar::HttpRequest r;
    r.method = method;
    r.path = path;
    r.target = path;
    r.body = body;
    return server_.Handle(r);
  }
  ModelServer server_{ParseLinearModel(kModel).value()};
};

TEST_F(ModelServerTest, V1PredictRowsAsArraysAndObjects) {
  auto r = Call("POST", "/v1/models/fraud:predict",
                R"({"instances": [[0, 0], {"age": 0, "amount": 2}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  ASSERT_EQ(j["predictions"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["predictions"][0].get<double>(), 1 / (1 + std::exp(-0.25)));
  EXPECT_DOUBLE_EQ(j["predictions"][1].get<double>(), 1 / (1 + std::exp(-1.25)));
}

TEST_F(ModelServerTest, V2InferEchoesIdAndNamesTheOutput) {
  auto r = Call(
      "POST", "/v2/models/fraud/infer",
      R"({"id": "42", "inputs": [{"name": "amount", "shape": [1], "datatype": "FP32", "data": [2]},
                                           {"name": "age", "shape": [1], "datatype": "FP32", "data": [1]}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["id"], "42");
  EXPECT_EQ(j["model_name"], "fraud");
  EXPECT_EQ(j["outputs"][0]["name"], "p");
  EXPECT_EQ(j["outputs"][0]["shape"], nlohmann::json::array({1}));
  EXPECT_DOUBLE_EQ(j["outputs"][0]["data"][0].get<double>(), 1 / (1 + std::exp(-0.25)));
}

TEST_F(ModelServerTest, BadInputIs400WithAReason) {
  struct Case {
    const char* body;
    const char* needle;
  };
  for (const Case& c : std::vector<Case>{
           {"{nope", "not valid JSON"},
           {R"({"instances": [[1]]})", "shape_mismatch"},
           {R"({"instances": [{"amount": 1}]})", "'age' is missing"},
           {R"({"instances": [{"amount": "x", "age": 1}]})", "'amount' is not a number"},
           {R"({"instances": [{"amount": NaN, "age": 1}]})", "not finite"},
           {R"({"instances": [{"amount": [1], "age": 1}]})", "no numeric value"},
       }) {
    auto r = Call("POST", "/v1/models/fraud:predict", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(r.body.find(c.needle), std::string::npos) << r.body;
  }
}

TEST_F(ModelServerTest, HealthReadinessAndMetadata) {
  EXPECT_EQ(Call("GET", "/v2/health/live").status, 200);
  EXPECT_EQ(Call("GET", "/v2/health/ready").status, 200);
  EXPECT_EQ(Call("GET", "/v1/models/fraud").status, 200);
  EXPECT_EQ(Call("GET", "/v2/models/fraud/ready").status, 200);
  auto meta = nlohmann::json::parse(Call("GET", "/v2/models/fraud").body);
  EXPECT_EQ(meta["inputs"].size(), 2u);
  EXPECT_EQ(Call("GET", "/v1/models/other").status, 404);
  EXPECT_EQ(Call("POST", "/v2/models/other/infer", "{}").status, 404);
}

TEST(ModelServerProcess, ServesOverHttpAndRefusesAWrongDigest) {
  std::string path = skewgate::testing::WriteTempFile("fraud.json", kModel);
  std::string bin = skewgate::testing::SiblingBinary("skewgate-model-server");
  auto bad = skewgate::testing::RunCommand(
      {bin, "--model", path, "--digest", "sha256:" + Sha256Hex("x"), "--listen", "127.0.0.1:0"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("digest mismatch"), std::string::npos) << bad.err;
  skewgate::testing::Daemon d(
      {bin, "--model", path, "--digest", "sha256:" + Sha256Hex(kModel), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(d.ok()) << d.first_line();
  std::string body = R"({"instances": [[0, 0]]})";
  std::string raw = skewgate::testing::RawExchange(
      d.port(), "POST /v1/models/fraud:predict HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(skewgate::testing::StatusOf(raw), 200) << raw;
  EXPECT_NE(raw.find("predictions"), std::string::npos);
  // Oversized and invalid HTTP get a 4xx, and the server stays up.
  std::string junk = skewgate::testing::SendAndReadToClose(d.port(), "NOT HTTP\r\n\r\n");
  EXPECT_EQ(skewgate::testing::StatusOf(junk), 400) << junk;
  EXPECT_EQ(skewgate::testing::StatusOf(skewgate::testing::RawExchange(
                d.port(), "GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n\r\n")),
            200);
}

}  // namespace
}  // namespace skewgate::modelserver

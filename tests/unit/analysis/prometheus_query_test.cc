#include "analysis/prometheus_query.h"

#include <gtest/gtest.h>

#include <cmath>

#include "unit/analysis/test_baseline.h"

namespace skewgate::analysis {
namespace {

using testing::CountryBaseline;

TEST(ParsePrometheusAddressTest, Table) {
  struct Row {
    std::string in;
    std::string host;
    int port;
    std::string prefix;
  };
  for (const Row& r : std::vector<Row>{
           {"http://prometheus.monitoring:9090", "prometheus.monitoring", 9090, ""},
           {"http://prometheus.monitoring:9090/", "prometheus.monitoring", 9090, ""},
           {"http://127.0.0.1:41234/prom/", "127.0.0.1", 41234, "/prom"},
           {"http://prom", "prom", 80, ""},
           {"http://[::1]:9090", "::1", 9090, ""},
       }) {
    auto a = ParsePrometheusAddress(r.in);
    ASSERT_TRUE(a.ok()) << r.in << ": " << a.status().message();
    EXPECT_EQ(a->host, r.host) << r.in;
    EXPECT_EQ(a->port, r.port) << r.in;
    EXPECT_EQ(a->path_prefix, r.prefix) << r.in;
  }
  EXPECT_EQ(ParsePrometheusAddress("http://p:9090/x")->ToString(), "http://p:9090/x");
}

TEST(ParsePrometheusAddressTest, HttpsIsAClearErrorAndBadInputIsNamed) {
  auto https = ParsePrometheusAddress("https://prometheus:9090");
  ASSERT_FALSE(https.ok());
  EXPECT_EQ(https.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(https.status().message().find("https is not supported"), std::string::npos);
  for (const char* bad :
       {"prometheus:9090", "http://", "http://:9090", "http://p:0", "http://p:99999",
        "http://p:90x", "http://u:pw@p:9090", "http://p:9090/?q=1", "http://[::1"}) {
    auto a = ParsePrometheusAddress(bad);
    EXPECT_FALSE(a.ok()) << bad;
    EXPECT_NE(a.status().message().find(bad), std::string::npos) << a.status().message();
  }
}

TEST(PromQLTest, QueriesSelectNamespaceAndRevisionWithEscaping) {
  EXPECT_EQ(BinIncreaseQuery("ml", "7f3c9a01b2", 60),
            "sum by (feature, bin) (increase(skewgate_sidecar_feature_bin_total"
            "{namespace=\"ml\",revision=\"7f3c9a01b2\"}[60s]))");
  EXPECT_EQ(BaselineInfoQuery("ml", "r1", 5),
            "count by (baseline_hash) (max_over_time(skewgate_sidecar_baseline_info"
            "{namespace=\"ml\",revision=\"r1\"}[5s]))");
  EXPECT_EQ(EscapePromQLString("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_NE(BinIncreaseQuery("n\"s", "r", 1).find("namespace=\"n\\\"s\""), std::string::npos);
}

TEST(PromQLTest, InstantQueryTargetEncodesTheQueryAndTime) {
  PrometheusAddress a{"p", 9090, "/prom"};
  TimePoint at = FromUnixSeconds(1'732'662'000) + std::chrono::milliseconds(250);
  EXPECT_EQ(InstantQueryTarget(a, "sum(x{a=\"b c\"}[5s])", at),
            "/prom/api/v1/query?query=sum%28x%7Ba%3D%22b%20c%22%7D%5B5s%5D%29"
            "&time=1732662000.250");
}

TEST(ParseVectorResponseTest, ReadsSamplesAndLabels) {
  auto v = ParseVectorResponse(R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"feature":"amount","bin":"3"},"value":[1732662000.25,"41.99"]},
      {"metric":{},"value":[1732662000.25,"NaN"]}]}})");
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].labels.at("feature"), "amount");
  EXPECT_EQ((*v)[0].labels.at("bin"), "3");
  EXPECT_DOUBLE_EQ((*v)[0].value, 41.99);
  EXPECT_TRUE(std::isnan((*v)[1].value));
  auto empty =
      ParseVectorResponse(R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ParseVectorResponseTest, ErrorsNameTheProblem) {
  struct Row {
    std::string body;
    StatusCode code;
    std::string says;
  };
  for (
      const Row& r : std::vector<Row>{
          {"<html>", StatusCode::kDataLoss, "not a JSON object"},
          {R"({"status":"error","errorType":"bad_data","error":"parse error at char 5"})",
           StatusCode::kUnavailable, "bad_data): parse error at char 5"},
          {R"({"status":"success","data":{"resultType":"matrix","result":[]}})",
           StatusCode::kDataLoss, "resultType is \"matrix\""},
          {R"({"status":"success"})", StatusCode::kDataLoss, "no data"},
          {R"({"status":"success","data":{"resultType":"vector"}})", StatusCode::kDataLoss,
           "data.result"},
          {R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,2]}]}})",
           StatusCode::kDataLoss, "data.result[0].value"},
          {R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x"]}]}})",
           StatusCode::kDataLoss, "\"x\" is not a number"},
          {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}})",
           StatusCode::kDataLoss, "metric.a"},
      }) {
    auto v = ParseVectorResponse(r.body);
    ASSERT_FALSE(v.ok()) << r.body;
    EXPECT_EQ(v.status().code(), r.code) << r.body;
    EXPECT_NE(v.status().message().find(r.says), std::string::npos) << v.status().message();
  }
}

PromSample Bin(const std::string& feature, const std::string& bin, double v) {
  return {{{"feature", feature}, {"bin", bin}}, v};
}

TEST(CountsFromSamplesTest, RoundsIntoTheBaselineLayout) {
  skew::Baseline b = CountryBaseline();  // country: de, fr, OOV, missing
  auto c = CountsFromSamples({Bin("country", "0", 499.6), Bin("country", "2", 3.4)}, &b);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->baseline_hash, b.hash);
  EXPECT_EQ(c->features.at("country"), (std::vector<uint64_t>{500, 0, 3, 0}));
}

TEST(CountsFromSamplesTest, RefusesWhatDoesNotFitTheBaseline) {
  skew::Baseline b = CountryBaseline();
  auto unknown = CountsFromSamples({Bin("amount", "0", 1)}, &b);
  EXPECT_EQ(unknown.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(unknown.status().message().find("amount is not in baseline"), std::string::npos);
  auto outside = CountsFromSamples({Bin("country", "4", 1)}, &b);
  EXPECT_NE(outside.status().message().find("outside its 4 buckets"), std::string::npos)
      << outside.status().message();
  EXPECT_FALSE(CountsFromSamples({Bin("country", "x", 1)}, &b).ok());
  EXPECT_FALSE(CountsFromSamples({Bin("country", "-1", 1)}, &b).ok());
  EXPECT_FALSE(CountsFromSamples({Bin("country", "0", -3)}, &b).ok());
  EXPECT_FALSE(CountsFromSamples({Bin("country", "0", std::nan(""))}, &b).ok());
  EXPECT_FALSE(CountsFromSamples({PromSample{{{"feature", "country"}}, 1}}, &b).ok());
}

TEST(CountsFromSamplesTest, WithoutALayoutVectorsAreAsLongAsTheHighestBin) {
  auto c = CountsFromSamples({Bin("age", "3", 2), Bin("age", "0", 1), Bin("x", "1", 0.2)}, nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->features.at("age"), (std::vector<uint64_t>{1, 0, 0, 2}));
  EXPECT_EQ(c->features.at("x"), (std::vector<uint64_t>{0, 0}));
}

}  // namespace
}  // namespace skewgate::analysis

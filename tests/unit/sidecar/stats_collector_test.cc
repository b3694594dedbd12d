#include "sidecar/stats_collector.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "unit/sidecar/net_test_util.h"

namespace skewgate::sidecar {
namespace {

using skewgate::testing::MakeBaseline;

std::shared_ptr<const skew::Baseline> TestBaseline() {
  // a: <0 | [0,10) | >=10 | NaN | missing;  b: <5 | >=5 | NaN | missing
  // c: x | y | OOV | missing;              score (output): <0.5 | >=0.5 | NaN | missing
  return std::make_shared<skew::Baseline>(
      MakeBaseline({{"a", {0, 10}}, {"b", {5}}, {"score", {0.5}, skew::FeatureRole::kOutput}},
                   {{"c", {"x", "y"}}}));
}

using Buckets = std::vector<uint64_t>;

nlohmann::json Features(const StatsCollector& s) {
  return nlohmann::json::parse(s.StatsJson())["counts"]["features"];
}

TEST(StatsCollector, CountsV1RequestAndResponseExactly) {
  StatsCollector s({}, TestBaseline());
  s.Start();
  std::string req = R"({"instances": [[1, 7, "x"], [-1, 2, "zzz"], {"a": NaN, "c": null}]})";
  std::string res = R"({"predictions": [0.7, 0.2, 0.9]})";
  ASSERT_TRUE(s.Offer(req, res, 200, false));
  ASSERT_TRUE(s.Flush(std::chrono::seconds(5)));
  auto f = Features(s);
  EXPECT_EQ(f["a"].get<Buckets>(), (Buckets{1, 1, 0, 1, 0}));
  EXPECT_EQ(f["b"].get<Buckets>(), (Buckets{1, 1, 0, 1}));  // third row: b missing
  EXPECT_EQ(f["c"].get<Buckets>(), (Buckets{1, 0, 1, 1}));
  EXPECT_EQ(f["score"].get<Buckets>(), (Buckets{1, 2, 0, 0}));
  auto j = nlohmann::json::parse(s.StatsJson());
  EXPECT_EQ(j["totals"]["rows"], 3);
  EXPECT_EQ(j["totals"]["outputRows"], 3);
  EXPECT_EQ(j["baselineHash"], TestBaseline()->hash);
  EXPECT_EQ(j["counts"]["baselineHash"], TestBaseline()->hash);
}

TEST(StatsCollector, StatsCountsRoundTripThroughTheSharedCodec) {
  StatsCollector s({}, TestBaseline());
  s.Start();
  std::string req = R"([{"a": 3, "b": 9, "c": "y"}])", res = "[0.1]";
  ASSERT_TRUE(s.Offer(req, res, 200, false));
  ASSERT_TRUE(s.Flush(std::chrono::seconds(5)));
  auto j = nlohmann::json::parse(s.StatsJson());
  auto counts = skew::CountsFromJsonValue(j["counts"]);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->start_id, j["startId"]);
  EXPECT_TRUE(skew::CheckCountsMatch(*TestBaseline(), *counts).ok());
  EXPECT_EQ(counts->features.at("c"), (Buckets{0, 1, 0, 0}));
}

TEST(StatsCollector, MalformedAndMismatchedPayloadsCountNothingButTheReason) {
  StatsCollector s({}, TestBaseline());
  s.Start();
  std::vector<std::string> bad = {"{not json", R"({"instances": [[1, 2]]})", "[1, [[[",
                                  std::string("\"\xff\"")};
  for (auto b : bad) {
    std::string r = "{}";
    ASSERT_TRUE(s.Offer(b, r, 400, false));
  }
  std::string big, r2;
  ASSERT_TRUE(s.Offer(big, r2, 200, /*truncated=*/true));
  ASSERT_TRUE(s.Flush(std::chrono::seconds(5)));
  auto j = nlohmann::json::parse(s.StatsJson());
  EXPECT_EQ(j["parseErrors"]["invalid_json"], 2);
  EXPECT_EQ(j["parseErrors"]["shape_mismatch"], 1);
  EXPECT_EQ(j["parseErrors"]["invalid_utf8"], 1);
  EXPECT_EQ(j["parseErrors"]["body_too_large"], 1);
  EXPECT_EQ(j["totals"]["rows"], 0);
  for (auto& [name, buckets] : j["counts"]["features"].items()) {
    for (auto& v : buckets) EXPECT_EQ(v, 0) << name;
  }
}

TEST(StatsCollector, FullQueueDropsAndCountsInsteadOfBlocking) {
  StatsOptions o;
  o.queue_capacity = 2;
  StatsCollector s(o, TestBaseline());  // not started: nothing drains the queue
  int accepted = 0;
  for (int i = 0; i < 5; ++i) {
    std::string req = "[{\"a\": 1}]", res;
    accepted += s.Offer(req, res, 200, false) ? 1 : 0;
  }
  EXPECT_EQ(accepted, 2);
  auto j = nlohmann::json::parse(s.StatsJson());
  EXPECT_EQ(j["dropped"], 3);
  EXPECT_EQ(j["totals"]["offered"], 5);
  EXPECT_EQ(j["queueDepth"], 2);
}

TEST(StatsCollector, ResetStartsANewSeriesWithANewStartId) {
  StatsCollector s({}, TestBaseline());
  s.Start();
  std::string req = "[{\"a\": 1}]", res;
  ASSERT_TRUE(s.Offer(req, res, 200, false));
  ASSERT_TRUE(s.Flush(std::chrono::seconds(5)));
  auto before = nlohmann::json::parse(s.StatsJson());
  auto other = std::make_shared<skew::Baseline>(MakeBaseline({{"a", {1, 2, 3}}}));
  s.Reset(other, "rev-2");
  auto after = nlohmann::json::parse(s.StatsJson());
  EXPECT_NE(before["startId"], after["startId"]);
  EXPECT_EQ(after["baselineHash"], other->hash);
  EXPECT_EQ(after["revision"], "rev-2");
  EXPECT_EQ(after["totals"]["rows"], 0);
  EXPECT_EQ(after["counts"]["features"]["a"].get<Buckets>(), (Buckets{0, 0, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace skewgate::sidecar

// `skewgate skew`: offline report, exit codes and bad baseline files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command.h"
#include "skew/baseline.h"
#include "skew/counts.h"

namespace skewgate::cli {
namespace {

using ::testing::HasSubstr;

class SkewCmd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("skewgate-skew-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::string train = "amount,country\n";
    for (int i = 0; i < 2000; ++i) {
      train += std::to_string(i % 100) + "," + (i % 4 == 0 ? "FR" : "US") + "\n";
    }
    Write("train.csv", train);
    ASSERT_EQ(Run({"baseline", "-i", P("train.csv"), "-o", P("b.json"), "--quiet"}), 0) << err_;
    std::ifstream in(P("b.json"));
    std::stringstream ss;
    ss << in.rdbuf();
    baseline_text_ = ss.str();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string P(const std::string& n) { return (dir_ / n).string(); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(P(name), std::ios::binary) << text;
    return P(name);
  }
  int Run(std::vector<std::string> args) {
    ::testing::internal::CaptureStderr();
    ::testing::internal::CaptureStdout();
    const int rc = RunCli(args);
    out_ = ::testing::internal::GetCapturedStdout();
    err_ = ::testing::internal::GetCapturedStderr();
    return rc;
  }

  std::filesystem::path dir_;
  std::string baseline_text_, out_, err_;
};

TEST_F(SkewCmd, SameDistributionIsSuccessful) {
  std::string live = "amount,country\n";
  for (int i = 0; i < 4000; ++i) {
    live += std::to_string((i * 7) % 100) + "," + (i % 4 == 1 ? "FR" : "US") + "\n";
  }
  Write("live.csv", live);
  EXPECT_EQ(Run({"skew", "-b", P("b.json"), "--live", P("live.csv")}), 0) << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("amount            numeric      jensenShannon  0.0000"));
  EXPECT_THAT(out_, HasSubstr("Successful"));
  EXPECT_THAT(out_, HasSubstr("baseline (=)"));
}

TEST_F(SkewCmd, ShiftedCountsFailWithHistogram) {
  auto b = skew::ParseBaseline(baseline_text_).value();
  skew::Counts c = skew::NewCounts(b);
  auto& amount = c.features["amount"];
  amount[amount.size() - 3] = 5000;  // everything in the top value bucket
  c.features["country"] = {2500, 2500, 0, 0};
  Write("live.json", nlohmann::json({{"counts", skew::CountsToJsonValue(c)}}).dump());
  EXPECT_EQ(Run({"skew", "-b", P("b.json"), "--counts", P("live.json")}), 3) << out_ << err_;
  EXPECT_THAT(out_, HasSubstr("Failed: amount jensenShannon"));
  EXPECT_THAT(out_, HasSubstr("#####"));
  EXPECT_THAT(out_, HasSubstr("Fail"));
  // Too few samples: inconclusive, exit 4.
  EXPECT_EQ(Run({"skew", "-b", P("b.json"), "--counts", P("live.json"), "--min-samples", "100000"}),
            4);
  EXPECT_THAT(out_, HasSubstr("fewer than minSamples 100000"));
}

TEST_F(SkewCmd, BadBaselinesGiveOneClearError) {
  auto b = skew::ParseBaseline(baseline_text_).value();
  Write("live.json", skew::CountsToJson(skew::NewCounts(b)));
  Write("trunc.json", baseline_text_.substr(0, baseline_text_.size() / 2));
  EXPECT_EQ(Run({"skew", "-b", P("trunc.json"), "--counts", P("live.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("trunc.json: baseline: the JSON document is truncated"));
  nlohmann::json j = nlohmann::json::parse(baseline_text_);
  j["apiVersion"] = "skewgate.io/baseline/v0";
  Write("old.json", j.dump());
  EXPECT_EQ(Run({"skew", "-b", P("old.json"), "--counts", P("live.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("apiVersion: got 'skewgate.io/baseline/v0'"));
  j = nlohmann::json::parse(baseline_text_);
  j["rows"] = 1;
  Write("edited.json", j.dump());
  EXPECT_EQ(Run({"skew", "-b", P("edited.json"), "--counts", P("live.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("content hashes to"));
  // Counts from another baseline.
  skew::Counts foreign = skew::NewCounts(b);
  foreign.baseline_hash = "sha256:feed";
  Write("foreign.json", skew::CountsToJson(foreign));
  EXPECT_EQ(Run({"skew", "-b", P("b.json"), "--counts", P("foreign.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("counts were made with baseline sha256:feed"));
  EXPECT_EQ(Run({"skew", "-b", P("b.json")}), 2);  // neither --counts nor --live
}

}  // namespace
}  // namespace skewgate::cli

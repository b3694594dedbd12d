// `skewgate baseline` end to end on files: quoting, bad input messages, spilling.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "cli/command.h"
#include "skew/baseline.h"

namespace skewgate::cli {
namespace {

using ::testing::HasSubstr;

class BaselineCmd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("skewgate-baseline-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  // Runs the CLI; returns the exit code and keeps stderr in err_.
  int Run(std::vector<std::string> args) {
    ::testing::internal::CaptureStderr();
    ::testing::internal::CaptureStdout();
    const int rc = RunCli(args);
    out_ = ::testing::internal::GetCapturedStdout();
    err_ = ::testing::internal::GetCapturedStderr();
    return rc;
  }
  skew::Baseline Load(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    auto b = skew::ParseBaseline(ss.str());
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : skew::Baseline{};
  }
  std::string Out(const std::string& name) { return (dir_ / name).string(); }

  std::filesystem::path dir_;
  std::string out_, err_;
};

TEST_F(BaselineCmd, QuotedFieldsWithCommasAndNewlines) {
  const std::string in = Write("t.csv",
                               "city,amount\r\n"
                               "\"Paris, FR\",1.5\r\n"
                               "\"multi\nline\",2\r\n"
                               "\"say \"\"hi\"\"\",3\r\n"
                               "\"\",4\r\n");
  ASSERT_EQ(Run({"baseline", "--input", in, "--output", Out("b.json")}), 0) << err_;
  skew::Baseline b = Load(Out("b.json"));
  ASSERT_EQ(b.features.size(), 2u);
  EXPECT_EQ(b.rows, 4u);
  const auto& labels = b.features[0].categorical.labels;
  EXPECT_THAT(labels,
              ::testing::UnorderedElementsAre("Paris, FR", "multi\nline", "say \"hi\"", ""));
  EXPECT_EQ(b.features[1].kind, skew::FeatureKind::kNumeric);
  EXPECT_EQ(b.features[1].numeric_stats.count, 4u);
  EXPECT_THAT(err_, HasSubstr("city: categorical (inferred)"));
  EXPECT_THAT(err_, HasSubstr("wrote "));
}

TEST_F(BaselineCmd, RaggedRowNamesTheLine) {
  const std::string in = Write("t.csv", "a,b,c\n1,2,3\n\"x\ny\",5\n");
  EXPECT_EQ(Run({"baseline", "-i", in, "-o", Out("b.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("t.csv line 3: 2 fields, the header has 3 (ragged row)"));
  EXPECT_FALSE(std::filesystem::exists(Out("b.json")));
}

TEST_F(BaselineCmd, NonNumericValueInANumericColumn) {
  std::string text = "id,amount\n";
  for (int i = 0; i < 20; ++i) text += "r" + std::to_string(i) + "," + std::to_string(i) + "\n";
  text += "r20,12abc\n";
  const std::string in = Write("t.csv", text);
  EXPECT_EQ(Run({"baseline", "-i", in, "-o", Out("b.json"), "--infer-rows", "10"}), 1);
  EXPECT_THAT(err_, HasSubstr("t.csv line 22 column 2 (amount): not a number"));
  EXPECT_THAT(err_, HasSubstr("--categorical amount"));
  // Declared numeric: the same error without the inference hint.
  EXPECT_EQ(Run({"baseline", "-i", in, "-o", Out("b.json"), "--numeric", "amount"}), 1);
  EXPECT_THAT(err_, HasSubstr("line 22 column 2 (amount): not a number"));
}

TEST_F(BaselineCmd, EmptyFileHeaderOnlyAndDuplicateColumns) {
  EXPECT_EQ(Run({"baseline", "-i", Write("e.csv", ""), "-o", Out("b.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("e.csv: empty file"));
  EXPECT_EQ(Run({"baseline", "-i", Write("h.csv", "a,b\n"), "-o", Out("b.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("no data rows"));
  EXPECT_EQ(Run({"baseline", "-i", Write("d.csv", "a,b,a\n1,2,3\n"), "-o", Out("b.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("duplicate column name 'a' (columns 1 and 3)"));
  EXPECT_EQ(Run({"baseline", "-i", Write("q.csv", "a,b\n\"open,2\n"), "-o", Out("b.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("never closed"));
  EXPECT_EQ(Run({"baseline", "-i", Out("missing.csv"), "-o", Out("b.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("missing.csv: cannot open"));
}

TEST_F(BaselineCmd, OnlyNanColumnsAndInfinitiesAreCounted) {
  const std::string in = Write("t.csv", "x,y\nnan,1\nNaN,inf\nnan,-inf\nnan,\n");
  ASSERT_EQ(Run({"baseline", "-i", in, "-o", Out("b.json")}), 0) << err_;
  skew::Baseline b = Load(Out("b.json"));
  EXPECT_EQ(b.features[0].numeric_stats.nan, 4u);
  EXPECT_EQ(b.features[0].numeric_stats.count, 0u);
  EXPECT_THAT(err_, HasSubstr("WARNING: no finite values"));
  EXPECT_EQ(b.features[1].numeric_stats.pos_inf, 1u);
  EXPECT_EQ(b.features[1].numeric_stats.neg_inf, 1u);
  EXPECT_EQ(b.features[1].numeric_stats.missing, 1u);
}

TEST_F(BaselineCmd, FlagsAreCheckedAgainstTheColumns) {
  const std::string in = Write("t.csv", "a,b\n1,x\n");
  EXPECT_EQ(Run({"baseline", "-i", in, "-o", Out("b.json"), "--ignore", "zz"}), 1);
  EXPECT_THAT(err_, HasSubstr("--ignore: "));
  EXPECT_THAT(err_, HasSubstr("has no column 'zz' (columns: a, b)"));
  EXPECT_EQ(Run({"baseline", "-i", in, "-o", Out("b.json"), "--bins", "0"}), 1);
  EXPECT_THAT(err_, HasSubstr("bins"));
  EXPECT_EQ(Run({"baseline", "-i", in}), 2);  // --output missing
  ASSERT_EQ(Run({"baseline", "-i", in, "-o", Out("b.json"), "--categorical", "a", "--output-column",
                 "b", "--ignore", ""}),
            0)
      << err_;
  skew::Baseline b = Load(Out("b.json"));
  EXPECT_EQ(b.features[0].kind, skew::FeatureKind::kCategorical);
  EXPECT_EQ(b.features[1].role, skew::FeatureRole::kOutput);
}

TEST_F(BaselineCmd, JsonlInputAndItsErrors) {
  const std::string in = Write("t.jsonl",
                               "{\"amount\": 1.5, \"country\": \"US\", \"ok\": true}\n"
                               "\n"
                               "{\"amount\": null, \"country\": 3, \"extra\": 1}\n");
  ASSERT_EQ(Run({"baseline", "-i", in, "-o", Out("b.json"), "--infer-rows", "1"}), 0) << err_;
  skew::Baseline b = Load(Out("b.json"));
  ASSERT_EQ(b.FindFeature("country"), 1);
  EXPECT_THAT(b.features[1].categorical.labels, ::testing::UnorderedElementsAre("US", "3"));
  EXPECT_EQ(b.features[0].numeric_stats.missing, 1u);
  EXPECT_THAT(err_, HasSubstr("key 'extra' appeared in 1 row(s)"));
  EXPECT_THAT(err_, HasSubstr("1 blank line(s) skipped"));
  const std::string bad = Write("bad.jsonl", "{\"a\": 1}\n{\"a\": [1, 2]}\n");
  EXPECT_EQ(Run({"baseline", "-i", bad, "-o", Out("b.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("bad.jsonl line 2: key 'a' holds array"));
  const std::string broken = Write("broken.jsonl", "{\"a\": 1}\n{\"a\": 1\n");
  EXPECT_EQ(Run({"baseline", "-i", broken, "-o", Out("b.json")}), 1);
  EXPECT_THAT(err_, HasSubstr("broken.jsonl line 2"));
}

// A file several times larger than the memory limit: the build spills sorted runs to disk
// and still gives exactly the baseline an unlimited build gives.
TEST_F(BaselineCmd, FileLargerThanTheMemoryLimitSpillsAndAgrees) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> heavy(1, 1.5);
  std::normal_distribution<double> normal(0, 1);
  std::string text = "a,b,c\n";
  for (int i = 0; i < 200'000; ++i) {
    char line[96];
    std::snprintf(line, sizeof(line), "%.3f,%.6f,%s\n", heavy(rng), normal(rng),
                  i % 3 == 0 ? "x" : "y");
    text += line;
  }
  const std::string in = Write("big.csv", text);
  ASSERT_GT(text.size(), 3u << 20);
  ASSERT_EQ(Run({"baseline", "-i", in, "-o", Out("mem.json")}), 0) << err_;
  ASSERT_EQ(Run({"baseline", "-i", in, "-o", Out("spill.json"), "--memory-limit", "256K",
                 "--temp-dir", dir_.string()}),
            0)
      << err_;
  EXPECT_THAT(err_, HasSubstr("spilled "));
  skew::Baseline mem = Load(Out("mem.json"));
  skew::Baseline spill = Load(Out("spill.json"));
  EXPECT_EQ(mem.hash, spill.hash);
  EXPECT_EQ(spill.rows, 200'000u);
  // Spill files are unlinked at creation: nothing is left in the temp dir.
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    EXPECT_THAT(e.path().filename().string(), ::testing::Not(HasSubstr("skewgate-spill")));
  }
}

}  // namespace
}  // namespace skewgate::cli

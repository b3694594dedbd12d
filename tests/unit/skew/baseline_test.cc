#include "skew/baseline.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_baselines.h"

namespace skewgate::skew {
namespace {

using testing::TwoFeatureBaseline;

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(Baseline, SerializeParseRoundTripKeepsEverything) {
  Baseline b = TwoFeatureBaseline();
  b.features[0].numeric.point = {false, true, false};
  b.features[0].counts = {25, 10, 15, 25, 25, 3, 7};
  b.features[0].numeric_stats.quantiles = {{0.5, 2.0}, {0.99, 3.96}};
  b.features[1].role = FeatureRole::kOutput;
  const std::string text = SerializeBaseline(b);
  StatusOr<Baseline> back = ParseBaseline(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->hash, ComputeBaselineHash(b));
  EXPECT_EQ(back->features[0].numeric.point, b.features[0].numeric.point);
  EXPECT_EQ(back->features[0].counts, b.features[0].counts);
  EXPECT_EQ(back->features[0].numeric_stats.quantiles, b.features[0].numeric_stats.quantiles);
  EXPECT_EQ(back->features[0].numeric_stats.std, 1.2);
  EXPECT_EQ(back->features[1].categorical.labels, b.features[1].categorical.labels);
  EXPECT_EQ(back->features[1].role, FeatureRole::kOutput);
  // Canonical: serialising the parsed baseline gives the same bytes.
  EXPECT_EQ(SerializeBaseline(*back), text);
  // Pretty output carries the same hash.
  StatusOr<Baseline> pretty = ParseBaseline(SerializeBaseline(b, true));
  ASSERT_TRUE(pretty.ok());
  EXPECT_EQ(pretty->hash, back->hash);
}

TEST(Baseline, HashChangesWithContent) {
  Baseline a = TwoFeatureBaseline();
  Baseline b = TwoFeatureBaseline();
  b.features[0].counts[0] += 1;
  EXPECT_NE(ComputeBaselineHash(a), ComputeBaselineHash(b));
  EXPECT_EQ(ComputeBaselineHash(a).rfind("sha256:", 0), 0u);
}

TEST(Baseline, EditedContentIsAHashMismatch) {
  nlohmann::json j = nlohmann::json::parse(SerializeBaseline(TwoFeatureBaseline()));
  j["features"][0]["counts"][0] = 26;
  StatusOr<Baseline> b = ParseBaseline(j.dump());
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(Contains(b.status().message(), "hash")) << b.status().message();
  EXPECT_TRUE(Contains(b.status().message(), "content hashes to")) << b.status().message();
}

TEST(Baseline, WrongVersionNamesBothVersions) {
  nlohmann::json j = nlohmann::json::parse(SerializeBaseline(TwoFeatureBaseline()));
  j["apiVersion"] = "skewgate.io/baseline/v2";
  StatusOr<Baseline> b = ParseBaseline(j.dump());
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(Contains(b.status().message(), "apiVersion")) << b.status().message();
  EXPECT_TRUE(Contains(b.status().message(), "skewgate.io/baseline/v2"));
  EXPECT_TRUE(Contains(b.status().message(), "skewgate.io/baseline/v1"));
}

TEST(Baseline, TruncatedDocumentIsDataLoss) {
  const std::string text = SerializeBaseline(TwoFeatureBaseline(), true);
  for (size_t cut : {size_t{1}, text.size() / 3, text.size() - 3}) {
    StatusOr<Baseline> b = ParseBaseline(text.substr(0, cut));
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.status().code(), StatusCode::kDataLoss) << cut << ": " << b.status().ToString();
    EXPECT_TRUE(Contains(b.status().message(), "truncated"));
  }
  StatusOr<Baseline> empty = ParseBaseline("");
  EXPECT_FALSE(empty.ok());
}

TEST(Baseline, SyntaxErrorNamesLineAndColumn) {
  StatusOr<Baseline> b = ParseBaseline("{\n  \"apiVersion\": x\n}");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(b.status().message(), "line 2")) << b.status().message();
}

TEST(Baseline, FieldErrorsNameThePath) {
  struct Case {
    std::string pointer;  // JSON pointer to change
    nlohmann::json value;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"/features/0/cuts/1", 0.5, "features[0].cuts[1]: not strictly increasing"},
      {"/features/0/counts/0", -1, "features[0].counts[0]: expected a non-negative integer"},
      {"/features/1/type", "text", "features[1].type: 'text' is not numeric or categorical"},
      {"/features/1/labels/1", "US", "labels[1]: duplicate label"},
      {"/binning/strategy", "kmeans", "binning.strategy"},
      {"/features/0/stats/mean", "2", "features[0].stats.mean: expected a number or null"},
  };
  for (const auto& c : cases) {
    nlohmann::json j = nlohmann::json::parse(SerializeBaseline(TwoFeatureBaseline()));
    j[nlohmann::json::json_pointer(c.pointer)] = c.value;
    StatusOr<Baseline> b = ParseBaseline(j.dump());
    ASSERT_FALSE(b.ok()) << c.pointer;
    EXPECT_TRUE(Contains(b.status().message(), c.want))
        << c.pointer << " -> " << b.status().message();
  }
  nlohmann::json j = nlohmann::json::parse(SerializeBaseline(TwoFeatureBaseline()));
  j["features"][0].erase("stats");
  StatusOr<Baseline> b = ParseBaseline(j.dump());
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(Contains(b.status().message(), "features[0].stats: required field is missing"))
      << b.status().message();
}

TEST(Baseline, CountsMustMatchTheBins) {
  Baseline b = TwoFeatureBaseline();
  b.features[0].counts.pop_back();
  Status s = ValidateBaseline(b);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "features[0].counts: 5 buckets, the bins define 6"))
      << s.message();
  Baseline dup = TwoFeatureBaseline();
  dup.features[1].name = "amount";
  EXPECT_FALSE(ValidateBaseline(dup).ok());
}

}  // namespace
}  // namespace skewgate::skew

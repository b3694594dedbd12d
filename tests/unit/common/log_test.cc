#include "common/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace skewgate {
namespace {

TEST(LogTest, JsonQuoteEscapesControlCharacters) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
}

TEST(LogTest, JsonLinesAreValidJsonNamingTheObject) {
  ConfigureLogging({LogLevel::kInfo, LogFormat::kJson, "test"});
  testing::internal::CaptureStderr();
  SG_LOG(Info, "ml/fraud")
      .Msg("promoted")
      .Field("revision", "7f3c")
      .Field("weight", 50)
      .Field("score", 0.25);
  SG_LOG(Debug, "ml/fraud").Msg("hidden below the level");
  std::string out = testing::internal::GetCapturedStderr();
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["object"], "ml/fraud");
  EXPECT_EQ(j["msg"], "promoted");
  EXPECT_EQ(j["component"], "test");
  EXPECT_EQ(j["weight"], 50);
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 0.25);
}

}  // namespace
}  // namespace skewgate

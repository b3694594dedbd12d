#include "api/duration.h"

#include <gtest/gtest.h>
#include <regex.h>

namespace skewgate::api {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsTheDocumentedForms) {
  struct Case {
    const char* text;
    Duration want;
  } cases[] = {
      {"30s", seconds(30)},
      {"5m", minutes(5)},
      {"1h30m", minutes(90)},
      {"1h", hours(1)},
      {"250ms", milliseconds(250)},
      {"1m30s", seconds(90)},
      {"2h3m4s5ms", hours(2) + minutes(3) + seconds(4) + milliseconds(5)},
      {"0s", seconds(0)},
      {"90m", minutes(90)},  // no carrying is required
      {"999999h", hours(999999)},
  };
  for (const auto& c : cases) {
    StatusOr<Duration> d = ParseDuration(c.text);
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.status().ToString();
    EXPECT_EQ(*d, c.want) << c.text;
  }
}

TEST(ParseDuration, RejectsEverythingElseWithAMessageNamingTheText) {
  for (const char* text : {"",    "s",   "30",       "5 m",   " 5m",  "5m ",  "1.5h",  "-5s",
                           "+5s", "5M",  "5min",     "30m1h", "1s1m", "5m5m", "1d",    "1w",
                           "5us", "5ns", "1000000h", "h5",    "5sms", "ms",   "0x10s", "5m\n"}) {
    StatusOr<Duration> d = ParseDuration(text);
    EXPECT_FALSE(d.ok()) << "accepted '" << text << "'";
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(d.status().message().find("is not a duration like 30s"), std::string::npos)
          << d.status().message();
    }
  }
}

TEST(ParseDuration, AgreesWithTheCrdPattern) {
  // The CRD's CEL rule uses kDurationPattern plus size >= 2; the parser must accept
  // exactly the same strings. Exhaustive over short strings of the relevant alphabet.
  // POSIX ERE (regcomp) is an engine independent of the parser and of the API server's.
  regex_t re;
  ASSERT_EQ(regcomp(&re, kDurationPattern, REG_EXTENDED | REG_NOSUB), 0);
  const std::string alphabet = "01hms.";
  std::vector<std::string> strings = {""};
  for (int len = 1; len <= 5; ++len) {
    std::vector<std::string> next;
    for (const auto& s : strings) {
      if (static_cast<int>(s.size()) != len - 1) continue;
      for (char c : alphabet) next.push_back(s + c);
    }
    for (const auto& s : next) {
      bool by_pattern = s.size() >= 2 && regexec(&re, s.c_str(), 0, nullptr, 0) == 0;
      EXPECT_EQ(ParseDuration(s).ok(), by_pattern) << "'" << s << "'";
    }
    strings.insert(strings.end(), next.begin(), next.end());
  }
  regfree(&re);
}

TEST(FormatDuration, IsTheShortestCanonicalForm) {
  EXPECT_EQ(FormatDuration(seconds(30)), "30s");
  EXPECT_EQ(FormatDuration(minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(seconds(3600)), "1h");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1s500ms");
  EXPECT_EQ(FormatDuration(seconds(0)), "0s");
  EXPECT_EQ(FormatDuration(seconds(-5)), "0s");
  EXPECT_EQ(FormatDuration(hours(200) + seconds(1)), "200h1s");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (int64_t ms : {1, 999, 1000, 59999, 60000, 3599999, 3600000, 5400000, 360000000}) {
    Duration d = milliseconds(ms);
    StatusOr<Duration> back = ParseDuration(FormatDuration(d));
    ASSERT_TRUE(back.ok()) << FormatDuration(d);
    EXPECT_EQ(*back, d) << FormatDuration(d);
  }
}

}  // namespace
}  // namespace skewgate::api

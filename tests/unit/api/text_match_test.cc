// The hand-written matchers against POSIX ERE (regcomp), an independent engine, on the
// patterns the CRD uses; plus the edge cases where RE2 and POSIX differ (newlines).
#include "api/text_match.h"

#include <gtest/gtest.h>
#include <regex.h>

#include <random>

namespace skewgate::api::internal {
namespace {

class Posix {
 public:
  explicit Posix(const char* pattern) {
    ok_ = regcomp(&re_, pattern, REG_EXTENDED | REG_NOSUB) == 0;
  }
  ~Posix() {
    if (ok_) regfree(&re_);
  }
  bool ok() const { return ok_; }
  bool Matches(const std::string& s) const { return regexec(&re_, s.c_str(), 0, nullptr, 0) == 0; }

 private:
  regex_t re_;
  bool ok_;
};

void Compare(const char* pattern, bool (*matcher)(std::string_view), const std::string& alphabet,
             const std::vector<std::string>& seeds) {
  Posix re(pattern);
  ASSERT_TRUE(re.ok()) << pattern;
  std::mt19937 rng(42);
  std::vector<std::string> inputs = seeds;
  for (int n = 0; n < 20000; ++n) {
    std::string s = seeds[rng() % seeds.size()];
    // Mutate a seed: insert, delete or replace a few characters.
    for (int k = rng() % 4; k > 0; --k) {
      size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: s.insert(s.begin() + at, c); break;
        case 1:
          if (at < s.size()) s.erase(at, 1);
          break;
        default:
          if (at < s.size()) s[at] = c;
      }
    }
    inputs.push_back(s);
  }
  int matched = 0;
  for (const auto& s : inputs) {
    bool want = re.Matches(s);
    matched += want;
    ASSERT_EQ(matcher(s), want) << pattern << " on '" << s << "'";
  }
  EXPECT_GT(matched, 100) << "too few positive cases for " << pattern;
  EXPECT_LT(matched, static_cast<int>(inputs.size()) - 100) << "too few negative cases";
}

TEST(TextMatch, DnsSubdomainAgreesWithTheCrdPattern) {
  Compare("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", IsDnsSubdomain,
          "az09-.A_ ", {"a", "fraud-v7-baseline", "a.b-c.d0", "x--y", "", "-a", "a-", "a..b"});
}

TEST(TextMatch, DigestAgreesWithTheCrdPattern) {
  std::string hex64(64, 'a');
  Compare("^sha256:[0-9a-f]{64}$", IsSha256Digest, "0af9AFg:sh256",
          {"sha256:" + hex64, "sha256:" + std::string(63, '0'), "md5:" + hex64});
}

TEST(TextMatch, ConfigMapKeyAgreesWithTheCrdPattern) {
  Compare("^[-._a-zA-Z0-9]+$", IsConfigMapKey, "aZ0-._/ :", {"baseline.json", "a_b-C.9", ""});
}

TEST(TextMatch, ModelUriAgreesWithTheCrdPattern) {
  Compare("^(https?|file)://.+", IsModelUri, "htpsfile:/x. ",
          {"https://x/m.json", "http://a", "file:///m", "ftp://x", "https://", "http:/x"});
  // RE2's '.' does not match a newline; a newline later on does not matter (no end anchor).
  EXPECT_FALSE(IsModelUri("https://\nx"));
  EXPECT_TRUE(IsModelUri("https://x\n"));
}

TEST(TextMatch, HttpUrlAgreesWithTheCrdPattern) {
  Compare("^https?://[^[:space:]]+$", IsHttpUrl, "htps:/x. \t9",
          {"http://prometheus:9090", "https://p", "prometheus:9090", "http://a b"});
  EXPECT_FALSE(IsHttpUrl("http://a\nb"));
}

TEST(TextMatch, YamlNumberShapes) {
  Compare("^[-+]?[0-9]+$", IsDecimalInteger, "0129-+.e", {"0", "-12", "+7", "1.5", "", "-"});
  Compare("^0x[0-9a-fA-F]+$", IsHexInteger, "0x1fAG", {"0x1F", "0x", "0xg", "1x1"});
  Compare("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", IsDecimalFloat, "0129.eE-+x",
          {"1.5", ".5", "1.", "1e3", "-2.5E-3", ".", "e3", "1e", "+.5e+1"});
}

}  // namespace
}  // namespace skewgate::api::internal

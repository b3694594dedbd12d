#include "sidecar/json_doc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace skewgate::sidecar {
namespace {

TEST(JsonDoc, ParsesNestedDocumentWithKeysAndValues) {
  JsonDoc doc;
  ASSERT_EQ(doc.Parse(R"({"a": [1, -2.5e1, true, null], "b": {"c": "x\"y\u00e9"}})"),
            JsonError::kNone);
  uint32_t a = doc.Find(doc.root(), "a");
  ASSERT_NE(a, kNoNode);
  EXPECT_EQ(doc.node(a).size, 4u);
  uint32_t first = doc.node(a).first_child;
  EXPECT_EQ(doc.node(first).number, 1);
  EXPECT_EQ(doc.node(doc.node(first).next_sibling).number, -25);
  uint32_t c = doc.Find(doc.Find(doc.root(), "b"), "c");
  EXPECT_EQ(doc.node(c).text, "x\"y\xc3\xa9");
}

TEST(JsonDoc, AcceptsNanAndInfinityLiteralsAsNonFinite) {
  JsonDoc doc;
  ASSERT_EQ(doc.Parse("[NaN, Infinity, -Infinity, 1e400]"), JsonError::kNone);
  uint32_t n = doc.node(doc.root()).first_child;
  EXPECT_TRUE(std::isnan(doc.node(n).number));
  n = doc.node(n).next_sibling;
  EXPECT_EQ(doc.node(n).number, INFINITY);
  n = doc.node(n).next_sibling;
  EXPECT_EQ(doc.node(n).number, -INFINITY);
  n = doc.node(n).next_sibling;
  EXPECT_TRUE(doc.node(n).non_finite);
}

TEST(JsonDoc, RefusesBrokenDocumentsWithAReason) {
  JsonDoc doc;
  EXPECT_EQ(doc.Parse(""), JsonError::kSyntax);
  EXPECT_EQ(doc.Parse("{"), JsonError::kSyntax);
  EXPECT_EQ(doc.Parse("{\"a\":1,}"), JsonError::kSyntax);
  EXPECT_EQ(doc.Parse("[1 2]"), JsonError::kSyntax);
  EXPECT_EQ(doc.Parse("01"), JsonError::kSyntax);
  EXPECT_EQ(doc.Parse("[1.]"), JsonError::kSyntax);
  EXPECT_EQ(doc.Parse("\"\\x\""), JsonError::kSyntax);
  EXPECT_EQ(doc.Parse("nul"), JsonError::kSyntax);
  EXPECT_EQ(doc.Parse("{} extra"), JsonError::kSyntax);
  EXPECT_EQ(doc.Parse("\"\xff\""), JsonError::kInvalidUtf8);
  EXPECT_EQ(doc.Parse("\"\\ud800\""), JsonError::kInvalidUtf8);
  EXPECT_EQ(doc.node_count(), 0u);
}

TEST(JsonDoc, DeepNestingIsRefusedNotRecursed) {
  JsonDoc doc;
  std::string deep(100000, '[');
  EXPECT_EQ(doc.Parse(deep), JsonError::kTooDeep);
  std::string ok(64, '[');
  ok += std::string(64, ']');
  EXPECT_EQ(doc.Parse(ok), JsonError::kNone);
  std::string over(65, '[');
  over += std::string(65, ']');
  EXPECT_EQ(doc.Parse(over), JsonError::kTooDeep);
}

TEST(JsonDoc, NodeLimitBoundsMemory) {
  JsonDoc doc(JsonLimits{64, 10});
  EXPECT_EQ(doc.Parse("[1,2,3,4,5,6,7,8,9]"), JsonError::kNone);
  EXPECT_EQ(doc.Parse("[1,2,3,4,5,6,7,8,9,10]"), JsonError::kTooLarge);
}

TEST(JsonDoc, ReuseKeepsEscapedStringsValid) {
  JsonDoc doc;
  std::string text = R"(["a\nb", "c\td", "plain"])";
  ASSERT_EQ(doc.Parse(text), JsonError::kNone);
  uint32_t n = doc.node(doc.root()).first_child;
  EXPECT_EQ(doc.node(n).text, "a\nb");
  EXPECT_EQ(doc.node(doc.node(n).next_sibling).text, "c\td");
  ASSERT_EQ(doc.Parse("[\"\\u0041\\ud83d\\ude00\"]"), JsonError::kNone);
  EXPECT_EQ(doc.node(doc.node(doc.root()).first_child).text, "A\xf0\x9f\x98\x80");
}

}  // namespace
}  // namespace skewgate::sidecar

#include "api/manifest_yaml.h"

#include <gtest/gtest.h>

namespace skewgate::api {
namespace {

using nlohmann::json;

json One(const std::string& text) {
  auto docs = ParseYamlManifests(text);
  EXPECT_TRUE(docs.ok()) << docs.status().ToString();
  if (!docs.ok() || docs->size() != 1) return nullptr;
  return (*docs)[0].object;
}

TEST(ManifestYaml, TypesScalarsLikeKubectl) {
  json j = One(R"(
a: 1
b: -7
c: 0.5
d: true
e: "true"
f: '10'
g: null
h: ~
i:
j: yes
k: 1e3
l: 30s
m: 0x1F
n: 99999999999999999999
o: |
  two
  lines
)");
  EXPECT_EQ(j["a"], 1);
  EXPECT_TRUE(j["a"].is_number_integer());
  EXPECT_EQ(j["b"], -7);
  EXPECT_EQ(j["c"], 0.5);
  EXPECT_EQ(j["d"], true);
  EXPECT_EQ(j["e"], "true");
  EXPECT_EQ(j["f"], "10");
  EXPECT_TRUE(j["g"].is_null());
  EXPECT_TRUE(j["h"].is_null());
  EXPECT_TRUE(j["i"].is_null());
  EXPECT_EQ(j["j"], true);
  EXPECT_TRUE(j["k"].is_number_float());
  EXPECT_EQ(j["k"], 1000.0);
  EXPECT_EQ(j["l"], "30s");
  EXPECT_EQ(j["m"], 31u);
  EXPECT_TRUE(j["n"].is_number_float());
  EXPECT_EQ(j["o"], "two\nlines\n");
}

TEST(ManifestYaml, RecordsTheLineOfEveryField) {
  auto docs = ParseYamlManifests(R"(# comment
apiVersion: v1
spec:
  steps:
  - setWeight: 10
  - pause: {}
---
kind: Second
)");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 2u);
  const ManifestDocument& d = (*docs)[0];
  EXPECT_EQ(d.LineOf("apiVersion"), 2);
  EXPECT_EQ(d.LineOf("spec.steps"), 4);
  EXPECT_EQ(d.LineOf("spec.steps[0].setWeight"), 5);
  EXPECT_EQ(d.LineOf("spec.steps[1].pause"), 6);
  // A missing field points at its nearest existing ancestor.
  EXPECT_EQ(d.LineOf("spec.steps[1].pause.duration"), 6);
  EXPECT_EQ(d.LineOf("spec.model.digest"), 3);
  EXPECT_EQ((*docs)[1].LineOf("kind"), 8);
  EXPECT_EQ((*docs)[1].object["kind"], "Second");
}

TEST(ManifestYaml, SkipsEmptyDocuments) {
  auto docs = ParseYamlManifests("---\n# nothing\n---\na: 1\n---\n");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].line, 4);
}

TEST(ManifestYaml, ErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* fragment;
  } cases[] = {
      {"a: 1\nb: [1, 2\n", "invalid YAML"},
      {"a: 1\na: 2\n", "line 2: duplicate key \"a\""},
      {"a: .inf\n", "line 1: .inf cannot be represented"},
      {"a:\n  b: 1\n   c: 2\n", "line 3"},
      {"? [1, 2]\n: x\n", "mapping keys must be plain strings"},
  };
  for (const auto& c : cases) {
    auto docs = ParseYamlManifests(c.text);
    ASSERT_FALSE(docs.ok()) << c.text;
    EXPECT_EQ(docs.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(docs.status().message().find(c.fragment), std::string::npos)
        << c.text << " → " << docs.status().message();
  }
}

TEST(ManifestYaml, AliasBombIsRefusedNotExpanded) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  auto docs = ParseYamlManifests(text);
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.status().message().find("document too large"), std::string::npos);
}

TEST(ManifestYaml, DeepNestingIsRefused) {
  std::string text = std::string(200, '[') + std::string(200, ']') + "\n";
  auto docs = ParseYamlManifests(text);
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.status().message().find("nesting deeper than"), std::string::npos)
      << docs.status().message();
}

}  // namespace
}  // namespace skewgate::api

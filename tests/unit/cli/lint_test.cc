// `skewgate lint`: exit codes, file:line locations and messages, multi-document files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/command.h"

namespace skewgate::cli {
namespace {

struct LintRun {
  int code;
  std::string out;
  std::string err;
};

LintRun Lint(const std::vector<std::string>& files) {
  std::vector<std::string> args = {"lint"};
  args.insert(args.end(), files.begin(), files.end());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int code = RunCli(args);
  std::string out = ::testing::internal::GetCapturedStdout();
  std::string err = ::testing::internal::GetCapturedStderr();
  return {code, out, err};
}

std::string Write(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/lint_test_" + name;
  std::ofstream(path) << text;
  return path;
}

const char* kValid = R"(apiVersion: skewgate.io/v1alpha1
kind: ModelDeployment
metadata:
  name: iris
spec:
  model:
    uri: https://models.example.com/iris.json
    digest: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
  baseline:
    configMapRef: {name: iris-baseline}
  template:
    spec:
      containers: [{name: server, image: "s:1"}]
  strategy:
    canary:
      steps:
      - setWeight: 10
      - pause: {duration: 2m}
)";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(Lint, ValidFileIsOk) {
  LintRun r = Lint({Write("valid.yaml", kValid)});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("ok (1 ModelDeployment)"), std::string::npos) << r.out;
}

TEST(Lint, EveryExampleInTheRepositoryIsValid) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(SKEWGATE_SOURCE_DIR "/examples")) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  ASSERT_GE(files.size(), 5u);
  LintRun r = Lint(files);
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST(Lint, ProblemsPointAtFileLineAndField) {
  std::string text = Replace(kValid, "setWeight: 10", "setWeight: 150");
  text = Replace(text, "duration: 2m", "duration: 2 minutes");
  std::string path = Write("bad.yaml", text);
  LintRun r = Lint({path});
  EXPECT_EQ(r.code, 1);
  // The codec stops at the first undecodable value (the duration, line 18).
  EXPECT_NE(r.out.find(path + ":18: spec.strategy.canary.steps[1].pause.duration: must be a "
                              "duration like 30s"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 problem found"), std::string::npos) << r.out;

  path = Write("bad2.yaml", Replace(kValid, "setWeight: 10", "setWeight: 150"));
  r = Lint({path});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(
      r.out.find(path + ":17: spec.strategy.canary.steps[0].setWeight: should be less than or "
                        "equal to 100"),
      std::string::npos)
      << r.out;
}

TEST(Lint, MissingFieldPointsAtItsParent) {
  std::string path = Write(
      "nodigest.yaml",
      Replace(
          kValid,
          "    digest: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
          ""));
  LintRun r = Lint({path});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(path + ":6: spec.model.digest: Required value"), std::string::npos) << r.out;
}

TEST(Lint, MultiDocumentFilesAndListsAreLintedObjectByObject) {
  std::string text = std::string("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\n") +
                     kValid + "---\n" + Replace(kValid, "uri: https://", "uri: ftp://");
  std::string path = Write("multi.yaml", text);
  LintRun r = Lint({path});
  EXPECT_EQ(r.code, 1);
  // Lines 1-3 ConfigMap, 4 "---", 5-22 first model, 23 "---", 24 the third document; its
  // uri is its 7th line: 30.
  EXPECT_NE(r.out.find(path + ":30: spec.model.uri: must start with http://"), std::string::npos)
      << r.out;

  std::string list =
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: skewgate.io/v1alpha1\n"
      "  kind: ModelDeployment\n  metadata: {name: a}\n  spec:\n    replicas: -1\n";
  path = Write("list.yaml", list);
  r = Lint({path});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(path + ":7: spec.model: Required value"), std::string::npos) << r.out;
}

TEST(Lint, SkipsOtherKindsButFailsWhenThereIsNoModelDeployment) {
  std::string path = Write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
  LintRun r = Lint({path});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no ModelDeployment found"), std::string::npos) << r.out;
  path = Write("mixed.yaml", std::string("kind: ConfigMap\n---\n") + kValid);
  r = Lint({path});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("1 other objects skipped"), std::string::npos) << r.out;
}

TEST(Lint, BrokenInputIsOneClearError) {
  LintRun r = Lint({::testing::TempDir() + "/does-not-exist.yaml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("cannot open"), std::string::npos) << r.out;
  std::string path = Write("broken.yaml", "a: [1,\nb: 2\n");
  r = Lint({path});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(path + ": line "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("invalid YAML"), std::string::npos) << r.out;
  path = Write("dup.yaml", std::string(kValid) + "metadata: {name: again}\n");
  r = Lint({path});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("duplicate key \"metadata\""), std::string::npos) << r.out;
}

TEST(Lint, UsageErrors) {
  EXPECT_EQ(Lint({}).code, 2);
  EXPECT_EQ(Lint({"--frobnicate", "x.yaml"}).code, 2);
  LintRun r = Lint({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("skewgate lint FILE"), std::string::npos) << r.out;
}

TEST(Lint, QuietPrintsOnlyProblems) {
  LintRun r = Lint({"--quiet", Write("quiet.yaml", kValid)});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace skewgate::cli

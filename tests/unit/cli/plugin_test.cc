// Unit tests of the plugin's pieces that need no cluster: telling a missing object from a
// missing CRD and a forbidden read (through a scripted HTTP transport), the one-line error
// texts, colour rules, the YAML output, the skew bars' order, history numbering and the
// choice of the revision `undo` goes back to.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "api/manifest_yaml.h"
#include "cli/plugin_kube.h"
#include "cli/plugin_render.h"
#include "cli/plugin_undo.h"
#include "kube/client.h"
#include "unit/kube/fake_transport.h"

namespace skewgate::cli {
namespace {

using nlohmann::json;

kube::HttpResponse Reply(int code, const std::string& body) {
  return {code, {{"content-type", "application/json"}}, body};
}

std::string StatusBody(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
              {"code", code},     {"reason", reason},   {"message", message}}
      .dump();
}

KubeSession Session(kube::FakeTransport& t) {
  kube::KubeConfig cfg;
  cfg.server = "https://127.0.0.1:6443";
  cfg.source = "test";
  return {kube::NewClientWithTransport(cfg, t.Share()), "ml"};
}

TEST(PluginKubeTest, AMissingObjectSaysHowToList) {
  kube::FakeTransport t;
  t.Push(Reply(404, StatusBody(404, "NotFound", "modeldeployments \"x\" not found")));
  t.Push(Reply(200, R"({"kind":"ModelDeploymentList","metadata":{},"items":[]})"));
  auto s = Session(t);
  auto md = GetModelDeployment(s, "x");
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(md.status().message(),
            "modeldeployment \"x\" not found in namespace ml; list them with 'kubectl get "
            "modeldeployments -n ml'");
}

TEST(PluginKubeTest, AClusterWithoutTheCrdSaysHowToInstallIt) {
  kube::FakeTransport t;
  // The API server answers an unknown group with a plain 404 page, for get and list alike.
  t.Push(Reply(404, "404 page not found"));
  t.Push(Reply(404, "404 page not found"));
  auto s = Session(t);
  auto md = GetModelDeployment(s, "x");
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(md.status().message().find("CRD modeldeployments.skewgate.io is not installed"),
            std::string::npos)
      << md.status().message();
  EXPECT_NE(md.status().message().find("kubectl apply -f crds/"), std::string::npos);
  ASSERT_EQ(t.requests().size(), 2u);
  EXPECT_NE(t.requests()[1].target.find("limit=1"), std::string::npos) << t.requests()[1].target;
}

TEST(PluginKubeTest, ForbiddenNamesTheVerbAndHowToCheck) {
  kube::FakeTransport t;
  t.Push(Reply(403, StatusBody(403, "Forbidden", "no")));
  auto s = Session(t);
  auto md = GetModelDeployment(s, "x");
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.status().message(),
            "forbidden: you may not get modeldeployments.skewgate.io in namespace ml; ask a "
            "cluster admin for that RBAC permission (kubectl auth can-i get "
            "modeldeployments.skewgate.io -n ml)");
}

TEST(PluginKubeTest, ColourNeverWithNoColorAndNeverOffATerminal) {
  // The test's stdout is a pipe or a file under ctest: no colour either way.
  setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(ColorEnabled());
  unsetenv("NO_COLOR");
  if (!isatty(STDOUT_FILENO)) {
    EXPECT_FALSE(ColorEnabled());
  }
  EXPECT_EQ(Paint("x", Color::kRed, false), "x");
  EXPECT_EQ(Paint("x", Color::kRed, true), "\033[31mx\033[0m");
}

TEST(PluginKubeTest, AgesAreKubectlLike) {
  TimePoint t0 = FromUnixSeconds(1'000'000);
  EXPECT_EQ(Age(t0, t0 + std::chrono::seconds(45)), "45s");
  EXPECT_EQ(Age(t0, t0 + std::chrono::minutes(12)), "12m");
  EXPECT_EQ(Age(t0, t0 + std::chrono::hours(3)), "3h");
  EXPECT_EQ(Age(t0, t0 + std::chrono::hours(24 * 5)), "5d");
  EXPECT_EQ(Age(t0 + std::chrono::seconds(5), t0), "0s");  // clock skew
}

TEST(PluginRenderTest, YamlRoundTripsThroughAYamlParser) {
  json v = json::parse(R"({"metadata": {"name": "a", "labels": {"app.kubernetes.io/x": "y"}},
    "spec": {"n": 3, "f": 0.5, "b": true, "nil": null, "empty": {}, "list": [],
      "s": "line1\nline2: \"quoted\" # not a comment", "yes": "yes", "num": "0123",
      "steps": [{"setWeight": 10}, {"pause": {}}, {"pause": {"duration": "5m"}}],
      "nested": [[1, 2], ["a"]], "weird key": "-"}})");
  auto docs = api::ParseYamlManifests(ToYaml(v));
  ASSERT_TRUE(docs.ok()) << docs.status().message() << "\n" << ToYaml(v);
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].object, v) << ToYaml(v);
}

json WithAnalysis() {
  return json::parse(R"({"metadata": {"name": "m"}, "status": {"lastAnalysis": {
    "revision": "r2", "time": "2026-01-02T03:10:00Z", "verdict": "Failed", "samples": 10,
    "features": [
      {"name": "small", "metric": "jensenShannon", "score": 0.02, "threshold": 0.1, "samples": 9, "verdict": "Pass"},
      {"name": "worst", "metric": "jensenShannon", "score": 0.2, "threshold": 0.05, "samples": 9, "verdict": "Fail", "critical": true},
      {"name": "mid", "metric": "lInfinity", "score": 0.08, "threshold": 0.1, "samples": 9, "verdict": "Pass"}]}}})");
}

TEST(PluginRenderTest, SkewBarsAreWorstFirstByScoreOverThreshold) {
  std::string out = RenderSkew(WithAnalysis(), 20, false);
  size_t worst = out.find("worst"), mid = out.find("mid"), small = out.find("small");
  ASSERT_NE(worst, std::string::npos) << out;
  EXPECT_LT(worst, mid);
  EXPECT_LT(mid, small);
  EXPECT_NE(out.find("0.2000 > 0.05"), std::string::npos) << out;
  EXPECT_NE(out.find("Fail (critical)"), std::string::npos) << out;
  EXPECT_EQ(out.find("\033["), std::string::npos);
  EXPECT_NE(RenderSkew(WithAnalysis(), 20, true).find("\033[31m"), std::string::npos);
  EXPECT_NE(RenderSkew(json::parse(R"({"metadata":{"name":"m"},"status":{}})"), 20, false)
                .find("no analysis has run"),
            std::string::npos);
}

TEST(PluginRenderTest, SkewDrawsBaselineAgainstLiveHistogramsWorstFeatureFirst) {
  json md = WithAnalysis();
  json& fs = md["status"]["lastAnalysis"]["features"];
  fs[1]["histogram"] = json::parse(R"j([{"bucket": "< 10", "baseline": 0.5, "live": 0.1},
    {"bucket": "[10, 20)", "baseline": 0.5, "live": 0.4},
    {"bucket": "NaN", "baseline": 0, "live": 0.5}])j");
  fs[0]["histogram"] = json::parse(R"j([{"bucket": "de", "baseline": 0.25, "live": 0.25},
    {"bucket": "fr", "baseline": 0.75, "live": 0.75}])j");
  std::string out = RenderSkew(md, 20, false);
  // Bars scale to the largest share of the feature (0.5 here fills all 20 columns).
  const std::string worst_rows =
      "    < 10       50.0% ====================  10.0% ####\n"
      "    [10, 20)   50.0% ====================  40.0% ################\n"
      "    NaN         0.0%                       50.0% ####################\n";
  size_t worst = out.find("\n  worst (jensenShannon 0.2000, Fail)\n" + worst_rows);
  size_t small = out.find("\n  small (jensenShannon 0.0200, Pass)\n");
  ASSERT_NE(worst, std::string::npos) << out;
  ASSERT_NE(small, std::string::npos) << out;
  EXPECT_LT(worst, small) << "worst feature's histogram first";
  EXPECT_EQ(out.find("\n  mid ("), std::string::npos) << "mid has no histogram to draw";
  // A tiny share still shows one mark; no share shows none.
  std::string tiny =
      RenderHistogram({{"a", 1.0, 0.001}, {"b", 0.0, 0.0}}, 10, 0, Color::kNone, false);
  EXPECT_EQ(tiny, "a       100.0% ==========   0.1% #\nb         0.0%              0.0%\n");
}

json WithHistory(const std::string& stable, const std::string& canary) {
  json md = {{"metadata", {{"name", "m"}}},
             {"status",
              {{"stableRevision", stable},
               {"canaryRevision", canary},
               {"history",
                {{{"revision", "cccc"}, {"outcome", "Active"}},
                 {{"revision", "bbbb"}, {"outcome", "Promoted"}},
                 {{"revision", "bbbx"}, {"outcome", "Aborted"}},
                 {{"revision", "aaaa"}, {"outcome", "Promoted"}}}}}}};
  return md;
}

TEST(PluginUndoTest, TargetsFollowHistoryNumbersHashesAndDefaults) {
  std::string why;
  // A canary in flight: back to stable.
  EXPECT_EQ(ResolveUndoTarget(WithHistory("bbbb", "cccc"), "", &why), "bbbb");
  // Nothing in flight: the newest promoted revision that is not the stable one.
  EXPECT_EQ(ResolveUndoTarget(WithHistory("bbbb", ""), "", &why), "aaaa");
  // Numbers as `history` shows them: oldest is 1.
  EXPECT_EQ(HistoryNumber(WithHistory("", "")["status"]["history"], 0), 4);
  EXPECT_EQ(ResolveUndoTarget(WithHistory("bbbb", ""), "1", &why), "aaaa");
  EXPECT_EQ(ResolveUndoTarget(WithHistory("bbbb", ""), "4", &why), "cccc");
  EXPECT_EQ(ResolveUndoTarget(WithHistory("bbbb", ""), "aa", &why), "aaaa");
  why.clear();
  EXPECT_EQ(ResolveUndoTarget(WithHistory("bbbb", ""), "bbb", &why), "");
  EXPECT_NE(why.find("ambiguous"), std::string::npos) << why;
  EXPECT_EQ(ResolveUndoTarget(WithHistory("bbbb", ""), "9", &why), "");
  EXPECT_NE(why.find("no revision '9'"), std::string::npos) << why;
  EXPECT_EQ(ResolveUndoTarget(WithHistory("bbbb", ""), "bbbb", &why), "");
  EXPECT_NE(why.find("already the stable revision"), std::string::npos) << why;
  json only = {{"status",
                {{"stableRevision", "aaaa"},
                 {"history", {{{"revision", "aaaa"}, {"outcome", "Promoted"}}}}}}};
  EXPECT_EQ(ResolveUndoTarget(only, "", &why), "");
  EXPECT_NE(why.find("no earlier promoted revision"), std::string::npos) << why;
}

TEST(PluginRenderTest, TreeOfAnUnreconciledObjectSaysSo) {
  TreeInput in;
  in.md = json::parse(R"({"metadata": {"name": "m", "namespace": "ml", "generation": 2},
    "spec": {"replicas": 3, "paused": true}, "status": {"observedGeneration": 1}})");
  std::string out = RenderTree(in);
  EXPECT_NE(out.find("Status:        ? Unknown"), std::string::npos) << out;
  EXPECT_NE(out.find("has not observed generation 2"), std::string::npos) << out;
  EXPECT_NE(out.find("spec.paused is true"), std::string::npos) << out;
  EXPECT_NE(out.find("Strategy:      Replace"), std::string::npos) << out;
  EXPECT_NE(out.find("Events: <none>"), std::string::npos) << out;
}

}  // namespace
}  // namespace skewgate::cli

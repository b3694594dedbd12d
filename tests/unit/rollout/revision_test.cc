#include "rollout/revision.h"

#include <gtest/gtest.h>

#include "world.h"

namespace skewgate::rollout {
namespace {

using sim::CanarySpec;
using sim::DirectSpec;
using sim::SetWeight;

TEST(RevisionHash, ShortLowercaseHexAndStable) {
  const std::string h = RevisionHash(DirectSpec(), "sha256:b");
  ASSERT_EQ(h.size(), kRevisionHashLength);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(RevisionHash(DirectSpec(), "sha256:b"), h);
}

// What changes a pod's behaviour changes the revision; what only says how many pods or how
// to roll out does not.
TEST(RevisionHash, ContentTable) {
  const api::ModelDeploymentSpec base = CanarySpec({SetWeight(10)});
  const std::string h = RevisionHash(base, "sha256:b");
  struct Case {
    const char* what;
    void (*edit)(api::ModelDeploymentSpec*);
    bool changes;
  };
  const Case cases[] = {
      {"replicas", [](api::ModelDeploymentSpec* s) { s->replicas = 9; }, false},
      {"steps", [](api::ModelDeploymentSpec* s) { s->strategy.canary->steps = {SetWeight(50)}; },
       false},
      {"no strategy", [](api::ModelDeploymentSpec* s) { s->strategy.canary.reset(); }, false},
      {"deadline", [](api::ModelDeploymentSpec* s) { s->progress_deadline_seconds = 60; }, false},
      {"paused", [](api::ModelDeploymentSpec* s) { s->paused = true; }, false},
      {"history", [](api::ModelDeploymentSpec* s) { s->revision_history_limit = 2; }, false},
      {"baseline ref only",
       [](api::ModelDeploymentSpec* s) { s->baseline.config_map_ref.name = "x"; }, false},
      {"model digest",
       [](api::ModelDeploymentSpec* s) { s->model.digest = "sha256:" + std::string(64, 'b'); },
       true},
      {"model uri", [](api::ModelDeploymentSpec* s) { s->model.uri = "file:///m.json"; }, true},
      {"image",
       [](api::ModelDeploymentSpec* s) {
         s->pod_template["spec"]["containers"][0]["image"] = "registry.example.com/server:2";
       },
       true},
      {"env",
       [](api::ModelDeploymentSpec* s) {
         s->pod_template["spec"]["containers"][0]["env"] = {{{"name", "A"}, {"value", "1"}}};
       },
       true},
      {"sidecar protocol",
       [](api::ModelDeploymentSpec* s) { s->sidecar.protocol = api::PayloadProtocol::kV2; }, true},
      {"sidecar port", [](api::ModelDeploymentSpec* s) { s->sidecar.port = 9000; }, true},
      {"feature names", [](api::ModelDeploymentSpec* s) { s->sidecar.feature_names = {"a"}; },
       true},
  };
  for (const Case& c : cases) {
    api::ModelDeploymentSpec s = base;
    c.edit(&s);
    EXPECT_EQ(RevisionHash(s, "sha256:b") != h, c.changes) << c.what;
  }
  EXPECT_NE(RevisionHash(base, "sha256:c"), h) << "baseline digest";
}

TEST(RevisionHash, JsonKeyOrderDoesNotMatter) {
  api::ModelDeploymentSpec a = DirectSpec();
  api::ModelDeploymentSpec b = DirectSpec();
  a.pod_template["metadata"] = nlohmann::json::parse(R"({"labels":{"x":"1","y":"2"}})");
  b.pod_template["metadata"] = nlohmann::json::parse(R"({"labels":{"y":"2","x":"1"}})");
  EXPECT_EQ(RevisionHash(a, "d"), RevisionHash(b, "d"));
}

TEST(ReplicaSetName, NameDashRevision) {
  EXPECT_EQ(ReplicaSetName("fraud", "0123456789"), "fraud-0123456789");
}

TEST(ModelServerImage, FirstContainerOrEmpty) {
  EXPECT_EQ(ModelServerImage(DirectSpec()), "registry.example.com/server:1");
  api::ModelDeploymentSpec s = DirectSpec();
  s.pod_template = nlohmann::json::object();
  EXPECT_EQ(ModelServerImage(s), "");
  s.pod_template = {{"spec", {{"containers", nlohmann::json::array()}}}};
  EXPECT_EQ(ModelServerImage(s), "");
  s.pod_template = {{"spec", {{"containers", {{{"name", "a"}, {"image", 3}}}}}}};
  EXPECT_EQ(ModelServerImage(s), "");
}

}  // namespace
}  // namespace skewgate::rollout

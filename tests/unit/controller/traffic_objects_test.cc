// Services and HTTPRoute weights as data, and the comparisons that keep a steady state at
// zero writes.
#include "controller/traffic_objects.h"

#include <gtest/gtest.h>

#include "controller/labels.h"
#include "unit/controller/test_objects.h"

namespace skewgate::controller {
namespace {

using nlohmann::json;

TEST(ServiceTest, OneRevisionPinsTheSelectorTwoSelectEveryServingPod) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  json one = BuildService(md, "fraud-stable", {"aaa"});
  EXPECT_EQ(one["spec"]["selector"],
            json({{kLabelModelDeployment, "fraud"}, {kLabelRevision, "aaa"}}));
  json two = BuildService(md, "fraud", {"aaa", "bbb"});
  EXPECT_EQ(two["spec"]["selector"], json({{kLabelModelDeployment, "fraud"}}));
  EXPECT_EQ(two["spec"]["ports"][0]["port"], 8080);
  EXPECT_EQ(two["spec"]["ports"][0]["targetPort"], 8080);
  EXPECT_EQ(two["metadata"]["ownerReferences"][0]["uid"], "md-uid-1");
}

TEST(ServiceTest, MatchesWhatTheServerStoresAndNoticesDrift) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  json desired = BuildService(md, "fraud", {"aaa"});
  json stored = desired;  // as the API server returns it: defaults added
  stored["metadata"]["resourceVersion"] = "7";
  stored["metadata"]["labels"]["extra"] = "kept";
  stored["spec"]["clusterIP"] = "10.0.0.12";
  stored["spec"]["sessionAffinity"] = "None";
  stored["spec"]["ports"][0]["nodePort"] = nullptr;
  stored["spec"]["ports"][0].erase("nodePort");
  stored["status"] = {{"loadBalancer", json::object()}};
  EXPECT_TRUE(ServiceMatches(stored, desired));

  json moved = stored;
  moved["spec"]["selector"][kLabelRevision] = "bbb";
  EXPECT_FALSE(ServiceMatches(moved, desired));
  json port = stored;
  port["spec"]["ports"][0]["targetPort"] = 9999;
  EXPECT_FALSE(ServiceMatches(port, desired));
  json orphan = stored;
  orphan["metadata"]["ownerReferences"][0]["uid"] = "someone-else";
  EXPECT_FALSE(ServiceMatches(orphan, desired));
  EXPECT_FALSE(ServiceMatches(json(), desired));
}

TEST(ServiceTest, PatchSetsTheSelectorExactlyNullingKeysNoLongerWanted) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  json stored = BuildService(md, "fraud", {"aaa"});
  stored["metadata"]["labels"]["extra"] = "kept";
  stored["spec"]["clusterIP"] = "10.0.0.12";
  json desired = BuildService(md, "fraud", {"aaa", "bbb"});
  json patch = ServicePatch(stored, desired);
  EXPECT_EQ(patch["spec"]["selector"],
            json({{kLabelModelDeployment, "fraud"}, {kLabelRevision, nullptr}}));
  EXPECT_EQ(patch["spec"]["ports"], desired["spec"]["ports"]);
  EXPECT_FALSE(patch["spec"].contains("clusterIP"));
  json patched = stored;
  patched.merge_patch(patch);
  EXPECT_TRUE(ServiceMatches(patched, desired));
  EXPECT_EQ(patched["metadata"]["labels"]["extra"], "kept");
  EXPECT_EQ(patched["spec"]["clusterIP"], "10.0.0.12");

  // And back to one revision: the key is set again.
  json one = BuildService(md, "fraud", {"bbb"});
  patched.merge_patch(ServicePatch(patched, one));
  EXPECT_TRUE(ServiceMatches(patched, one));
}

json Route() {
  return json::parse(R"({
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "fraud-route", "namespace": "ml", "resourceVersion": "42"},
    "spec": {"parentRefs": [{"name": "gw"}], "hostnames": ["fraud.example.com"],
      "rules": [
        {"matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}],
         "backendRefs": [{"name": "fraud-stable", "port": 8080, "weight": 100},
                         {"name": "fraud-canary", "port": 8080, "weight": 0}]},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/legacy"}}],
         "backendRefs": [{"name": "legacy", "port": 80}]}]}})");
}

TEST(RouteTest, SetsOnlyTheWeightsOfOurBackendsPinnedToTheResourceVersion) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  rollout::RouteWeights w{"aaa", 75, "bbb", 25};
  StatusOr<std::optional<json>> body = RouteWeightsApply(md, Route(), w);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  ASSERT_TRUE(body->has_value());
  const json& b = **body;
  EXPECT_EQ(b["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(b["metadata"]["name"], "fraud-route");
  EXPECT_FALSE(b["spec"].contains("parentRefs")) << "only rules are applied";
  EXPECT_FALSE(b["spec"].contains("hostnames"));
  json expected = Route()["spec"]["rules"];
  expected[0]["backendRefs"][0]["weight"] = 75;
  expected[0]["backendRefs"][1]["weight"] = 25;
  EXPECT_EQ(b["spec"]["rules"], expected) << "matches and the other rule are carried unchanged";
}

TEST(RouteTest, NothingToWriteWhenTheWeightsAreThere) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  StatusOr<std::optional<json>> body = RouteWeightsApply(md, Route(), {"aaa", 100, "", 0});
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE(body->has_value());
}

TEST(RouteTest, ARouteThatDoesNotReferenceOurServicesIsAPreconditionFailure) {
  api::ModelDeployment md = testing::Md("ml", "fraud");
  json route = Route();
  route["spec"]["rules"].erase(0);
  StatusOr<std::optional<json>> body = RouteWeightsApply(md, route, {});
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(body.status().message().find("fraud-stable"), std::string::npos)
      << body.status().message();
}

}  // namespace
}  // namespace skewgate::controller

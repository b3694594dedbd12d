// The pod shape as data: the ReplicaSet of a revision, its pod template (fetch init
// container, sidecar, volumes, labels) and the sidecar's settings, which must parse with
// the sidecar's own parser.
#include "controller/pod_shape.h"

#include <gtest/gtest.h>

#include "api/codec.h"
#include "controller/labels.h"
#include "rollout/revision.h"
#include "sidecar/sidecar_config.h"
#include "unit/controller/test_objects.h"

namespace skewgate::controller {
namespace {

using nlohmann::json;

const json* Named(const json& list, const std::string& name) {
  for (const json& c : list) {
    if (c.value("name", "") == name) return &c;
  }
  return nullptr;
}

class PodShapeTest : public ::testing::Test {
 protected:
  api::ModelDeployment md = testing::Md("ml", "fraud");
  RevisionObjects Rev(int32_t replicas = 3) {
    return RevisionObjects{md, "3f2a9c01b7", replicas, "skewgate:test", std::nullopt};
  }
};

TEST_F(PodShapeTest, ReplicaSetIsNamedLabelledAndOwnedByTheModelDeployment) {
  json rs = BuildReplicaSet(Rev(3));
  EXPECT_EQ(rs["apiVersion"], "apps/v1");
  EXPECT_EQ(rs["kind"], "ReplicaSet");
  EXPECT_EQ(rs["metadata"]["name"], "fraud-3f2a9c01b7");
  EXPECT_EQ(rs["metadata"]["namespace"], "ml");
  EXPECT_EQ(rs["metadata"]["labels"][kLabelModelDeployment], "fraud");
  EXPECT_EQ(rs["metadata"]["labels"][kLabelRevision], "3f2a9c01b7");
  ASSERT_EQ(rs["metadata"]["ownerReferences"].size(), 1u);
  const json& owner = rs["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["apiVersion"], "skewgate.io/v1alpha1");
  EXPECT_EQ(owner["kind"], "ModelDeployment");
  EXPECT_EQ(owner["name"], "fraud");
  EXPECT_EQ(owner["uid"], "md-uid-1");
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(owner["blockOwnerDeletion"], true);
  EXPECT_EQ(rs["spec"]["replicas"], 3);
  // The selector must match the template's labels or the API server rejects the ReplicaSet.
  json selector = rs["spec"]["selector"]["matchLabels"];
  json labels = rs["spec"]["template"]["metadata"]["labels"];
  for (auto& [k, v] : selector.items()) EXPECT_EQ(labels[k], v) << k;
  EXPECT_EQ(labels["team"], "risk") << "the user's labels are kept";
}

TEST_F(PodShapeTest, ReplicaSetRecordsTheSpecThatMakesItsRevision) {
  md.spec.sidecar.feature_names = {"amount", "country"};
  json rs = BuildReplicaSet(Rev());
  const json& ann = rs["metadata"]["annotations"];
  ASSERT_TRUE(ann.contains(api::kAnnotationRevisionSpec)) << rs["metadata"];
  json recorded = json::parse(ann[api::kAnnotationRevisionSpec].get<std::string>());
  std::vector<std::string> keys;
  for (auto& [k, v] : recorded.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"baseline", "model", "sidecar", "template"}));
  EXPECT_EQ(recorded["model"]["digest"], md.spec.model.digest);
  EXPECT_EQ(recorded["sidecar"]["featureNames"], json({"amount", "country"}));

  // Another spec (other model, replicas, strategy) with the recorded fields put back is
  // the same revision: what `skewgate undo` relies on.
  api::ModelDeployment other = *api::FromJson(testing::MdJson("ml", "fraud", "b"));
  other.spec.replicas = 7;
  other.spec.sidecar = {};
  json spec = api::ToJson(other.spec);
  ASSERT_NE(rollout::RevisionHash(other.spec, "sha256:base"),
            rollout::RevisionHash(md.spec, "sha256:base"));
  for (auto& [k, v] : recorded.items()) spec[k] = v;
  auto restored = api::SpecFromJson(spec);
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(rollout::RevisionHash(*restored, "sha256:base"),
            rollout::RevisionHash(md.spec, "sha256:base"));
  EXPECT_EQ(restored->replicas, 7) << "only the revision's fields come back";
}

TEST_F(PodShapeTest, FetchInitContainerRunsFirstAndFailsClosedOnTheDigest) {
  md.spec.pod_template["spec"]["initContainers"] = {{{"name", "warmup"}, {"image", "busybox"}}};
  json spec = BuildPodTemplate(Rev())["spec"];
  ASSERT_EQ(spec["initContainers"].size(), 2u);
  const json& fetch = spec["initContainers"][0];
  EXPECT_EQ(fetch["name"], kFetchContainer);
  EXPECT_EQ(fetch["image"], "skewgate:test");
  EXPECT_EQ(fetch["command"], json({"skewgate"}));
  EXPECT_EQ(fetch["args"], json({"fetch", "--uri", "https://models.example.com/fraud/model.json",
                                 "--digest", "sha256:" + std::string(64, 'a'), "--to", "/models"}));
  EXPECT_EQ(fetch["volumeMounts"][0]["name"], kModelVolume);
  EXPECT_EQ(spec["initContainers"][1]["name"], "warmup") << "the user's init containers follow";

  md.spec.model.uri = "http://models.internal/m.json";
  json args = BuildPodTemplate(Rev())["spec"]["initContainers"][0]["args"];
  EXPECT_EQ(args.back(), "--allow-http");
}

TEST_F(PodShapeTest, SidecarContainerHasPortsProbeConfigBaselineAndPodIp) {
  md.spec.sidecar.resources = {{"limits", {{"cpu", "500m"}}}};
  json spec = BuildPodTemplate(Rev())["spec"];
  ASSERT_EQ(spec["containers"].size(), 2u);
  const json* server = Named(spec["containers"], "server");
  const json* sidecar = Named(spec["containers"], kSidecarContainer);
  ASSERT_NE(server, nullptr);
  ASSERT_NE(sidecar, nullptr);
  EXPECT_EQ((*sidecar)["image"], "skewgate:test");
  EXPECT_EQ((*sidecar)["command"], json({"skewgate-sidecar"}));
  EXPECT_EQ((*sidecar)["args"], json({"--config", "/etc/skewgate/sidecar/sidecar.json"}));
  EXPECT_EQ((*sidecar)["ports"][0]["containerPort"], 8080);
  EXPECT_EQ((*sidecar)["ports"][1]["containerPort"], 9090);
  EXPECT_EQ((*sidecar)["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ((*sidecar)["readinessProbe"]["httpGet"]["port"], 9090);
  EXPECT_EQ((*sidecar)["resources"]["limits"]["cpu"], "500m");
  const json* pod_ip = Named((*sidecar)["env"], "POD_IP");
  ASSERT_NE(pod_ip, nullptr);
  EXPECT_EQ((*pod_ip)["valueFrom"]["fieldRef"]["fieldPath"], "status.podIP");
  ASSERT_NE(Named((*sidecar)["volumeMounts"], kBaselineVolume), nullptr);
  ASSERT_NE(Named((*sidecar)["volumeMounts"], kSidecarConfigVolume), nullptr);

  // The model server reads the verified model from the shared volume, read-only.
  const json* model_mount = Named((*server)["volumeMounts"], kModelVolume);
  ASSERT_NE(model_mount, nullptr);
  EXPECT_EQ((*model_mount)["mountPath"], "/models");
  EXPECT_EQ((*model_mount)["readOnly"], true);

  const json* baseline = Named(spec["volumes"], kBaselineVolume);
  ASSERT_NE(baseline, nullptr);
  EXPECT_EQ((*baseline)["configMap"]["name"], "fraud-baseline");
  EXPECT_EQ((*baseline)["configMap"]["items"][0]["key"], "baseline.json");
  EXPECT_EQ((*baseline)["configMap"]["items"][0]["path"], "baseline.json");
  const json* config = Named(spec["volumes"], kSidecarConfigVolume);
  ASSERT_NE(config, nullptr);
  EXPECT_EQ((*config)["configMap"]["name"], "fraud-3f2a9c01b7-sidecar");
  const json* model = Named(spec["volumes"], kModelVolume);
  ASSERT_NE(model, nullptr);
  EXPECT_TRUE((*model)["emptyDir"].is_object());
}

TEST_F(PodShapeTest, SidecarImageOverrideAndAdminPortAvoidsCollisions) {
  md.spec.sidecar.image = "registry.example.com/sidecar:9";
  md.spec.sidecar.port = 9090;
  md.spec.sidecar.model_port = 9091;
  json sidecar = *Named(BuildPodTemplate(Rev())["spec"]["containers"], kSidecarContainer);
  EXPECT_EQ(sidecar["image"], "registry.example.com/sidecar:9");
  EXPECT_EQ(SidecarAdminPort(md.spec.sidecar), 9092);
  EXPECT_EQ(sidecar["readinessProbe"]["httpGet"]["port"], 9092);
  // The fetch container always runs the controller's image.
  EXPECT_EQ(BuildPodTemplate(Rev())["spec"]["initContainers"][0]["image"], "skewgate:test");
}

TEST_F(PodShapeTest, SidecarConfigParsesWithTheSidecarsOwnParser) {
  md.spec.sidecar.feature_names = {"amount", "country"};
  md.spec.sidecar.protocol = api::PayloadProtocol::kV1;
  RevisionObjects r = Rev();
  r.mirror = MirrorTarget{"http://fraud-canary.ml.svc:8080", 20};
  json cm = BuildSidecarConfigMap(r);
  EXPECT_EQ(cm["metadata"]["name"], "fraud-3f2a9c01b7-sidecar");
  EXPECT_EQ(cm["metadata"]["labels"][kLabelRevision], "3f2a9c01b7");
  EXPECT_EQ(cm["metadata"]["ownerReferences"][0]["uid"], "md-uid-1");
  std::string text = cm["data"]["sidecar.json"];

  sidecar::SidecarConfig c;
  Status s = sidecar::ParseSidecarConfigJson(text, &c);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << text;
  EXPECT_EQ(c.proxy.listen_address, "0.0.0.0");
  EXPECT_EQ(c.proxy.port, 8080);
  EXPECT_EQ(c.admin_port, 9090);
  EXPECT_EQ(c.proxy.upstream_host, "127.0.0.1");
  EXPECT_EQ(c.proxy.upstream_port, 8081);
  EXPECT_EQ(c.baseline_path, "/etc/skewgate/baseline/baseline.json");
  EXPECT_EQ(c.revision, "3f2a9c01b7");
  EXPECT_EQ(c.decoder.protocol, sidecar::Protocol::kV1);
  EXPECT_EQ(c.decoder.columns, (std::vector<std::string>{"amount", "country"}));
  EXPECT_EQ(c.proxy.mirror_host, "fraud-canary.ml.svc");
  EXPECT_EQ(c.proxy.mirror_port, 8080);
  EXPECT_EQ(c.proxy.mirror_percent, 20);

  r.mirror.reset();
  EXPECT_FALSE(SidecarConfigJson(r).contains("mirror"));
}

TEST_F(PodShapeTest, UserMountAtModelsIsLeftAlone) {
  md.spec.pod_template["spec"]["containers"][0]["volumeMounts"] = {
      {{"name", "own"}, {"mountPath", "/models"}}};
  json server = *Named(BuildPodTemplate(Rev())["spec"]["containers"], "server");
  EXPECT_EQ(server["volumeMounts"].size(), 1u);
  EXPECT_EQ(server["volumeMounts"][0]["name"], "own");
}

}  // namespace
}  // namespace skewgate::controller

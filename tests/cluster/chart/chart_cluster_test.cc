// The Helm chart: helm lint and helm template for the default (cluster-wide) and the
// namespaced values, the schema refusing bad values, the exact RBAC rules, and the
// rendered manifests applied to the local control plane (server-side dry run, then for
// real; KWOK runs the controller's pods) with the ServiceAccount's rights checked by
// impersonation. helm comes from hack/build-helm.sh; without it every test fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api/manifest_yaml.h"
#include "cluster/chart/helm_env.h"
#include "support/cluster_env.h"

namespace skewgate::testing {
namespace {

using nlohmann::json;

std::string HelmMissing() {
  return "helm is not built: " + HelmPath() +
         " does not exist. Build it with hack/build-helm.sh (make test does this).";
}

// Renders the chart; ASSERTs inside cannot return values, so errors land in *err.
std::vector<json> Render(const std::string& release, const std::string& ns,
                         const std::vector<std::string>& extra, std::string* err,
                         std::string* text = nullptr) {
  std::vector<std::string> args = {"template", release, ChartDir(), "--namespace", ns};
  args.insert(args.end(), extra.begin(), extra.end());
  CommandResult r = Helm(args);
  if (r.exit_code != 0) {
    *err = "helm template failed: " + r.err;
    return {};
  }
  if (text) *text = r.out;
  auto docs = api::ParseYamlManifests(r.out);
  if (!docs.ok()) {
    *err = "rendered YAML does not parse: " + docs.status().message();
    return {};
  }
  std::vector<json> out;
  for (auto& d : *docs) out.push_back(std::move(d.object));
  return out;
}

std::vector<json> OfKind(const std::vector<json>& objs, const std::string& kind) {
  std::vector<json> out;
  for (const auto& o : objs) {
    if (o.value("kind", "") == kind) out.push_back(o);
  }
  return out;
}

// Rules as sorted "group|resource|verb" triples, so order and grouping do not matter.
std::vector<std::string> Flatten(const json& rules) {
  std::vector<std::string> out;
  for (const auto& r : rules) {
    for (const auto& g : r.at("apiGroups")) {
      for (const auto& res : r.at("resources")) {
        for (const auto& v : r.at("verbs")) {
          out.push_back(g.get<std::string>() + "|" + res.get<std::string>() + "|" +
                        v.get<std::string>());
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The RBAC table of docs/controller.md ("| `group` | `resource` | `verb`, ... | why |"), the
// controller's own statement of the verbs it uses, as flattened triples. Leases are
// returned apart: the chart grants them only in the release namespace.
void ControllerDocRules(std::vector<std::string>* watch, std::vector<std::string>* leases) {
  std::ifstream in(RepoRoot() + "/docs/controller.md");
  std::string line;
  bool in_rbac = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_rbac = line == "## RBAC";
    if (!in_rbac || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(cell);
    if (cells.size() < 3) continue;
    auto ticks = [](const std::string& c) {
      std::vector<std::string> out;
      for (size_t a = c.find('`'); a != std::string::npos; a = c.find('`', a + 1)) {
        size_t b = c.find('`', a + 1);
        if (b == std::string::npos) break;
        std::string v = c.substr(a + 1, b - a - 1);
        out.push_back(v == "\"\"" ? "" : v);
        a = b;
      }
      return out;
    };
    std::string group = ticks(cells[0]).at(0), resource = ticks(cells[1]).at(0);
    for (const auto& verb : ticks(cells[2])) {
      (resource == "leases" ? leases : watch)->push_back(group + "|" + resource + "|" + verb);
    }
  }
  std::sort(watch->begin(), watch->end());
  std::sort(leases->begin(), leases->end());
}

std::vector<std::string> ExpectedWatchRules() {
  std::vector<std::string> watch, leases;
  ControllerDocRules(&watch, &leases);
  return watch;
}
std::vector<std::string> ExpectedLeaseRules() {
  std::vector<std::string> watch, leases;
  ControllerDocRules(&watch, &leases);
  return leases;
}

bool Contains(const json& arr, const std::string& s) {
  return std::find(arr.begin(), arr.end(), json(s)) != arr.end();
}

class ChartTemplateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(HelmAvailable()) << HelmMissing(); }
};

TEST_F(ChartTemplateTest, HelmLintPassesForDefaultNamespacedAndAllOptions) {
  for (const std::vector<std::string>& set :
       {std::vector<std::string>{},
        {"--set", "rbac.scope=namespace"},
        {"--set", "serviceMonitor.enabled=true,grafanaDashboard.enabled=true,replicaCount=3"}}) {
    std::vector<std::string> args = {"lint", "--strict", ChartDir()};
    args.insert(args.end(), set.begin(), set.end());
    CommandResult r = Helm(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("0 chart(s) failed"), std::string::npos) << r.out;
  }
}

TEST_F(ChartTemplateTest, TheAbortScaleDownDelayIsAValueAndMustBeADuration) {
  std::string err;
  auto objs = Render("sg", "skewgate-system", {"--set", "controller.abortScaleDownDelay=0s"}, &err);
  ASSERT_TRUE(err.empty()) << err;
  auto deps = OfKind(objs, "Deployment");
  ASSERT_EQ(deps.size(), 1u);
  EXPECT_TRUE(Contains(deps[0]["spec"]["template"]["spec"]["containers"][0]["args"],
                       "--abort-scale-down-delay=0s"));
  Render("sg", "skewgate-system", {"--set-string", "controller.abortScaleDownDelay=30"}, &err);
  EXPECT_NE(err.find("abortScaleDownDelay"), std::string::npos) << err;
}

TEST(ChartRbacTest, TheControllerDocumentsItsVerbs) {
  std::vector<std::string> watch, leases;
  ControllerDocRules(&watch, &leases);
  // A table that stopped parsing must not make every comparison below vacuous.
  EXPECT_GE(watch.size(), 15u);
  EXPECT_NE(std::find(watch.begin(), watch.end(), "skewgate.io|modeldeployments/status|update"),
            watch.end());
  EXPECT_EQ(leases, (std::vector<std::string>{"coordination.k8s.io|leases|create",
                                              "coordination.k8s.io|leases|get",
                                              "coordination.k8s.io|leases|update"}));
}

TEST_F(ChartTemplateTest, DefaultValuesRenderASecureLeaderElectedController) {
  std::string err;
  auto objs = Render("sg", "skewgate-system", {}, &err);
  ASSERT_TRUE(err.empty()) << err;
  auto deps = OfKind(objs, "Deployment");
  ASSERT_EQ(deps.size(), 1u);
  const json& d = deps[0];
  EXPECT_EQ(d["metadata"]["namespace"], "skewgate-system");
  EXPECT_EQ(d["spec"]["replicas"], 2);
  const json& pod = d["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "sg-skewgate");
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  ASSERT_EQ(pod["containers"].size(), 1u);
  const json& c = pod["containers"][0];
  EXPECT_EQ(c["image"], "ghcr.io/skewgate/skewgate:0.1.0");
  EXPECT_TRUE(Contains(c["args"], "--leader-elect")) << c["args"];
  auto metrics = std::find(c["args"].begin(), c["args"].end(), json("--metrics-address"));
  ASSERT_NE(metrics, c["args"].end()) << c["args"];
  EXPECT_EQ(*(metrics + 1), ":8080");
  EXPECT_TRUE(Contains(c["args"], "--abort-scale-down-delay=30s")) << c["args"];
  EXPECT_FALSE(Contains(c["args"], "--namespace=skewgate-system"));
  const json& sc = c["securityContext"];
  EXPECT_EQ(sc["runAsNonRoot"], true);
  EXPECT_EQ(sc["readOnlyRootFilesystem"], true);
  EXPECT_EQ(sc["allowPrivilegeEscalation"], false);
  EXPECT_EQ(sc["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_EQ(sc["seccompProfile"]["type"], "RuntimeDefault");
  EXPECT_TRUE(c["resources"]["requests"].contains("cpu"));
  EXPECT_TRUE(c["resources"]["limits"].contains("memory"));
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"], "/readyz");

  ASSERT_EQ(OfKind(objs, "ServiceAccount").size(), 1u);
  auto pdbs = OfKind(objs, "PodDisruptionBudget");
  ASSERT_EQ(pdbs.size(), 1u);
  EXPECT_EQ(pdbs[0]["spec"]["minAvailable"], 1);
  auto svcs = OfKind(objs, "Service");
  ASSERT_EQ(svcs.size(), 1u);
  EXPECT_EQ(svcs[0]["spec"]["ports"][0]["name"], "metrics");
  EXPECT_EQ(svcs[0]["spec"]["selector"], pdbs[0]["spec"]["selector"]["matchLabels"]);
  EXPECT_TRUE(OfKind(objs, "ServiceMonitor").empty());
  EXPECT_TRUE(OfKind(objs, "ConfigMap").empty());

  // Cluster scope: the watch rules cluster-wide, the Lease only in the release namespace.
  auto crs = OfKind(objs, "ClusterRole");
  ASSERT_EQ(crs.size(), 1u);
  EXPECT_EQ(Flatten(crs[0]["rules"]), ExpectedWatchRules());
  ASSERT_EQ(OfKind(objs, "ClusterRoleBinding").size(), 1u);
  auto roles = OfKind(objs, "Role");
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0]["metadata"]["namespace"], "skewgate-system");
  EXPECT_EQ(Flatten(roles[0]["rules"]), ExpectedLeaseRules());
  auto rbs = OfKind(objs, "RoleBinding");
  ASSERT_EQ(rbs.size(), 1u);
  EXPECT_EQ(rbs[0]["subjects"][0]["name"], "sg-skewgate");
}

TEST_F(ChartTemplateTest, NamespacedValuesRenderOnlyARoleAndWatchOneNamespace) {
  std::string err;
  auto objs = Render("sg", "ml-team", {"--set", "rbac.scope=namespace"}, &err);
  ASSERT_TRUE(err.empty()) << err;
  EXPECT_TRUE(OfKind(objs, "ClusterRole").empty());
  EXPECT_TRUE(OfKind(objs, "ClusterRoleBinding").empty());
  auto roles = OfKind(objs, "Role");
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0]["metadata"]["namespace"], "ml-team");
  auto want = ExpectedWatchRules();
  for (const auto& l : ExpectedLeaseRules()) want.push_back(l);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(Flatten(roles[0]["rules"]), want);
  auto deps = OfKind(objs, "Deployment");
  ASSERT_EQ(deps.size(), 1u);
  EXPECT_TRUE(Contains(deps[0]["spec"]["template"]["spec"]["containers"][0]["args"],
                       "--namespace=ml-team"));
}

TEST_F(ChartTemplateTest, OptionsRenderReplicasServiceMonitorAndTheDashboardConfigMap) {
  std::string err;
  auto objs = Render("sg", "mon",
                     {"--set",
                      "replicaCount=3,serviceMonitor.enabled=true,grafanaDashboard.enabled=true,"
                      "rbac.gatewayAPI=false"},
                     &err);
  ASSERT_TRUE(err.empty()) << err;
  EXPECT_EQ(OfKind(objs, "Deployment").at(0)["spec"]["replicas"], 3);
  auto sms = OfKind(objs, "ServiceMonitor");
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_EQ(sms[0]["spec"]["endpoints"][0]["port"], "metrics");
  auto cms = OfKind(objs, "ConfigMap");
  ASSERT_EQ(cms.size(), 1u);
  EXPECT_EQ(cms[0]["metadata"]["labels"]["grafana_dashboard"], "1");
  std::ifstream in(RepoRoot() + "/docs/grafana-dashboard.json");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(json::parse(cms[0]["data"]["skewgate.json"].get<std::string>()), json::parse(ss.str()));
  // Without Gateway API the controller gets no rights on HTTPRoutes at all.
  std::string rules = OfKind(objs, "ClusterRole").at(0)["rules"].dump();
  EXPECT_EQ(rules.find("httproutes"), std::string::npos) << rules;
}

TEST_F(ChartTemplateTest, SchemaRefusesBadValuesNamingTheKey) {
  struct Case {
    std::string set, key;
  };
  for (const Case& c :
       std::vector<Case>{{"rbac.scope=everywhere", "scope"},
                         {"replicaCount=0", "replicaCount"},
                         {"securityContext.runAsNonRoot=false", "runAsNonRoot"},
                         {"securityContext.readOnlyRootFilesystem=false", "readOnlyRootFilesystem"},
                         {"replicas=3", "replicas"},
                         {"image.pullPolicy=Sometimes", "pullPolicy"}}) {
    CommandResult r = Helm({"template", "sg", ChartDir(), "--set", c.set});
    EXPECT_NE(r.exit_code, 0) << c.set << " was accepted";
    EXPECT_NE(r.err.find(c.key), std::string::npos) << c.set << ": " << r.err;
  }
}

// ---- against the local control plane

class ChartClusterTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(HelmAvailable()) << HelmMissing();
  }
  void TearDown() override {
    // Cluster-scoped objects do not go with the namespace.
    for (const auto& n : cluster_objects_)
      Kubectl({"delete", "--ignore-not-found", "--wait=false", n});
    ClusterTest::TearDown();
  }

  // Applies the chart into a fresh namespace: server-side dry run with the CRD, then for
  // real without it (the CRD is shared by every test on this cluster), then waits for the
  // controller Deployment (KWOK marks its pods ready).
  std::string Install(const std::vector<std::string>& set) {
    std::string ns = CreateNamespace("chart");
    std::string err, text, text_crds;
    std::vector<std::string> with_crds = set;
    with_crds.push_back("--include-crds");
    Render(ns, ns, with_crds, &err, &text_crds);
    EXPECT_TRUE(err.empty()) << err;
    CommandResult dry = Kubectl({"apply", "--server-side", "--field-manager=skewgate-chart-test",
                                 "--dry-run=server", "-f", "-"},
                                text_crds);
    EXPECT_EQ(dry.exit_code, 0) << dry.out << dry.err;
    EXPECT_NE(
        dry.out.find("customresourcedefinition.apiextensions.k8s.io/modeldeployments.skewgate.io"),
        std::string::npos)
        << dry.out;
    auto objs = Render(ns, ns, set, &err, &text);
    EXPECT_TRUE(err.empty()) << err;
    for (const auto& o : objs) {
      std::string kind = o.value("kind", "");
      if (kind == "ClusterRole" || kind == "ClusterRoleBinding") {
        cluster_objects_.push_back(
            (kind == "ClusterRole" ? "clusterrole/" : "clusterrolebinding/") +
            o["metadata"]["name"].get<std::string>());
      }
    }
    CommandResult real =
        Kubectl({"apply", "--server-side", "--field-manager=skewgate-chart-test", "-f", "-"}, text);
    EXPECT_EQ(real.exit_code, 0) << real.out << real.err;
    CommandResult rs = Kubectl(
        {"-n", ns, "rollout", "status", "deployment/" + ns + "-skewgate", "--timeout=120s"});
    EXPECT_EQ(rs.exit_code, 0) << rs.out << rs.err;
    return ns;
  }

  // A SubjectAccessReview for the chart's ServiceAccount ("group/resource[/sub]"). Not
  // `kubectl auth can-i`: it needs discovery to split a group off, and this cluster has no
  // Gateway API CRDs, while RBAC itself works on names alone.
  bool Can(const std::string& ns, const std::string& verb, const std::string& what,
           const std::string& in_ns) {
    std::string group, resource = what, sub;
    if (auto slash = resource.find('/'); slash != std::string::npos) {
      sub = resource.substr(slash + 1);
      resource = resource.substr(0, slash);
    }
    if (auto dot = resource.find('.'); dot != std::string::npos) {
      group = resource.substr(dot + 1);
      resource = resource.substr(0, dot);
    }
    json sar = {
        {"apiVersion", "authorization.k8s.io/v1"},
        {"kind", "SubjectAccessReview"},
        {"spec",
         {{"user", "system:serviceaccount:" + ns + ":" + ns + "-skewgate"},
          {"groups",
           {"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}},
          {"resourceAttributes",
           {{"namespace", in_ns},
            {"verb", verb},
            {"group", group},
            {"resource", resource},
            {"subresource", sub}}}}}};
    CommandResult r =
        Kubectl({"create", "-f", "-", "-o", "jsonpath={.status.allowed}"}, sar.dump());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out == "true";
  }

 private:
  std::vector<std::string> cluster_objects_;
};

TEST_F(ChartClusterTest, ClusterScopeInstallsAndGrantsExactlyTheControllerVerbs) {
  std::string ns = Install({"--set", "replicaCount=2"});
  if (HasFailure()) return;
  auto pods = Kubectl({"-n", ns, "get", "pods", "-o", "name"});
  EXPECT_EQ(std::count(pods.out.begin(), pods.out.end(), '\n'), 2) << pods.out;
  // Every namespace, because the scope is cluster-wide.
  for (const std::string& other : {ns, std::string("default")}) {
    EXPECT_TRUE(Can(ns, "watch", "modeldeployments.skewgate.io", other));
    EXPECT_TRUE(Can(ns, "update", "modeldeployments.skewgate.io/status", other));
    EXPECT_FALSE(Can(ns, "patch", "modeldeployments.skewgate.io/status", other));
    EXPECT_FALSE(Can(ns, "update", "modeldeployments.skewgate.io", other));
    EXPECT_TRUE(Can(ns, "delete", "replicasets.apps", other));
    EXPECT_TRUE(Can(ns, "create", "events.events.k8s.io", other));
    EXPECT_TRUE(Can(ns, "patch", "httproutes.gateway.networking.k8s.io", other));
    EXPECT_FALSE(Can(ns, "delete", "modeldeployments.skewgate.io", other));
    EXPECT_FALSE(Can(ns, "create", "modeldeployments.skewgate.io", other));
    EXPECT_FALSE(Can(ns, "delete", "pods", other));
    EXPECT_FALSE(Can(ns, "get", "secrets", other));
    EXPECT_FALSE(Can(ns, "delete", "httproutes.gateway.networking.k8s.io", other));
  }
  EXPECT_TRUE(Can(ns, "update", "leases.coordination.k8s.io", ns));
  EXPECT_FALSE(Can(ns, "update", "leases.coordination.k8s.io", "default"));
  EXPECT_FALSE(Can(ns, "delete", "leases.coordination.k8s.io", ns));
}

TEST_F(ChartClusterTest, NamespaceScopeInstallsWithNoRightsOutsideItsNamespace) {
  std::string ns = Install({"--set", "rbac.scope=namespace,replicaCount=1"});
  if (HasFailure()) return;
  EXPECT_TRUE(Can(ns, "list", "modeldeployments.skewgate.io", ns));
  EXPECT_TRUE(Can(ns, "update", "modeldeployments.skewgate.io/status", ns));
  EXPECT_TRUE(Can(ns, "create", "services", ns));
  EXPECT_FALSE(Can(ns, "delete", "services", ns));
  EXPECT_TRUE(Can(ns, "get", "leases.coordination.k8s.io", ns));
  EXPECT_FALSE(Can(ns, "list", "modeldeployments.skewgate.io", "default"));
  EXPECT_FALSE(Can(ns, "create", "replicasets.apps", "default"));
  EXPECT_FALSE(Can(ns, "get", "secrets", ns));
  auto cr = Kubectl({"get", "clusterrole", ns + "-skewgate", "--ignore-not-found", "-o", "name"});
  EXPECT_EQ(cr.out, "");
}

}  // namespace
}  // namespace skewgate::testing

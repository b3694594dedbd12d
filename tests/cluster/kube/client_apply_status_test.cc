// Server-side apply (conflicts, force, field ownership), the status subresource on a CRD,
// conflict retries and typed errors, against the real API server.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "kube/errors.h"
#include "kube/resource.h"
#include "kube/retry.h"
#include "kube_fixture.h"

namespace skewgate::kube::testing {
namespace {

using nlohmann::json;

// A throwaway CRD with a status subresource and a validated field, so the tests exercise
// a custom group the way ModelDeployments use it without depending on crds/.
const ResourceType& Widgets() {
  static const ResourceType t{"kubetest.skewgate.io", "v1", "widgets", "Widget", true};
  return t;
}

json WidgetCrd() {
  json schema = {{"type", "object"},
                 {"properties",
                  {{"spec",
                    {{"type", "object"},
                     {"properties",
                      {{"replicas", {{"type", "integer"}, {"minimum", 0}}},
                       {"color", {{"type", "string"}}}}}}},
                   {"status",
                    {{"type", "object"},
                     {"properties",
                      {{"phase", {{"type", "string"}}}, {"observed", {{"type", "integer"}}}}}}}}}};
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "widgets.kubetest.skewgate.io"}}},
          {"spec",
           {{"group", "kubetest.skewgate.io"},
            {"scope", "Namespaced"},
            {"names",
             {{"plural", "widgets"},
              {"singular", "widget"},
              {"kind", "Widget"},
              {"listKind", "WidgetList"}}},
            {"versions", json::array({{{"name", "v1"},
                                       {"served", true},
                                       {"storage", true},
                                       {"subresources", {{"status", json::object()}}},
                                       {"schema", {{"openAPIV3Schema", schema}}}}})}}}};
}

json Widget(const std::string& name, int replicas) {
  return {{"apiVersion", "kubetest.skewgate.io/v1"},
          {"kind", "Widget"},
          {"metadata", {{"name", name}}},
          {"spec", {{"replicas", replicas}}}};
}

class ClientApplyStatusTest : public KubeClusterTest {
 protected:
  void InstallWidgetCrd() {
    ApplyOptions ao;
    ao.field_manager = "skewgate-kube-test";
    ao.force = true;
    auto crd = client().Apply(resources::CustomResourceDefinitions(), "", WidgetCrd(), ao);
    ASSERT_TRUE(crd.ok()) << crd.status().ToString();
    // Established is asynchronous; the first list that succeeds proves it is served.
    ASSERT_TRUE(Eventually([&] { return client().List(Widgets(), ns(), {}).ok(); }))
        << "widgets CRD never became served";
  }
};

// Managers named in managedFields that own `field` (e.g. "f:x") under "f:data".
std::vector<std::string> OwnersOf(const json& obj, const std::string& parent,
                                  const std::string& field) {
  std::vector<std::string> owners;
  for (const auto& mf : obj["metadata"]["managedFields"]) {
    const json& fields = mf.value("fieldsV1", json::object());
    if (fields.contains(parent) && fields[parent].contains(field)) {
      owners.push_back(mf["manager"].get<std::string>());
    }
  }
  return owners;
}

TEST_F(ClientApplyStatusTest, ServerSideApplyConflictsForceAndOwnership) {
  const auto& cms = resources::ConfigMaps();
  ApplyOptions alice{"alice", false, false};
  ApplyOptions bob{"bob", false, false};
  auto a = client().Apply(cms, ns(), ConfigMap("ssa", {{"x", "1"}, {"y", "a"}}), alice);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(OwnersOf(*a, "f:data", "f:x"), std::vector<std::string>{"alice"});

  // Re-applying the same intent changes nothing: apply is idempotent.
  auto again = client().Apply(cms, ns(), ConfigMap("ssa", {{"x", "1"}, {"y", "a"}}), alice);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["metadata"]["resourceVersion"], (*a)["metadata"]["resourceVersion"]);

  // Bob sets x to another value: a conflict naming alice, and nothing written.
  auto conflict = client().Apply(cms, ns(), ConfigMap("ssa", {{"x", "2"}}), bob);
  ASSERT_FALSE(conflict.ok());
  EXPECT_TRUE(IsConflict(conflict.status())) << conflict.status().ToString();
  EXPECT_NE(conflict.status().message().find("alice"), std::string::npos)
      << conflict.status().message();
  EXPECT_NE(conflict.status().message().find(".data.x"), std::string::npos)
      << conflict.status().message();
  EXPECT_EQ((*client().Get(cms, ns(), "ssa"))["data"]["x"], "1");

  // With force bob takes x; alice keeps y.
  bob.force = true;
  auto forced = client().Apply(cms, ns(), ConfigMap("ssa", {{"x", "2"}}), bob);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ((*forced)["data"]["x"], "2");
  EXPECT_EQ((*forced)["data"]["y"], "a");
  EXPECT_EQ(OwnersOf(*forced, "f:data", "f:x"), std::vector<std::string>{"bob"});
  EXPECT_EQ(OwnersOf(*forced, "f:data", "f:y"), std::vector<std::string>{"alice"});

  // Alice stops setting y: a field only she owned is removed.
  auto released = client().Apply(cms, ns(), ConfigMap("ssa", json::object()), alice);
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_FALSE((*released)["data"].contains("y"));
  EXPECT_EQ((*released)["data"]["x"], "2");
}

TEST_F(ClientApplyStatusTest, StatusSubresourceIsSeparateFromSpec) {
  ASSERT_NO_FATAL_FAILURE(InstallWidgetCrd());
  auto w = client().Create(Widgets(), ns(), Widget("w", 1), {});
  ASSERT_TRUE(w.ok()) << w.status().ToString();

  // Through /status, spec changes are ignored and status is written.
  json obj = *w;
  obj["spec"]["replicas"] = 9;
  obj["status"] = {{"phase", "Progressing"}, {"observed", 1}};
  auto us = client().UpdateStatus(Widgets(), ns(), obj, {});
  ASSERT_TRUE(us.ok()) << us.status().ToString();
  EXPECT_EQ((*us)["spec"]["replicas"], 1);
  EXPECT_EQ((*us)["status"]["phase"], "Progressing");

  // Through the main resource, status changes are ignored.
  json main = *us;
  main["spec"]["replicas"] = 2;
  main["status"]["phase"] = "Ignored";
  auto um = client().Update(Widgets(), ns(), main, {});
  ASSERT_TRUE(um.ok()) << um.status().ToString();
  EXPECT_EQ((*um)["spec"]["replicas"], 2);
  EXPECT_EQ((*um)["status"]["phase"], "Progressing");

  auto ps = client().PatchStatus(Widgets(), ns(), "w", {{"status", {{"phase", "Healthy"}}}}, {});
  ASSERT_TRUE(ps.ok()) << ps.status().ToString();
  EXPECT_EQ((*ps)["status"]["phase"], "Healthy");
  EXPECT_EQ((*ps)["status"]["observed"], 1);

  json intent = Widget("w", 0);
  intent.erase("spec");
  intent["status"] = {{"observed", 7}};
  auto as = client().ApplyStatus(Widgets(), ns(), intent, {"controller", true, false});
  ASSERT_TRUE(as.ok()) << as.status().ToString();
  EXPECT_EQ((*as)["status"]["observed"], 7);

  auto gs = client().GetStatus(Widgets(), ns(), "w");
  ASSERT_TRUE(gs.ok()) << gs.status().ToString();
  EXPECT_EQ((*gs)["status"]["observed"], 7);
  EXPECT_EQ((*gs)["spec"]["replicas"], 2);
}

TEST_F(ClientApplyStatusTest, ConflictsAreRetriedUntilEveryIncrementLands) {
  const auto& cms = resources::ConfigMaps();
  ASSERT_TRUE(client().Create(cms, ns(), ConfigMap("counter", {{"n", "0"}}), {}).ok());
  constexpr int kWriters = 4, kIncrements = 10;
  std::atomic<int> conflicts{0}, failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        ConflictRetryPolicy policy;
        policy.attempts = 100;
        Status s = RetryOnConflict(
            RealClock::Get(),
            [&] {
              auto cm = client().Get(cms, ns(), "counter");
              if (!cm.ok()) return cm.status();
              int n = std::stoi((*cm)["data"]["n"].get<std::string>());
              (*cm)["data"]["n"] = std::to_string(n + 1);
              Status u = client().Update(cms, ns(), *cm, {}).status();
              if (IsConflict(u)) ++conflicts;
              return u;
            },
            policy);
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto cm = client().Get(cms, ns(), "counter");
  ASSERT_TRUE(cm.ok());
  // Lost updates would leave the counter short: each increment must land exactly once.
  EXPECT_EQ((*cm)["data"]["n"], std::to_string(kWriters * kIncrements));
  EXPECT_EQ(requests().Count("update", 409), static_cast<uint64_t>(conflicts.load()));
}

TEST_F(ClientApplyStatusTest, TypedErrorsNameTheProblem) {
  const auto& cms = resources::ConfigMaps();
  auto missing = client().Get(cms, ns(), "nope");
  EXPECT_TRUE(IsNotFound(missing.status()));
  EXPECT_NE(missing.status().message().find(ns() + "/nope"), std::string::npos)
      << missing.status().message();

  ASSERT_TRUE(client().Create(cms, ns(), ConfigMap("dup", {}), {}).ok());
  auto dup = client().Create(cms, ns(), ConfigMap("dup", {}), {});
  EXPECT_TRUE(IsAlreadyExists(dup.status())) << dup.status().ToString();

  // Invalid names the offending field, for core objects ...
  auto bad_name = client().Create(cms, ns(), ConfigMap("Bad_Name", {}), {});
  EXPECT_TRUE(IsInvalid(bad_name.status())) << bad_name.status().ToString();
  EXPECT_NE(bad_name.status().message().find("metadata.name"), std::string::npos)
      << bad_name.status().message();

  // ... and for custom resources validated by their schema.
  ASSERT_NO_FATAL_FAILURE(InstallWidgetCrd());
  auto negative = client().Create(Widgets(), ns(), Widget("neg", -1), {});
  EXPECT_TRUE(IsInvalid(negative.status())) << negative.status().ToString();
  EXPECT_NE(negative.status().message().find("spec.replicas"), std::string::npos)
      << negative.status().message();

  auto wrong_ns = client().Get(cms, "no-such-namespace-xyz", "x");
  EXPECT_TRUE(IsNotFound(wrong_ns.status()));
}

}  // namespace
}  // namespace skewgate::kube::testing

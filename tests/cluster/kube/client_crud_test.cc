// CRUD, list pagination and delete options of the Client against the real API server.
#include <gtest/gtest.h>

#include "kube/errors.h"
#include "kube/resource.h"
#include "kube_fixture.h"

namespace skewgate::kube::testing {
namespace {

using nlohmann::json;

class ClientCrudTest : public KubeClusterTest {};

TEST_F(ClientCrudTest, CreateGetUpdatePatchDelete) {
  const auto& cms = resources::ConfigMaps();
  auto created = client().Create(cms, ns(), ConfigMap("a", {{"k", "v1"}}), {});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());

  auto got = client().Get(cms, ns(), "a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)["data"]["k"], "v1");
  EXPECT_EQ((*got)["metadata"]["namespace"], ns());

  json changed = *got;
  changed["data"]["k"] = "v2";
  auto updated = client().Update(cms, ns(), changed, {});
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ((*updated)["data"]["k"], "v2");
  EXPECT_NE((*updated)["metadata"]["resourceVersion"], (*got)["metadata"]["resourceVersion"]);

  // The stale copy (old resourceVersion) must be refused: optimistic concurrency.
  changed["data"]["k"] = "stale";
  auto stale = client().Update(cms, ns(), changed, {});
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(IsConflict(stale.status())) << stale.status().ToString();

  auto patched = client().MergePatch(cms, ns(), "a", {{"data", {{"k", nullptr}, {"n", "1"}}}}, {});
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_FALSE((*patched)["data"].contains("k"));
  EXPECT_EQ((*patched)["data"]["n"], "1");

  // A precondition on a uid that is not the object's: refused, object kept.
  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "00000000-0000-0000-0000-000000000000";
  Status pre = client().Delete(cms, ns(), "a", wrong_uid);
  EXPECT_TRUE(IsConflict(pre)) << pre.ToString();
  ASSERT_TRUE(client().Get(cms, ns(), "a").ok());

  DeleteOptions right;
  right.precondition_uid = (*created)["metadata"]["uid"].get<std::string>();
  right.propagation_policy = "Background";
  ASSERT_TRUE(client().Delete(cms, ns(), "a", right).ok());
  auto gone = client().Get(cms, ns(), "a");
  EXPECT_TRUE(IsNotFound(gone.status())) << gone.status().ToString();
  EXPECT_TRUE(IsNotFound(client().Delete(cms, ns(), "a", {})));
  EXPECT_GE(requests().Count("get", 404), 1u);
  EXPECT_GE(requests().Count("create", 201), 1u);
}

TEST_F(ClientCrudTest, ListWithSelectorsAndPagination) {
  const auto& cms = resources::ConfigMaps();
  for (int i = 0; i < 5; ++i) {
    json cm = ConfigMap("p" + std::to_string(i), {{"i", std::to_string(i)}});
    cm["metadata"]["labels"] = {{"group", i % 2 == 0 ? "even" : "odd"}};
    ASSERT_TRUE(client().Create(cms, ns(), cm, {}).ok());
  }
  ListOptions lo;
  lo.label_selector = "group=even";
  auto even = client().List(cms, ns(), lo);
  ASSERT_TRUE(even.ok()) << even.status().ToString();
  ASSERT_EQ(even->items.size(), 3u);
  EXPECT_EQ(even->items[0]["kind"], "ConfigMap");
  EXPECT_EQ(even->items[0]["apiVersion"], "v1");
  EXPECT_FALSE(even->resource_version.empty());

  lo = {};
  lo.field_selector = "metadata.name=p3";
  auto one = client().List(cms, ns(), lo);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->items.size(), 1u);
  EXPECT_EQ(one->items[0]["metadata"]["name"], "p3");

  lo = {};
  lo.label_selector = "group";
  lo.limit = 2;
  auto page1 = client().List(cms, ns(), lo);
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(page1->items.size(), 2u);
  EXPECT_FALSE(page1->continue_token.empty());

  // A continued list is served from the first page's snapshot: a write after page 1
  // (here, in the same namespace; other tests write elsewhere at the same time) moves the
  // cluster's resourceVersion on but shows up in no later page.
  json late = ConfigMap("p9", {{"i", "9"}});
  late["metadata"]["labels"] = {{"group", "odd"}};
  ASSERT_TRUE(client().Create(cms, ns(), late, {}).ok());
  size_t seen = page1->items.size();
  for (std::string token = page1->continue_token; !token.empty();) {
    ListOptions next = lo;
    next.continue_token = token;
    auto page = client().List(cms, ns(), next);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(page->resource_version, page1->resource_version);
    for (const auto& item : page->items) EXPECT_NE(item["metadata"]["name"], "p9");
    seen += page->items.size();
    token = page->continue_token;
  }
  EXPECT_EQ(seen, 5u);

  // ListAll follows the continue tokens itself (three pages of at most two) and reports
  // the snapshot it read, which now includes the late write.
  const uint64_t lists_before = requests().Count("list", 200);
  auto all = ListAll(client(), cms, ns(), lo);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->items.size(), 6u);
  EXPECT_EQ(requests().Count("list", 200) - lists_before, 3u);
  EXPECT_FALSE(all->resource_version.empty());
  EXPECT_NE(all->resource_version, page1->resource_version);
}

TEST_F(ClientCrudTest, DryRunWritesNothing) {
  WriteOptions dry;
  dry.dry_run = true;
  auto r = client().Create(resources::ConfigMaps(), ns(), ConfigMap("dry", {{"k", "v"}}), dry);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(IsNotFound(client().Get(resources::ConfigMaps(), ns(), "dry").status()));
}

TEST_F(ClientCrudTest, AppsAndCoordinationGroups) {
  json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", "l"}}},
                {"spec", {{"holderIdentity", "me"}, {"leaseDurationSeconds", 15}}}};
  auto l = client().Create(resources::Leases(), ns(), lease, {});
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ((*l)["spec"]["holderIdentity"], "me");
  auto rs = client().List(resources::ReplicaSets(), ns(), {});
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  EXPECT_TRUE(rs->items.empty());
  auto ev = client().List(resources::Events(), ns(), {});
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
}

}  // namespace
}  // namespace skewgate::kube::testing

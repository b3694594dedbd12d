#include "runtime/fenced_client.h"

#include <gtest/gtest.h>

#include "kube/resource.h"
#include "unit/runtime/fake_client.h"

namespace skewgate::runtime {
namespace {

using nlohmann::json;
using testing::FakeClient;

json ConfigMap(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "ns"}}},
          {"data", {{"k", "v"}}}};
}

TEST(FencedClientTest, WritesPassOnlyWhileTheFenceAllowsAndReadsAlwaysPass) {
  FakeClient api;
  bool may_write = true;
  int asked = 0;
  FencedClient writer(api, [&] {
    ++asked;
    return may_write ? OkStatus() : UnavailableError("write refused: lease not held");
  });
  const auto& cms = kube::resources::ConfigMaps();
  ASSERT_TRUE(writer.Create(cms, "ns", ConfigMap("a"), {}).ok());
  EXPECT_FALSE(api.Stored(cms, "ns", "a").is_null());

  may_write = false;
  auto created = writer.Create(cms, "ns", ConfigMap("b"), {});
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(created.status().message().find("lease not held"), std::string::npos);
  EXPECT_TRUE(api.Stored(cms, "ns", "b").is_null()) << "the request must not be sent";
  EXPECT_FALSE(writer.Update(cms, "ns", ConfigMap("a"), {}).ok());
  EXPECT_FALSE(writer.MergePatch(cms, "ns", "a", {{"data", {{"k", "w"}}}}, {}).ok());
  EXPECT_FALSE(writer.Delete(cms, "ns", "a", {}).ok());
  EXPECT_FALSE(writer.UpdateStatus(cms, "ns", ConfigMap("a"), {}).ok());
  EXPECT_FALSE(writer.PatchStatus(cms, "ns", "a", json::object(), {}).ok());
  EXPECT_EQ(api.Stored(cms, "ns", "a")["data"]["k"], "v");
  EXPECT_EQ(api.creates + api.updates + api.patches, 1);

  const int writes_asked = asked;
  auto read = writer.Get(cms, "ns", "a");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)["data"]["k"], "v");
  EXPECT_EQ(asked, writes_asked) << "reads never consult the fence";
}

}  // namespace
}  // namespace skewgate::runtime

// docs/argocd-health.lua against ModelDeployments in each phase. The objects are built
// as api::ModelDeploymentStatus values and encoded by api::ToJson, so a renamed status
// field breaks this test rather than silently breaking Argo CD. The JSON becomes a Lua
// table literal and the script runs in lua5.4 exactly as Argo CD runs it (global `obj`).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "api/codec.h"
#include "api/conditions.h"
#include "api/types.h"
#include "support/cluster_env.h"

namespace skewgate::testing {
namespace {

using nlohmann::json;

constexpr const char* kLua = "/usr/bin/lua5.4";

std::string LuaString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03d", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// JSON → Lua table constructor. null becomes nil (the key is left out), as Argo CD's
// conversion of an unstructured object does.
std::string ToLua(const json& j) {
  switch (j.type()) {
    case json::value_t::object: {
      std::string s = "{";
      for (const auto& [k, v] : j.items()) {
        if (v.is_null()) continue;
        s += "[" + LuaString(k) + "]=" + ToLua(v) + ",";
      }
      return s + "}";
    }
    case json::value_t::array: {
      std::string s = "{";
      for (const auto& v : j) s += ToLua(v) + ",";
      return s + "}";
    }
    case json::value_t::string: return LuaString(j.get<std::string>());
    case json::value_t::boolean: return j.get<bool>() ? "true" : "false";
    case json::value_t::null: return "nil";
    default: return j.dump();
  }
}

struct Health {
  std::string status, message;
};

Health RunHealth(const json& obj) {
  std::string dir = std::filesystem::temp_directory_path() / ("argocd-" + UniqueName("h"));
  std::filesystem::create_directories(dir);
  std::string harness = dir + "/harness.lua";
  {
    std::ofstream h(harness);
    h << "obj = " << ToLua(obj) << "\n"
      << "local check = assert(loadfile(" << LuaString(RepoRoot() + "/docs/argocd-health.lua")
      << "))\n"
      << "local hs = check()\n"
      << "io.write(hs.status, '\\n', hs.message or '', '\\n')\n";
  }
  CommandResult r = RunCommand({kLua, harness});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Health out;
  auto nl = r.out.find('\n');
  out.status = r.out.substr(0, nl);
  if (nl != std::string::npos) out.message = r.out.substr(nl + 1);
  if (!out.message.empty() && out.message.back() == '\n') out.message.pop_back();
  return out;
}

api::Condition Cond(const char* type, const char* status, const char* reason,
                    const std::string& message = "") {
  api::Condition c;
  c.type = type;
  c.status = status;
  c.reason = reason;
  c.message = message;
  c.observed_generation = 2;
  return c;
}

json Object(const api::ModelDeploymentStatus& status, int64_t generation = 2) {
  api::ModelDeployment md;
  md.metadata = {{"name", "fraud"}, {"namespace", "ml"}, {"generation", generation}};
  md.spec.model = {"https://models.example.com/m.json", "sha256:" + std::string(64, 'a')};
  md.spec.baseline.config_map_ref.name = "fraud-baseline";
  md.status = status;
  return api::ToJson(md);
}

api::ModelDeploymentStatus Base(api::Phase phase, const std::string& message) {
  api::ModelDeploymentStatus s;
  s.observed_generation = 2;
  s.phase = phase;
  s.message = message;
  s.stable_revision = "1111111111";
  return s;
}

class ArgoCdHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(kLua, X_OK), 0) << kLua << " is missing: apt-get install lua5.4";
  }
};

TEST_F(ArgoCdHealthTest, NoStatusYetIsProgressing) {
  json obj = Object(api::ModelDeploymentStatus{});
  obj.erase("status");
  EXPECT_EQ(RunHealth(obj).status, "Progressing");
}

TEST_F(ArgoCdHealthTest, HealthyAndReadyIsHealthy) {
  auto s = Base(api::Phase::kHealthy, "revision 1111111111 serves all traffic");
  s.conditions = {Cond(api::kConditionReady, api::kConditionTrue, api::kReasonRolloutComplete)};
  Health h = RunHealth(Object(s));
  EXPECT_EQ(h.status, "Healthy");
  EXPECT_EQ(h.message, "revision 1111111111 serves all traffic");
}

TEST_F(ArgoCdHealthTest, AnOldObservedGenerationIsProgressingEvenWhenHealthy) {
  auto s = Base(api::Phase::kHealthy, "done");
  s.observed_generation = 1;
  s.conditions = {Cond(api::kConditionReady, api::kConditionTrue, api::kReasonRolloutComplete)};
  Health h = RunHealth(Object(s, 2));
  EXPECT_EQ(h.status, "Progressing");
  EXPECT_NE(h.message.find("generation 2"), std::string::npos) << h.message;
}

TEST_F(ArgoCdHealthTest, MidRolloutIsProgressing) {
  auto s = Base(api::Phase::kProgressing, "");
  s.canary_revision = "2222222222";
  s.current_step_index = 1;
  s.canary_weight = 10;
  s.conditions = {
      Cond(api::kConditionReady, api::kConditionFalse, api::kReasonRolloutInProgress),
      Cond(api::kConditionProgressing, api::kConditionTrue, api::kReasonStepInProgress)};
  Health h = RunHealth(Object(s));
  EXPECT_EQ(h.status, "Progressing");
  EXPECT_EQ(h.message, "Canary 2222222222 at step 1, weight 10%");
}

TEST_F(ArgoCdHealthTest, EveryPausedReasonIsSuspended) {
  for (const char* reason :
       {api::kReasonManualGate, api::kReasonSpecPaused, api::kReasonInconclusiveLimit}) {
    auto s = Base(api::Phase::kPaused, "waiting at step 4");
    s.canary_revision = "2222222222";
    s.conditions = {Cond(api::kConditionPaused, api::kConditionTrue, reason)};
    Health h = RunHealth(Object(s));
    EXPECT_EQ(h.status, "Suspended") << reason;
    EXPECT_EQ(h.message, std::string(reason) + ": waiting at step 4");
  }
}

TEST_F(ArgoCdHealthTest, RolledBackIsDegraded) {
  auto s = Base(api::Phase::kDegraded, "aborted: amount skew 0.31 > 0.05");
  s.conditions = {Cond(api::kConditionReady, api::kConditionFalse, api::kReasonAnalysisFailed),
                  Cond(api::kConditionDegraded, api::kConditionTrue, api::kReasonAnalysisFailed)};
  Health h = RunHealth(Object(s));
  EXPECT_EQ(h.status, "Degraded");
  EXPECT_EQ(h.message, "aborted: amount skew 0.31 > 0.05");
}

TEST_F(ArgoCdHealthTest, DegradedConditionWinsOverAStalePhase) {
  auto s = Base(api::Phase::kProgressing, "");
  s.conditions = {Cond(api::kConditionDegraded, api::kConditionTrue,
                       api::kReasonProgressDeadlineExceeded, "no progress for 600s")};
  Health h = RunHealth(Object(s));
  EXPECT_EQ(h.status, "Degraded");
  EXPECT_NE(h.message.find("no progress for 600s"), std::string::npos) << h.message;
}

TEST_F(ArgoCdHealthTest, InvalidSpecIsDegradedWithTheValidatorsMessage) {
  auto s = Base(api::Phase::kDegraded, "");
  s.conditions = {Cond(api::kConditionInvalidSpec, api::kConditionTrue,
                       api::kReasonValidationFailed, "spec.replicas: must be at least 0")};
  Health h = RunHealth(Object(s));
  EXPECT_EQ(h.status, "Degraded");
  EXPECT_EQ(h.message, "Invalid spec: spec.replicas: must be at least 0");
}

TEST_F(ArgoCdHealthTest, HealthyPhaseWithoutReadyIsStillProgressing) {
  auto s = Base(api::Phase::kHealthy, "");
  s.conditions = {Cond(api::kConditionReady, api::kConditionFalse, api::kReasonRolloutInProgress)};
  EXPECT_EQ(RunHealth(Object(s)).status, "Progressing");
}

TEST_F(ArgoCdHealthTest, StringsWithQuotesAndNewlinesSurviveTheConversion) {
  auto s = Base(api::Phase::kDegraded, "feature \"amount\\x\" failed\nsecond line");
  Health h = RunHealth(Object(s));
  EXPECT_EQ(h.status, "Degraded");
  EXPECT_EQ(h.message, "feature \"amount\\x\" failed\nsecond line");
}

}  // namespace
}  // namespace skewgate::testing

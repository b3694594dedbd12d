// ModelDeployments and API objects shared by the controller's unit tests.
//
//   api::ModelDeployment md = testing::Md("ml", "fraud");   // valid, with a model port
//   json cm = testing::BaselineConfigMap("ml", "fraud-baseline");
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/codec.h"
#include "api/types.h"
#include "skew/baseline.h"
#include "unit/skew/test_baselines.h"

namespace skewgate::controller::testing {

inline std::string BaselineText() {
  return skew::SerializeBaseline(skew::testing::TwoFeatureBaseline());
}

inline nlohmann::json BaselineConfigMap(const std::string& ns, const std::string& name,
                                        const std::string& key = "baseline.json") {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", {{key, BaselineText()}}}};
}

// A valid ModelDeployment object (JSON, as the API server stores it).
inline nlohmann::json MdJson(const std::string& ns, const std::string& name,
                             const std::string& digest_hex_char = "a") {
  return {{"apiVersion", "skewgate.io/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"generation", 1}, {"uid", "md-uid-1"}}},
          {"spec",
           {{"replicas", 4},
            {"model",
             {{"uri", "https://models.example.com/fraud/model.json"},
              {"digest", "sha256:" + std::string(64, digest_hex_char[0])}}},
            {"baseline", {{"configMapRef", {{"name", name + "-baseline"}}}}},
            {"template",
             {{"metadata", {{"labels", {{"team", "risk"}}}}},
              {"spec",
               {{"containers",
                 {{{"name", "server"},
                   {"image", "registry.example.com/fraud-server:7"},
                   {"ports", {{{"containerPort", 8081}}}}}}}}}}}}}};
}

inline api::ModelDeployment Md(const std::string& ns, const std::string& name) {
  StatusOr<api::ModelDeployment> md = api::FromJson(MdJson(ns, name));
  if (!md.ok()) std::abort();  // the fixture itself is wrong
  return *md;
}

}  // namespace skewgate::controller::testing

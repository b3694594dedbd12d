// Validation of a ModelDeployment: the same rules as the CRD's OpenAPI schema and CEL
// rules (crds/skewgate.io_modeldeployments.yaml), so `skewgate lint` offline and the API
// server at admission give the same verdict, naming the same field. The controller runs it
// too and reports failures as the InvalidSpec condition (never retried in a loop).
//
//   std::vector<FieldError> errs = ValidateManifest(json);   // decode + every rule
//   if (!errs.empty()) std::cerr << errs[0].ToString();      // "spec.replicas: should be ..."
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "api/codec.h"
#include "api/types.h"
#include "common/status.h"

namespace skewgate::api {

// Bounds shared by the CRD and the validator.
inline constexpr int32_t kMaxReplicas = 1000;
inline constexpr int kMaxSteps = 50;
inline constexpr int kMaxFeatureRules = 1000;
inline constexpr int kMaxFeatureNames = 1000;
inline constexpr int32_t kMaxRevisionHistoryLimit = 50;
inline constexpr int32_t kMinProgressDeadlineSeconds = 10;
inline constexpr int32_t kMaxProgressDeadlineSeconds = 604800;  // 7 days
inline constexpr int64_t kMaxMinSamples = 1000000000;
inline constexpr int32_t kMaxRunLimit = 100;             // failureLimit, inconclusiveLimit
inline constexpr double kMaxUnboundedThreshold = 100.0;  // psi, wasserstein

// Every rule on an already decoded spec. Field paths start with "spec.". Empty = valid.
std::vector<FieldError> ValidateSpec(const ModelDeploymentSpec& spec);

// Decodes `object` (FromJson) and, when that succeeds, checks metadata.name and every rule
// of ValidateSpec. A decode error is returned alone (the rest cannot be judged).
std::vector<FieldError> ValidateManifest(const nlohmann::json& object);

// Ok, or InvalidArgument listing every error ("spec.x: ...; spec.y: ...").
Status ToStatus(const std::vector<FieldError>& errors);

}  // namespace skewgate::api

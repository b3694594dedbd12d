// JSON codec of the ModelDeployment: the same shape the API server stores. Decoding is
// strict (unknown fields and wrong types are errors naming the JSON field path) and fills
// absent fields with the CRD's schema defaults, so a decoded spec is the one the API
// server would store. Encoding writes every field the schema keeps (defaults included);
// FromJson(ToJson(x)) == x for every value x. Never throws.
//
//   StatusOr<ModelDeployment> md = FromJson(json);  // "spec.replicas: must be of type integer"
//   nlohmann::json j = ToJson(*md);
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/types.h"
#include "common/status.h"

namespace skewgate::api {

// One problem found in a manifest: the JSON path in kubectl's notation
// ("spec.strategy.canary.steps[2].setWeight") and a message a user understands.
struct FieldError {
  std::string field;
  std::string message;
  std::string ToString() const { return field.empty() ? message : field + ": " + message; }
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// The whole object {apiVersion, kind, metadata, spec, status}. apiVersion and kind must be
// skewgate.io/v1alpha1 / ModelDeployment when present; status may be absent. On error the
// Status message is FieldError::ToString(), and *error (if given) gets the parts.
StatusOr<ModelDeployment> FromJson(const nlohmann::json& object, FieldError* error = nullptr);
nlohmann::json ToJson(const ModelDeployment& md);

// Spec or status alone; `path` prefixes the field paths of errors.
StatusOr<ModelDeploymentSpec> SpecFromJson(const nlohmann::json& spec,
                                           const std::string& path = "spec",
                                           FieldError* error = nullptr);
nlohmann::json ToJson(const ModelDeploymentSpec& spec);
StatusOr<ModelDeploymentStatus> StatusFromJson(const nlohmann::json& status,
                                               const std::string& path = "status",
                                               FieldError* error = nullptr);
nlohmann::json ToJson(const ModelDeploymentStatus& status);

// Enum spellings used in JSON (and the printer columns).
const char* PhaseName(Phase p);                    // "" for kUnknown, "Progressing", ...
const char* MetricName(SkewMetric m);              // "jensenShannon", "psi", ...
const char* ProtocolName(PayloadProtocol p);       // "auto", "v1", "v2", "rows"
const char* VerdictName(Verdict v);                // "Successful", "Failed", "Inconclusive"
const char* FeatureVerdictName(FeatureVerdict v);  // "Pass", "Fail", ...
const char* OutcomeName(RevisionOutcome o);        // "Active", "Promoted", ...

}  // namespace skewgate::api

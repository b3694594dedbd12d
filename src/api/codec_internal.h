// Internal to src/api: enum spellings shared by the codec's spec and status halves.
//
//   internal::Reader r(&errors, &j, "spec");
//   r.Enum("protocol", internal::kProtocols, &sidecar.protocol);
#pragma once

#include "api/json_reader.h"
#include "api/types.h"

namespace skewgate::api::internal {

inline const EnumTable<PayloadProtocol> kProtocols = {{"auto", PayloadProtocol::kAuto},
                                                      {"v1", PayloadProtocol::kV1},
                                                      {"v2", PayloadProtocol::kV2},
                                                      {"rows", PayloadProtocol::kRows}};
inline const EnumTable<SkewMetric> kNumericMetrics = {{"jensenShannon", SkewMetric::kJensenShannon},
                                                      {"psi", SkewMetric::kPsi},
                                                      {"ks", SkewMetric::kKs},
                                                      {"wasserstein", SkewMetric::kWasserstein}};
inline const EnumTable<SkewMetric> kCategoricalMetrics = {
    {"lInfinity", SkewMetric::kLInfinity}, {"jensenShannon", SkewMetric::kJensenShannon}};
inline const EnumTable<SkewMetric> kAllMetrics = {{"jensenShannon", SkewMetric::kJensenShannon},
                                                  {"psi", SkewMetric::kPsi},
                                                  {"ks", SkewMetric::kKs},
                                                  {"wasserstein", SkewMetric::kWasserstein},
                                                  {"lInfinity", SkewMetric::kLInfinity}};
inline const EnumTable<Phase> kPhases = {{"", Phase::kUnknown},
                                         {"Progressing", Phase::kProgressing},
                                         {"Paused", Phase::kPaused},
                                         {"Healthy", Phase::kHealthy},
                                         {"Degraded", Phase::kDegraded}};
inline const EnumTable<Verdict> kVerdicts = {{"Successful", Verdict::kSuccessful},
                                             {"Failed", Verdict::kFailed},
                                             {"Inconclusive", Verdict::kInconclusive}};
inline const EnumTable<FeatureVerdict> kFeatureVerdicts = {
    {"Pass", FeatureVerdict::kPass},
    {"Fail", FeatureVerdict::kFail},
    {"Inconclusive", FeatureVerdict::kInconclusive},
    {"Ignored", FeatureVerdict::kIgnored}};
inline const EnumTable<FeatureType> kFeatureTypes = {{"numeric", FeatureType::kNumeric},
                                                     {"categorical", FeatureType::kCategorical}};
inline const EnumTable<RevisionOutcome> kOutcomes = {{"Active", RevisionOutcome::kActive},
                                                     {"Promoted", RevisionOutcome::kPromoted},
                                                     {"Aborted", RevisionOutcome::kAborted},
                                                     {"Superseded", RevisionOutcome::kSuperseded}};

template <typename E>
const char* NameOf(const EnumTable<E>& table, E value) {
  for (const auto& [name, v] : table) {
    if (v == value) return name.data();  // every name is a string literal: NUL-terminated
  }
  return "";
}

void DecodeSpec(Reader& r, ModelDeploymentSpec* spec);
void DecodeStatus(Reader& r, ModelDeploymentStatus* status);

}  // namespace skewgate::api::internal

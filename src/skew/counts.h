// Live bucket counts per feature, tied to the baseline whose bins they use. Counts from
// pods and windows add exactly; window deltas subtract; counts made with another baseline
// are refused.
//
//   Counts total = NewCounts(baseline);
//   SG_RETURN_IF_ERROR(AddCounts(total, pod_counts));   // FailedPrecondition on hash mismatch
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "skew/baseline.h"

namespace skewgate::skew {

struct Counts {
  std::string baseline_hash;  // "sha256:..." of the baseline the buckets come from
  // Identifies the process that produced the counters (a sidecar start id). Cumulative
  // counters from different start ids are different series: see SubtractCounts.
  std::string start_id;
  // Feature name -> bucket counts, in the baseline's bucket order for that feature.
  std::map<std::string, std::vector<uint64_t>> features;

  // Sum of one feature's buckets (its observations in the window), 0 when absent.
  uint64_t Total(std::string_view feature) const;
};

// A zero count for every feature of the baseline.
Counts NewCounts(const Baseline& b);

// into += other. Refuses (FailedPrecondition, naming both hashes) counts made with another
// baseline, and (InvalidArgument) a feature whose bucket count differs. Features only in
// `other` are added. An empty into.baseline_hash adopts other's. `into` is unchanged on
// error. The result's start_id is kept from `into` (a sum is not one process's series).
Status AddCounts(Counts& into, const Counts& other);

// The increase from `previous` to `current` of one process's cumulative counters.
struct CountsDelta {
  Counts delta;
  // True when the counters restarted (different start_id, or a bucket went down): the
  // delta is then `current` itself, i.e. everything counted since the restart, as
  // Prometheus' increase() treats a counter reset.
  bool reset = false;
  std::string reset_reason;
};
StatusOr<CountsDelta> SubtractCounts(const Counts& current, const Counts& previous);

// Checks that counts fit the baseline: same hash, known features, matching bucket counts.
Status CheckCountsMatch(const Baseline& b, const Counts& c);

// JSON: {"baselineHash":"sha256:…","startId":"…","features":{"amount":[3,0,…],…}}.
// CountsFromJson errors name the field ("features.amount[3]: not a non-negative integer").
std::string CountsToJson(const Counts& c);
StatusOr<Counts> CountsFromJson(std::string_view json_text);
// The same as a JSON value, for callers that embed counts in a larger document (the
// sidecar's /stats). Never throws.
nlohmann::json CountsToJsonValue(const Counts& c);
StatusOr<Counts> CountsFromJsonValue(const nlohmann::json& j);

}  // namespace skewgate::skew

#include "skew/counts.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "skew/json_util.h"

namespace skewgate::skew {

using nlohmann::json;

uint64_t Counts::Total(std::string_view feature) const {
  auto it = features.find(std::string(feature));
  if (it == features.end()) return 0;
  uint64_t total = 0;
  for (uint64_t c : it->second) total += c;
  return total;
}

Counts NewCounts(const Baseline& b) {
  Counts c;
  c.baseline_hash = b.hash;
  for (const auto& f : b.features) {
    c.features.emplace(f.name, std::vector<uint64_t>(f.BucketCount(), 0));
  }
  return c;
}

namespace {

Status HashMismatch(const std::string& want, const std::string& got) {
  return FailedPreconditionError("counts were made with baseline " + got + ", expected " + want +
                                 "; counts from different baselines use different bins " +
                                 "and cannot be combined");
}

}  // namespace

Status AddCounts(Counts& into, const Counts& other) {
  if (!into.baseline_hash.empty() && into.baseline_hash != other.baseline_hash) {
    return HashMismatch(into.baseline_hash, other.baseline_hash);
  }
  // Check everything first so that `into` is unchanged on error.
  for (const auto& [name, buckets] : other.features) {
    auto it = into.features.find(name);
    if (it != into.features.end() && it->second.size() != buckets.size()) {
      return InvalidArgumentError("counts for feature '" + name + "' have " +
                                  std::to_string(buckets.size()) + " buckets, expected " +
                                  std::to_string(it->second.size()));
    }
  }
  if (into.baseline_hash.empty()) into.baseline_hash = other.baseline_hash;
  for (const auto& [name, buckets] : other.features) {
    auto& dst = into.features[name];
    if (dst.empty()) dst.assign(buckets.size(), 0);
    for (size_t i = 0; i < buckets.size(); ++i) dst[i] += buckets[i];
  }
  return OkStatus();
}

StatusOr<CountsDelta> SubtractCounts(const Counts& current, const Counts& previous) {
  if (current.baseline_hash != previous.baseline_hash) {
    return HashMismatch(previous.baseline_hash, current.baseline_hash);
  }
  CountsDelta out;
  out.delta = current;
  if (current.start_id != previous.start_id) {
    out.reset = true;
    out.reset_reason = "start id changed from '" + previous.start_id + "' to '" + current.start_id +
                       "' (the process restarted)";
    return out;
  }
  for (const auto& [name, prev] : previous.features) {
    auto it = current.features.find(name);
    if (it == current.features.end()) {
      out.reset = true;
      out.reset_reason = "feature '" + name + "' disappeared from the counters";
      return out;
    }
    if (it->second.size() != prev.size()) {
      return InvalidArgumentError("counts for feature '" + name + "' changed from " +
                                  std::to_string(prev.size()) + " to " +
                                  std::to_string(it->second.size()) + " buckets");
    }
    for (size_t i = 0; i < prev.size(); ++i) {
      if (it->second[i] < prev[i]) {
        out.reset = true;
        out.reset_reason = "counter of feature '" + name + "' bucket " + std::to_string(i) +
                           " went down (" + std::to_string(prev[i]) + " -> " +
                           std::to_string(it->second[i]) + ")";
        return out;
      }
    }
  }
  for (auto& [name, buckets] : out.delta.features) {
    auto it = previous.features.find(name);
    if (it == previous.features.end()) continue;  // new feature: all of it is new
    for (size_t i = 0; i < buckets.size(); ++i) buckets[i] -= it->second[i];
  }
  return out;
}

Status CheckCountsMatch(const Baseline& b, const Counts& c) {
  if (c.baseline_hash != b.hash) return HashMismatch(b.hash, c.baseline_hash);
  // One index instead of a linear FindFeature per feature: verdicts over thousands of
  // features call this on every analysis run.
  std::unordered_map<std::string_view, int> index;
  index.reserve(b.features.size());
  for (size_t i = 0; i < b.features.size(); ++i) {
    index.emplace(b.features[i].name, static_cast<int>(i));
  }
  for (const auto& [name, buckets] : c.features) {
    auto it = index.find(name);
    const int i = it == index.end() ? -1 : it->second;
    if (i < 0) {
      return InvalidArgumentError("counts have feature '" + name + "' that the baseline lacks");
    }
    if (static_cast<int>(buckets.size()) != b.features[i].BucketCount()) {
      return InvalidArgumentError("counts for feature '" + name + "' have " +
                                  std::to_string(buckets.size()) + " buckets, the baseline " +
                                  std::to_string(b.features[i].BucketCount()));
    }
  }
  return OkStatus();
}

json CountsToJsonValue(const Counts& c) {
  json j;
  j["baselineHash"] = c.baseline_hash;
  j["startId"] = c.start_id;
  json f = json::object();
  for (const auto& [name, buckets] : c.features) f[name] = buckets;
  j["features"] = f;
  return j;
}

std::string CountsToJson(const Counts& c) { return CountsToJsonValue(c).dump(); }

StatusOr<Counts> CountsFromJsonValue(const json& j) {
  const internal::JsonPath root("counts");
  SG_RETURN_IF_ERROR(root.RequireObject(j));
  Counts c;
  SG_ASSIGN_OR_RETURN(c.baseline_hash, root.String(j, "baselineHash"));
  if (j.contains("startId")) {
    SG_ASSIGN_OR_RETURN(c.start_id, root.String(j, "startId"));
  }
  SG_ASSIGN_OR_RETURN(const json* features, root.Object(j, "features"));
  const internal::JsonPath fp = root.Child("features");
  for (const auto& [name, value] : features->items()) {
    SG_ASSIGN_OR_RETURN(auto buckets, fp.Child(name).AsU64Array(value));
    c.features.emplace(name, std::move(buckets));
  }
  return c;
}

StatusOr<Counts> CountsFromJson(std::string_view json_text) {
  SG_ASSIGN_OR_RETURN(json j, internal::ParseJsonText(json_text, "counts"));
  return CountsFromJsonValue(j);
}

}  // namespace skewgate::skew

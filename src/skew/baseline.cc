#include "skew/baseline.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "common/sha256.h"
#include "skew/json_util.h"

namespace skewgate::skew {

using internal::JsonPath;
using nlohmann::json;

std::string_view FeatureKindName(FeatureKind k) {
  return k == FeatureKind::kNumeric ? "numeric" : "categorical";
}
std::string_view FeatureRoleName(FeatureRole r) {
  return r == FeatureRole::kInput ? "input" : "output";
}
std::string_view BinStrategyName(BinStrategy s) {
  return s == BinStrategy::kEqualProbability ? "equalProbability" : "equalWidth";
}

int NumericBins::ValueBucketCount() const {
  int points = 0;
  for (bool p : point) points += p ? 1 : 0;
  return static_cast<int>(cuts.size()) + 1 + points;
}

namespace {

// Six significant digits: bucket descriptions are for people; the JSON keeps full precision.
std::string FormatNumber(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 6);
  return std::string(buf, r.ptr);
}

}  // namespace

std::string NumericBins::DescribeBucket(int i) const {
  const int values = ValueBucketCount();
  if (i == values) return "NaN";
  if (i == values + 1) return "missing";
  if (i < 0 || i > values + 1) return "?";
  if (cuts.empty()) return "all";
  if (i == 0) return "< " + FormatNumber(cuts[0]);
  int b = 1;
  for (size_t j = 0; j < cuts.size(); ++j) {
    const bool last = j + 1 == cuts.size();
    if (point[j]) {
      if (b == i) return "{" + FormatNumber(cuts[j]) + "}";
      ++b;
      if (b == i) {
        return last ? "> " + FormatNumber(cuts[j])
                    : "(" + FormatNumber(cuts[j]) + ", " + FormatNumber(cuts[j + 1]) + ")";
      }
    } else if (b == i) {
      return last ? ">= " + FormatNumber(cuts[j])
                  : "[" + FormatNumber(cuts[j]) + ", " + FormatNumber(cuts[j + 1]) + ")";
    }
    ++b;
  }
  return "?";
}

std::string FeatureBaseline::DescribeBucket(int i) const {
  if (kind == FeatureKind::kNumeric) return numeric.DescribeBucket(i);
  if (i >= 0 && i < static_cast<int>(categorical.labels.size())) return categorical.labels[i];
  if (i == categorical.OovBucket()) return "(other)";
  if (i == categorical.MissingBucket()) return "(missing)";
  return "?";
}

int Baseline::FindFeature(std::string_view name) const {
  for (size_t i = 0; i < features.size(); ++i) {
    if (features[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

namespace {

json OptionalNumber(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json FeatureToJson(const FeatureBaseline& f) {
  json j;
  j["name"] = f.name;
  j["type"] = std::string(FeatureKindName(f.kind));
  j["role"] = std::string(FeatureRoleName(f.role));
  j["counts"] = f.counts;
  if (f.kind == FeatureKind::kNumeric) {
    j["cuts"] = f.numeric.cuts;
    json points = json::array();
    for (bool p : f.numeric.point) points.push_back(p);
    j["points"] = points;
    const NumericStats& s = f.numeric_stats;
    json st;
    st["count"] = s.count;
    st["nan"] = s.nan;
    st["missing"] = s.missing;
    st["posInf"] = s.pos_inf;
    st["negInf"] = s.neg_inf;
    st["mean"] = OptionalNumber(s.mean);
    st["std"] = OptionalNumber(s.std);
    st["min"] = OptionalNumber(s.min);
    st["max"] = OptionalNumber(s.max);
    json q = json::array();
    for (const auto& [p, v] : s.quantiles) q.push_back(json::array({p, v}));
    st["quantiles"] = q;
    j["stats"] = st;
  } else {
    j["labels"] = f.categorical.labels;
    json st;
    st["count"] = f.categorical_stats.count;
    st["missing"] = f.categorical_stats.missing;
    st["distinct"] = f.categorical_stats.distinct;
    j["stats"] = st;
  }
  return j;
}

json BaselineToJsonWithoutHash(const Baseline& b) {
  json j;
  j["apiVersion"] = std::string(kBaselineApiVersion);
  j["kind"] = std::string(kBaselineKind);
  j["rows"] = b.rows;
  j["binning"] = {
      {"strategy", std::string(BinStrategyName(b.strategy))}, {"bins", b.bins}, {"topK", b.top_k}};
  json features = json::array();
  for (const auto& f : b.features) features.push_back(FeatureToJson(f));
  j["features"] = features;
  return j;
}

}  // namespace

std::string ComputeBaselineHash(const Baseline& b) {
  // nlohmann::json keeps object keys sorted and prints numbers in their shortest
  // round-trip form, so dump() without indentation is a canonical form.
  return "sha256:" + Sha256Hex(BaselineToJsonWithoutHash(b).dump());
}

std::string SerializeBaseline(const Baseline& b, bool pretty) {
  json j = BaselineToJsonWithoutHash(b);
  j["hash"] = "sha256:" + Sha256Hex(j.dump());
  return j.dump(pretty ? 2 : -1) + (pretty ? "\n" : "");
}

Status ValidateBaseline(const Baseline& b) {
  if (b.bins < 1 || b.bins > 1000) {
    return InvalidArgumentError("binning.bins: " + std::to_string(b.bins) + " is outside 1..1000");
  }
  if (b.top_k < 1 || b.top_k > 1000) {
    return InvalidArgumentError("binning.topK: " + std::to_string(b.top_k) + " is outside 1..1000");
  }
  std::set<std::string_view> names;
  for (size_t i = 0; i < b.features.size(); ++i) {
    const FeatureBaseline& f = b.features[i];
    const std::string path = "features[" + std::to_string(i) + "]";
    if (f.name.empty()) return InvalidArgumentError(path + ".name: empty");
    if (!names.insert(f.name).second) {
      return InvalidArgumentError(path + ".name: duplicate feature '" + f.name + "'");
    }
    if (f.kind == FeatureKind::kNumeric) {
      const auto& cuts = f.numeric.cuts;
      if (cuts.size() != f.numeric.point.size()) {
        return InvalidArgumentError(path + ".points: " + std::to_string(f.numeric.point.size()) +
                                    " entries for " + std::to_string(cuts.size()) + " cuts");
      }
      if (cuts.size() > 2000) {
        return InvalidArgumentError(path + ".cuts: " + std::to_string(cuts.size()) +
                                    " cuts, at most 2000");
      }
      for (size_t c = 0; c < cuts.size(); ++c) {
        if (!std::isfinite(cuts[c])) {
          return InvalidArgumentError(path + ".cuts[" + std::to_string(c) + "]: not finite");
        }
        if (c > 0 && !(cuts[c - 1] < cuts[c])) {
          return InvalidArgumentError(path + ".cuts[" + std::to_string(c) +
                                      "]: not strictly increasing");
        }
      }
    } else {
      if (f.categorical.labels.size() > 1000) {
        return InvalidArgumentError(path +
                                    ".labels: " + std::to_string(f.categorical.labels.size()) +
                                    " labels, at most 1000");
      }
      std::set<std::string_view> labels;
      for (size_t l = 0; l < f.categorical.labels.size(); ++l) {
        if (!labels.insert(f.categorical.labels[l]).second) {
          return InvalidArgumentError(path + ".labels[" + std::to_string(l) + "]: duplicate label");
        }
      }
    }
    if (static_cast<int>(f.counts.size()) != f.BucketCount()) {
      return InvalidArgumentError(path + ".counts: " + std::to_string(f.counts.size()) +
                                  " buckets, the bins define " + std::to_string(f.BucketCount()));
    }
  }
  return OkStatus();
}

namespace {

StatusOr<FeatureBaseline> ParseFeature(const json& j, const JsonPath& path) {
  FeatureBaseline f;
  SG_RETURN_IF_ERROR(path.RequireObject(j));
  SG_ASSIGN_OR_RETURN(f.name, path.String(j, "name"));
  SG_ASSIGN_OR_RETURN(std::string type, path.String(j, "type"));
  if (type == "numeric") {
    f.kind = FeatureKind::kNumeric;
  } else if (type == "categorical") {
    f.kind = FeatureKind::kCategorical;
  } else {
    return path.Child("type").Error("'" + type + "' is not numeric or categorical");
  }
  SG_ASSIGN_OR_RETURN(std::string role, path.String(j, "role"));
  if (role == "input") {
    f.role = FeatureRole::kInput;
  } else if (role == "output") {
    f.role = FeatureRole::kOutput;
  } else {
    return path.Child("role").Error("'" + role + "' is not input or output");
  }
  SG_ASSIGN_OR_RETURN(f.counts, path.U64Array(j, "counts"));
  SG_ASSIGN_OR_RETURN(const json* stats, path.Object(j, "stats"));
  const JsonPath sp = path.Child("stats");
  if (f.kind == FeatureKind::kNumeric) {
    SG_ASSIGN_OR_RETURN(f.numeric.cuts, path.DoubleArray(j, "cuts"));
    SG_ASSIGN_OR_RETURN(f.numeric.point, path.BoolArray(j, "points"));
    NumericStats& s = f.numeric_stats;
    SG_ASSIGN_OR_RETURN(s.count, sp.U64(*stats, "count"));
    SG_ASSIGN_OR_RETURN(s.nan, sp.U64(*stats, "nan"));
    SG_ASSIGN_OR_RETURN(s.missing, sp.U64(*stats, "missing"));
    SG_ASSIGN_OR_RETURN(s.pos_inf, sp.U64(*stats, "posInf"));
    SG_ASSIGN_OR_RETURN(s.neg_inf, sp.U64(*stats, "negInf"));
    SG_ASSIGN_OR_RETURN(s.mean, sp.OptionalDouble(*stats, "mean"));
    SG_ASSIGN_OR_RETURN(s.std, sp.OptionalDouble(*stats, "std"));
    SG_ASSIGN_OR_RETURN(s.min, sp.OptionalDouble(*stats, "min"));
    SG_ASSIGN_OR_RETURN(s.max, sp.OptionalDouble(*stats, "max"));
    SG_ASSIGN_OR_RETURN(const json* q, sp.Array(*stats, "quantiles"));
    for (size_t i = 0; i < q->size(); ++i) {
      const JsonPath qp = sp.Child("quantiles").Index(i);
      const json& pair = (*q)[i];
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() || !pair[1].is_number()) {
        return qp.Error("expected [probability, value]");
      }
      s.quantiles.emplace_back(pair[0].get<double>(), pair[1].get<double>());
    }
  } else {
    SG_ASSIGN_OR_RETURN(f.categorical.labels, path.StringArray(j, "labels"));
    SG_ASSIGN_OR_RETURN(f.categorical_stats.count, sp.U64(*stats, "count"));
    SG_ASSIGN_OR_RETURN(f.categorical_stats.missing, sp.U64(*stats, "missing"));
    SG_ASSIGN_OR_RETURN(f.categorical_stats.distinct, sp.U64(*stats, "distinct"));
  }
  return f;
}

StatusOr<Baseline> ParseBaselineJson(const json& j) {
  const JsonPath root("");
  SG_RETURN_IF_ERROR(root.RequireObject(j));
  SG_ASSIGN_OR_RETURN(std::string version, root.String(j, "apiVersion"));
  if (version != kBaselineApiVersion) {
    return root.Child("apiVersion")
        .Error("got '" + version + "', this build reads '" + std::string(kBaselineApiVersion) +
               "'; rebuild the baseline with this skewgate version");
  }
  SG_ASSIGN_OR_RETURN(std::string kind, root.String(j, "kind"));
  if (kind != kBaselineKind) return root.Child("kind").Error("got '" + kind + "', want Baseline");
  Baseline b;
  SG_ASSIGN_OR_RETURN(b.hash, root.String(j, "hash"));
  SG_ASSIGN_OR_RETURN(b.rows, root.U64(j, "rows"));
  SG_ASSIGN_OR_RETURN(const json* binning, root.Object(j, "binning"));
  const JsonPath bp = root.Child("binning");
  SG_ASSIGN_OR_RETURN(std::string strategy, bp.String(*binning, "strategy"));
  if (strategy == "equalProbability") {
    b.strategy = BinStrategy::kEqualProbability;
  } else if (strategy == "equalWidth") {
    b.strategy = BinStrategy::kEqualWidth;
  } else {
    return bp.Child("strategy").Error("'" + strategy + "' is not equalProbability or equalWidth");
  }
  SG_ASSIGN_OR_RETURN(uint64_t bins, bp.U64(*binning, "bins"));
  SG_ASSIGN_OR_RETURN(uint64_t top_k, bp.U64(*binning, "topK"));
  b.bins = static_cast<int>(std::min<uint64_t>(bins, 1'000'000));
  b.top_k = static_cast<int>(std::min<uint64_t>(top_k, 1'000'000));
  SG_ASSIGN_OR_RETURN(const json* features, root.Array(j, "features"));
  for (size_t i = 0; i < features->size(); ++i) {
    SG_ASSIGN_OR_RETURN(FeatureBaseline f,
                        ParseFeature((*features)[i], root.Child("features").Index(i)));
    b.features.push_back(std::move(f));
  }
  if (Status s = ValidateBaseline(b); !s.ok()) return s.WithContext("baseline");
  const std::string want = ComputeBaselineHash(b);
  if (b.hash != want) {
    return InvalidArgumentError("baseline hash: the file says " + b.hash +
                                " but its content hashes to " + want +
                                "; the file was edited or corrupted after it was built — "
                                "rebuild it with 'skewgate baseline'");
  }
  return b;
}

}  // namespace

StatusOr<Baseline> ParseBaseline(std::string_view json_text) {
  SG_ASSIGN_OR_RETURN(json j, internal::ParseJsonText(json_text, "baseline"));
  return ParseBaselineJson(j);
}

}  // namespace skewgate::skew

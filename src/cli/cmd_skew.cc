// skewgate skew: an offline skew report from a baseline and live counts (a saved /stats
// response or counts JSON): each feature's score and a terminal histogram of baseline vs
// live share per bucket. Exit code: 0 Successful, 3 Failed, 4 Inconclusive, 1 error.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/plugin_render.h"
#include "cli/training_reader.h"
#include "common/flags.h"
#include "skew/baseline.h"
#include "skew/binning.h"
#include "skew/counts.h"
#include "skew/histogram.h"
#include "skew/verdict.h"

namespace skewgate::cli {

namespace {

StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return UnavailableError(path + ": read failed");
  return ss.str();
}

// Counts JSON, or a document that embeds it under "counts" (the sidecar's /stats).
StatusOr<skew::Counts> LoadCounts(const std::string& path) {
  SG_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(path + ": invalid JSON: " + e.what());
  }
  if (j.is_object() && !j.contains("baselineHash") && j.contains("counts")) j = j["counts"];
  auto c = skew::CountsFromJsonValue(j);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

// Counts a serving-data file (CSV or JSONL, like training data) into the baseline's
// buckets. A feature whose column is absent counts every row as missing.
StatusOr<skew::Counts> CountFile(const std::string& path, const skew::Baseline& b) {
  SG_ASSIGN_OR_RETURN(auto reader, OpenTrainingFile(path, ""));
  skew::BinIndexer idx(b);
  skew::Counts c = skew::NewCounts(b);
  std::vector<int> column_of(b.features.size(), -1);
  std::vector<std::vector<uint64_t>*> dst(b.features.size());
  for (size_t i = 0; i < b.features.size(); ++i) {
    const auto& cols = reader->columns();
    auto it = std::find(cols.begin(), cols.end(), b.features[i].name);
    if (it != cols.end()) column_of[i] = static_cast<int>(it - cols.begin());
    dst[i] = &c.features[b.features[i].name];
  }
  std::vector<FieldValue> row;
  while (true) {
    SG_ASSIGN_OR_RETURN(bool got, reader->Next(row));
    if (!got) break;
    for (size_t i = 0; i < column_of.size(); ++i) {
      const skew::FeatureBinner& bin = idx.feature(static_cast<int>(i));
      const int col = column_of[i];
      int bucket;
      if (col < 0 || row[col].kind == FieldValue::Kind::kMissing) {
        bucket = bin.Missing();
      } else if (row[col].kind == FieldValue::Kind::kNumber &&
                 bin.kind() == skew::FeatureKind::kNumeric) {
        bucket = bin.Numeric(row[col].number);
      } else {
        bucket = bin.Label(row[col].text);
      }
      ++(*dst[i])[bucket];
    }
  }
  return c;
}

StatusOr<skew::Baseline> LoadBaseline(const std::string& path) {
  SG_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  auto b = skew::ParseBaseline(text);
  if (!b.ok()) return b.status().WithContext(path);
  return b;
}

std::string Fmt(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

std::string Pad(std::string s, size_t w) {
  if (s.size() > w) return s.substr(0, w - 1) + "~";
  return s + std::string(w - s.size(), ' ');
}

int Fail(const Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return 1;
}

}  // namespace

int RunSkew(const std::vector<std::string>& args) {
  // `skew NAME` (a ModelDeployment in the cluster) is the plugin's live report.
  if (!args.empty() && !args[0].empty() && args[0][0] != '-') return RunSkewLive(args);
  FlagSet f("skewgate skew --baseline baseline.json --counts live.json [flags]",
            "Report training-serving skew of live counts against a baseline.\n"
            "Exit code: 0 Successful, 3 Failed, 4 Inconclusive, 1 error, 2 usage.");
  f.String("baseline", "", "baseline JSON written by 'skewgate baseline'").Required().Short("b");
  f.String("counts", "", "live counts JSON (or a saved sidecar /stats response)");
  f.String("live", "", "or: serving data (.csv / .jsonl) to count against the baseline");
  f.String("stable-counts", "", "the stable revision's counts, for --compare-to-stable");
  f.String("stable-baseline", "", "the stable revision's baseline (default: --baseline)");
  f.Bool("compare-to-stable", false, "only blame skew beyond the stable revision's");
  f.String("numeric-metric", "jensenShannon", "jensenShannon, psi, ks, wasserstein or lInfinity");
  f.String("numeric-threshold", "0.1", "threshold for numeric features");
  f.String("categorical-metric", "lInfinity", "lInfinity, jensenShannon or psi");
  f.String("categorical-threshold", "0.1", "threshold for categorical features");
  f.String("critical", "", "comma-separated features that fail the run on their own");
  f.String("min-samples", "1000", "fewer live values than this is inconclusive");
  f.String("feature", "", "comma-separated features to show (default: all)");
  f.String("width", "24", "width of the histogram bars");
  f.String("max-buckets", "24", "histogram rows per feature (numeric buckets merge past it)");
  f.Bool("no-histogram", false, "scores only");
  if (auto exit = ParseFlags(f, args)) return *exit;
  auto baseline = LoadBaseline(f.Get("baseline"));
  if (!baseline.ok()) return Fail(baseline.status());
  if (f.IsSet("counts") == f.IsSet("live")) {
    std::cerr << "error: give exactly one of --counts and --live\n\n" << f.Usage();
    return 2;
  }
  auto counts =
      f.IsSet("counts") ? LoadCounts(f.Get("counts")) : CountFile(f.Get("live"), *baseline);
  if (!counts.ok()) return Fail(counts.status());

  skew::AnalysisConfig cfg;
  if (!skew::ParseMetric(f.Get("numeric-metric"), &cfg.numeric.metric)) {
    return Fail(
        InvalidArgumentError("--numeric-metric: unknown metric '" + f.Get("numeric-metric") + "'"));
  }
  if (!skew::ParseMetric(f.Get("categorical-metric"), &cfg.categorical.metric)) {
    return Fail(InvalidArgumentError("--categorical-metric: unknown metric '" +
                                     f.Get("categorical-metric") + "'"));
  }
  auto nt = f.GetDouble("numeric-threshold");
  auto ct = f.GetDouble("categorical-threshold");
  auto ms = f.GetInt("min-samples");
  auto width = f.GetInt("width");
  auto max_rows = f.GetInt("max-buckets");
  for (const Status* s :
       {&nt.status(), &ct.status(), &ms.status(), &width.status(), &max_rows.status()}) {
    if (!s->ok()) return Fail(*s);
  }
  if (*ms < 0 || *width < 1 || *width > 200 || *max_rows < 3) {
    return Fail(
        InvalidArgumentError("--min-samples must be >= 0, --width 1..200 and --max-buckets >= 3"));
  }
  cfg.numeric.threshold = *nt;
  cfg.categorical.threshold = *ct;
  cfg.min_samples = static_cast<uint64_t>(*ms);
  cfg.compare_to_stable = f.GetBool("compare-to-stable");
  for (const auto& name : f.GetList("critical")) {
    cfg.features.push_back({.name = name, .critical = true});
  }

  skew::StableEvidence stable;
  StatusOr<skew::Counts> stable_counts = InvalidArgumentError("unset");
  StatusOr<skew::Baseline> stable_base = InvalidArgumentError("unset");
  if (f.IsSet("stable-counts")) {
    stable_counts = LoadCounts(f.Get("stable-counts"));
    if (!stable_counts.ok()) return Fail(stable_counts.status());
    stable.counts = &*stable_counts;
  }
  if (f.IsSet("stable-baseline")) {
    stable_base = LoadBaseline(f.Get("stable-baseline"));
    if (!stable_base.ok()) return Fail(stable_base.status());
    stable.baseline = &*stable_base;
  }
  auto verdict = skew::Evaluate(*baseline, *counts, stable, cfg);
  if (!verdict.ok()) return Fail(verdict.status());

  const auto only = f.GetList("feature");
  for (const auto& n : only) {
    if (baseline->FindFeature(n) < 0) {
      return Fail(InvalidArgumentError("--feature: the baseline has no feature '" + n + "'"));
    }
  }
  auto shown = [&](const std::string& n) {
    return only.empty() || std::find(only.begin(), only.end(), n) != only.end();
  };

  std::cout << "baseline " << baseline->hash << ", " << baseline->features.size()
            << " features, trained on " << baseline->rows << " rows\n\n";
  std::cout << Pad("FEATURE", 18) << Pad("TYPE", 13) << Pad("METRIC", 15) << Pad("SCORE", 9)
            << Pad("THRESH", 8) << Pad("SAMPLES", 10) << "VERDICT\n";
  for (const auto& r : verdict->features) {
    if (!shown(r.name)) continue;
    std::string type(skew::FeatureKindName(r.kind));
    if (r.role == skew::FeatureRole::kOutput) type += "*";
    std::cout << Pad(r.name, 18) << Pad(type, 13)
              << Pad(std::string(skew::MetricName(r.metric)), 15) << Pad(Fmt("%.4f", r.score), 9)
              << Pad(Fmt("%g", r.threshold), 8) << Pad(std::to_string(r.samples), 10)
              << skew::FeatureVerdictName(r.verdict) << (r.critical ? " (critical)" : "") << "\n";
  }
  if (!f.GetBool("no-histogram")) {
    for (size_t i = 0; i < baseline->features.size(); ++i) {
      const auto& fb = baseline->features[i];
      const auto& r = verdict->features[i];
      if (!shown(fb.name)) continue;
      std::cout << "\n" << fb.name << ": " << r.reason << "\n";
      auto it = counts->features.find(fb.name);
      const std::vector<uint64_t> live =
          it == counts->features.end() ? std::vector<uint64_t>(fb.counts.size(), 0) : it->second;
      std::cout << "    baseline (=) vs live (#), share of values per bucket\n"
                << RenderHistogram(skew::CompactHistogram(fb, live, static_cast<int>(*max_rows)),
                                   static_cast<int>(*width), 4, Color::kNone, false);
    }
  }
  std::cout << "\n" << verdict->Summary() << "\n";
  switch (verdict->verdict) {
    case skew::RunVerdict::kSuccessful: return 0;
    case skew::RunVerdict::kFailed: return 3;
    case skew::RunVerdict::kInconclusive: return 4;
  }
  return 1;
}

}  // namespace skewgate::cli

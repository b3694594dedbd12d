// The baseline cache's projection on a user's 1 MB ConfigMap that no ModelDeployment reads:
// what the informer does on every list and watch event of it. "Unread" is the projection
// as it runs (keys nobody reads are only named); "EveryKey" summarises every data key, as
// the projection did before it knew which keys are read (parse each key as a baseline,
// sha256 the valid ones). Two kinds of 1 MB value: a JSON document that is not a baseline (parsed,
// then rejected), and a valid baseline nobody references (an older version kept beside the current
// one: parsed and hashed).
//
//   build/bin/controller_baseline_summary_bench   # time per projected ConfigMap
#include <benchmark/benchmark.h>

#include <set>
#include <string>

#include "controller/observe.h"
#include "skew/baseline.h"

namespace skewgate::controller {
namespace {

using nlohmann::json;

// A JSON document of about `bytes` that is not a baseline (dashboards, feature lists...).
std::string JsonDocument(size_t bytes) {
  json rows = json::array();
  size_t size = 0;
  for (int i = 0; size < bytes; ++i) {
    rows.push_back({{"id", i}, {"name", "feature-" + std::to_string(i)}, {"weight", i * 0.5}});
    size += rows.back().dump().size() + 1;
  }
  return rows.dump();
}

// A valid baseline of about `bytes`: categorical features of 1,000 labels each.
std::string BaselineDocument(size_t bytes) {
  skew::Baseline b;
  b.rows = 1000;
  std::string text;
  for (int f = 0; text.size() < bytes; ++f) {
    skew::FeatureBaseline c;
    c.name = "category_" + std::to_string(f);
    c.kind = skew::FeatureKind::kCategorical;
    for (int l = 0; l < 1000; ++l) c.categorical.labels.push_back("label-" + std::to_string(l));
    c.counts.assign(1002, 1);
    c.counts[1000] = c.counts[1001] = 0;
    c.categorical_stats.count = 1000;
    c.categorical_stats.distinct = 1000;
    b.features.push_back(std::move(c));
    b.hash = skew::ComputeBaselineHash(b);
    text = skew::SerializeBaseline(b);
  }
  return text;
}

json ConfigMap(std::string value) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "big"}, {"namespace", "ml"}, {"resourceVersion", "42"}}},
          {"data", {{"big.json", std::move(value)}, {"notes.txt", "hello"}}}};
}

void Project(benchmark::State& state, const std::string& value, bool every_key) {
  const json cm = ConfigMap(value);
  const std::set<std::string> keys =
      every_key ? std::set<std::string>{"big.json", "notes.txt"} : std::set<std::string>{};
  for (auto _ : state) {
    state.PauseTiming();
    json copy = cm;  // the informer hands the projection its own object
    state.ResumeTiming();
    benchmark::DoNotOptimize(BaselineSummary(std::move(copy), keys));
  }
  state.counters["value_bytes"] = static_cast<double>(value.size());
}

void BM_Summary_1MBJson_Unread(benchmark::State& s) {
  static const std::string v = JsonDocument(1 << 20);
  Project(s, v, false);
}
void BM_Summary_1MBJson_EveryKey(benchmark::State& s) {
  static const std::string v = JsonDocument(1 << 20);
  Project(s, v, true);
}
void BM_Summary_1MBBaseline_Unread(benchmark::State& s) {
  static const std::string v = BaselineDocument(1 << 20);
  if (!skew::ParseBaseline(v).ok()) s.SkipWithError("the generated baseline is not valid");
  Project(s, v, false);
}
void BM_Summary_1MBBaseline_EveryKey(benchmark::State& s) {
  static const std::string v = BaselineDocument(1 << 20);
  if (!skew::ParseBaseline(v).ok()) s.SkipWithError("the generated baseline is not valid");
  Project(s, v, true);
}
BENCHMARK(BM_Summary_1MBJson_Unread)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Summary_1MBJson_EveryKey)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Summary_1MBBaseline_Unread)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Summary_1MBBaseline_EveryKey)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace skewgate::controller

BENCHMARK_MAIN();

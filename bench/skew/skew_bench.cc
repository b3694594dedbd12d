// Benchmarks of the skew library and `skewgate baseline` against the goals of issue 5:
// baseline building >= 5 M numeric values/s per core (CSV, end to end), bin lookup <= 20 ns
// per value, a full verdict over 1,000 features <= 1 ms.
//
//   build/bin/skew_bench --benchmark_filter=BinLookup
//   build/bin/skew_bench --benchmark_min_time=0.5s
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "cli/command.h"
#include "skew/baseline.h"
#include "skew/binning.h"
#include "skew/builder.h"
#include "skew/counts.h"
#include "skew/verdict.h"

namespace {

using namespace skewgate::skew;

Baseline NumericBaseline(int features, int samples, uint64_t seed) {
  std::vector<ColumnSpec> cols;
  for (int i = 0; i < features; ++i) cols.push_back({"f" + std::to_string(i)});
  BaselineBuilder b(cols, BuilderOptions{}, nullptr);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n(0, 1);
  for (int r = 0; r < samples; ++r) {
    for (int i = 0; i < features; ++i) b.AddNumber(i, n(rng) + i);
    b.EndRow();
  }
  return b.Finish().value();
}

// The CLI end to end on a numeric CSV: read, parse, buffer, select quantiles, count, write.
void BM_BaselineBuildCsv(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  const int cols = 8;
  const std::string dir =
      std::filesystem::temp_directory_path() / ("skewgate-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string in = dir + "/train.csv", out = dir + "/baseline.json";
  {
    std::ofstream f(in);
    std::mt19937_64 rng(1);
    std::lognormal_distribution<double> d(2, 1);
    for (int c = 0; c < cols; ++c) f << (c ? "," : "") << "x" << c;
    f << "\n";
    char buf[32];
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        std::snprintf(buf, sizeof(buf), "%.4f", d(rng));
        f << (c ? "," : "") << buf;
      }
      f << "\n";
    }
  }
  for (auto _ : state) {
    int rc = skewgate::cli::RunCli({"baseline", "-i", in, "-o", out, "--quiet"});
    if (rc != 0) state.SkipWithError("skewgate baseline failed");
  }
  state.counters["values/s"] = benchmark::Counter(
      static_cast<double>(rows) * cols * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(in)) / 1e6;
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_BaselineBuildCsv)->Arg(250'000)->Unit(benchmark::kMillisecond)->UseRealTime();

// The pure builder alone (values already parsed).
void BM_BuilderAddAndFinish(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<double> values(n);
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> d(2, 1);
  for (double& v : values) v = d(rng);
  for (auto _ : state) {
    BaselineBuilder b({{"x"}}, BuilderOptions{}, nullptr);
    for (double v : values) b.AddNumber(0, v);
    benchmark::DoNotOptimize(b.Finish().value().hash);
  }
  state.counters["values/s"] =
      benchmark::Counter(static_cast<double>(n) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BuilderAddAndFinish)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_BinLookupNumeric(benchmark::State& state) {
  Baseline b = NumericBaseline(1, 100'000, 3);
  BinIndexer idx(b);
  const FeatureBinner& f = idx.feature(0);
  std::vector<double> values(1 << 16);
  std::mt19937_64 rng(4);
  std::normal_distribution<double> n(0, 1.5);
  for (double& v : values) v = n(rng);
  size_t i = 0;
  int64_t sum = 0;
  for (auto _ : state) {
    sum += f.Numeric(values[i++ & (values.size() - 1)]);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BinLookupNumeric);

void BM_BinLookupCategorical(benchmark::State& state) {
  FeatureBaseline f;
  f.name = "country";
  f.kind = FeatureKind::kCategorical;
  for (int i = 0; i < 200; ++i) f.categorical.labels.push_back("C" + std::to_string(i));
  f.counts.assign(f.BucketCount(), 1);
  FeatureBinner binner(f);
  std::vector<std::string> values(1 << 12);
  std::mt19937_64 rng(5);
  for (auto& v : values) v = "C" + std::to_string(rng() % 220);  // ~10% out of vocabulary
  size_t i = 0;
  int64_t sum = 0;
  for (auto _ : state) {
    sum += binner.Label(values[i++ & (values.size() - 1)]);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BinLookupCategorical);

void BM_Verdict1000Features(benchmark::State& state) {
  const Baseline b = NumericBaseline(1000, 2000, 6);
  Counts live = NewCounts(b);
  std::mt19937_64 rng(7);
  for (auto& [name, buckets] : live.features) {
    for (size_t i = 0; i + 2 < buckets.size(); ++i) buckets[i] = 50 + rng() % 100;
  }
  AnalysisConfig cfg;
  cfg.min_samples = 1000;
  cfg.compare_to_stable = state.range(0) != 0;
  const StableEvidence stable{nullptr, cfg.compare_to_stable ? &live : nullptr};
  for (auto _ : state) {
    auto v = Evaluate(b, live, stable, cfg);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_Verdict1000Features)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

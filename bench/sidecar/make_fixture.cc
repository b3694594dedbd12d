// Writes the sidecar benchmark's inputs into a directory: a 100-feature baseline with 20
// bins each (plus the model's output), a 32-feature logistic model, and a 32-feature V2
// request body (batch of 1), so the load test measures the documented configuration.
//
//   sidecar_bench_fixture /tmp/bench   # → baseline.json model.json body_v2.json
#include <fstream>
#include <iostream>
#include <string>

#include "skew/baseline.h"

int main(int argc, char** argv) {
  using namespace skewgate::skew;
  if (argc != 2) {
    std::cerr << "usage: sidecar_bench_fixture DIR\n";
    return 2;
  }
  std::string dir = argv[1];
  Baseline b;
  b.rows = 1000;
  auto numeric = [](const std::string& name, FeatureRole role) {
    FeatureBaseline f;
    f.name = name;
    f.role = role;
    for (int i = 1; i < 20; ++i) f.numeric.cuts.push_back(i / 20.0);  // 20 value bins
    f.numeric.point.assign(f.numeric.cuts.size(), false);
    f.counts.assign(static_cast<size_t>(f.numeric.BucketCount()), 50);
    f.counts[static_cast<size_t>(f.numeric.NanBucket())] = 0;
    f.counts[static_cast<size_t>(f.numeric.MissingBucket())] = 0;
    f.numeric_stats.count = 1000;
    f.numeric_stats.mean = 0.5;
    f.numeric_stats.std = 0.29;
    f.numeric_stats.min = 0;
    f.numeric_stats.max = 1;
    return f;
  };
  for (int i = 0; i < 100; ++i)
    b.features.push_back(numeric("f" + std::to_string(i), FeatureRole::kInput));
  b.features.push_back(numeric("score", FeatureRole::kOutput));
  std::ofstream(dir + "/baseline.json") << SerializeBaseline(b);

  std::string features, weights, data;
  for (int i = 0; i < 32; ++i) {
    std::string sep = i ? "," : "";
    features += sep + "\"f" + std::to_string(i) + "\"";
    weights += sep + std::to_string((i % 5 - 2) * 0.1);
    data += sep + std::to_string((i * 37 % 100) / 100.0);
  }
  std::ofstream(dir + "/model.json")
      << "{\"name\":\"bench\",\"kind\":\"logistic\",\"features\":[" << features << "],\"weights\":["
      << weights << "],\"bias\":0.1,\"output\":\"score\"}";
  std::ofstream(dir + "/body_v2.json")
      << "{\"inputs\":[{\"name\":\"input-0\",\"shape\":[1,32],\"datatype\":\"FP64\",\"data\":["
      << data << "]}]}";
  std::string columns;
  for (int i = 0; i < 32; ++i) columns += (i ? ",f" : "f") + std::to_string(i);
  std::ofstream(dir + "/columns.txt") << columns;
  return 0;
}

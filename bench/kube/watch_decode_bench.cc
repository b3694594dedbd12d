// Watch decode throughput: how many watch events per second WatchDecoder turns from
// network chunks into json objects. Events are Pod-shaped (~1.6 KB, like a KWOK pod
// with status) and ConfigMap-shaped (~250 B); chunks are 16 KiB, as a socket read
// would deliver them, so most events straddle a chunk boundary.
//
//   build/bin/kube_watch_decode_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <string>

#include "kube/watch_decoder.h"

namespace skewgate::kube {
namespace {

std::string PodEvent(int i) {
  nlohmann::json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", "fraud-7f3c9a-" + std::to_string(i)},
        {"namespace", "ml"},
        {"uid", "3f0c1e2a-5b6d-4c8e-9f10-" + std::to_string(100000000000 + i)},
        {"resourceVersion", std::to_string(1000 + i)},
        {"labels",
         {{"app", "fraud"}, {"skewgate.io/revision", "7f3c9a"}, {"skewgate.io/role", "canary"}}},
        {"ownerReferences",
         {{{"apiVersion", "apps/v1"},
           {"kind", "ReplicaSet"},
           {"name", "fraud-7f3c9a"},
           {"uid", "0f0c1e2a-5b6d-4c8e-9f10-aaaaaaaaaaaa"},
           {"controller", true}}}}}},
      {"spec",
       {{"nodeName", "kwok-node-" + std::to_string(i % 3)},
        {"containers",
         {{{"name", "server"},
           {"image", "registry.example.com/fraud-server@sha256:9f86d081884c7d659a2feaa0c55ad015"},
           {"ports", {{{"containerPort", 8081}}}}},
          {{"name", "skewgate-sidecar"},
           {"image", "registry.example.com/skewgate-sidecar:0.1.0"},
           {"args", {"--listen=:8080", "--upstream=127.0.0.1:8081", "--baseline=/etc/baseline"}},
           {"ports", {{{"containerPort", 8080}}}}}}}}},
      {"status",
       {{"phase", "Running"},
        {"podIP", "127.100.0." + std::to_string(i % 250)},
        {"conditions",
         {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2026-11-26T23:00:00Z"}},
          {{"type", "ContainersReady"},
           {"status", "True"},
           {"lastTransitionTime", "2026-11-26T23:00:00Z"}}}}}}};
  return nlohmann::json({{"type", "MODIFIED"}, {"object", pod}}).dump() + "\n";
}

std::string ConfigMapEvent(int i) {
  nlohmann::json cm = {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata",
                        {{"name", "o-" + std::to_string(i)},
                         {"namespace", "ml"},
                         {"resourceVersion", std::to_string(1000 + i)}}},
                       {"data", {{"v", "final-" + std::to_string(i)}}}};
  return nlohmann::json({{"type", "ADDED"}, {"object", cm}}).dump() + "\n";
}

template <std::string (*MakeEvent)(int)>
void BM_WatchDecode(benchmark::State& state) {
  constexpr int kEvents = 1000;
  std::string stream;
  for (int i = 0; i < kEvents; ++i) stream += MakeEvent(i);
  const size_t chunk = 16 * 1024;
  uint64_t decoded = 0;
  for (auto _ : state) {
    WatchDecoder d;
    for (size_t off = 0; off < stream.size(); off += chunk) {
      Status s = d.Feed(std::string_view(stream).substr(off, chunk), [&](WatchEvent&& e) {
        benchmark::DoNotOptimize(e.object);
        ++decoded;
        return true;
      });
      if (!s.ok()) state.SkipWithError(s.message().c_str());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(decoded));
  state.SetBytesProcessed(static_cast<int64_t>(stream.size()) * state.iterations());
  state.counters["event_bytes"] = static_cast<double>(stream.size()) / kEvents;
}

BENCHMARK(BM_WatchDecode<PodEvent>)->Name("BM_WatchDecode/pod")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WatchDecode<ConfigMapEvent>)
    ->Name("BM_WatchDecode/configmap")
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace skewgate::kube

BENCHMARK_MAIN();

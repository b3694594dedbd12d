// Store memory: heap bytes that 1,000 cached Pods / ReplicaSets cost in the informer's
// store, as the API server sends them (with managedFields, like objects written by
// server-side apply and kubelet) and under the two projections the runtime offers:
// StripBookkeeping (the default) and KeepOnly (what the ModelDeployment controller
// reads). Measured with glibc mallinfo2() before and after filling a StoreImpl; the
// objects' construction outside the store is not counted.
//
//   build/bin/runtime_store_memory_bench   # counters: bytes_per_1000
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <string>

#include "runtime/store_impl.h"

namespace skewgate::runtime {
namespace {

using nlohmann::json;

json ManagedField(const std::string& manager, const std::string& subresource, json fields) {
  json f = {{"manager", manager},       {"operation", "Apply"},
            {"apiVersion", "v1"},       {"time", "2026-11-26T10:00:00Z"},
            {"fieldsType", "FieldsV1"}, {"fieldsV1", std::move(fields)}};
  if (!subresource.empty()) f["subresource"] = subresource;
  return f;
}

json Container(const std::string& name, const std::string& image, int port) {
  return {{"name", name},
          {"image", image},
          {"imagePullPolicy", "IfNotPresent"},
          {"ports", {{{"containerPort", port}, {"protocol", "TCP"}, {"name", "http"}}}},
          {"env",
           {{{"name", "SKEWGATE_REVISION"}, {"value", "7f3c9a"}},
            {{"name", "PORT"}, {"value", std::to_string(port)}}}},
          {"resources",
           {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}},
            {"limits", {{"cpu", "1"}, {"memory", "512Mi"}}}}},
          {"readinessProbe",
           {{"httpGet", {{"path", "/healthz"}, {"port", port}, {"scheme", "HTTP"}}},
            {"periodSeconds", 5},
            {"timeoutSeconds", 1},
            {"successThreshold", 1},
            {"failureThreshold", 3}}},
          {"volumeMounts",
           {{{"name", "model"}, {"mountPath", "/models"}},
            {{"name", "kube-api-access-x7k2p"},
             {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"},
             {"readOnly", true}}}},
          {"terminationMessagePath", "/dev/termination-log"},
          {"terminationMessagePolicy", "File"}};
}

json Pod(int i) {
  std::string name = "fraud-7f3c9a-" + std::to_string(100000 + i);
  json fields_spec = {
      {"f:metadata",
       {{"f:labels", {{"f:app", json::object()}, {"f:skewgate.io/revision", json::object()}}}}},
      {"f:spec",
       {{"f:containers",
         {{"k:{\"name\":\"server\"}",
           {{".", json::object()}, {"f:image", json::object()}, {"f:ports", json::object()}}},
          {"k:{\"name\":\"skewgate-sidecar\"}",
           {{".", json::object()}, {"f:image", json::object()}}}}}}}};
  json fields_status = {
      {"f:status",
       {{"f:conditions",
         {{"k:{\"type\":\"Ready\"}", {{".", json::object()}, {"f:status", json::object()}}}}},
        {"f:podIP", json::object()},
        {"f:phase", json::object()}}}};
  json conditions = json::array();
  for (const char* t : {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
    conditions.push_back({{"type", t},
                          {"status", "True"},
                          {"lastProbeTime", nullptr},
                          {"lastTransitionTime", "2026-11-26T10:00:05Z"}});
  }
  json statuses = json::array();
  for (const char* c : {"server", "skewgate-sidecar"}) {
    statuses.push_back(
        {{"name", c},
         {"ready", true},
         {"restartCount", 0},
         {"started", true},
         {"image", "registry.example.com/fraud-server:v7"},
         {"imageID",
          "registry.example.com/"
          "fraud-server@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
         {"containerID", "containerd://" + std::string(64, 'a')},
         {"state", {{"running", {{"startedAt", "2026-11-26T10:00:03Z"}}}}}});
  }
  return {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", name},
        {"generateName", "fraud-7f3c9a-"},
        {"namespace", "ml"},
        {"uid", "3f0c1e2a-5b6d-4c8e-9f10-" + std::to_string(100000000000 + i)},
        {"resourceVersion", std::to_string(100000 + i)},
        {"creationTimestamp", "2026-11-26T10:00:00Z"},
        {"labels",
         {{"app", "fraud"},
          {"pod-template-hash", "7f3c9a"},
          {"skewgate.io/revision", "7f3c9a"},
          {"skewgate.io/role", "canary"}}},
        {"annotations", {{"skewgate.io/baseline-digest", "sha256:" + std::string(64, 'b')}}},
        {"ownerReferences",
         {{{"apiVersion", "apps/v1"},
           {"kind", "ReplicaSet"},
           {"name", "fraud-7f3c9a"},
           {"uid", "0f0c1e2a-5b6d-4c8e-9f10-aaaaaaaaaaaa"},
           {"controller", true},
           {"blockOwnerDeletion", true}}}},
        {"managedFields",
         {ManagedField("kube-controller-manager", "", fields_spec),
          ManagedField("kubelet", "status", fields_status)}}}},
      {"spec",
       {{"nodeName", "kwok-node-" + std::to_string(i % 3)},
        {"serviceAccountName", "default"},
        {"restartPolicy", "Always"},
        {"dnsPolicy", "ClusterFirst"},
        {"schedulerName", "default-scheduler"},
        {"terminationGracePeriodSeconds", 30},
        {"initContainers", {Container("fetch-model", "registry.example.com/skewgate:0.1.0", 0)}},
        {"containers",
         {Container("server", "registry.example.com/fraud-server:v7", 8081),
          Container("skewgate-sidecar", "registry.example.com/skewgate-sidecar:0.1.0", 8080)}},
        {"volumes",
         {{{"name", "model"}, {"emptyDir", json::object()}},
          {{"name", "kube-api-access-x7k2p"},
           {"projected",
            {{"defaultMode", 420},
             {"sources",
              {{{"serviceAccountToken", {{"expirationSeconds", 3607}, {"path", "token"}}}}}}}}}}},
        {"tolerations",
         {{{"key", "node.kubernetes.io/not-ready"},
           {"operator", "Exists"},
           {"effect", "NoExecute"},
           {"tolerationSeconds", 300}}}}}},
      {"status",
       {{"phase", "Running"},
        {"conditions", conditions},
        {"hostIP", "10.0.0." + std::to_string(i % 3)},
        {"podIP", "10.244." + std::to_string(i / 250) + "." + std::to_string(i % 250)},
        {"podIPs", {{{"ip", "10.244." + std::to_string(i / 250) + "." + std::to_string(i % 250)}}}},
        {"startTime", "2026-11-26T10:00:01Z"},
        {"qosClass", "Burstable"},
        {"containerStatuses", statuses}}}};
}

json ReplicaSet(int i) {
  json pod = Pod(i);
  json tmpl = {{"metadata", {{"labels", pod["metadata"]["labels"]}}}, {"spec", pod["spec"]}};
  tmpl["spec"].erase("nodeName");
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata",
           {{"name", "fraud-" + std::to_string(100000 + i)},
            {"namespace", "ml"},
            {"uid", "0f0c1e2a-5b6d-4c8e-9f10-" + std::to_string(100000000000 + i)},
            {"resourceVersion", std::to_string(200000 + i)},
            {"generation", 3},
            {"creationTimestamp", "2026-11-26T10:00:00Z"},
            {"labels", pod["metadata"]["labels"]},
            {"annotations",
             {{"skewgate.io/revision-hash", "7f3c9a"},
              {"skewgate.io/model-digest", "sha256:" + std::string(64, 'c')}}},
            {"ownerReferences",
             {{{"apiVersion", "skewgate.io/v1alpha1"},
               {"kind", "ModelDeployment"},
               {"name", "fraud"},
               {"uid", "1f0c1e2a"},
               {"controller", true},
               {"blockOwnerDeletion", true}}}},
            {"managedFields",
             {ManagedField(
                  "skewgate", "",
                  {{"f:spec", {{"f:replicas", json::object()}, {"f:template", json::object()}}}}),
              ManagedField("kube-controller-manager", "status",
                           {{"f:status", {{"f:replicas", json::object()}}}})}}}},
          {"spec",
           {{"replicas", 4},
            {"selector", {{"matchLabels", {{"app", "fraud"}, {"skewgate.io/revision", "7f3c9a"}}}}},
            {"template", tmpl}}},
          {"status",
           {{"replicas", 4},
            {"fullyLabeledReplicas", 4},
            {"readyReplicas", 4},
            {"availableReplicas", 4},
            {"observedGeneration", 3}}}};
}

size_t HeapInUse() { return mallinfo2().uordblks; }

enum class Mode { kWhole, kStripBookkeeping, kKeepOnly };

Projection ProjectionFor(Mode m, bool pods) {
  switch (m) {
    case Mode::kWhole: return nullptr;
    case Mode::kStripBookkeeping: return StripBookkeeping;
    case Mode::kKeepOnly:
      return pods ? KeepOnly({"/status/phase", "/status/conditions", "/status/podIP"})
                  : KeepOnly({"/spec/replicas", "/status/replicas", "/status/readyReplicas",
                              "/status/availableReplicas", "/status/observedGeneration",
                              "/metadata/annotations"});
  }
  return nullptr;
}

void BM_StoreMemory(benchmark::State& state) {
  const bool pods = state.range(0) == 0;
  const Mode mode = static_cast<Mode>(state.range(1));
  constexpr int kObjects = 1000;
  double bytes = 0, wire = 0;
  for (auto _ : state) {
    // Heap before the objects exist; after: the store filled and the originals freed, so
    // the difference is exactly what the store keeps (objects are moved in, as the
    // ListWatcher hands them over).
    size_t before = HeapInUse();
    std::vector<json> objects;
    objects.reserve(kObjects);
    for (int i = 0; i < kObjects; ++i) objects.push_back(pods ? Pod(i) : ReplicaSet(i));
    wire = 0;
    for (auto& o : objects) wire += static_cast<double>(o.dump().size());
    auto store = std::make_unique<StoreImpl>(ProjectionFor(mode, pods));
    store->ListBegin();
    for (auto& o : objects) store->ListItem(std::move(o));
    store->ListDone("1");
    objects.clear();
    objects.shrink_to_fit();
    size_t after = HeapInUse();
    bytes = static_cast<double>(after) - static_cast<double>(before);
    benchmark::DoNotOptimize(store->Size());
    store.reset();
  }
  state.counters["bytes_per_1000"] = bytes;
  state.counters["json_bytes_per_1000"] = wire;
  state.SetLabel(std::string(pods ? "Pods" : "ReplicaSets") + ", " +
                 (mode == Mode::kWhole              ? "whole"
                  : mode == Mode::kStripBookkeeping ? "StripBookkeeping"
                                                    : "KeepOnly"));
}

BENCHMARK(BM_StoreMemory)
    ->ArgsProduct({{0, 1}, {0, 1, 2}})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);  // time includes building the objects

}  // namespace
}  // namespace skewgate::runtime

BENCHMARK_MAIN();

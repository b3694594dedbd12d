// Store memory and read cost: heap bytes that 1,000 cached Pods / ReplicaSets /
// ModelDeployments cost in the informer's store, as the API server sends them (with
// managedFields, like objects written by server-side apply and kubelet) and under the two
// projections the runtime offers: StripBookkeeping (the default) and KeepOnly (what the
// ModelDeployment controller reads), each decoded and compact (packed as MessagePack).
// Measured with glibc mallinfo2() before and after filling a StoreImpl; the objects'
// construction outside the store is not counted. BM_StoreGet is what a compact store
// trades for it: the time of one Get (a decode when compact).
//
//   build/bin/runtime_store_memory_bench   # counters: bytes_per_1000; BM_StoreGet: ns
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

// A ModelDeployment as the scale benchmark's are after a rollout (spec of
// bench/scale/scale_harness.cc, the status the controller writes): ~3.2 KB of JSON
// without its managedFields.
json ModelDeployment(int i) {
  const std::string name = "md-" + std::to_string(100000 + i);
  const std::string rev = "7f3c9a" + std::to_string(1000 + i % 1000);
  json conditions = json::array();
  for (const char* t :
       {"Ready", "Progressing", "Degraded", "Paused", "InvalidSpec", "Reconciling", "Stalled"}) {
    const bool ready = std::string(t) == "Ready";
    conditions.push_back({{"type", t},
                          {"status", ready ? "True" : "False"},
                          {"observedGeneration", 1},
                          {"lastTransitionTime", "2026-11-27T03:31:02Z"},
                          {"reason", ready ? "RolloutComplete" : "NotApplicable"},
                          {"message", ready ? "revision " + rev + " serves all traffic" : ""}});
  }
  return {{"apiVersion", "skewgate.io/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata",
           {{"name", name},
            {"namespace", "bench-" + std::to_string(i % 16)},
            {"uid", "3f0c1e2a-5b6d-4c8e-9f10-" + std::to_string(100000000000 + i)},
            {"resourceVersion", std::to_string(300000 + i)},
            {"generation", 1},
            {"creationTimestamp", "2026-11-27T03:30:10Z"},
            {"managedFields",
             {ManagedField("scale_harness", "",
                           {{"f:spec",
                             {{"f:replicas", json::object()},
                              {"f:model", json::object()},
                              {"f:strategy", json::object()}}}}),
              ManagedField("skewgate-controller", "status",
                           {{"f:status",
                             {{"f:conditions", json::object()},
                              {"f:phase", json::object()},
                              {"f:history", json::object()}}}})}}}},
          {"spec",
           {{"replicas", 1},
            {"model",
             {{"uri", "https://models.example.com/bench/model.json"},
              {"digest", "sha256:" + std::string(64, 'd')}}},
            {"baseline", {{"configMapRef", {{"name", "bench-baseline"}}}}},
            {"template",
             {{"spec",
               {{"containers",
                 {{{"name", "server"},
                   {"image", "registry.example.com/bench-server:1"},
                   {"ports", {{{"containerPort", 8081}}}}}}}}}}},
            {"strategy",
             {{"canary", {{"steps", {{{"setWeight", 50}}, {{"pause", json::object()}}}}}}}}}},
          {"status",
           {{"observedGeneration", 1},
            {"phase", "Healthy"},
            {"message", "revision " + rev + " serves all traffic"},
            {"conditions", conditions},
            {"stableRevision", rev},
            {"canaryRevision", ""},
            {"baselineDigest", "sha256:" + std::string(64, 'b')},
            {"currentStepIndex", 2},
            {"canaryWeight", 0},
            {"actualCanaryWeight", 0},
            {"failedRuns", 0},
            {"consecutiveInconclusiveRuns", 0},
            {"lastProgressTime", "2026-11-27T03:31:02Z"},
            {"replicas", 1},
            {"readyReplicas", 1},
            {"selector", "skewgate.io/modeldeployment=" + name},
            {"history",
             {{{"revision", rev},
               {"modelDigest", "sha256:" + std::string(64, 'd')},
               {"image", "registry.example.com/bench-server:1"},
               {"baselineDigest", "sha256:" + std::string(64, 'b')},
               {"outcome", "Active"},
               {"time", "2026-11-27T03:31:02Z"},
               {"message", "first revision"}}}}}}};
}

size_t HeapInUse() { return mallinfo2().uordblks; }

enum class Kind { kPods, kReplicaSets, kModelDeployments };
enum class Mode { kWhole, kStripBookkeeping, kKeepOnly };

json ObjectOf(Kind k, int i) {
  switch (k) {
    case Kind::kPods: return Pod(i);
    case Kind::kReplicaSets: return ReplicaSet(i);
    case Kind::kModelDeployments: return ModelDeployment(i);
  }
  return json();
}

const char* NameOf(Kind k) {
  switch (k) {
    case Kind::kPods: return "Pods";
    case Kind::kReplicaSets: return "ReplicaSets";
    case Kind::kModelDeployments: return "ModelDeployments";
  }
  return "";
}

const char* NameOf(Mode m) {
  switch (m) {
    case Mode::kWhole: return "whole";
    case Mode::kStripBookkeeping: return "StripBookkeeping";
    case Mode::kKeepOnly: return "KeepOnly";
  }
  return "";
}

Projection ProjectionFor(Mode m, Kind k) {
  switch (m) {
    case Mode::kWhole: return nullptr;
    case Mode::kStripBookkeeping: return StripBookkeeping;
    case Mode::kKeepOnly:
      switch (k) {
        case Kind::kPods: return KeepOnly({"/status/phase", "/status/conditions", "/status/podIP"});
        case Kind::kReplicaSets:
          return KeepOnly({"/spec/replicas", "/status/replicas", "/status/readyReplicas",
                           "/status/availableReplicas", "/status/observedGeneration",
                           "/metadata/annotations"});
        // The controller keeps ModelDeployments whole but for bookkeeping: it rebuilds
        // the status from the cached one.
        case Kind::kModelDeployments: return StripBookkeeping;
      }
  }
  return nullptr;
}

// Fills a store with 1,000 objects of `kind`, moved in as the ListWatcher hands them over.
std::unique_ptr<StoreImpl> Filled(Kind kind, Mode mode, bool compact, double* wire) {
  constexpr int kObjects = 1000;
  std::vector<json> objects;
  objects.reserve(kObjects);
  for (int i = 0; i < kObjects; ++i) objects.push_back(ObjectOf(kind, i));
  if (wire != nullptr) {
    *wire = 0;
    for (auto& o : objects) *wire += static_cast<double>(o.dump().size());
  }
  auto store = std::make_unique<StoreImpl>(ProjectionFor(mode, kind), compact);
  store->IndexByLabel("skewgate.io/modeldeployment");
  store->ListBegin();
  for (auto& o : objects) store->ListItem(std::move(o));
  store->ListDone("1");
  return store;
}

void BM_StoreMemory(benchmark::State& state) {
  const Kind kind = static_cast<Kind>(state.range(0));
  const Mode mode = static_cast<Mode>(state.range(1));
  const bool compact = state.range(2) != 0;
  double bytes = 0, wire = 0;
  for (auto _ : state) {
    // Heap before the objects exist; after: the store filled and the originals freed, so
    // the difference is exactly what the store keeps.
    size_t before = HeapInUse();
    auto store = Filled(kind, mode, compact, &wire);
    size_t after = HeapInUse();
    bytes = static_cast<double>(after) - static_cast<double>(before);
    benchmark::DoNotOptimize(store->Size());
    store.reset();
  }
  state.counters["bytes_per_1000"] = bytes;
  state.counters["json_bytes_per_1000"] = wire;
  state.SetLabel(std::string(NameOf(kind)) + ", " + NameOf(mode) +
                 (compact ? ", compact" : ", decoded"));
}

BENCHMARK(BM_StoreMemory)
    ->ArgsProduct({{0, 1, 2}, {0, 1, 2}, {0, 1}})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);  // time includes building the objects

// One Get from a store of 1,000: a shared pointer copy when decoded, a MessagePack decode
// when compact. ModelDeployments as the controller caches them (StripBookkeeping),
// ReplicaSets and Pods as KeepOnly projections.
void BM_StoreGet(benchmark::State& state) {
  const Kind kind = static_cast<Kind>(state.range(0));
  const bool compact = state.range(1) != 0;
  const Mode mode = kind == Kind::kModelDeployments ? Mode::kStripBookkeeping : Mode::kKeepOnly;
  auto store = Filled(kind, mode, compact, nullptr);
  std::vector<std::string> keys;
  for (const ObjectPtr& o : store->List()) keys.push_back(ObjectKeyOf(*o));
  size_t i = 0;
  for (auto _ : state) {
    ObjectPtr o = store->Get(keys[i++ % keys.size()]);
    benchmark::DoNotOptimize(o.get());
  }
  state.SetLabel(std::string(NameOf(kind)) + ", " + NameOf(mode) +
                 (compact ? ", compact" : ", decoded"));
}

BENCHMARK(BM_StoreGet)->ArgsProduct({{0, 1, 2}, {0, 1}});

}  // namespace
}  // namespace skewgate::runtime

BENCHMARK_MAIN();

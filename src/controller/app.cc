#include "controller/app.h"

#include <unistd.h>

#include <iostream>
#include <random>

#include "analysis/prometheus_analyzer.h"
#include "analysis/stats_client.h"
#include "api/duration.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/version.h"
#include "controller/baseline_readers.h"
#include "controller/labels.h"
#include "controller/observe.h"
#include "controller/reconciler.h"
#include "controller/rollout_metrics.h"
#include "controller/sidecar_analysis_source.h"
#include "kube/config.h"
#include "runtime/api_metrics.h"
#include "runtime/event_handler.h"
#include "runtime/event_recorder_impl.h"
#include "runtime/fenced_client.h"
#include "runtime/manager.h"
#include "runtime/signals.h"
#include "runtime/work_queue.h"

namespace skewgate::controller {
namespace {

constexpr const char* kProgram = "skewgate-controller";

int Fail(int code, const std::string& message) {
  std::cerr << kProgram << ": " << message << "\n";
  return code;
}

// Pods are owned by ReplicaSets, not by the ModelDeployment: map them by label instead.
class EnqueueByModelDeploymentLabel final : public runtime::ResourceEventHandler {
 public:
  explicit EnqueueByModelDeploymentLabel(runtime::WorkQueue& q) : q_(q) {}
  // runtime::ResourceEventHandler
  void OnAdd(const nlohmann::json& o) override { Enqueue(o); }
  void OnUpdate(const nlohmann::json&, const nlohmann::json& o) override { Enqueue(o); }
  void OnDelete(const nlohmann::json& o) override { Enqueue(o); }

 private:
  void Enqueue(const nlohmann::json& o) {
    const nlohmann::json::json_pointer ns("/metadata/namespace");
    const nlohmann::json::json_pointer label("/metadata/labels/skewgate.io~1modeldeployment");
    if (!o.contains(ns) || !o.contains(label) || !o[label].is_string() || !o[ns].is_string()) {
      return;
    }
    q_.Add(o[ns].get<std::string>() + "/" + o[label].get<std::string>());
  }
  runtime::WorkQueue& q_;
};

std::string Identity() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device rd;
  return std::string(host[0] ? host : "skewgate") + "_" + std::to_string(rd() % 1000000);
}

// One request before anything starts, so the usual misconfigurations fail at once with
// one clear line instead of as retries in the informers' logs.
Status CheckServer(kube::Client& client, const std::string& ns) {
  kube::ListOptions o;
  o.limit = 1;
  StatusOr<kube::ListResult> r = client.List(kube::resources::ModelDeployments(), ns, o);
  if (r.ok()) return OkStatus();
  const kube::KubeConfig& c = client.config();
  const std::string where = c.server + " (from " + c.source + ")";
  switch (r.status().code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return UnavailableError("cannot reach the API server at " + where + ": " +
                              r.status().message());
    case StatusCode::kNotFound:
      return NotFoundError(
          "the ModelDeployment CRD (modeldeployments.skewgate.io) is not installed on " + where +
          "; install it with: kubectl apply --server-side -f crds/");
    default: return r.status().WithContext("listing modeldeployments on " + where);
  }
}

}  // namespace

int RunControllerMain(const std::vector<std::string>& args) {
  FlagSet f("skewgate-controller [--kubeconfig PATH] [flags]",
            "The skewgate operator: rolls out ModelDeployments as canaries gated on skew");
  f.String("kubeconfig", "", "kubeconfig file; default: $KUBECONFIG, in-cluster, ~/.kube/config");
  f.String("context", "", "kubeconfig context (default: current-context)");
  f.String("namespace", "", "watch only this namespace (default: all namespaces)");
  f.Bool("leader-elect", false, "run only while holding the Lease (for several replicas)");
  f.String("leader-election-namespace", "",
           "namespace of the Lease (default: --namespace, else the pod's or kubeconfig's)");
  f.String("leader-election-id", "skewgate-controller", "name of the Lease");
  f.String("metrics-address", ":8080", "host:port for /metrics, /healthz, /readyz; \"\" disables");
  f.String("image", kDefaultImage, "image of the fetch init container and of the sidecar");
  // A reconcile mostly waits on API requests: more in flight drain a burst of new
  // ModelDeployments sooner wherever the API server has cores to spare (docs/performance.md).
  f.String("workers", "8", "concurrent reconciles");
  f.String("resync-period", "5m", "reconcile every ModelDeployment at least this often");
  f.String("abort-scale-down-delay", "30s",
           "how long an aborted canary keeps its pods (no traffic) before it is scaled to 0");
  f.String("log-level", "info", "debug, info, warn or error");
  f.String("analysis", "sidecar",
           "where skew verdicts come from: sidecar (scrape each pod's /stats, or query "
           "the Prometheus a ModelDeployment names in analysis.prometheus) or none "
           "(steps advance on time alone; for clusters without sidecars); TEST ONLY: "
           "test-annotation (verdicts from the annotation skewgate.io/test-analysis-verdict)");
  f.String("scrape-timeout", "2s", "deadline of one /stats scrape or Prometheus query");
  if (Status s = f.Parse(args); !s.ok()) return Fail(2, s.message());
  if (f.help_requested()) {
    std::cout << f.Usage();
    return 0;
  }
  LogConfig lc = DefaultLogConfig("controller");
  if (!ParseLogLevel(f.Get("log-level"), &lc.min_level)) {
    return Fail(2,
                "--log-level: '" + f.Get("log-level") + "' is not one of debug, info, warn, error");
  }
  ConfigureLogging(lc);
  StatusOr<long long> workers = f.GetInt("workers");
  if (!workers.ok() || *workers < 1 || *workers > 64) {
    return Fail(2, "--workers: must be an integer between 1 and 64");
  }
  StatusOr<Duration> resync = api::ParseDuration(f.Get("resync-period"));
  if (!resync.ok() || *resync <= Duration::zero()) {
    return Fail(2, "--resync-period: '" + f.Get("resync-period") + "' is not a duration like 5m");
  }
  StatusOr<Duration> abort_delay = api::ParseDuration(f.Get("abort-scale-down-delay"));
  if (!abort_delay.ok()) {
    return Fail(2, "--abort-scale-down-delay: '" + f.Get("abort-scale-down-delay") +
                       "' is not a duration like 30s (0s scales an aborted canary down at once)");
  }
  if (f.Get("image").empty()) return Fail(2, "--image: must not be empty");

  // Before any thread starts, so every thread inherits the blocked signals.
  kube::Cancellation stop;
  auto watcher = runtime::ShutdownSignalWatcher::Install(stop);
  if (!watcher.ok()) return Fail(1, watcher.status().message());

  StatusOr<kube::KubeConfig> config =
      kube::LoadDefaultConfig(f.Get("kubeconfig"), f.Get("context"));
  if (!config.ok()) return Fail(2, config.status().message());

  runtime::MetricsRegistry registry;
  runtime::ApiRequestMetrics api_metrics(registry);
  // Before the manager, so it outlives the informer handler and the /metrics server.
  RolloutMetrics rollout_metrics(registry);
  kube::ClientOptions co;
  co.observer = &api_metrics;
  co.user_agent = std::string(kProgram) + "/" + kVersion;
  co.request_timeout = std::chrono::seconds(6);  // below renew deadline − retry period
  StatusOr<std::unique_ptr<kube::Client>> client = kube::NewClient(*config, co);
  if (!client.ok()) return Fail(2, client.status().message());

  const std::string ns = f.Get("namespace");
  if (Status s = CheckServer(**client, ns); !s.ok()) return Fail(1, s.message());

  runtime::ManagerOptions mo;
  mo.probe_address = f.Get("metrics-address");
  if (f.GetBool("leader-elect")) {
    runtime::LeaderElectionConfig le;
    le.lease_namespace = f.Get("leader-election-namespace");
    if (le.lease_namespace.empty()) le.lease_namespace = ns;
    if (le.lease_namespace.empty()) {
      const char* pod_ns = std::getenv("POD_NAMESPACE");
      le.lease_namespace = pod_ns ? pod_ns : config->default_namespace;
    }
    le.lease_name = f.Get("leader-election-id");
    le.identity = Identity();
    if (Status s = runtime::ValidateLeaderElectionConfig(le); !s.ok()) return Fail(2, s.message());
    mo.leader_election = le;
  }
  // Before the manager: the baseline informer's projection and handler read it until the
  // manager stops.
  BaselineReaders baseline_readers;
  runtime::Manager manager(**client, registry, mo);

  // Every cache keeps its objects packed (MessagePack, decoded per read): a decoded
  // nlohmann::json costs 5-7 times its wire size, and a ModelDeployment with its status
  // ~18.6 KB decoded. Decoding costs microseconds per Get (runtime_store_memory_bench),
  // against reconciles that wait milliseconds on the API server (docs/performance.md).
  runtime::InformerOptions md_opts;
  md_opts.compact = true;
  runtime::InformerOptions owned;
  owned.label_selector = kLabelModelDeployment;  // "exists": only what skewgate labelled
  owned.compact = true;
  // Cache only what the reconciler reads (KeepOnly also keeps name, namespace, uid, labels,
  // ownerReferences...): whole ReplicaSets carry the pod template, and there are one to
  // three of every kind per ModelDeployment.
  runtime::InformerOptions pod_opts = owned;
  pod_opts.projection = CompactPod;
  runtime::InformerOptions rs_opts = owned;
  rs_opts.projection = runtime::KeepOnly({"/spec/replicas", "/status/readyReplicas"});
  runtime::InformerOptions svc_opts = owned;
  svc_opts.projection = runtime::KeepOnly({"/spec/selector", "/spec/ports"});
  runtime::InformerOptions cm_opts = owned;
  cm_opts.projection = runtime::KeepOnly({"/data"});
  runtime::Informer& mds = manager.AddInformer(kube::resources::ModelDeployments(), ns, md_opts);
  mds.store_impl().AddHandler(rollout_metrics.Handler());
  runtime::Informer& rss = manager.AddInformer(kube::resources::ReplicaSets(), ns, rs_opts);
  runtime::Informer& pods = manager.AddInformer(kube::resources::Pods(), ns, pod_opts);
  runtime::Informer& svcs = manager.AddInformer(kube::resources::Services(), ns, svc_opts);
  runtime::Informer& cms = manager.AddInformer(kube::resources::ConfigMaps(), ns, cm_opts);
  // The user's ConfigMaps (baselines among them), each reduced to its key names and the
  // baseline digests of the keys some ModelDeployment reads: a reconcile reads the digest
  // here instead of GETting the ConfigMap.
  runtime::InformerOptions baseline_opts;
  baseline_opts.label_selector = std::string("!") + kLabelModelDeployment;
  baseline_opts.projection = SummarizeReadBaselines(baseline_readers);
  baseline_opts.compact = true;
  baseline_opts.name = "configmaps (baselines)";
  runtime::Informer& baselines =
      manager.AddInformer(kube::resources::ConfigMaps(), ns, baseline_opts);
  // The reconciler lists a ModelDeployment's objects by label: an index, not a scan of
  // every object in the namespace.
  for (runtime::Informer* i : {&rss, &pods, &svcs, &cms}) {
    i->store_impl().IndexByLabel(kLabelModelDeployment);
  }

  runtime::EventRecorderOptions eo;
  eo.controller = "skewgate.io/controller";
  eo.instance = Identity();
  // Everything the reconciler and the recorder write goes through the fence: with leader
  // election, nothing is written unless this replica holds a freshly renewed lease.
  runtime::FencedClient writer(**client, [&manager] { return manager.MayWrite(); });
  runtime::EventRecorderImpl recorder(writer, RealClock::Get(), eo);
  std::unique_ptr<AnalysisSource> analysis_source;
  SidecarAnalysisSource* sidecar_source = nullptr;
  if (f.Get("analysis") == "sidecar") {
    StatusOr<Duration> scrape_timeout = api::ParseDuration(f.Get("scrape-timeout"));
    if (!scrape_timeout.ok())
      return Fail(2, "--scrape-timeout: " + scrape_timeout.status().message());
    auto s = std::make_unique<SidecarAnalysisSource>(
        **client,
        analysis::NewHttpStatsClient(
            std::chrono::duration_cast<std::chrono::milliseconds>(*scrape_timeout)),
        analysis::NewHttpPrometheusQuerier(
            std::chrono::duration_cast<std::chrono::milliseconds>(*scrape_timeout)),
        RealClock::Get());
    sidecar_source = s.get();
    analysis_source = std::move(s);
  } else if (f.Get("analysis") == "none") {
    analysis_source = std::make_unique<NoAnalysisSource>();
  } else if (f.Get("analysis") == "test-annotation") {
    // The fault tests' way to fail or pass analyses on KWOK pods (see analysis_source.h).
    SG_LOG(Warn, "").Msg("TEST ONLY: analysis verdicts come from an annotation");
    analysis_source = std::make_unique<AnnotationAnalysisSource>(RealClock::Get());
  } else {
    return Fail(
        2, "--analysis: '" + f.Get("analysis") + "' is not one of sidecar, none, test-annotation");
  }
  AnalysisSource& analysis = *analysis_source;
  ReconcilerOptions ro;
  ro.image = f.Get("image");
  ro.resync_period = *resync;
  ro.abort_scale_down_delay = *abort_delay;
  ro.baseline_readers = &baseline_readers;
  Caches caches{&mds.store(),  &rss.store(), &pods.store(),
                &svcs.store(), &cms.store(), &baselines.store()};
  ModelDeploymentReconciler reconciler(writer, caches, analysis, recorder, RealClock::Get(), ro);

  runtime::ControllerOptions copts;
  copts.name = "modeldeployment";
  copts.workers = static_cast<int>(*workers);
  runtime::Controller& controller = manager.AddController(std::move(copts), reconciler);
  runtime::WorkQueue& q = controller.queue();
  mds.store_impl().AddHandler(runtime::EnqueueObject(q));
  for (runtime::Informer* i : {&rss, &svcs, &cms}) {
    i->store_impl().AddHandler(runtime::EnqueueOwner(q, api::kGroup, api::kKind));
  }
  pods.store_impl().AddHandler(std::make_shared<EnqueueByModelDeploymentLabel>(q));
  baselines.store_impl().AddHandler(EnqueueBaselineReaders(q, baseline_readers));

  SG_LOG(Info, "")
      .Msg("starting")
      .Field("server", (*client)->config().server)
      .Field("namespace", ns.empty() ? "(all)" : ns)
      .Field("image", ro.image)
      .Field("leader_elect", f.GetBool("leader-elect"));
  if (sidecar_source != nullptr) sidecar_source->Start();
  Status result = manager.Run(stop);
  if (sidecar_source != nullptr) sidecar_source->Stop();
  recorder.Flush().IgnoreError();
  if (!result.ok()) return Fail(1, result.message());
  return 0;
}

}  // namespace skewgate::controller

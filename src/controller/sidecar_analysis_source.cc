#include "controller/sidecar_analysis_source.h"

#include "common/log.h"
#include "common/sha256.h"
#include "controller/labels.h"
#include "controller/pod_shape.h"
#include "kube/resource.h"

namespace skewgate::controller {

using nlohmann::json;

namespace {

std::string Key(const api::ModelDeployment& md) { return md.Namespace() + "/" + md.Name(); }

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool Analysed(const api::ModelDeployment& md) {
  return md.spec.strategy.canary.has_value() && !md.status.canary_revision.empty() &&
         md.status.current_step_started_at.has_value() && !md.status.abort.has_value();
}

}  // namespace

SidecarAnalysisSource::SidecarAnalysisSource(
    kube::Client& client, std::unique_ptr<analysis::StatsClient> stats,
    std::unique_ptr<analysis::PrometheusQuerier> prometheus, const Clock& clock)
    : client_(client),
      clock_(clock),
      sidecars_(std::move(stats)),
      prometheus_(std::move(prometheus)) {}

analysis::Analyzer& SidecarAnalysisSource::AnalyzerFor(const api::ModelDeployment& md) {
  if (md.spec.strategy.canary && md.spec.strategy.canary->analysis.prometheus) return prometheus_;
  return sidecars_;
}

SidecarAnalysisSource::~SidecarAnalysisSource() { Stop(); }

void SidecarAnalysisSource::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      RunDue();
      lock.lock();
      clock_.WaitUntil(lock, cv_, clock_.SteadyNow() + std::chrono::milliseconds(500));
    }
  });
}

void SidecarAnalysisSource::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

AnalysisReading SidecarAnalysisSource::Read(const api::ModelDeployment& md) {
  AnalysisReading reading;
  reading.enabled = md.spec.strategy.canary.has_value();
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = Key(md);
  if (!Analysed(md)) {
    if (tracked_.erase(key) > 0) {
      sidecars_.Forget(key);
      prometheus_.Forget(key);
    }
    return reading;
  }
  Tracked& t = tracked_[key];
  std::string window_key =
      md.status.canary_revision + "@" + FormatRfc3339Micro(*md.status.current_step_started_at);
  if (t.window_key != window_key) {
    // A new step or a new canary: its first run comes one interval after the step began.
    t.window_key = window_key;
    t.next_run = clock_.SteadyNow() + md.spec.strategy.canary->analysis.interval;
    t.latest.reset();
  }
  t.md = md;
  reading.latest = t.latest;
  return reading;
}

void SidecarAnalysisSource::RunDue() {
  std::vector<api::ModelDeployment> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = clock_.SteadyNow();
    for (auto& [key, t] : tracked_) {
      if (t.next_run <= now) {
        due.push_back(t.md);
        t.next_run = now + t.md.spec.strategy.canary->analysis.interval;
      }
    }
  }
  for (const auto& md : due) {
    api::AnalysisStatus result = RunOne(md);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tracked_.find(Key(md));
    if (it != tracked_.end() && it->second.md.status.canary_revision == result.revision) {
      it->second.latest = std::move(result);
    }
  }
}

StatusOr<std::shared_ptr<const skew::Baseline>> SidecarAnalysisSource::BaselineOf(
    const api::ModelDeployment& md) {
  const auto& ref = md.spec.baseline.config_map_ref;
  SG_ASSIGN_OR_RETURN(json cm,
                      client_.Get(kube::resources::ConfigMaps(), md.Namespace(), ref.name));
  auto data = cm.find("data");
  if (data == cm.end() || !data->contains(ref.key) || !(*data)[ref.key].is_string()) {
    return NotFoundError("baseline ConfigMap " + ref.name + " has no key " + ref.key);
  }
  std::string text = (*data)[ref.key].get<std::string>();
  std::string digest = Sha256Hex(text);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = baselines_.find(digest);
    if (it != baselines_.end()) return it->second;
  }
  SG_ASSIGN_OR_RETURN(skew::Baseline b, skew::ParseBaseline(text));
  auto shared = std::make_shared<const skew::Baseline>(std::move(b));
  std::lock_guard<std::mutex> lock(mu_);
  baselines_[digest] = shared;
  return shared;
}

StatusOr<analysis::RevisionPods> SidecarAnalysisSource::PodsOf(const api::ModelDeployment& md,
                                                               const std::string& revision) {
  kube::ListOptions opts;
  opts.label_selector =
      std::string(kLabelModelDeployment) + "=" + md.Name() + "," + kLabelRevision + "=" + revision;
  SG_ASSIGN_OR_RETURN(kube::ListResult list,
                      kube::ListAll(client_, kube::resources::Pods(), md.Namespace(), opts));
  analysis::RevisionPods out;
  out.revision = revision;
  for (const auto& p : list.items) {
    analysis::PodEndpoint e;
    const json& meta = p.value("metadata", json::object());
    const json& st = p.value("status", json::object());
    e.uid = Str(meta, "uid");
    e.ip = Str(st, "podIP");
    ParseRfc3339(Str(meta, "creationTimestamp"), &e.created);
    for (const auto& c : st.value("conditions", json::array())) {
      if (Str(c, "type") == "Ready") e.ready = Str(c, "status") == "True";
    }
    if (meta.contains("deletionTimestamp")) e.ready = false;
    out.pods.push_back(std::move(e));
  }
  return out;
}

api::AnalysisStatus SidecarAnalysisSource::RunOne(const api::ModelDeployment& md) {
  // Status times are written with second precision: a run stamped with sub-seconds would
  // always look newer than its own stored copy and be counted again on every reconcile.
  TimePoint now = std::chrono::floor<std::chrono::seconds>(clock_.Now());
  auto inconclusive = [&](const std::string& why) {
    api::AnalysisStatus s;
    s.revision = md.status.canary_revision;
    s.time = now;
    s.verdict = api::Verdict::kInconclusive;
    s.message = why;
    return s;
  };
  auto baseline = BaselineOf(md);
  if (!baseline.ok()) return inconclusive("reading the baseline: " + baseline.status().message());
  analysis::Analyzer& analyzer = AnalyzerFor(md);
  // Prometheus knows the revisions' counters by label: no pod to list.
  const bool list_pods = &analyzer == &sidecars_;
  analysis::AnalysisRequest req;
  req.key = Key(md);
  req.namespace_ = md.Namespace();
  req.baseline = baseline->get();
  req.spec = md.spec.strategy.canary->analysis;
  req.canary.revision = md.status.canary_revision;
  if (list_pods) {
    auto canary = PodsOf(md, md.status.canary_revision);
    if (!canary.ok()) return inconclusive("listing canary pods: " + canary.status().message());
    req.canary = std::move(canary).value();
  }
  req.admin_port = SidecarAdminPort(md.spec.sidecar);
  req.window_start = *md.status.current_step_started_at;
  req.now = now;
  if (req.spec.skew.compare_to_stable && !md.status.stable_revision.empty()) {
    req.stable = analysis::RevisionPods{md.status.stable_revision, {}};
    if (list_pods) {
      auto stable = PodsOf(md, md.status.stable_revision);
      if (!stable.ok()) return inconclusive("listing stable pods: " + stable.status().message());
      req.stable = std::move(stable).value();
    }
  }
  api::AnalysisStatus s = analyzer.Analyze(req);
  SG_LOG(Info, req.key)
      .Msg("analysis run")
      .Field("source", list_pods ? "sidecar" : "prometheus")
      .Field("revision", s.revision)
      .Field("verdict", s.verdict == api::Verdict::kSuccessful ? "Successful"
                        : s.verdict == api::Verdict::kFailed   ? "Failed"
                                                               : "Inconclusive")
      .Field("maxScore", s.max_score)
      .Field("maxFeature", s.max_feature);
  return s;
}

}  // namespace skewgate::controller

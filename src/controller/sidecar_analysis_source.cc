#include "controller/sidecar_analysis_source.h"

#include <algorithm>
#include <variant>

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

// Whether the state machine (rollout/canary.cc, AdvanceCanary) is blocked on a successful
// run at `now`: a timed pause or shadow step whose time is up, or every step done, with no
// Successful run of the canary counted since. `latest` is the source's latest run of the
// window. An approximation is harmless: it only decides whether to probe early.
bool WaitingForRun(const api::ModelDeployment& md, const std::optional<api::AnalysisStatus>& latest,
                   TimePoint now) {
  const api::CanaryStrategy& canary = *md.spec.strategy.canary;
  const api::ModelDeploymentStatus& st = md.status;
  const TimePoint started = *st.current_step_started_at;
  if (latest && latest->verdict != api::Verdict::kInconclusive) {
    return false;  // Successful lets it advance; Failed is counted on the interval's clock
  }
  const size_t i = static_cast<size_t>(std::max(st.current_step_index.value_or(0), 0));
  const bool counted = st.last_analysis && st.last_analysis->revision == st.canary_revision &&
                       st.last_analysis->verdict == api::Verdict::kSuccessful;
  if (i >= canary.steps.size()) return !counted;  // promotion needs one since the attempt began
  const api::CanaryStep& step = canary.steps[i];
  std::optional<Duration> length;
  if (const auto* p = std::get_if<api::PauseStep>(&step.action)) {
    length = p->duration;
  } else if (const auto* s = std::get_if<api::ShadowStep>(&step.action)) {
    length = s->duration;
  }
  if (!length || now < started + *length) return false;  // setWeight, a manual gate, or not yet
  return !(counted && st.last_analysis->time > started);
}

const char* VerdictName(api::Verdict v) {
  return v == api::Verdict::kSuccessful ? "Successful"
         : v == api::Verdict::kFailed   ? "Failed"
                                        : "Inconclusive";
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
  const auto now = clock_.SteadyNow();
  if (t.window_key != window_key) {
    // A new step or a new canary: anchor its window now (the loop is woken), and run one
    // interval later.
    t.window_key = window_key;
    t.next_run = now + md.spec.strategy.canary->analysis.interval;
    t.anchored = &AnalyzerFor(md) != &sidecars_;  // Prometheus keeps no window of ours
    t.last_scrape.reset();
    t.latest.reset();
    cv_.notify_all();
  }
  t.md = md;
  t.last_read = now;
  reading.latest = t.latest;
  return reading;
}

SidecarAnalysisSource::Action SidecarAnalysisSource::Due(const Tracked& t, SteadyTime now,
                                                         TimePoint wall) {
  if (now - t.last_read >= kIdleAfter) return Action::kNone;  // nobody reads its runs
  if (t.last_scrape && now - *t.last_scrape < kMinScrapeGap) return Action::kNone;
  if (!t.anchored) return Action::kAnchor;
  if (t.next_run <= now) return Action::kRun;
  if (WaitingForRun(t.md, t.latest, wall)) return Action::kProbe;
  return Action::kNone;
}

int SidecarAnalysisSource::RunDue() {
  struct Job {
    api::ModelDeployment md;
    std::string window_key;
    Action action;
  };
  std::vector<Job> jobs;
  std::vector<std::string> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = clock_.SteadyNow();
    const TimePoint wall = clock_.Now();
    for (auto it = tracked_.begin(); it != tracked_.end();) {
      Tracked& t = it->second;
      if (now - t.last_read >= kForgetAfter) {
        dropped.push_back(it->first);
        it = tracked_.erase(it);
        continue;
      }
      const Action a = Due(t, now, wall);
      if (a != Action::kNone) {
        jobs.push_back({t.md, t.window_key, a});
        t.last_scrape = now;
        if (a == Action::kAnchor) t.anchored = true;
        if (a == Action::kRun) t.next_run = now + t.md.spec.strategy.canary->analysis.interval;
      }
      ++it;
    }
  }
  for (const std::string& key : dropped) {
    sidecars_.Forget(key);
    prometheus_.Forget(key);
  }
  for (const Job& job : jobs) {
    api::AnalysisStatus result = RunOne(job.md);
    const std::string key = Key(job.md);
    // Anchors are never published, probes only when they decide something: an
    // Inconclusive probe would count towards inconclusiveLimit once a second.
    const bool publish =
        job.action == Action::kRun ||
        (job.action == Action::kProbe && result.verdict != api::Verdict::kInconclusive);
    if (job.action == Action::kAnchor) {
      SG_LOG(Info, key)
          .Msg("analysis window anchored")
          .Field("revision", result.revision)
          .Field("note", result.message);
    } else if (publish) {
      // "revision" then "verdict": the closed-loop benchmark greps for that pair.
      SG_LOG(Info, key)
          .Msg("analysis run")
          .Field("source", &AnalyzerFor(job.md) == &sidecars_ ? "sidecar" : "prometheus")
          .Field("revision", result.revision)
          .Field("verdict", VerdictName(result.verdict))
          .Field("trigger", job.action == Action::kRun ? "interval" : "probe")
          .Field("maxScore", result.max_score)
          .Field("maxFeature", result.max_feature);
    } else {
      SG_LOG(Debug, key)
          .Msg("analysis probe: inconclusive, not published")
          .Field("revision", result.revision)
          .Field("note", result.message);
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tracked_.find(key);
    if (it == tracked_.end()) {
      // Forgotten while this ran: the analyzer may have made the windows again.
      sidecars_.Forget(key);
      prometheus_.Forget(key);
      continue;
    }
    Tracked& t = it->second;
    if (!publish || t.window_key != job.window_key) continue;  // a run of an older window
    if (job.action == Action::kProbe) {
      t.next_run = clock_.SteadyNow() + t.md.spec.strategy.canary->analysis.interval;
    }
    t.latest = std::move(result);
  }
  return static_cast<int>(jobs.size());
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
  return s;
}

}  // namespace skewgate::controller

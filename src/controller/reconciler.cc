#include "controller/reconciler.h"

#include <algorithm>
#include <set>

#include "api/codec.h"
#include "api/conditions.h"
#include "api/validation.h"
#include "common/log.h"
#include "controller/labels.h"
#include "controller/observe.h"
#include "controller/pod_shape.h"
#include "controller/traffic_objects.h"
#include "kube/errors.h"
#include "rollout/revision.h"

namespace skewgate::controller {

using nlohmann::json;
using runtime::ReconcileResult;

namespace {

constexpr Duration kMinRequeue = std::chrono::milliseconds(200);
// While a canary is analysed, how often its latest run is looked at. Analysis sources run
// on their own schedule and do not wake the work queue, and a run can fail at any moment of
// a long timed step (whose plan only asks to be called again at the step's end): without
// this, a Failed run waited for that end or for the resync. A look that changes nothing
// writes nothing.
constexpr Duration kAnalysisPoll = std::chrono::seconds(1);

kube::ApplyOptions Force() {
  kube::ApplyOptions o;
  o.field_manager = kFieldManager;
  o.force = true;
  return o;
}

kube::WriteOptions Manager() {
  kube::WriteOptions o;
  o.field_manager = kFieldManager;
  return o;
}

std::string LabelOf(const json& o, const char* key) {
  const json* l = nullptr;
  if (auto m = o.find("metadata"); m != o.end() && m->is_object()) {
    if (auto it = m->find("labels"); it != m->end() && it->is_object()) l = &*it;
  }
  if (l == nullptr) return "";
  auto v = l->find(key);
  return v != l->end() && v->is_string() ? v->get<std::string>() : "";
}

// Status timestamps are whole seconds on the wire; deciding on whole seconds too keeps
// the plan's status equal to what it reads back (no write per resync from rounding).
TimePoint WholeSeconds(TimePoint t) {
  return TimePoint(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()));
}

}  // namespace

struct ModelDeploymentReconciler::Observed {
  std::optional<json> route;
};

ModelDeploymentReconciler::ModelDeploymentReconciler(kube::Client& client, Caches caches,
                                                     AnalysisSource& analysis,
                                                     runtime::EventRecorder& recorder,
                                                     const Clock& clock, ReconcilerOptions options)
    : client_(client),
      caches_(caches),
      analysis_(analysis),
      recorder_(recorder),
      clock_(clock),
      options_(std::move(options)) {}

json ModelDeploymentReconciler::CachedObject(const runtime::Store* store, const std::string& ns,
                                             const std::string& name) const {
  runtime::ObjectPtr o = store->Get(ns + "/" + name);
  return o ? *o : json();
}

ReconcileResult ModelDeploymentReconciler::Reconcile(const runtime::ObjectKey& key) {
  for (const runtime::Store* s : {caches_.model_deployments, caches_.replica_sets, caches_.pods,
                                  caches_.services, caches_.config_maps, caches_.baselines}) {
    // A cache miss before the first list does not mean "absent": never create from it.
    if (s != nullptr && !s->HasSynced()) {
      return ReconcileResult::RequeueAfter(std::chrono::seconds(1));
    }
  }
  const std::string who = key.ToString();
  runtime::ObjectPtr object = caches_.model_deployments->Get(who);
  // Gone, or going: ownerReferences let the garbage collector remove what it owned.
  if (!object || object->contains("/metadata/deletionTimestamp"_json_pointer)) {
    if (options_.baseline_readers != nullptr) options_.baseline_readers->Forget(who);
    CacheBehindOwnWrite(who, "");  // forgets the entry
    return ReconcileResult::Done();
  }
  const std::string cached_rv =
      object->value("/metadata/resourceVersion"_json_pointer, std::string());
  if (CacheBehindOwnWrite(who, cached_rv)) {
    // The watch event of our write enqueues this key again when it lands; the requeue is
    // only a safety net.
    return ReconcileResult::RequeueAfter(std::chrono::seconds(1));
  }
  StatusOr<api::ModelDeployment> md = api::FromJson(*object);
  if (!md.ok()) {
    SG_LOG(Error, who).Msg("cannot decode ModelDeployment").Field("error", md.status().message());
    return ReconcileResult::TerminalError(md.status());
  }

  rollout::Input in;
  in.md = *md;
  in.now = WholeSeconds(clock_.Now());
  in.selector = PodSelector(md->Name());
  in.abort_scale_down_delay = options_.abort_scale_down_delay;
  Observed observed;
  bool recheck_soon = false;

  if (std::vector<api::FieldError> errs = api::ValidateSpec(md->spec); !errs.empty()) {
    in.spec_problem = rollout::Problem{api::kReasonValidationFailed, api::ToStatus(errs).message()};
  } else if (auto p = CheckModelPort(*md)) {
    in.spec_problem = p;
  }
  if (!in.spec_problem) {
    const api::ConfigMapKeyRef& ref = md->spec.baseline.config_map_ref;
    const std::string cm_key = md->Namespace() + "/" + ref.name;
    BaselineReaders* readers = options_.baseline_readers;
    if (readers != nullptr) readers->Note(who, cm_key, ref.key);
    // The baseline is the user's ConfigMap: the cache keeps only the digests of the keys
    // that are read. The cache can be an event behind the API server, and an edit of the
    // baseline followed at once by a spec change must build the new revision from the new
    // baseline (the revision hashes both): a generation not yet observed reads the
    // ConfigMap itself. Otherwise a cached digest is as good as a read, since a change of
    // the ConfigMap enqueues its readers. A miss (not there, not seen yet, or cached before
    // anyone read the key) reads it too, unless a read of that very version was noted.
    runtime::ObjectPtr summary;
    if (caches_.baselines != nullptr && md->status.observed_generation == md->Generation()) {
      summary = caches_.baselines->Get(cm_key);
    }
    std::optional<BaselineCheck> b;
    if (summary) b = CheckBaselineSummary(*md, summary.get());
    if (!b && summary && readers != nullptr) {
      std::string rv = summary->value("/metadata/resourceVersion"_json_pointer, std::string());
      if (runtime::ObjectPtr read = readers->ReadAt(cm_key, rv)) {
        b = CheckBaselineSummary(*md, read.get());
      }
    }
    if (!b) {
      StatusOr<json> cm = client_.Get(kube::resources::ConfigMaps(), md->Namespace(), ref.name);
      if (!cm.ok() && !kube::IsNotFound(cm.status())) {
        return ReconcileResult::RetryableError(cm.status());
      }
      json read;  // what the cache would keep of this version, had the key been read then
      if (cm.ok()) read = BaselineSummary(std::move(cm).value(), {ref.key});
      b = CheckBaselineSummary(*md, read.is_null() ? nullptr : &read);
      if (!b) {
        // The key was read, so the summary must answer: a bug, reported, not a crash.
        Status bug = InternalError("baseline summary of " + cm_key + " key " + ref.key +
                                   " has no answer for the key it was made for");
        SG_LOG(Error, who).Msg("cannot check the baseline").Field("error", bug.ToString());
        return ReconcileResult::TerminalError(bug);
      }
      if (!read.is_null() && readers != nullptr) readers->NoteRead(cm_key, read);
    }
    in.baseline_digest = b->digest;
    in.spec_problem = b->problem;
    recheck_soon = b->problem.has_value();
  }
  const auto& canary = md->spec.strategy.canary;
  if (!in.spec_problem && canary && canary->traffic.gateway_api) {
    const std::string& name = canary->traffic.gateway_api->http_route;
    StatusOr<json> route = client_.Get(kube::resources::HttpRoutes(), md->Namespace(), name);
    if (!route.ok() && !kube::IsNotFound(route.status())) {
      return ReconcileResult::RetryableError(route.status());
    }
    std::string field = "spec.strategy.canary.traffic.gatewayAPI.httpRoute: ";
    if (!route.ok()) {
      in.spec_problem = rollout::Problem{api::kReasonValidationFailed,
                                         field + "HTTPRoute " + md->Namespace() + "/" + name +
                                             " not found; skewgate sets its weights but never "
                                             "creates it"};
    } else if (auto check = RouteWeightsApply(*md, *route, {}); !check.ok()) {
      in.spec_problem =
          rollout::Problem{api::kReasonValidationFailed, field + check.status().message()};
    } else {
      observed.route = std::move(route).value();
    }
    recheck_soon = recheck_soon || in.spec_problem.has_value();
  }

  in.replica_sets = ObserveReplicaSets(
      *md, caches_.replica_sets->ListByLabel(md->Namespace(), kLabelModelDeployment, md->Name()));
  if (!in.spec_problem) {
    std::string revision = rollout::RevisionHash(md->spec, in.baseline_digest);
    in.newest_pods_failing =
        FailingFetch(*md, revision,
                     caches_.pods->ListByLabel(md->Namespace(), kLabelModelDeployment, md->Name()));
  }
  AnalysisReading reading = analysis_.Read(*md);
  in.analysis_enabled = reading.enabled;
  in.analysis = reading.latest;

  rollout::Plan plan = rollout::Decide(in);

  if (Status s = ApplyPlan(*md, plan, observed); !s.ok()) {
    SG_LOG(Warn, who).Msg("applying the plan failed").Field("error", s.ToString());
    return kube::IsInvalid(s) || kube::IsForbidden(s) ? ReconcileResult::TerminalError(s)
                                                      : ReconcileResult::RetryableError(s);
  }
  // Compared as JSON: what would be written, not nanoseconds the wire does not keep.
  if (api::ToJson(plan.status) != api::ToJson(md->status)) {
    if (Status s = WriteStatus(*object, plan); s.ok()) {
      NoteOwnWrite(who, cached_rv);
    } else {
      // A conflict means a newer object (a gate, a spec change) is on its way: decide again
      // on it, and only then record the Events of this transition.
      SG_LOG(Info, who).Msg("status not written").Field("error", s.ToString());
      return ReconcileResult::RetryableError(s);
    }
    RecordEvents(*object, plan);
  }

  Duration after = plan.requeue_after.value_or(options_.resync_period);
  if (recheck_soon) after = std::min(after, options_.problem_recheck);
  if (reading.enabled && !plan.status.canary_revision.empty() && !plan.status.abort) {
    after = std::min(after, kAnalysisPoll);
  }
  after = std::clamp(after, kMinRequeue, options_.resync_period);
  return ReconcileResult::RequeueAfter(after);
}

Status ModelDeploymentReconciler::ApplyPlan(const api::ModelDeployment& md,
                                            const rollout::Plan& plan, const Observed& observed) {
  // ConfigMaps before ReplicaSets: a pod whose ConfigMap volume is missing does not start.
  SG_RETURN_IF_ERROR(ApplyConfigMaps(md, plan));
  SG_RETURN_IF_ERROR(ApplyReplicaSets(md, plan));
  SG_RETURN_IF_ERROR(ApplyServices(md, plan));
  if (plan.route && observed.route) {
    SG_ASSIGN_OR_RETURN(std::optional<json> body,
                        RouteWeightsApply(md, *observed.route, *plan.route));
    if (body) {
      ++writes_.routes;
      SG_RETURN_IF_ERROR(
          client_.Apply(kube::resources::HttpRoutes(), md.Namespace(), *body, Force()).status());
    }
  }
  return DeleteUnwanted(md, plan);
}

Status ModelDeploymentReconciler::ApplyConfigMaps(const api::ModelDeployment& md,
                                                  const rollout::Plan& plan) {
  for (const rollout::DesiredReplicaSet& d : plan.replica_sets) {
    RevisionObjects r{md, d.revision, d.replicas, options_.image, std::nullopt};
    if (plan.mirror && d.revision == plan.status.stable_revision &&
        plan.mirror->target_revision != d.revision) {
      r.mirror = MirrorTarget{CanaryServiceUrl(md), plan.mirror->percent};
    }
    std::string name = SidecarConfigMapName(d.name);
    json observed = CachedObject(caches_.config_maps, md.Namespace(), name);
    json want_config;
    if (d.from_current_spec) {
      want_config = SidecarConfigJson(r);
    } else if (observed.is_object()) {
      // An older revision's settings cannot be rebuilt from today's spec: keep them as
      // written and only switch mirroring on or off.
      json data = observed.value("data", json::object());
      want_config = json::parse(data.value(kSidecarConfigFile, "null"), nullptr, false);
      if (!want_config.is_object()) continue;
      if (r.mirror) {
        want_config["mirror"] = {{"url", r.mirror->url}, {"percent", r.mirror->percent}};
      } else {
        want_config.erase("mirror");
      }
    } else {
      continue;
    }
    if (observed.is_object() && ControlledBy(observed, md)) {
      json have = json::parse(observed.value("data", json::object()).value(kSidecarConfigFile, ""),
                              nullptr, false);
      if (have == want_config) continue;
    }
    json cm = BuildSidecarConfigMap(r);
    cm["data"][kSidecarConfigFile] = want_config.dump(2) + "\n";
    ++writes_.config_maps;
    // Only the one data key changes later, and an apply of it takes it over from the
    // POST's manager: nothing the apply would have to release.
    SG_RETURN_IF_ERROR(
        observed.is_object()
            ? client_.Apply(kube::resources::ConfigMaps(), md.Namespace(), cm, Force()).status()
            : CreateOrApply(kube::resources::ConfigMaps(), md.Namespace(), cm));
  }
  return OkStatus();
}

Status ModelDeploymentReconciler::ApplyReplicaSets(const api::ModelDeployment& md,
                                                   const rollout::Plan& plan) {
  for (const rollout::DesiredReplicaSet& d : plan.replica_sets) {
    json observed = CachedObject(caches_.replica_sets, md.Namespace(), d.name);
    if (!observed.is_object() || !ControlledBy(observed, md)) {
      if (!d.from_current_spec) {
        // Its pod template came from a spec we no longer have: it cannot be rebuilt.
        SG_LOG(Warn, md.Namespace() + "/" + md.Name())
            .Msg("replica set of an older revision is missing")
            .Field("replicaset", d.name);
        continue;
      }
      RevisionObjects r{md, d.revision, d.replicas, options_.image, std::nullopt};
      ++writes_.replica_sets;
      // Created with a POST; later only its size changes (a merge patch, below). An
      // existing ReplicaSet we do not control yet is applied, as before.
      json rs = BuildReplicaSet(r);
      SG_RETURN_IF_ERROR(
          observed.is_object()
              ? client_.Apply(kube::resources::ReplicaSets(), md.Namespace(), rs, Force()).status()
              : CreateOrApply(kube::resources::ReplicaSets(), md.Namespace(), rs));
      SG_LOG(Info, md.Namespace() + "/" + md.Name())
          .Msg("replica set applied")
          .Field("replicaset", d.name)
          .Field("replicas", d.replicas);
      continue;
    }
    int64_t have = observed.value("/spec/replicas"_json_pointer, int64_t{1});
    if (have == d.replicas) continue;
    // Only the size changes: a merge patch of one field, so the pod template (immutable
    // per revision) is never rewritten.
    ++writes_.replica_sets;
    SG_RETURN_IF_ERROR(client_
                           .MergePatch(kube::resources::ReplicaSets(), md.Namespace(), d.name,
                                       {{"spec", {{"replicas", d.replicas}}}}, Manager())
                           .status());
    SG_LOG(Info, md.Namespace() + "/" + md.Name())
        .Msg("replica set scaled")
        .Field("replicaset", d.name)
        .Field("from", have)
        .Field("to", d.replicas);
  }
  return OkStatus();
}

Status ModelDeploymentReconciler::ApplyService(const api::ModelDeployment& md,
                                               const json& desired) {
  std::string name = desired["metadata"]["name"];
  json observed = CachedObject(caches_.services, md.Namespace(), name);
  if (ServiceMatches(observed, desired)) return OkStatus();
  ++writes_.services;
  if (!observed.is_object())
    return CreateOrApply(kube::resources::Services(), md.Namespace(), desired);
  if (ControlledBy(observed, md)) {
    return client_
        .MergePatch(kube::resources::Services(), md.Namespace(), name,
                    ServicePatch(observed, desired), Manager())
        .status();
  }
  // Someone else's Service of that name: take it over as before (the apply adds our
  // controller reference, or is refused when another controller holds it).
  return client_.Apply(kube::resources::Services(), md.Namespace(), desired, Force()).status();
}

Status ModelDeploymentReconciler::CreateOrApply(const kube::ResourceType& type,
                                                const std::string& ns, const json& object) {
  // A POST costs the API server much less than a server-side apply that creates (no typed
  // merge, no apply-managedFields bookkeeping), and a new object has nothing to merge with.
  // When the cache was only behind and the object exists, do what would have been done.
  StatusOr<json> created = client_.Create(type, ns, object, Manager());
  if (!kube::IsAlreadyExists(created.status())) return created.status();
  return client_.Apply(type, ns, object, Force()).status();
}

bool ModelDeploymentReconciler::OwnedService(const api::ModelDeployment& md,
                                             const std::string& name) const {
  runtime::ObjectPtr o = caches_.services->Get(md.Namespace() + "/" + name);
  return o && ControlledBy(*o, md);
}

Status ModelDeploymentReconciler::ApplyServices(const api::ModelDeployment& md,
                                                const rollout::Plan& plan) {
  if (!plan.serving_revisions.empty()) {
    SG_RETURN_IF_ERROR(
        ApplyService(md, BuildService(md, ServingServiceName(md.Name()), plan.serving_revisions)));
  }
  // The per-revision Services exist once something can aim at them: a route names both
  // from the start, and a rollout's first canary (which a shadow step mirrors to) brings
  // them; after that they stay. Before, "<md>" selects the pods "<md>-stable" would, and
  // each Service costs the control plane a ClusterIP, Endpoints and an EndpointSlice.
  const auto& strategy = md.spec.strategy.canary;
  const bool wanted = (strategy && strategy->traffic.gateway_api) ||
                      !plan.status.canary_revision.empty() ||
                      OwnedService(md, StableServiceName(md.Name())) ||
                      OwnedService(md, CanaryServiceName(md.Name()));
  if (!wanted) return OkStatus();
  const std::string& stable = plan.status.stable_revision;
  const std::string& canary =
      plan.status.canary_revision.empty() ? stable : plan.status.canary_revision;
  if (!stable.empty()) {
    SG_RETURN_IF_ERROR(ApplyService(md, BuildService(md, StableServiceName(md.Name()), {stable})));
  }
  if (!canary.empty()) {
    // Without a canary it follows stable, so a route or mirror aimed at it still answers.
    SG_RETURN_IF_ERROR(ApplyService(md, BuildService(md, CanaryServiceName(md.Name()), {canary})));
  }
  return OkStatus();
}

Status ModelDeploymentReconciler::DeleteUnwanted(const api::ModelDeployment& md,
                                                 const rollout::Plan& plan) {
  std::set<std::string> keep;
  for (const rollout::DesiredReplicaSet& d : plan.replica_sets) keep.insert(d.revision);
  for (const rollout::ObservedReplicaSet& o : ObserveReplicaSets(
           md,
           caches_.replica_sets->ListByLabel(md.Namespace(), kLabelModelDeployment, md.Name()))) {
    keep.insert(o.revision);
  }
  for (const std::string& rev : plan.delete_revisions) keep.erase(rev);
  kube::DeleteOptions background;
  background.propagation_policy = "Background";
  auto remove = [&](const kube::ResourceType& type, const json& o) -> Status {
    std::string name = o.value("/metadata/name"_json_pointer, std::string());
    ++writes_.deletes;
    Status s = client_.Delete(type, md.Namespace(), name, background);
    if (kube::IsNotFound(s)) return OkStatus();
    if (s.ok()) {
      SG_LOG(Info, md.Namespace() + "/" + md.Name())
          .Msg("deleted")
          .Field("kind", type.kind)
          .Field("name", name);
    }
    return s;
  };
  for (const runtime::ObjectPtr& rs :
       caches_.replica_sets->ListByLabel(md.Namespace(), kLabelModelDeployment, md.Name())) {
    if (!ControlledBy(*rs, md) || LabelOf(*rs, kLabelModelDeployment) != md.Name()) continue;
    std::string rev = LabelOf(*rs, kLabelRevision);
    if (std::find(plan.delete_revisions.begin(), plan.delete_revisions.end(), rev) !=
        plan.delete_revisions.end()) {
      SG_RETURN_IF_ERROR(remove(kube::resources::ReplicaSets(), *rs));
    }
  }
  // A revision's settings go with it; while its ReplicaSet is still terminating its pods
  // keep the (already mounted) files.
  for (const runtime::ObjectPtr& cm :
       caches_.config_maps->ListByLabel(md.Namespace(), kLabelModelDeployment, md.Name())) {
    if (!ControlledBy(*cm, md) || LabelOf(*cm, kLabelModelDeployment) != md.Name()) continue;
    std::string rev = LabelOf(*cm, kLabelRevision);
    if (!rev.empty() && !keep.count(rev)) {
      SG_RETURN_IF_ERROR(remove(kube::resources::ConfigMaps(), *cm));
    }
  }
  return OkStatus();
}

bool ModelDeploymentReconciler::CacheBehindOwnWrite(const std::string& key,
                                                    const std::string& cached_rv) {
  std::lock_guard<std::mutex> l(own_writes_mu_);
  auto it = own_writes_.find(key);
  if (it == own_writes_.end()) return false;
  if (!cached_rv.empty() && it->second == cached_rv) return true;
  own_writes_.erase(it);  // the cache moved on (our write or anyone's)
  return false;
}

void ModelDeploymentReconciler::NoteOwnWrite(const std::string& key,
                                             const std::string& replaced_rv) {
  if (replaced_rv.empty()) return;
  std::lock_guard<std::mutex> l(own_writes_mu_);
  own_writes_[key] = replaced_rv;
}

Status ModelDeploymentReconciler::WriteStatus(const json& object, const rollout::Plan& plan) {
  // The object as read, resourceVersion included: the write is a compare-and-swap, so a gate
  // written by the CLI meanwhile is never overwritten with an older status.
  json body = object;
  body["status"] = api::ToJson(plan.status);
  ++writes_.statuses;
  return client_
      .UpdateStatus(kube::resources::ModelDeployments(),
                    object.value("/metadata/namespace"_json_pointer, std::string()), body,
                    Manager())
      .status();
}

void ModelDeploymentReconciler::RecordEvents(const json& object, const rollout::Plan& plan) {
  runtime::ObjectReference ref = runtime::ReferenceTo(object);
  for (const rollout::Event& e : plan.events) {
    runtime::EventType type =
        e.type == api::kEventWarning ? runtime::EventType::kWarning : runtime::EventType::kNormal;
    Status s = recorder_.Record(ref, type, e.reason, "Rollout", e.message);
    if (!s.ok()) {
      SG_LOG(Warn, ref.ns + "/" + ref.name)
          .Msg("event not recorded")
          .Field("reason", e.reason)
          .Field("error", s.ToString());
    }
  }
}

}  // namespace skewgate::controller

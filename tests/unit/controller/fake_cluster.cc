#include "unit/controller/fake_cluster.h"

namespace skewgate::controller::testing {

using nlohmann::json;

namespace {
std::string ResourceOf(const json& o) {
  std::string kind = o.value("kind", "");
  if (kind == "ModelDeployment") return "modeldeployments";
  if (kind == "ReplicaSet") return "replicasets";
  if (kind == "Pod") return "pods";
  if (kind == "Service") return "services";
  if (kind == "ConfigMap") return "configmaps";
  if (kind == "HTTPRoute") return "httproutes";
  return "unknown";
}
}  // namespace

runtime::ObjectPtr FakeStore::Get(const std::string& key) const {
  if (hidden.count(key)) return nullptr;
  if (auto it = stale.find(key); it != stale.end()) {
    return std::make_shared<const json>(it->second);
  }
  size_t slash = key.find('/');
  json o = c_.Object(resource_, key.substr(0, slash), key.substr(slash + 1));
  return o.is_null() ? nullptr : std::make_shared<const json>(std::move(o));
}

std::vector<runtime::ObjectPtr> FakeStore::List(const std::string& ns) const {
  std::vector<runtime::ObjectPtr> out;
  for (json& o : c_.All(resource_)) {
    if (hidden.count(runtime::ObjectKeyOf(o))) continue;
    if (ns.empty() || o["metadata"].value("namespace", "") == ns) {
      out.push_back(std::make_shared<const json>(std::move(o)));
    }
  }
  return out;
}

FakeCluster::FakeCluster()
    : mds_(*this, "modeldeployments"),
      rss_(*this, "replicasets"),
      pods_(*this, "pods"),
      svcs_(*this, "services"),
      cms_(*this, "configmaps") {
  config_.server = "https://fake:6443";
  config_.source = "fake";
}

std::string FakeCluster::Key(const std::string& resource, std::string_view ns,
                             std::string_view name) {
  return resource + "|" + std::string(ns) + "|" + std::string(name);
}

void FakeCluster::Count(const std::string& what) { ++writes_[what]; }

json FakeCluster::Put(json object) {
  std::lock_guard<std::mutex> l(mu_);
  json& m = object["metadata"];
  if (!m.contains("uid")) m["uid"] = "uid-" + std::to_string(++uid_);
  m["resourceVersion"] = std::to_string(++rv_);
  objects_[Key(ResourceOf(object), m.value("namespace", ""), m.value("name", ""))] = object;
  return object;
}

json FakeCluster::Object(const std::string& resource, const std::string& ns,
                         const std::string& name) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = objects_.find(Key(resource, ns, name));
  return it == objects_.end() ? json() : it->second;
}

std::vector<json> FakeCluster::All(const std::string& resource) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<json> out;
  for (auto& [k, v] : objects_) {
    if (k.rfind(resource + "|", 0) == 0) out.push_back(v);
  }
  return out;
}

void FakeCluster::Erase(const std::string& resource, const std::string& ns,
                        const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  objects_.erase(Key(resource, ns, name));
}

void FakeCluster::MakeReplicaSetsReady() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [k, v] : objects_) {
    if (k.rfind("replicasets|", 0) != 0) continue;
    int64_t n = v["spec"].value("replicas", int64_t{0});
    if (!v["status"].is_object()) v["status"] = json::object();
    if (v["status"].value("readyReplicas", int64_t{-1}) == n &&
        v["status"].value("replicas", int64_t{-1}) == n) {
      continue;
    }
    v["status"] = {{"replicas", n}, {"readyReplicas", n}, {"availableReplicas", n}};
    v["metadata"]["resourceVersion"] = std::to_string(++rv_);
  }
}

int FakeCluster::writes() const {
  std::lock_guard<std::mutex> l(mu_);
  int n = 0;
  for (auto& [k, v] : writes_) n += v;
  return n;
}

std::map<std::string, int> FakeCluster::write_log() const {
  std::lock_guard<std::mutex> l(mu_);
  return writes_;
}

void FakeCluster::ResetCounts() {
  std::lock_guard<std::mutex> l(mu_);
  writes_.clear();
  gets = 0;
}

StatusOr<json> FakeCluster::Get(const kube::ResourceType& t, std::string_view ns,
                                std::string_view name) {
  std::lock_guard<std::mutex> l(mu_);
  ++gets;
  auto it = objects_.find(Key(t.resource, ns, name));
  if (it == objects_.end()) {
    return NotFoundError("get " + t.resource + " " + std::string(ns) + "/" + std::string(name) +
                         ": NotFound");
  }
  return it->second;
}

StatusOr<kube::ListResult> FakeCluster::List(const kube::ResourceType& t, std::string_view ns,
                                             const kube::ListOptions&) {
  kube::ListResult r;
  for (json& o : All(t.resource)) {
    if (ns.empty() || o["metadata"].value("namespace", "") == ns) r.items.push_back(o);
  }
  return r;
}

StatusOr<json> FakeCluster::Create(const kube::ResourceType& t, std::string_view ns,
                                   const json& object, const kube::WriteOptions&) {
  {
    std::lock_guard<std::mutex> l(mu_);
    Count("create " + t.resource);
    if (objects_.count(Key(t.resource, ns, object["metadata"].value("name", "")))) {
      return AlreadyExistsError("create " + t.resource + ": AlreadyExists");
    }
  }
  return Put(object);
}

StatusOr<json> FakeCluster::Update(const kube::ResourceType& t, std::string_view ns,
                                   const json& object, const kube::WriteOptions&) {
  {
    std::lock_guard<std::mutex> l(mu_);
    Count("update " + t.resource);
  }
  return Put(object);
}

Status FakeCluster::Delete(const kube::ResourceType& t, std::string_view ns, std::string_view name,
                           const kube::DeleteOptions&) {
  std::lock_guard<std::mutex> l(mu_);
  Count("delete " + t.resource);
  if (objects_.erase(Key(t.resource, ns, name)) == 0) return NotFoundError("not found");
  return OkStatus();
}

StatusOr<json> FakeCluster::MergePatch(const kube::ResourceType& t, std::string_view ns,
                                       std::string_view name, const json& patch,
                                       const kube::WriteOptions&) {
  json o;
  {
    std::lock_guard<std::mutex> l(mu_);
    Count("patch " + t.resource);
    auto it = objects_.find(Key(t.resource, ns, name));
    if (it == objects_.end()) return NotFoundError("not found");
    o = it->second;
  }
  o.merge_patch(patch);
  return Put(o);
}

StatusOr<json> FakeCluster::Apply(const kube::ResourceType& t, std::string_view ns,
                                  const json& object, const kube::ApplyOptions& o) {
  json stored;
  {
    std::lock_guard<std::mutex> l(mu_);
    Count("apply " + t.resource);
    if (o.field_manager.empty()) return InvalidArgumentError("apply needs a field manager");
    auto it = objects_.find(Key(t.resource, ns, object["metadata"].value("name", "")));
    if (it != objects_.end()) stored = it->second;
  }
  // Close enough to server-side apply for these tests: the applied fields win, the rest
  // (uid, status, fields of other managers) stay.
  json merged = stored.is_null() ? object : stored;
  if (!stored.is_null()) {
    std::string rv = object.value("/metadata/resourceVersion"_json_pointer, std::string());
    if (!rv.empty() && rv != stored["metadata"].value("resourceVersion", "")) {
      return AbortedError("apply: the object has been modified");
    }
  }
  json patch = object;
  patch["metadata"].erase("resourceVersion");
  std::string key = Key(t.resource, ns, object["metadata"].value("name", ""));
  {
    std::lock_guard<std::mutex> l(mu_);
    // Like server-side apply: fields this manager applied last time and no longer sets are
    // removed; lists are replaced whole.
    auto prev = applied_.find(key);
    if (prev != applied_.end() && !stored.is_null()) {
      json flat = merged.flatten();
      json want = patch.flatten();
      const json before = prev->second.flatten();
      for (auto& [path, v] : before.items()) {
        if (!want.contains(path)) flat.erase(path);
      }
      merged = flat.unflatten();
    }
    applied_[key] = patch;
  }
  if (!stored.is_null()) merged.merge_patch(patch);
  return Put(merged);
}

StatusOr<json> FakeCluster::GetStatus(const kube::ResourceType& t, std::string_view ns,
                                      std::string_view name) {
  return Get(t, ns, name);
}

StatusOr<json> FakeCluster::UpdateStatus(const kube::ResourceType& t, std::string_view ns,
                                         const json& object, const kube::WriteOptions&) {
  json stored;
  {
    std::lock_guard<std::mutex> l(mu_);
    Count("status " + t.resource);
    if (conflict_next_status) {
      conflict_next_status = false;
      return AbortedError("update status: Conflict: the object has been modified");
    }
    auto it = objects_.find(Key(t.resource, ns, object["metadata"].value("name", "")));
    if (it == objects_.end()) return NotFoundError("not found");
    if (it->second["metadata"]["resourceVersion"] != object["metadata"]["resourceVersion"]) {
      return AbortedError("update status: Conflict: the object has been modified");
    }
    stored = it->second;
  }
  stored["status"] = object["status"];
  return Put(stored);
}

StatusOr<json> FakeCluster::PatchStatus(const kube::ResourceType&, std::string_view,
                                        std::string_view, const json&, const kube::WriteOptions&) {
  return UnimplementedError("fake: PatchStatus");
}

StatusOr<json> FakeCluster::ApplyStatus(const kube::ResourceType&, std::string_view, const json&,
                                        const kube::ApplyOptions&) {
  return UnimplementedError("fake: ApplyStatus");
}

Status FakeCluster::Watch(const kube::ResourceType&, std::string_view, const kube::WatchOptions&,
                          const kube::WatchEventHandler&, const kube::Cancellation&) {
  return UnimplementedError("fake: Watch");
}

}  // namespace skewgate::controller::testing

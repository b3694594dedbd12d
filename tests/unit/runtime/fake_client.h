// An in-memory stand-in for kube::Client holding objects by (resource, ns, name) with
// resourceVersion compare-and-swap on Update, so that leader election and the event
// recorder can be tested with a FakeClock. Only Get/Create/Update/MergePatch are real.
//
//   FakeClient api;  LeaderElector a(api, config, clock);
//   api.fail_all = true;  // every call returns Unavailable (a partitioned replica)
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "kube/client.h"

namespace skewgate::runtime::testing {

class FakeClient : public kube::Client {
 public:
  std::atomic<bool> fail_all{false};
  std::atomic<int> creates{0}, updates{0}, patches{0};

  nlohmann::json Stored(const kube::ResourceType& t, std::string_view ns, std::string_view name) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = objects_.find(Key(t, ns, name));
    return it == objects_.end() ? nlohmann::json() : it->second;
  }
  // The single stored object of a type (null json when there is not exactly one).
  nlohmann::json OnlyObject(const kube::ResourceType& t) {
    std::lock_guard<std::mutex> l(mu_);
    nlohmann::json found;
    int n = 0;
    for (auto& [k, v] : objects_) {
      if (k.rfind(t.resource + "|", 0) == 0) found = v, ++n;
    }
    return n == 1 ? found : nlohmann::json();
  }
  size_t Count(const kube::ResourceType& t) {
    std::lock_guard<std::mutex> l(mu_);
    size_t n = 0;
    for (auto& [k, v] : objects_) n += k.rfind(t.resource + "|", 0) == 0;
    return n;
  }

  // kube::Client
  const kube::KubeConfig& config() const override { return config_; }
  StatusOr<nlohmann::json> Get(const kube::ResourceType& t, std::string_view ns,
                               std::string_view name) override {
    if (fail_all) return UnavailableError("fake: partitioned");
    std::lock_guard<std::mutex> l(mu_);
    auto it = objects_.find(Key(t, ns, name));
    if (it == objects_.end()) return NotFoundError("fake: " + std::string(name) + " not found");
    return it->second;
  }
  StatusOr<nlohmann::json> Create(const kube::ResourceType& t, std::string_view ns,
                                  const nlohmann::json& object,
                                  const kube::WriteOptions&) override {
    if (fail_all) return UnavailableError("fake: partitioned");
    std::lock_guard<std::mutex> l(mu_);
    std::string name = object["metadata"].value("name", "");
    if (name.empty()) return InvalidArgumentError("fake: metadata.name: Required value");
    std::string k = Key(t, ns, name);
    if (objects_.count(k)) return AlreadyExistsError("fake: " + name + " already exists");
    nlohmann::json o = object;
    o["metadata"]["resourceVersion"] = std::to_string(++rv_);
    objects_[k] = o;
    ++creates;
    return o;
  }
  StatusOr<nlohmann::json> Update(const kube::ResourceType& t, std::string_view ns,
                                  const nlohmann::json& object,
                                  const kube::WriteOptions&) override {
    if (fail_all) return UnavailableError("fake: partitioned");
    std::lock_guard<std::mutex> l(mu_);
    std::string name = object["metadata"].value("name", "");
    auto it = objects_.find(Key(t, ns, name));
    if (it == objects_.end()) return NotFoundError("fake: " + name + " not found");
    std::string want = object["metadata"].value("resourceVersion", "");
    if (!want.empty() && want != it->second["metadata"]["resourceVersion"]) {
      return AbortedError("fake: Conflict: the object has been modified");
    }
    nlohmann::json o = object;
    o["metadata"]["resourceVersion"] = std::to_string(++rv_);
    it->second = o;
    ++updates;
    return o;
  }
  StatusOr<nlohmann::json> MergePatch(const kube::ResourceType& t, std::string_view ns,
                                      std::string_view name, const nlohmann::json& patch,
                                      const kube::WriteOptions&) override {
    if (fail_all) return UnavailableError("fake: partitioned");
    std::lock_guard<std::mutex> l(mu_);
    auto it = objects_.find(Key(t, ns, name));
    if (it == objects_.end()) return NotFoundError("fake: not found");
    it->second.merge_patch(patch);
    it->second["metadata"]["resourceVersion"] = std::to_string(++rv_);
    ++patches;
    return it->second;
  }
  StatusOr<kube::ListResult> List(const kube::ResourceType&, std::string_view,
                                  const kube::ListOptions&) override {
    return UnimplementedError("fake");
  }
  Status Delete(const kube::ResourceType& t, std::string_view ns, std::string_view name,
                const kube::DeleteOptions&) override {
    std::lock_guard<std::mutex> l(mu_);
    return objects_.erase(Key(t, ns, name)) ? OkStatus() : NotFoundError("fake: not found");
  }
  StatusOr<nlohmann::json> Apply(const kube::ResourceType&, std::string_view, const nlohmann::json&,
                                 const kube::ApplyOptions&) override {
    return UnimplementedError("fake");
  }
  StatusOr<nlohmann::json> GetStatus(const kube::ResourceType&, std::string_view,
                                     std::string_view) override {
    return UnimplementedError("fake");
  }
  StatusOr<nlohmann::json> UpdateStatus(const kube::ResourceType&, std::string_view,
                                        const nlohmann::json&, const kube::WriteOptions&) override {
    return UnimplementedError("fake");
  }
  StatusOr<nlohmann::json> PatchStatus(const kube::ResourceType&, std::string_view,
                                       std::string_view, const nlohmann::json&,
                                       const kube::WriteOptions&) override {
    return UnimplementedError("fake");
  }
  StatusOr<nlohmann::json> ApplyStatus(const kube::ResourceType&, std::string_view,
                                       const nlohmann::json&, const kube::ApplyOptions&) override {
    return UnimplementedError("fake");
  }
  Status Watch(const kube::ResourceType&, std::string_view, const kube::WatchOptions&,
               const kube::WatchEventHandler&, const kube::Cancellation&) override {
    return UnimplementedError("fake");
  }

 private:
  static std::string Key(const kube::ResourceType& t, std::string_view ns, std::string_view n) {
    return t.resource + "|" + std::string(ns) + "|" + std::string(n);
  }
  kube::KubeConfig config_;
  std::mutex mu_;
  int64_t rv_ = 100;
  std::map<std::string, nlohmann::json> objects_;
};

}  // namespace skewgate::runtime::testing

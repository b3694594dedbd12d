#include "runtime/event_handler.h"

#include "runtime/store.h"
#include "runtime/work_queue.h"

namespace skewgate::runtime {

using nlohmann::json;

namespace {

class EnqueueObjectHandler final : public ResourceEventHandler {
 public:
  explicit EnqueueObjectHandler(WorkQueue& q) : q_(q) {}
  // ResourceEventHandler
  void OnAdd(const json& o) override { Enqueue(o); }
  void OnUpdate(const json&, const json& o) override { Enqueue(o); }
  void OnDelete(const json& o) override { Enqueue(o); }

 private:
  void Enqueue(const json& o) {
    std::string key = ObjectKeyOf(o);
    if (!key.empty()) q_.Add(key);
  }
  WorkQueue& q_;
};

class EnqueueOwnerHandler final : public ResourceEventHandler {
 public:
  EnqueueOwnerHandler(WorkQueue& q, std::string group, std::string kind)
      : q_(q), group_(std::move(group)), kind_(std::move(kind)) {}
  // ResourceEventHandler
  void OnAdd(const json& o) override { Enqueue(o); }
  void OnUpdate(const json& old_o, const json& o) override {
    Enqueue(old_o);
    Enqueue(o);  // deduplicated by the queue when the owner did not change
  }
  void OnDelete(const json& o) override { Enqueue(o); }

 private:
  void Enqueue(const json& o) {
    if (auto key = ControllerOwnerKey(o, group_, kind_)) q_.Add(*key);
  }
  WorkQueue& q_;
  const std::string group_;
  const std::string kind_;
};

// "skewgate.io/v1alpha1" → "skewgate.io"; "v1" → "".
std::string GroupOf(const std::string& api_version) {
  auto slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

}  // namespace

std::shared_ptr<ResourceEventHandler> EnqueueObject(WorkQueue& queue) {
  return std::make_shared<EnqueueObjectHandler>(queue);
}

std::shared_ptr<ResourceEventHandler> EnqueueOwner(WorkQueue& queue, std::string owner_group,
                                                   std::string owner_kind) {
  return std::make_shared<EnqueueOwnerHandler>(queue, std::move(owner_group),
                                               std::move(owner_kind));
}

std::optional<std::string> ControllerOwnerKey(const json& object, const std::string& owner_group,
                                              const std::string& owner_kind) {
  if (!object.is_object()) return std::nullopt;
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return std::nullopt;
  auto refs = md->find("ownerReferences");
  if (refs == md->end() || !refs->is_array()) return std::nullopt;
  for (const json& ref : *refs) {
    if (!ref.is_object()) continue;
    auto controller = ref.find("controller");
    if (controller == ref.end() || !controller->is_boolean() || !controller->get<bool>()) {
      continue;
    }
    auto kind = ref.find("kind");
    auto api_version = ref.find("apiVersion");
    auto name = ref.find("name");
    if (kind == ref.end() || !kind->is_string() || api_version == ref.end() ||
        !api_version->is_string() || name == ref.end() || !name->is_string()) {
      return std::nullopt;
    }
    // At most one reference may be the controller: the first decides.
    if (kind->get<std::string>() != owner_kind ||
        GroupOf(api_version->get<std::string>()) != owner_group) {
      return std::nullopt;
    }
    std::string ns;
    auto nsit = md->find("namespace");
    if (nsit != md->end() && nsit->is_string()) ns = nsit->get<std::string>();
    std::string n = name->get<std::string>();
    if (n.empty()) return std::nullopt;
    return ns.empty() ? n : ns + "/" + n;
  }
  return std::nullopt;
}

}  // namespace skewgate::runtime

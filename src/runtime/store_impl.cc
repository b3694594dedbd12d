#include "runtime/store_impl.h"

#include <cstdlib>
#include <optional>

#include "common/log.h"

namespace skewgate::runtime {

using nlohmann::json;

namespace {

const json* Member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string StringAt(const json& j, const char* a, const char* b) {
  const json* x = Member(j, a);
  const json* y = x ? Member(*x, b) : nullptr;
  return y && y->is_string() ? y->get<std::string>() : "";
}

std::string ResourceVersionOf(const json& j) { return StringAt(j, "metadata", "resourceVersion"); }

}  // namespace

std::string ObjectKeyOf(const json& object) {
  std::string name = StringAt(object, "metadata", "name");
  if (name.empty()) return "";
  std::string ns = StringAt(object, "metadata", "namespace");
  return ns.empty() ? name : ns + "/" + name;
}

json StripBookkeeping(json&& object) {
  if (!object.is_object()) return std::move(object);
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return std::move(object);
  md->erase("managedFields");
  auto ann = md->find("annotations");
  if (ann != md->end() && ann->is_object()) {
    ann->erase("kubectl.kubernetes.io/last-applied-configuration");
    if (ann->empty()) md->erase(ann);
  }
  return std::move(object);
}

Projection KeepOnly(std::vector<std::string> json_pointers) {
  static const char* kMetadata[] = {"name",
                                    "namespace",
                                    "uid",
                                    "resourceVersion",
                                    "generation",
                                    "labels",
                                    "ownerReferences",
                                    "deletionTimestamp"};
  std::vector<json::json_pointer> pointers;
  for (auto& p : json_pointers) {
    // A malformed pointer is a programming error in the caller's constant list; it is
    // skipped (and logged) rather than thrown out of the informer thread.
    try {
      pointers.emplace_back(p);
    } catch (const json::exception& e) {
      SG_LOG(Error, "").Msg("KeepOnly: ignoring malformed JSON pointer").Field("pointer", p);
    }
  }
  return [pointers](json&& object) -> json {
    json out = json::object();
    if (!object.is_object()) return out;
    for (const char* key : {"apiVersion", "kind"}) {
      if (object.contains(key)) out[key] = std::move(object[key]);
    }
    if (const json* md = Member(object, "metadata")) {
      for (const char* key : kMetadata) {
        if (const json* v = Member(*md, key)) out["metadata"][key] = *v;
      }
    }
    for (const auto& p : pointers) {
      if (object.contains(p)) out[p] = std::move(object[p]);
    }
    return out;
  };
}

std::string LabelValueOf(const json& object, const std::string& key) {
  const json* md = Member(object, "metadata");
  const json* labels = md ? Member(*md, "labels") : nullptr;
  const json* v = labels ? Member(*labels, key.c_str()) : nullptr;
  return v && v->is_string() ? v->get<std::string>() : "";
}

std::vector<ObjectPtr> Store::ListByLabel(const std::string& ns, const std::string& key,
                                          const std::string& value) const {
  std::vector<ObjectPtr> out;
  for (ObjectPtr& o : List(ns)) {
    if (LabelValueOf(*o, key) == value) out.push_back(std::move(o));
  }
  return out;
}

StoreImpl::StoreImpl(Projection projection, bool compact)
    : projection_(std::move(projection)), compact_(compact) {}

void StoreImpl::AddHandler(std::shared_ptr<ResourceEventHandler> handler) {
  handlers_.push_back(std::move(handler));
}

void StoreImpl::IndexByLabel(std::string key) {
  std::lock_guard<std::mutex> l(mu_);
  index_label_ = std::move(key);
  index_.clear();
  for (auto& [k, e] : objects_) {
    e.index_key = IndexKeyOf(*Materialize(e));
    Index(k, e);
  }
}

std::string StoreImpl::IndexKeyOf(const json& object) const {
  if (index_label_.empty()) return "";
  std::string value = LabelValueOf(object, index_label_);
  if (value.empty()) return "";
  return StringAt(object, "metadata", "namespace") + "/" + value;
}

void StoreImpl::Index(const std::string& key, const Entry& entry) {
  if (!entry.index_key.empty()) index_[entry.index_key].insert(key);
}

void StoreImpl::Unindex(const std::string& key, const Entry& entry) {
  auto it = entry.index_key.empty() ? index_.end() : index_.find(entry.index_key);
  if (it == index_.end()) return;
  it->second.erase(key);
  if (it->second.empty()) index_.erase(it);
}

ObjectPtr StoreImpl::Project(json&& object) const {
  if (projection_) return std::make_shared<const json>(projection_(std::move(object)));
  return std::make_shared<const json>(std::move(object));
}

StoreImpl::Entry StoreImpl::MakeEntry(const ObjectPtr& object) const {
  Entry e;
  e.resource_version = ResourceVersionOf(*object);
  e.index_key = IndexKeyOf(*object);
  if (!compact_) {
    e.object = object;
    return e;
  }
  // MessagePack rather than the JSON text: it cannot fail on invalid UTF-8 (dump() throws)
  // and decodes faster. Written straight into a string sized to fit afterwards, so the
  // cache holds no growth slack.
  std::string bytes;
  json::to_msgpack(*object, nlohmann::detail::output_adapter<char>(bytes));
  bytes.shrink_to_fit();
  e.packed = std::make_shared<const std::string>(std::move(bytes));
  return e;
}

ObjectPtr StoreImpl::Materialize(const ObjectPtr& object,
                                 const std::shared_ptr<const std::string>& packed) {
  if (object) return object;
  json decoded = json::from_msgpack(packed->begin(), packed->end(), /*strict=*/true,
                                    /*allow_exceptions=*/false);
  if (decoded.is_discarded()) {
    // The store packed these bytes itself from a valid object: memory is corrupt.
    SG_LOG(Error, "").Msg("store: a packed object does not decode; aborting");
    std::abort();
  }
  return std::make_shared<const json>(std::move(decoded));
}

bool StoreImpl::WaitForSync(const kube::Cancellation& cancel) const {
  // Cancellation wakes us through its callback; the store's cv wakes us on sync.
  kube::CancellationRegistration reg(cancel, [this] {
    std::lock_guard<std::mutex> l(mu_);
    synced_cv_.notify_all();
  });
  std::unique_lock<std::mutex> l(mu_);
  synced_cv_.wait(l, [&] { return synced_ || cancel.cancelled(); });
  return synced_;
}

ObjectPtr StoreImpl::Get(const std::string& key) const {
  ObjectPtr object;
  std::shared_ptr<const std::string> packed;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return nullptr;
    object = it->second.object;
    packed = it->second.packed;
  }
  return Materialize(object, packed);
}

namespace {

// Entries' pointers copied under the store's lock, materialized after it is released.
struct Snapshot {
  ObjectPtr object;
  std::shared_ptr<const std::string> packed;
};

}  // namespace

std::vector<ObjectPtr> StoreImpl::List(const std::string& ns) const {
  std::vector<Snapshot> snaps;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (ns.empty()) {
      snaps.reserve(objects_.size());
      for (const auto& [k, e] : objects_) snaps.push_back({e.object, e.packed});
    } else {
      std::string prefix = ns + "/";
      for (auto it = objects_.lower_bound(prefix);
           it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        snaps.push_back({it->second.object, it->second.packed});
      }
    }
  }
  std::vector<ObjectPtr> out;
  out.reserve(snaps.size());
  for (const Snapshot& s : snaps) out.push_back(Materialize(s.object, s.packed));
  return out;
}

std::vector<ObjectPtr> StoreImpl::ListByLabel(const std::string& ns, const std::string& key,
                                              const std::string& value) const {
  if (key != index_label_ || value.empty()) return Store::ListByLabel(ns, key, value);
  std::vector<Snapshot> snaps;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = index_.find(ns + "/" + value);
    if (it == index_.end()) return {};
    snaps.reserve(it->second.size());
    for (const std::string& k : it->second) {
      const Entry& e = objects_.at(k);
      snaps.push_back({e.object, e.packed});
    }
  }
  std::vector<ObjectPtr> out;
  out.reserve(snaps.size());
  for (const Snapshot& s : snaps) out.push_back(Materialize(s.object, s.packed));
  return out;
}

size_t StoreImpl::Size() const {
  std::lock_guard<std::mutex> l(mu_);
  return objects_.size();
}

bool StoreImpl::HasSynced() const {
  std::lock_guard<std::mutex> l(mu_);
  return synced_;
}

void StoreImpl::ListBegin() { pending_.clear(); }

void StoreImpl::ListItem(json&& object) {
  std::string key = ObjectKeyOf(object);
  if (key.empty()) {
    SG_LOG(Warn, "").Msg("list returned an object without metadata.name; ignored");
    return;
  }
  pending_[key] = MakeEntry(Project(std::move(object)));
}

void StoreImpl::ListDone(const std::string& resource_version) {
  std::map<std::string, Entry> old;
  {
    std::lock_guard<std::mutex> l(mu_);
    old.swap(objects_);
    objects_.swap(pending_);
    pending_.clear();
    index_.clear();
    for (const auto& [k, e] : objects_) Index(k, e);
    synced_ = true;
    synced_cv_.notify_all();
  }
  if (handlers_.empty()) return;
  // Diff after the swap so handlers (and the reconcilers they wake) read the new state.
  // No lock: this thread is objects_' only writer, and handlers may call Get().
  for (const auto& [key, e] : objects_) {
    auto it = old.find(key);
    if (it == old.end()) {
      ObjectPtr obj = Materialize(e);
      for (auto& h : handlers_) h->OnAdd(*obj);
    } else if (it->second.resource_version != e.resource_version) {
      ObjectPtr before = Materialize(it->second), obj = Materialize(e);
      for (auto& h : handlers_) h->OnUpdate(*before, *obj);
    }
  }
  for (const auto& [key, e] : old) {
    if (!objects_.count(key)) {
      ObjectPtr obj = Materialize(e);
      for (auto& h : handlers_) h->OnDelete(*obj);
    }
  }
}

void StoreImpl::ListAborted() { pending_.clear(); }

void StoreImpl::Event(kube::WatchEventType type, json&& object) {
  std::string key = ObjectKeyOf(object);
  if (key.empty()) {
    SG_LOG(Warn, "").Msg("watch event for an object without metadata.name; ignored");
    return;
  }
  // Handlers get this decoded object even when the store keeps it packed.
  ObjectPtr obj = Project(std::move(object));
  Entry entry = MakeEntry(obj);
  std::optional<Entry> previous;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = objects_.find(key);
    if (it != objects_.end()) {
      Unindex(key, it->second);
      previous = it->second;
    }
    if (type == kube::WatchEventType::kDeleted) {
      if (it != objects_.end()) objects_.erase(it);
    } else {
      Index(key, entry);
      if (it != objects_.end()) {
        it->second = std::move(entry);
      } else {
        objects_.emplace(key, std::move(entry));
      }
    }
  }
  if (handlers_.empty()) return;
  ObjectPtr before = previous ? Materialize(*previous) : nullptr;
  for (auto& h : handlers_) {
    if (type == kube::WatchEventType::kDeleted) {
      h->OnDelete(before ? *before : *obj);
    } else if (before) {
      h->OnUpdate(*before, *obj);
    } else {
      h->OnAdd(*obj);
    }
  }
}

}  // namespace skewgate::runtime

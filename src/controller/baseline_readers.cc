#include "controller/baseline_readers.h"

#include "controller/observe.h"
#include "runtime/store.h"

namespace skewgate::controller {

void BaselineReaders::Note(const std::string& md_key, const std::string& cm_key,
                           const std::string& data_key) {
  std::lock_guard<std::mutex> l(mu_);
  auto [it, inserted] = reads_.try_emplace(md_key, cm_key, data_key);
  if (!inserted) {
    if (it->second == std::pair(cm_key, data_key)) return;
    if (it->second.first != cm_key) DropReader(md_key, it->second.first);
    it->second = {cm_key, data_key};
  }
  readers_[cm_key].insert(md_key);
}

void BaselineReaders::DropReader(const std::string& md_key, const std::string& cm_key) {
  auto r = readers_.find(cm_key);
  if (r == readers_.end()) return;
  r->second.erase(md_key);
  if (r->second.empty()) {
    readers_.erase(r);
    read_summaries_.erase(cm_key);
  }
}

void BaselineReaders::Forget(const std::string& md_key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = reads_.find(md_key);
  if (it == reads_.end()) return;
  DropReader(md_key, it->second.first);
  reads_.erase(it);
}

std::vector<std::string> BaselineReaders::Readers(const std::string& cm_key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = readers_.find(cm_key);
  if (it == readers_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::set<std::string> BaselineReaders::Keys(const std::string& cm_key) const {
  std::lock_guard<std::mutex> l(mu_);
  std::set<std::string> out;
  auto it = readers_.find(cm_key);
  if (it == readers_.end()) return out;
  for (const std::string& md : it->second) out.insert(reads_.at(md).second);
  return out;
}

size_t BaselineReaders::Size() const {
  std::lock_guard<std::mutex> l(mu_);
  return reads_.size();
}

namespace {

std::string ResourceVersionOf(const nlohmann::json& object) {
  return object.value("/metadata/resourceVersion"_json_pointer, std::string());
}

}  // namespace

void BaselineReaders::NoteRead(const std::string& cm_key, const nlohmann::json& summary) {
  const std::string rv = ResourceVersionOf(summary);
  if (rv.empty()) return;
  std::lock_guard<std::mutex> l(mu_);
  if (!readers_.contains(cm_key)) return;  // nobody reads it (any more)
  runtime::ObjectPtr& kept = read_summaries_[cm_key];
  if (!kept || ResourceVersionOf(*kept) != rv) {
    kept = std::make_shared<const nlohmann::json>(summary);
    return;
  }
  // The same version read again for another key: add what this read summarised.
  auto merged = std::make_shared<nlohmann::json>(*kept);
  const nlohmann::json* data = summary.contains("/baselines/data"_json_pointer)
                                   ? &summary.at("/baselines/data"_json_pointer)
                                   : nullptr;
  if (data != nullptr && data->is_object()) {
    for (auto& [k, v] : data->items()) {
      if (v.is_object() && !v.contains("unread")) (*merged)["baselines"]["data"][k] = v;
    }
  }
  kept = std::move(merged);
}

runtime::ObjectPtr BaselineReaders::ReadAt(const std::string& cm_key,
                                           const std::string& resource_version) const {
  if (resource_version.empty()) return nullptr;
  std::lock_guard<std::mutex> l(mu_);
  auto it = read_summaries_.find(cm_key);
  if (it == read_summaries_.end() || ResourceVersionOf(*it->second) != resource_version) {
    return nullptr;
  }
  return it->second;
}

runtime::Projection SummarizeReadBaselines(const BaselineReaders& readers) {
  return [&readers](nlohmann::json&& configmap) {
    std::set<std::string> keys = readers.Keys(runtime::ObjectKeyOf(configmap));
    return BaselineSummary(std::move(configmap), keys);
  };
}

namespace {

class EnqueueBaselineReadersHandler final : public runtime::ResourceEventHandler {
 public:
  EnqueueBaselineReadersHandler(runtime::WorkQueue& q, const BaselineReaders& readers)
      : q_(q), readers_(readers) {}
  // runtime::ResourceEventHandler
  void OnAdd(const nlohmann::json& o) override { Enqueue(o); }
  void OnUpdate(const nlohmann::json&, const nlohmann::json& o) override { Enqueue(o); }
  void OnDelete(const nlohmann::json& o) override { Enqueue(o); }

 private:
  void Enqueue(const nlohmann::json& o) {
    for (const std::string& md : readers_.Readers(runtime::ObjectKeyOf(o))) q_.Add(md);
  }
  runtime::WorkQueue& q_;
  const BaselineReaders& readers_;
};

}  // namespace

std::shared_ptr<runtime::ResourceEventHandler> EnqueueBaselineReaders(
    runtime::WorkQueue& queue, const BaselineReaders& readers) {
  return std::make_shared<EnqueueBaselineReadersHandler>(queue, readers);
}

}  // namespace skewgate::controller

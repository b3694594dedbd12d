#include "controller/baseline_readers.h"

#include "runtime/store.h"

namespace skewgate::controller {

void BaselineReaders::Note(const std::string& md_key, const std::string& cm_key) {
  std::lock_guard<std::mutex> l(mu_);
  auto [it, inserted] = reads_.try_emplace(md_key, cm_key);
  if (!inserted) {
    if (it->second == cm_key) return;
    auto old = readers_.find(it->second);
    if (old != readers_.end()) {
      old->second.erase(md_key);
      if (old->second.empty()) readers_.erase(old);
    }
    it->second = cm_key;
  }
  readers_[cm_key].insert(md_key);
}

void BaselineReaders::Forget(const std::string& md_key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = reads_.find(md_key);
  if (it == reads_.end()) return;
  auto r = readers_.find(it->second);
  if (r != readers_.end()) {
    r->second.erase(md_key);
    if (r->second.empty()) readers_.erase(r);
  }
  reads_.erase(it);
}

std::vector<std::string> BaselineReaders::Readers(const std::string& cm_key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = readers_.find(cm_key);
  if (it == readers_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

size_t BaselineReaders::Size() const {
  std::lock_guard<std::mutex> l(mu_);
  return reads_.size();
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

// Which ModelDeployments read which baseline ConfigMap, so that a change of the ConfigMap
// reconciles them at once. The baseline is the user's object: the reconciler reads it from
// a cache of summaries (observe.h, BaselineSummary) instead of a GET per reconcile, and
// this index is what makes that cache "watched" rather than merely "read".
//
//   BaselineReaders readers;  readers.Note("ml/fraud", "ml/fraud-baseline");
//   informer.store_impl().AddHandler(EnqueueBaselineReaders(queue, readers));
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runtime/event_handler.h"
#include "runtime/work_queue.h"

namespace skewgate::controller {

// Thread-safe. Memory: one entry per ModelDeployment reconciled by this process.
class BaselineReaders {
 public:
  // `md_key` reads ConfigMap `cm_key` ("ns/name"), and no other any more.
  void Note(const std::string& md_key, const std::string& cm_key);
  // `md_key` is gone.
  void Forget(const std::string& md_key);
  // The ModelDeployments that last read `cm_key`, in key order.
  std::vector<std::string> Readers(const std::string& cm_key) const;
  size_t Size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> reads_;              // md key -> cm key
  std::map<std::string, std::set<std::string>> readers_;  // cm key -> md keys
};

// On every add, change or deletion of a ConfigMap, enqueues the ModelDeployments that read
// it. Both references must outlive the handler's informer.
std::shared_ptr<runtime::ResourceEventHandler> EnqueueBaselineReaders(
    runtime::WorkQueue& queue, const BaselineReaders& readers);

}  // namespace skewgate::controller

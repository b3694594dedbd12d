// Which ModelDeployments read which baseline (ConfigMap and data key), so that a change of
// the ConfigMap reconciles them at once, and so that the baseline cache summarises only the
// keys someone reads. The baseline is the user's object: the reconciler reads it from a
// cache of summaries (observe.h, BaselineSummary) instead of a GET per reconcile, and this
// index is what makes that cache "watched" rather than merely "read".
//
//   BaselineReaders readers;  readers.Note("ml/fraud", "ml/fraud-baseline", "baseline.json");
//   informer_options.projection = SummarizeReadBaselines(readers);
//   informer.store_impl().AddHandler(EnqueueBaselineReaders(queue, readers));
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/event_handler.h"
#include "runtime/store.h"
#include "runtime/work_queue.h"

namespace skewgate::controller {

// Thread-safe. Memory: one entry per ModelDeployment reconciled by this process, and one
// small summary per ConfigMap read with a GET while someone reads it.
class BaselineReaders {
 public:
  // `md_key` reads data key `data_key` of ConfigMap `cm_key` ("ns/name"), and no other any
  // more.
  void Note(const std::string& md_key, const std::string& cm_key, const std::string& data_key);
  // `md_key` is gone.
  void Forget(const std::string& md_key);
  // The ModelDeployments that last read `cm_key`, in key order.
  std::vector<std::string> Readers(const std::string& cm_key) const;
  // The data keys of `cm_key` that some ModelDeployment reads.
  std::set<std::string> Keys(const std::string& cm_key) const;
  size_t Size() const;

  // A ConfigMap cached before anyone read a key of it keeps that key unread until it
  // changes, so a reconcile reads it with a GET: `summary` is the BaselineSummary of that
  // read (of the keys read). Kept while `cm_key` has readers; summaries of one
  // resourceVersion add up (two ModelDeployments reading two keys).
  void NoteRead(const std::string& cm_key, const nlohmann::json& summary);
  // The summary noted for `cm_key` if it was read at exactly `resource_version` (the same
  // version is the same content), else null.
  runtime::ObjectPtr ReadAt(const std::string& cm_key, const std::string& resource_version) const;

 private:
  void DropReader(const std::string& md_key, const std::string& cm_key);  // mu_ held

  mutable std::mutex mu_;
  // md key -> (cm key, data key)
  std::map<std::string, std::pair<std::string, std::string>> reads_;
  std::map<std::string, std::set<std::string>> readers_;      // cm key -> md keys
  std::map<std::string, runtime::ObjectPtr> read_summaries_;  // cm key -> NoteRead's summary
};

// The baseline informer's projection: BaselineSummary of the keys that are read
// (`readers.Keys`) when the ConfigMap arrives. `readers` must outlive the informer.
runtime::Projection SummarizeReadBaselines(const BaselineReaders& readers);

// On every add, change or deletion of a ConfigMap, enqueues the ModelDeployments that read
// it. Both references must outlive the handler's informer.
std::shared_ptr<runtime::ResourceEventHandler> EnqueueBaselineReaders(
    runtime::WorkQueue& queue, const BaselineReaders& readers);

}  // namespace skewgate::controller

// An informer: a list-watch loop (kube::ListWatcher) on its own thread feeding a
// StoreImpl, with event handlers that enqueue keys. One per watched kind; filtered on the
// server by label selector so that the controller caches only what it owns.
//
//   Informer pods(client, kube::resources::Pods(), "ml", InformerOptions{"app=x"});
//   pods.store_impl().AddHandler(EnqueueOwner(queue, "apps", "ReplicaSet"));  pods.Start();
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "common/clock.h"
#include "kube/cancellation.h"
#include "kube/client.h"
#include "kube/list_watcher.h"
#include "runtime/metrics.h"
#include "runtime/store_impl.h"

namespace skewgate::runtime {

struct InformerOptions {
  std::string label_selector;
  std::string field_selector;
  Projection projection = StripBookkeeping;  // null keeps objects whole
  // Keep cached objects packed and decode one per read (see StoreImpl): for kinds with many
  // or large objects, where memory matters more than a few microseconds per Get.
  bool compact = false;
  kube::ListWatchOptions list_watch;  // selectors above override the ones here
  // The "resource" label of its metrics and logs; empty: the resource's qualified name.
  // Two informers of one kind need different names, or their counters are mixed up.
  std::string name;
};

class Informer {
 public:
  // `client` and `clock` must outlive the informer. An empty namespace watches all.
  Informer(kube::Client& client, kube::ResourceType type, std::string ns, InformerOptions options,
           const Clock& clock = RealClock::Get());
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  const Store& store() const { return store_; }
  // For adding handlers, before Start().
  StoreImpl& store_impl() { return store_; }
  const kube::ResourceType& type() const { return type_; }

  // Starts the list-watch thread. Calling it twice is a no-op.
  void Start();
  // Cancels the watch and joins the thread. Idempotent.
  void Stop();
  bool HasSynced() const { return store_.HasSynced(); }
  // Blocks until synced or `cancel` fires.
  bool WaitForSync(const kube::Cancellation& cancel) const { return store_.WaitForSync(cancel); }

  // Registers skewgate_informer_{lists,relists,watch_restarts,failures}_total{resource}
  // and refreshes them from the ListWatcher's counters on every scrape.
  Status RegisterMetrics(MetricsRegistry& registry);

  const kube::ListWatcher& list_watcher() const { return *list_watcher_; }

 private:
  kube::ResourceType type_;
  std::string name_;  // metrics and logs
  StoreImpl store_;
  std::unique_ptr<kube::ListWatcher> list_watcher_;
  kube::Cancellation stop_;
  std::thread thread_;
  std::mutex mu_;
  bool started_ = false;
};

}  // namespace skewgate::runtime

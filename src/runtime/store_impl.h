// The informer's cache: a Store that is also the kube::WatchSink of a ListWatcher. It
// projects each incoming object, swaps in a relisted collection atomically (emitting
// adds, updates and deletes for the difference), and tells registered handlers about
// every change after the store reflects it. A compact store keeps each object packed as
// MessagePack (a few times smaller than the decoded tree) and decodes a fresh snapshot on
// every read: less memory for a few microseconds per Get (runtime_store_memory_bench).
//
//   StoreImpl store(StripBookkeeping, /*compact=*/true);  store.AddHandler(handler);
//   kube::ListWatcher lw(client, resources::Pods(), "ml", {}, store);
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "kube/list_watcher.h"
#include "runtime/event_handler.h"
#include "runtime/store.h"

namespace skewgate::runtime {

class StoreImpl final : public Store, public kube::WatchSink {
 public:
  // A null projection keeps objects whole. With `compact`, objects are kept packed and every
  // Get/List/ListByLabel decodes new snapshots (equal to what a decoded store returns, but
  // not the same pointer twice); handlers still see decoded objects.
  explicit StoreImpl(Projection projection = StripBookkeeping, bool compact = false);

  // Handlers are called on the ListWatcher's thread, in order, after the store has been
  // updated. Add them before the ListWatcher starts.
  void AddHandler(std::shared_ptr<ResourceEventHandler> handler);

  // Indexes objects by namespace and the value of label `key` (one label per store), so
  // that ListByLabel on it does not scan the store. Call before the ListWatcher starts.
  void IndexByLabel(std::string key);

  // Blocks until synced or `cancel` fires; returns HasSynced().
  bool WaitForSync(const kube::Cancellation& cancel) const;

  // Store
  ObjectPtr Get(const std::string& key) const override;
  std::vector<ObjectPtr> List(const std::string& ns = "") const override;
  std::vector<ObjectPtr> ListByLabel(const std::string& ns, const std::string& key,
                                     const std::string& value) const override;
  size_t Size() const override;
  bool HasSynced() const override;

  // kube::WatchSink
  void ListBegin() override;
  void ListItem(nlohmann::json&& object) override;
  void ListDone(const std::string& resource_version) override;
  void ListAborted() override;
  void Event(kube::WatchEventType type, nlohmann::json&& object) override;

 private:
  // One cached object: decoded, or packed when the store is compact (exactly one is set),
  // with what the store itself needs of it so that it never decodes for bookkeeping.
  struct Entry {
    ObjectPtr object;
    std::shared_ptr<const std::string> packed;  // MessagePack
    std::string resource_version;
    std::string index_key;  // IndexKeyOf(object) when it was stored
  };

  ObjectPtr Project(nlohmann::json&& object) const;
  Entry MakeEntry(const ObjectPtr& object) const;
  // The entry's object: shared when decoded, a fresh snapshot when packed. Call without mu_
  // held on a copy of the entry's pointers (decoding a packed object takes microseconds).
  static ObjectPtr Materialize(const ObjectPtr& object,
                               const std::shared_ptr<const std::string>& packed);
  static ObjectPtr Materialize(const Entry& e) { return Materialize(e.object, e.packed); }
  // "ns/<label value>" of the indexed label; "" when not indexed or the label is absent.
  std::string IndexKeyOf(const nlohmann::json& object) const;
  void Unindex(const std::string& key, const Entry& entry);  // mu_ held
  void Index(const std::string& key, const Entry& entry);    // mu_ held

  const Projection projection_;
  const bool compact_;
  std::vector<std::shared_ptr<ResourceEventHandler>> handlers_;

  mutable std::mutex mu_;
  mutable std::condition_variable synced_cv_;
  std::map<std::string, Entry> objects_;
  std::string index_label_;
  // "ns/<label value>" → keys of the objects carrying it.
  std::map<std::string, std::set<std::string>> index_;
  bool synced_ = false;
  // Items of a list in progress; swapped in by ListDone. Only the watcher thread uses it.
  std::map<std::string, Entry> pending_;
};

}  // namespace skewgate::runtime

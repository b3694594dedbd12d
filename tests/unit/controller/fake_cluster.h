// An in-memory API server for the reconciler's unit tests: one map of objects serves both
// as the kube::Client the reconciler writes through and as the informer Stores it reads
// (always synced, updated the moment a write lands — an informer with zero lag). Every
// write is counted by verb so tests can assert "zero writes".
//
//   FakeCluster c;  c.Put(Cm("ml", "base", {{"baseline.json", text}}));
//   ModelDeploymentReconciler r(c, c.caches(), analysis, events, clock, {});
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "controller/reconciler.h"
#include "kube/client.h"
#include "runtime/event_recorder.h"
#include "runtime/store.h"

namespace skewgate::controller::testing {

class FakeCluster;

class FakeStore final : public runtime::Store {
 public:
  FakeStore(FakeCluster& c, std::string resource) : c_(c), resource_(std::move(resource)) {}
  runtime::ObjectPtr Get(const std::string& key) const override;
  std::vector<runtime::ObjectPtr> List(const std::string& ns = "") const override;
  size_t Size() const override { return List().size(); }
  bool HasSynced() const override { return synced; }
  bool synced = true;
  // Keys ("ns/name") this store has not seen yet: an informer behind the API server.
  std::set<std::string> hidden;
  // Keys this store still answers with an older version (a watch event not delivered yet).
  std::map<std::string, nlohmann::json> stale;

 private:
  FakeCluster& c_;
  std::string resource_;
};

class FakeCluster final : public kube::Client {
 public:
  FakeCluster();

  // Stores an object as-is (apiVersion/kind/metadata.name/namespace required), with a
  // fresh resourceVersion and a uid if it has none.
  nlohmann::json Put(nlohmann::json object);
  nlohmann::json Object(const std::string& resource, const std::string& ns,
                        const std::string& name) const;
  std::vector<nlohmann::json> All(const std::string& resource) const;
  void Erase(const std::string& resource, const std::string& ns, const std::string& name);
  // What KWOK does: every ReplicaSet's readyReplicas = replicas.
  void MakeReplicaSetsReady();

  Caches caches() { return {&mds_, &rss_, &pods_, &svcs_, &cms_}; }
  FakeStore& md_store() { return mds_; }
  FakeStore& replica_set_store() { return rss_; }
  FakeStore& service_store() { return svcs_; }
  FakeStore& config_map_store() { return cms_; }

  int writes() const;  // create + update + patch + apply + delete + status writes
  std::map<std::string, int> write_log() const;
  void ResetCounts();
  // The next UpdateStatus returns a conflict (a gate written by the CLI meanwhile).
  bool conflict_next_status = false;
  int gets = 0;

  // kube::Client
  const kube::KubeConfig& config() const override { return config_; }
  StatusOr<nlohmann::json> Get(const kube::ResourceType& t, std::string_view ns,
                               std::string_view name) override;
  StatusOr<kube::ListResult> List(const kube::ResourceType& t, std::string_view ns,
                                  const kube::ListOptions&) override;
  StatusOr<nlohmann::json> Create(const kube::ResourceType& t, std::string_view ns,
                                  const nlohmann::json& object, const kube::WriteOptions&) override;
  StatusOr<nlohmann::json> Update(const kube::ResourceType& t, std::string_view ns,
                                  const nlohmann::json& object, const kube::WriteOptions&) override;
  Status Delete(const kube::ResourceType& t, std::string_view ns, std::string_view name,
                const kube::DeleteOptions&) override;
  StatusOr<nlohmann::json> MergePatch(const kube::ResourceType& t, std::string_view ns,
                                      std::string_view name, const nlohmann::json& patch,
                                      const kube::WriteOptions&) override;
  StatusOr<nlohmann::json> Apply(const kube::ResourceType& t, std::string_view ns,
                                 const nlohmann::json& object, const kube::ApplyOptions&) override;
  StatusOr<nlohmann::json> GetStatus(const kube::ResourceType& t, std::string_view ns,
                                     std::string_view name) override;
  StatusOr<nlohmann::json> UpdateStatus(const kube::ResourceType& t, std::string_view ns,
                                        const nlohmann::json& object,
                                        const kube::WriteOptions&) override;
  StatusOr<nlohmann::json> PatchStatus(const kube::ResourceType& t, std::string_view ns,
                                       std::string_view name, const nlohmann::json& patch,
                                       const kube::WriteOptions&) override;
  StatusOr<nlohmann::json> ApplyStatus(const kube::ResourceType& t, std::string_view ns,
                                       const nlohmann::json& object,
                                       const kube::ApplyOptions&) override;
  Status Watch(const kube::ResourceType&, std::string_view, const kube::WatchOptions&,
               const kube::WatchEventHandler&, const kube::Cancellation&) override;

 private:
  friend class FakeStore;
  static std::string Key(const std::string& resource, std::string_view ns, std::string_view name);
  void Count(const std::string& what);

  mutable std::mutex mu_;
  std::map<std::string, nlohmann::json> objects_;  // "resource|ns|name"
  std::map<std::string, int> writes_;
  std::map<std::string, nlohmann::json> applied_;  // last apply body per object
  int64_t rv_ = 100;
  int64_t uid_ = 0;
  kube::KubeConfig config_;
  FakeStore mds_, rss_, pods_, svcs_, cms_;
};

// Events kept in memory.
class FakeRecorder final : public runtime::EventRecorder {
 public:
  struct Recorded {
    std::string name, reason, note;
    runtime::EventType type;
  };
  Status Record(const runtime::ObjectReference& regarding, runtime::EventType type,
                const std::string& reason, const std::string&, const std::string& note) override {
    std::lock_guard<std::mutex> l(mu);
    events.push_back({regarding.name, reason, note, type});
    return OkStatus();
  }
  std::mutex mu;
  std::vector<Recorded> events;
};

}  // namespace skewgate::controller::testing

// The reflector loop: list a collection, then watch it from the list's resourceVersion,
// resuming after each watch ends and relisting only when the server says the resume
// point is gone (410). Feeds a WatchSink (the runtime's store), never holds the objects.
//
//   ListWatcher lw(client, resources::Pods(), "ml", {.label_selector = "app=x"}, store);
//   std::thread t([&] { lw.Run(stop).IgnoreError(); });   // stop.Cancel() ends it
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "kube/backoff.h"
#include "kube/cancellation.h"
#include "kube/client.h"
#include "kube/resource.h"

namespace skewgate::kube {

// Receives the state of the collection. Called from the ListWatcher's thread only.
class WatchSink {
 public:
  virtual ~WatchSink() = default;
  // A full list begins: ListItem follows for every object, then ListDone with the list's
  // resourceVersion. The sink must then drop objects that were not listed (they were
  // deleted while we were not watching). Items arrive page by page so that the sink can
  // project each one into a compact form without the whole list in memory.
  virtual void ListBegin() = 0;
  virtual void ListItem(nlohmann::json&& object) = 0;
  virtual void ListDone(const std::string& resource_version) = 0;
  // The list failed midway: forget the partial items, keep the previous contents.
  virtual void ListAborted() = 0;
  // A change after the list: kAdded, kModified or kDeleted (never bookmark or error).
  virtual void Event(WatchEventType type, nlohmann::json&& object) = 0;
};

struct ListWatchOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;
  BackoffPolicy backoff;  // between failed attempts: 800ms → 30s, jittered
  // Each watch asks the server to end it after a random time in [min, max], so that
  // many watchers do not reconnect in lockstep; the client's idle timeout is the drawn
  // value plus idle_margin, so a healthy watch always ends on the server's side.
  Duration min_watch_timeout = std::chrono::minutes(5);
  Duration max_watch_timeout = std::chrono::minutes(10);
  Duration idle_margin = std::chrono::seconds(30);
  uint64_t seed = 0;  // jitter randomness; 0 draws from std::random_device
};

class ListWatcher {
 public:
  // `client`, `sink` and `clock` must outlive the ListWatcher.
  ListWatcher(Client& client, ResourceType type, std::string ns, ListWatchOptions options,
              WatchSink& sink, const Clock& clock = RealClock::Get());

  // Blocks until `cancel` fires, then returns kCancelled. Failures never end the loop:
  // they are logged, counted, and retried after backoff (a 401/403 too — credentials may
  // be rotated). Call once.
  Status Run(const Cancellation& cancel);

  // Counters for metrics and tests, readable from any thread.
  uint64_t lists() const { return lists_.load(); }             // completed lists
  uint64_t relists_on_gone() const { return gone_.load(); }    // lists caused by 410
  uint64_t watch_restarts() const { return watches_.load(); }  // watches opened
  uint64_t failures() const { return failures_.load(); }       // failed attempts
  // The resourceVersion the next watch resumes from ("" before the first list).
  std::string last_resource_version() const;

 private:
  Status ListOnce(const Cancellation& cancel);
  Status WatchOnce(const Cancellation& cancel, bool* delivered);
  Duration DrawWatchTimeout();
  double Uniform01();

  Client& client_;
  ResourceType type_;
  std::string ns_;
  ListWatchOptions options_;
  WatchSink& sink_;
  const Clock& clock_;
  Backoff backoff_;
  uint64_t rng_state_;

  mutable std::mutex mu_;
  std::string resource_version_;
  std::atomic<uint64_t> lists_{0}, gone_{0}, watches_{0}, failures_{0};
};

}  // namespace skewgate::kube

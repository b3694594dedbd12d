// EventRecorder over a kube::Client: the first occurrence creates an Event; repeats patch
// its series (at most once per min_patch_interval per event, the rest are counted and
// written with the next patch or by Flush), as client-go's events/v1 broadcaster does.
//
//   EventRecorderOptions o;  o.instance = pod_name;
//   EventRecorderImpl recorder(client, clock, o);  recorder.Record(ref, ...).IgnoreError();
#pragma once

#include <list>
#include <map>
#include <mutex>

#include "common/clock.h"
#include "kube/client.h"
#include "runtime/event_recorder.h"

namespace skewgate::runtime {

struct EventRecorderOptions {
  std::string controller = "skewgate.io/controller";  // reportingController
  std::string instance;                               // reportingInstance (pod name)
  // Repeats after this long without an occurrence start a new Event.
  Duration series_window = std::chrono::minutes(6);
  // Series patches of one Event are spaced at least this far apart.
  Duration min_patch_interval = std::chrono::seconds(5);
  size_t max_tracked = 4096;  // series remembered; the least recently seen is dropped
};

class EventRecorderImpl final : public EventRecorder {
 public:
  EventRecorderImpl(kube::Client& client, const Clock& clock, EventRecorderOptions options);

  // EventRecorder
  Status Record(const ObjectReference& regarding, EventType type, const std::string& reason,
                const std::string& action, const std::string& note) override;

  // Writes series counts not yet patched (call on shutdown).
  Status Flush();

 private:
  struct Series {
    std::string ns;
    std::string event_name;  // empty until created
    int64_t count = 0;       // occurrences so far
    int64_t written = 0;     // count last written to the API
    bool in_flight = false;  // a create or patch of this series is under way
    std::chrono::steady_clock::time_point last_seen;
    std::chrono::steady_clock::time_point last_patch;
    TimePoint last_seen_wall;
    std::list<std::string>::iterator lru;
  };
  // What one create or patch writes: a copy taken under the lock, so that the request runs
  // without it.
  struct Write {
    std::string ns;
    std::string event_name;  // the new name for a create
    int64_t count = 0;
    TimePoint last_seen_wall;
  };
  Write Snapshot(const Series& s) const { return {s.ns, s.event_name, s.count, s.last_seen_wall}; }
  std::string NewEventName(const std::string& object_name);  // mu_ held
  Status Create(const ObjectReference& regarding, EventType type, const std::string& reason,
                const std::string& action, const std::string& note, const Write& w);
  Status Patch(const Write& w);

  kube::Client& client_;
  const Clock& clock_;
  const EventRecorderOptions options_;
  // Guards the series, never held across an API call: one series' writes stay in order
  // (Series::in_flight), and different objects' Events are written in parallel.
  std::mutex mu_;
  std::map<std::string, Series> series_;
  std::list<std::string> lru_;  // most recent first
  uint64_t name_seq_ = 0;
};

// The note as written: at most 1024 bytes, cut on a UTF-8 boundary with " …(truncated)".
std::string BoundedNote(const std::string& note);

}  // namespace skewgate::runtime

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
    std::chrono::steady_clock::time_point last_seen;
    std::chrono::steady_clock::time_point last_patch;
    TimePoint last_seen_wall;
    std::list<std::string>::iterator lru;
  };
  Status Create(const ObjectReference& regarding, EventType type, const std::string& reason,
                const std::string& action, const std::string& note, Series* s);
  Status Patch(Series* s);

  kube::Client& client_;
  const Clock& clock_;
  const EventRecorderOptions options_;
  std::mutex mu_;  // held across API calls: keeps one series' writes in order
  std::map<std::string, Series> series_;
  std::list<std::string> lru_;  // most recent first
  uint64_t name_seq_ = 0;
};

// The note as written: at most 1024 bytes, cut on a UTF-8 boundary with " …(truncated)".
std::string BoundedNote(const std::string& note);

}  // namespace skewgate::runtime

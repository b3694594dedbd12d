#include "runtime/event_recorder_impl.h"

#include <cstdio>

#include "common/sha256.h"
#include "kube/errors.h"
#include "kube/resource.h"

namespace skewgate::runtime {

using nlohmann::json;

namespace {
constexpr size_t kMaxNoteBytes = 1024;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
}  // namespace

ObjectReference ReferenceTo(const json& object) {
  ObjectReference r;
  if (!object.is_object()) return r;
  r.api_version = Str(object, "apiVersion");
  r.kind = Str(object, "kind");
  auto md = object.find("metadata");
  if (md != object.end() && md->is_object()) {
    r.ns = Str(*md, "namespace");
    r.name = Str(*md, "name");
    r.uid = Str(*md, "uid");
  }
  return r;
}

std::string BoundedNote(const std::string& note) {
  if (note.size() <= kMaxNoteBytes) return note;
  static const std::string kMarker = " …(truncated)";
  size_t cut = kMaxNoteBytes - kMarker.size();
  // Back up to the start of a UTF-8 sequence so the result stays valid UTF-8.
  while (cut > 0 && (static_cast<unsigned char>(note[cut]) & 0xC0) == 0x80) --cut;
  return note.substr(0, cut) + kMarker;
}

EventRecorderImpl::EventRecorderImpl(kube::Client& client, const Clock& clock,
                                     EventRecorderOptions options)
    : client_(client), clock_(clock), options_(std::move(options)) {}

Status EventRecorderImpl::Record(const ObjectReference& regarding, EventType type,
                                 const std::string& reason, const std::string& action,
                                 const std::string& note) {
  if (regarding.name.empty() || regarding.kind.empty()) {
    return InvalidArgumentError("event " + reason + ": the regarding object has no kind or name");
  }
  if (reason.empty() || reason.size() > 128) {
    return InvalidArgumentError("event reason must be 1..128 characters, got " +
                                std::to_string(reason.size()));
  }
  const std::string bounded = BoundedNote(note);
  // The series' identity, hashed: the note alone may be 1 KiB, and thousands of series are
  // remembered (each key is held twice, in the map and the LRU list).
  const std::string key = Sha256Hex(regarding.api_version + "|" + regarding.kind + "|" +
                                    regarding.ns + "|" + regarding.name + "|" + regarding.uid +
                                    "|" + (type == EventType::kWarning ? "W" : "N") + "|" + reason +
                                    "|" + action + "|" + bounded);
  std::unique_lock<std::mutex> l(mu_);
  auto now = clock_.SteadyNow();
  auto it = series_.find(key);
  if (it != series_.end() && !it->second.in_flight &&
      now - it->second.last_seen > options_.series_window) {
    lru_.erase(it->second.lru);
    series_.erase(it);
    it = series_.end();
  }
  if (it == series_.end()) {
    if (series_.size() >= options_.max_tracked) {
      series_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    Series s;
    s.ns = regarding.ns.empty() ? "default" : regarding.ns;
    s.lru = lru_.begin();
    it = series_.emplace(key, std::move(s)).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Series& s = it->second;
  s.count++;
  s.last_seen = now;
  s.last_seen_wall = clock_.Now();
  // One write per series at a time; this occurrence is counted and goes out with the
  // next patch or Flush.
  if (s.in_flight) return OkStatus();
  const bool create = s.event_name.empty();
  if (!create && now - s.last_patch < options_.min_patch_interval) return OkStatus();  // counted
  Write w = Snapshot(s);
  if (create) w.event_name = NewEventName(regarding.name);
  s.in_flight = true;
  l.unlock();

  Status result = create ? Create(regarding, type, reason, action, bounded, w) : Patch(w);
  bool recreated = false;
  const int64_t counted_before = w.count;
  // The Event expired (TTL) or was deleted: start a new one carrying this occurrence.
  if (!create && kube::IsNotFound(result)) {
    {
      std::lock_guard<std::mutex> g(mu_);
      w.event_name = NewEventName(regarding.name);
    }
    w.count = 1;
    result = Create(regarding, type, reason, action, bounded, w);
    recreated = true;
  }

  l.lock();
  // The series may have been dropped (LRU) while the request ran: nothing to update.
  auto again = series_.find(key);
  if (again == series_.end()) return result;
  Series& done = again->second;
  done.in_flight = false;
  if (recreated) {
    // Occurrences counted meanwhile stay counted on top of the new Event's one.
    done.count = 1 + (done.count - counted_before);
    done.event_name.clear();
  }
  if (result.ok()) {
    done.event_name = w.event_name;
    done.written = w.count;
    done.last_patch = clock_.SteadyNow();
  }
  return result;
}

std::string EventRecorderImpl::NewEventName(const std::string& object_name) {
  // Names like client-go's: <object>.<hex timestamp + sequence>, unique per recorder.
  char suffix[40];
  std::snprintf(suffix, sizeof suffix, ".%llx%04llx",
                static_cast<unsigned long long>(clock_.Now().time_since_epoch().count()),
                static_cast<unsigned long long>(++name_seq_ & 0xffff));
  return object_name + suffix;
}

Status EventRecorderImpl::Create(const ObjectReference& regarding, EventType type,
                                 const std::string& reason, const std::string& action,
                                 const std::string& note, const Write& w) {
  json regarding_json = {
      {"apiVersion", regarding.api_version}, {"kind", regarding.kind}, {"name", regarding.name}};
  if (!regarding.ns.empty()) regarding_json["namespace"] = regarding.ns;
  if (!regarding.uid.empty()) regarding_json["uid"] = regarding.uid;
  json event = {
      {"apiVersion", kube::resources::Events().ApiVersion()},
      {"kind", "Event"},
      {"metadata", {{"name", w.event_name}, {"namespace", w.ns}}},
      {"eventTime", FormatRfc3339Micro(w.last_seen_wall)},
      {"reportingController", options_.controller},
      {"reportingInstance", options_.instance.empty() ? options_.controller : options_.instance},
      {"action", action.empty() ? reason : action},
      {"reason", reason},
      {"regarding", regarding_json},
      {"note", note},
      {"type", type == EventType::kWarning ? "Warning" : "Normal"}};
  if (w.count > 1) {
    event["series"] = {{"count", w.count},
                       {"lastObservedTime", FormatRfc3339Micro(w.last_seen_wall)}};
  }
  auto created = client_.Create(kube::resources::Events(), w.ns, event, {});
  if (!created.ok()) return created.status().WithContext("recording event " + reason);
  return OkStatus();
}

Status EventRecorderImpl::Patch(const Write& w) {
  json patch = {
      {"series", {{"count", w.count}, {"lastObservedTime", FormatRfc3339Micro(w.last_seen_wall)}}}};
  auto r = client_.MergePatch(kube::resources::Events(), w.ns, w.event_name, patch, {});
  return r.status();
}

Status EventRecorderImpl::Flush() {
  std::lock_guard<std::mutex> l(mu_);
  Status first;
  // At shutdown, after the workers stopped: holding the lock across the patches is fine.
  for (auto& [key, s] : series_) {
    if (s.event_name.empty() || s.written == s.count || s.in_flight) continue;
    Status p = Patch(Snapshot(s));
    if (!p.ok() && first.ok()) {
      first = p;
      continue;
    }
    if (p.ok()) {
      s.written = s.count;
      s.last_patch = clock_.SteadyNow();
    }
  }
  return first;
}

}  // namespace skewgate::runtime

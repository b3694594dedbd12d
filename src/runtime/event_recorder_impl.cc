#include "runtime/event_recorder_impl.h"

#include <cstdio>

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
  const std::string key = regarding.api_version + "|" + regarding.kind + "|" + regarding.ns + "|" +
                          regarding.name + "|" + regarding.uid + "|" +
                          (type == EventType::kWarning ? "W" : "N") + "|" + reason + "|" + action +
                          "|" + bounded;
  std::lock_guard<std::mutex> l(mu_);
  auto now = clock_.SteadyNow();
  auto it = series_.find(key);
  if (it != series_.end() && now - it->second.last_seen > options_.series_window) {
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
  if (s.event_name.empty()) return Create(regarding, type, reason, action, bounded, &s);
  if (now - s.last_patch < options_.min_patch_interval) return OkStatus();  // counted
  Status p = Patch(&s);
  // The Event expired (TTL) or was deleted: start a new one carrying this occurrence.
  if (kube::IsNotFound(p)) {
    s.event_name.clear();
    s.count = 1;
    return Create(regarding, type, reason, action, bounded, &s);
  }
  return p;
}

Status EventRecorderImpl::Create(const ObjectReference& regarding, EventType type,
                                 const std::string& reason, const std::string& action,
                                 const std::string& note, Series* s) {
  // Names like client-go's: <object>.<hex timestamp + sequence>, unique per recorder.
  char suffix[40];
  std::snprintf(suffix, sizeof suffix, ".%llx%04llx",
                static_cast<unsigned long long>(clock_.Now().time_since_epoch().count()),
                static_cast<unsigned long long>(++name_seq_ & 0xffff));
  std::string name = regarding.name + suffix;
  json regarding_json = {
      {"apiVersion", regarding.api_version}, {"kind", regarding.kind}, {"name", regarding.name}};
  if (!regarding.ns.empty()) regarding_json["namespace"] = regarding.ns;
  if (!regarding.uid.empty()) regarding_json["uid"] = regarding.uid;
  json event = {
      {"apiVersion", kube::resources::Events().ApiVersion()},
      {"kind", "Event"},
      {"metadata", {{"name", name}, {"namespace", s->ns}}},
      {"eventTime", FormatRfc3339Micro(s->last_seen_wall)},
      {"reportingController", options_.controller},
      {"reportingInstance", options_.instance.empty() ? options_.controller : options_.instance},
      {"action", action.empty() ? reason : action},
      {"reason", reason},
      {"regarding", regarding_json},
      {"note", note},
      {"type", type == EventType::kWarning ? "Warning" : "Normal"}};
  if (s->count > 1) {
    event["series"] = {{"count", s->count},
                       {"lastObservedTime", FormatRfc3339Micro(s->last_seen_wall)}};
  }
  auto created = client_.Create(kube::resources::Events(), s->ns, event, {});
  if (!created.ok()) return created.status().WithContext("recording event " + reason);
  s->event_name = name;
  s->written = s->count;
  s->last_patch = clock_.SteadyNow();
  return OkStatus();
}

Status EventRecorderImpl::Patch(Series* s) {
  json patch = {
      {"series",
       {{"count", s->count}, {"lastObservedTime", FormatRfc3339Micro(s->last_seen_wall)}}}};
  auto r = client_.MergePatch(kube::resources::Events(), s->ns, s->event_name, patch, {});
  if (!r.ok()) return r.status();
  s->written = s->count;
  s->last_patch = clock_.SteadyNow();
  return OkStatus();
}

Status EventRecorderImpl::Flush() {
  std::lock_guard<std::mutex> l(mu_);
  Status first;
  for (auto& [key, s] : series_) {
    if (s.event_name.empty() || s.written == s.count) continue;
    Status p = Patch(&s);
    if (!p.ok() && first.ok()) first = p;
  }
  return first;
}

}  // namespace skewgate::runtime

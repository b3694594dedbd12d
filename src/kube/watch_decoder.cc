#include "kube/watch_decoder.h"

#include <string>

namespace skewgate::kube {
namespace {

bool ParseType(std::string_view s, WatchEventType* out) {
  if (s == "ADDED")
    *out = WatchEventType::kAdded;
  else if (s == "MODIFIED")
    *out = WatchEventType::kModified;
  else if (s == "DELETED")
    *out = WatchEventType::kDeleted;
  else if (s == "BOOKMARK")
    *out = WatchEventType::kBookmark;
  else if (s == "ERROR")
    *out = WatchEventType::kError;
  else
    return false;
  return true;
}

}  // namespace

std::string_view WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded: return "ADDED";
    case WatchEventType::kModified: return "MODIFIED";
    case WatchEventType::kDeleted: return "DELETED";
    case WatchEventType::kBookmark: return "BOOKMARK";
    case WatchEventType::kError: return "ERROR";
  }
  return "UNKNOWN";
}

WatchDecoder::WatchDecoder(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

Status WatchDecoder::Feed(std::string_view chunk, const WatchEventHandler& handler) {
  if (!error_.ok() || stopped_) return error_;
  while (!chunk.empty()) {
    size_t nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() + chunk.size() > max_line_bytes_) {
        error_ = DataLossError("watch event " + std::to_string(events_ + 1) + " is longer than " +
                               std::to_string(max_line_bytes_) + " bytes");
        partial_.clear();
        return error_;
      }
      partial_.append(chunk);
      return OkStatus();
    }
    Status s;
    if (partial_.empty()) {
      // Common case: the whole line is inside this chunk; decode it without copying.
      s = DecodeLine(chunk.substr(0, nl), handler);
    } else {
      if (partial_.size() + nl > max_line_bytes_) {
        error_ = DataLossError("watch event " + std::to_string(events_ + 1) + " is longer than " +
                               std::to_string(max_line_bytes_) + " bytes");
        partial_.clear();
        return error_;
      }
      partial_.append(chunk.substr(0, nl));
      std::string line;
      line.swap(partial_);
      s = DecodeLine(line, handler);
    }
    if (!s.ok()) {
      error_ = s;
      return error_;
    }
    if (stopped_) return OkStatus();
    chunk.remove_prefix(nl + 1);
  }
  return OkStatus();
}

Status WatchDecoder::Finish() const {
  if (!error_.ok()) return error_;
  if (stopped_) return OkStatus();
  for (char c : partial_) {
    if (c != ' ' && c != '\t' && c != '\r') {
      return DataLossError("watch stream ended in the middle of event " +
                           std::to_string(events_ + 1) + " (" + std::to_string(partial_.size()) +
                           " bytes of an incomplete line)");
    }
  }
  return OkStatus();
}

Status WatchDecoder::DecodeLine(std::string_view line, const WatchEventHandler& handler) {
  size_t first = line.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return OkStatus();  // blank line
  const uint64_t number = events_ + 1;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message carries the byte offset; the payload itself is never echoed.
    return DataLossError("watch event " + std::to_string(number) +
                         " is not valid JSON: " + e.what());
  }
  if (!j.is_object()) {
    return DataLossError("watch event " + std::to_string(number) + " is not a JSON object");
  }
  auto type_it = j.find("type");
  if (type_it == j.end() || !type_it->is_string()) {
    return DataLossError("watch event " + std::to_string(number) + " has no string field \"type\"");
  }
  WatchEvent event;
  if (!ParseType(type_it->get_ref<const std::string&>(), &event.type)) {
    return DataLossError("watch event " + std::to_string(number) + " has unknown type \"" +
                         type_it->get_ref<const std::string&>().substr(0, 32) + "\"");
  }
  auto obj_it = j.find("object");
  if (obj_it == j.end() || !obj_it->is_object()) {
    return DataLossError("watch event " + std::to_string(number) + " (" +
                         std::string(WatchEventTypeName(event.type)) +
                         ") has no object field \"object\"");
  }
  event.object = std::move(*obj_it);
  ++events_;
  if (!handler(std::move(event))) stopped_ = true;
  return OkStatus();
}

}  // namespace skewgate::kube

// Incremental decoder of a Kubernetes watch stream: newline-delimited JSON objects
// {"type": "ADDED", "object": {...}}. Pure: it sees bytes, never a socket, and holds at
// most one partial line, never the whole response.
//
//   WatchDecoder d;
//   Status s = d.Feed(chunk, [&](WatchEvent&& e) { store.Apply(std::move(e)); return true; });
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skewgate::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };
std::string_view WatchEventTypeName(WatchEventType type);  // "ADDED", ...

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  // The object; for kBookmark only metadata.resourceVersion is meaningful; for kError a
  // metav1.Status (use ApiErrorFromStatusObject).
  nlohmann::json object;
};

// Returns false to stop decoding (Feed then returns Ok and drops the rest).
using WatchEventHandler = std::function<bool(WatchEvent&&)>;

class WatchDecoder {
 public:
  // A line longer than this is DataLoss rather than unbounded buffering.
  static constexpr size_t kDefaultMaxLineBytes = 64u << 20;
  explicit WatchDecoder(size_t max_line_bytes = kDefaultMaxLineBytes);

  // Consumes a chunk of any size (a line may span many chunks, a chunk many lines) and
  // calls `handler` once per complete event, in order. Blank lines are skipped. A line
  // that is not a watch event is DataLoss naming the event number and the problem; after
  // an error or a stop, further calls return the same outcome without decoding.
  Status Feed(std::string_view chunk, const WatchEventHandler& handler);

  // End of stream. DataLoss when a partial line is left (the stream was cut mid-event).
  Status Finish() const;

  bool stopped() const { return stopped_; }
  uint64_t events_decoded() const { return events_; }
  size_t buffered_bytes() const { return partial_.size(); }

 private:
  Status DecodeLine(std::string_view line, const WatchEventHandler& handler);

  size_t max_line_bytes_;
  std::string partial_;  // bytes after the last newline seen
  uint64_t events_ = 0;
  bool stopped_ = false;
  Status error_;
};

}  // namespace skewgate::kube

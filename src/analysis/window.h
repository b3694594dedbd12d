// The analysis window of one revision: what its pods' sidecars counted since the window
// started, from periodic scrapes of their cumulative counters. Pure: scrapes and times
// come in as arguments.
//
//   RevisionWindow w(window_start);
//   w.Observe({.pod_uid = "u1", .pod_created = t0, .stats = scraped});  // each interval
//   StatusOr<skew::Counts> counts = w.Merged();                        // what the window saw
//
// Semantics (why each rule exists):
//  - A pod is tracked by its UID and the sidecar's start id. The first scrape of a pod
//    that existed before the window started is its anchor: only increases after it count.
//    A pod created after the window started counts from zero (everything it saw is new).
//  - A counter reset (new start id, or a bucket going down: the sidecar restarted) adds
//    everything counted since the restart, as Prometheus' increase() does; what was
//    counted before the restart stays counted, so nothing is lost or counted twice.
//  - A pod that goes away keeps what it contributed: the window is about traffic seen, not
//    pods alive now.
//  - Counts made with another baseline than the window's are refused (the scrape is
//    recorded as a mismatch and the run must be Inconclusive).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "skew/counts.h"

namespace skewgate::analysis {

// One successful scrape of one pod's sidecar.
struct PodScrape {
  std::string pod_uid;
  TimePoint pod_created{};
  skew::Counts stats;  // cumulative counters as /stats reported them
};

class RevisionWindow {
 public:
  // `baseline_hash` is the hash every scrape must carry ("" adopts the first scrape's).
  RevisionWindow(TimePoint start, std::string baseline_hash);

  TimePoint start() const { return start_; }

  // Folds one scrape in. FailedPrecondition when its baseline hash differs (nothing is
  // changed); the caller treats that as inconclusive evidence.
  Status Observe(const PodScrape& scrape);

  // Sum over every pod ever observed of what it counted inside the window.
  StatusOr<skew::Counts> Merged() const;

  int pods_observed() const { return static_cast<int>(pods_.size()); }
  int resets_seen() const { return resets_; }

 private:
  struct PodState {
    skew::Counts last;         // the latest cumulative scrape
    skew::Counts accumulated;  // increases inside the window so far
  };
  TimePoint start_;
  std::string baseline_hash_;
  std::map<std::string, PodState> pods_;
  int resets_ = 0;
};

}  // namespace skewgate::analysis

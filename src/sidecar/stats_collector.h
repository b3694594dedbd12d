// StatsCollector: takes payload samples from the proxy through a bounded queue and counts
// them on its own thread, so statistics never delay a request. A full queue drops the
// sample and counts the drop. Serves the /stats document and the numbers for /metrics.
//
//   StatsCollector stats(options, baseline);  stats.Start();
//   Proxy proxy(popts, &stats);               // proxy threads call stats.Offer(...)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/json_doc.h"
#include "sidecar/live_counters.h"
#include "sidecar/payload.h"
#include "sidecar/sample_sink.h"
#include "skew/baseline.h"

namespace skewgate::sidecar {

struct StatsOptions {
  size_t queue_capacity = 4096;
  std::string revision;
  // Protocol and column names; empty column lists default to the baseline's input and
  // output features in baseline order.
  DecoderConfig decoder;
  JsonLimits json_limits;
};

// A point-in-time copy of what /stats and /metrics show.
struct StatsSnapshot {
  std::string baseline_hash;
  std::string start_id;
  std::string revision;
  skew::Counts counts;
  uint64_t offered = 0, dropped = 0, processed = 0;
  uint64_t counted = 0;  // request payloads whose features were counted
  uint64_t rows = 0, output_rows = 0;
  uint64_t unknown_feature_values = 0, type_mismatches = 0;
  std::map<std::string, uint64_t> parse_errors;           // request reason -> count
  std::map<std::string, uint64_t> response_parse_errors;  // response reason -> count
  std::map<std::string, uint64_t> protocols;              // detected protocol -> payloads
  size_t queue_depth = 0;
};

class StatsCollector : public SampleSink {
 public:
  StatsCollector(StatsOptions options, std::shared_ptr<const skew::Baseline> baseline);
  ~StatsCollector() override;

  void Start();
  void Stop();

  // SampleSink
  bool Offer(std::string& request_body, std::string& response_body, int status,
             bool truncated) override;

  // Replaces the baseline (and revision): all counters restart under a new start id.
  void Reset(std::shared_ptr<const skew::Baseline> baseline, std::string revision);
  // Waits until every sample queued so far has been counted, or `timeout` passes.
  bool Flush(std::chrono::milliseconds timeout);

  StatsSnapshot Snapshot() const;
  // The /stats document (see docs/sidecar.md).
  std::string StatsJson() const;
  std::string baseline_hash() const;

 private:
  struct Slot {
    std::string request, response;
    int status = 0;
    bool truncated = false;
  };
  struct Counting;  // everything the stats thread owns, guarded by state_mu_
  void Loop();
  void Process(Slot& s);

  StatsOptions options_;
  // Queue: a ring of slots whose strings keep their capacity between samples.
  mutable std::mutex q_mu_;
  std::condition_variable q_cv_, idle_cv_;
  std::vector<Slot> ring_;
  size_t head_ = 0, size_ = 0;
  bool busy_ = false, stop_ = false, waiting_ = false;
  std::atomic<uint64_t> offered_{0}, dropped_{0};

  mutable std::mutex state_mu_;
  std::unique_ptr<Counting> state_;
  JsonDoc doc_;  // used by the stats thread only
  std::thread thread_;
};

// 32 hex characters from the system's random source; new per process and per baseline.
std::string NewStartId();

}  // namespace skewgate::sidecar

#include "sidecar/stats_collector.h"

#include <nlohmann/json.hpp>
#include <random>

#include "skew/counts.h"

namespace skewgate::sidecar {

struct StatsCollector::Counting {
  std::shared_ptr<const skew::Baseline> baseline;
  std::string start_id;
  std::string revision;
  std::unique_ptr<PayloadDecoder> decoder;
  std::unique_ptr<LiveCounters> counters;
  uint64_t processed = 0, counted = 0, output_rows = 0;
  uint64_t offered_base = 0, dropped_base = 0;  // atomics' values at the last reset
  std::map<std::string, uint64_t> parse_errors, response_parse_errors, protocols;
};

std::string NewStartId() {
  std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 4; ++i) {
    uint32_t v = rd();
    for (int k = 0; k < 8; ++k) id.push_back(kHex[(v >> (4 * k)) & 0xF]);
  }
  return id;
}

namespace {

DecoderConfig WithBaselineColumns(DecoderConfig c, const skew::Baseline* b) {
  if (b == nullptr) return c;
  bool fill_in = c.columns.empty(), fill_out = c.output_columns.empty();
  for (const auto& f : b->features) {
    if (f.role == skew::FeatureRole::kInput && fill_in) c.columns.push_back(f.name);
    if (f.role == skew::FeatureRole::kOutput && fill_out) c.output_columns.push_back(f.name);
  }
  return c;
}

}  // namespace

StatsCollector::StatsCollector(StatsOptions options, std::shared_ptr<const skew::Baseline> baseline)
    : options_(std::move(options)), doc_(options_.json_limits) {
  ring_.resize(std::max<size_t>(1, options_.queue_capacity));
  Reset(std::move(baseline), options_.revision);
}

StatsCollector::~StatsCollector() { Stop(); }

void StatsCollector::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void StatsCollector::Stop() {
  {
    std::lock_guard<std::mutex> l(q_mu_);
    stop_ = true;
  }
  q_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool StatsCollector::Offer(std::string& request_body, std::string& response_body, int status,
                           bool truncated) {
  ++offered_;
  bool wake;
  {
    std::lock_guard<std::mutex> l(q_mu_);
    if (size_ == ring_.size() || stop_) {
      ++dropped_;
      return false;
    }
    Slot& s = ring_[(head_ + size_) % ring_.size()];
    s.request.swap(request_body);
    s.response.swap(response_body);
    s.status = status;
    s.truncated = truncated;
    ++size_;
    wake = waiting_;
  }
  // A futex wake per request is measurable at tens of thousands of requests per second;
  // only wake the stats thread when it is actually asleep.
  if (wake) q_cv_.notify_one();
  return true;
}

void StatsCollector::Loop() {
  Slot work;
  while (true) {
    {
      std::unique_lock<std::mutex> l(q_mu_);
      busy_ = false;
      if (size_ == 0) idle_cv_.notify_all();
      waiting_ = true;
      q_cv_.wait(l, [&] { return size_ > 0 || stop_; });
      waiting_ = false;
      if (size_ == 0 && stop_) return;
      // Swap the slot's buffers with ours: the sample moves out, capacity circulates.
      Slot& s = ring_[head_];
      work.request.swap(s.request);
      work.response.swap(s.response);
      work.status = s.status;
      work.truncated = s.truncated;
      head_ = (head_ + 1) % ring_.size();
      --size_;
      busy_ = true;
    }
    Process(work);
  }
}

void StatsCollector::Process(Slot& s) {
  bool counted_ok = false;
  JsonError req_err = s.truncated ? JsonError::kNone : doc_.Parse(s.request);
  std::unique_lock<std::mutex> l(state_mu_);
  Counting& st = *state_;
  ++st.processed;
  if (s.truncated) {
    ++st.parse_errors["body_too_large"];
    return;
  }
  if (req_err != JsonError::kNone) {
    ++st.parse_errors[std::string(JsonErrorName(req_err))];
  } else {
    st.counters->SetRole(skew::FeatureRole::kInput);
    DecodeResult r = st.decoder->DecodeRequest(doc_, *st.counters);
    if (r.ok()) {
      st.counters->Commit();
      ++st.counted;
      ++st.protocols[std::string(ProtocolName(r.detected))];
      counted_ok = true;
    } else {
      st.counters->Discard();
      ++st.parse_errors[std::string(r.reason)];
    }
  }
  // Outputs count only for answers the model gave to requests we could read.
  if (!counted_ok || s.status < 200 || s.status >= 300 || s.response.empty()) return;
  l.unlock();
  JsonError res_err = doc_.Parse(s.response);
  l.lock();
  Counting& st2 = *state_;  // a Reset may have happened meanwhile; count into the new one
  if (res_err != JsonError::kNone) {
    ++st2.response_parse_errors[std::string(JsonErrorName(res_err))];
    return;
  }
  st2.counters->SetRole(skew::FeatureRole::kOutput);
  uint64_t before = st2.counters->rows();
  DecodeResult r = st2.decoder->DecodeResponse(doc_, *st2.counters);
  if (r.ok()) {
    st2.counters->Commit();
    st2.output_rows += st2.counters->rows() - before;
  } else {
    st2.counters->Discard();
    ++st2.response_parse_errors[std::string(r.reason)];
  }
}

void StatsCollector::Reset(std::shared_ptr<const skew::Baseline> baseline, std::string revision) {
  auto c = std::make_unique<Counting>();
  c->start_id = NewStartId();
  c->revision = std::move(revision);
  c->decoder =
      std::make_unique<PayloadDecoder>(WithBaselineColumns(options_.decoder, baseline.get()));
  c->counters = std::make_unique<LiveCounters>(baseline);
  c->baseline = std::move(baseline);
  c->offered_base = offered_.load();
  c->dropped_base = dropped_.load();
  std::lock_guard<std::mutex> l(state_mu_);
  state_ = std::move(c);
}

bool StatsCollector::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(q_mu_);
  return idle_cv_.wait_for(l, timeout, [&] { return (size_ == 0 && !busy_) || stop_; });
}

std::string StatsCollector::baseline_hash() const {
  std::lock_guard<std::mutex> l(state_mu_);
  return state_->baseline ? state_->baseline->hash : "";
}

StatsSnapshot StatsCollector::Snapshot() const {
  StatsSnapshot s;
  {
    std::lock_guard<std::mutex> l(q_mu_);
    s.queue_depth = size_;
  }
  std::lock_guard<std::mutex> l(state_mu_);
  const Counting& st = *state_;
  s.baseline_hash = st.baseline ? st.baseline->hash : "";
  s.start_id = st.start_id;
  s.revision = st.revision;
  s.counts = st.counters->Snapshot(st.start_id);
  s.offered = offered_.load() - st.offered_base;
  s.dropped = dropped_.load() - st.dropped_base;
  s.processed = st.processed;
  s.counted = st.counted;
  s.rows = st.counters->rows() - st.output_rows;
  s.output_rows = st.output_rows;
  s.unknown_feature_values = st.counters->unknown_feature_values();
  s.type_mismatches = st.counters->type_mismatches();
  s.parse_errors = st.parse_errors;
  s.response_parse_errors = st.response_parse_errors;
  s.protocols = st.protocols;
  return s;
}

std::string StatsCollector::StatsJson() const {
  StatsSnapshot s = Snapshot();
  nlohmann::json j;
  j["baselineHash"] = s.baseline_hash;
  j["startId"] = s.start_id;
  j["revision"] = s.revision;
  j["counts"] = skew::CountsToJsonValue(s.counts);
  j["totals"] = {{"offered", s.offered},
                 {"processed", s.processed},
                 {"counted", s.counted},
                 {"rows", s.rows},
                 {"outputRows", s.output_rows},
                 {"unknownFeatureValues", s.unknown_feature_values},
                 {"typeMismatches", s.type_mismatches}};
  j["dropped"] = s.dropped;
  j["queueDepth"] = s.queue_depth;
  j["parseErrors"] = s.parse_errors;
  j["responseParseErrors"] = s.response_parse_errors;
  j["protocols"] = s.protocols;
  // Replace invalid UTF-8 (a hand-edited revision) instead of throwing.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace skewgate::sidecar

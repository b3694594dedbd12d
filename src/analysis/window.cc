#include "analysis/window.h"

#include <algorithm>

namespace skewgate::analysis {

RevisionWindow::RevisionWindow(TimePoint start, std::string baseline_hash)
    : start_(start), baseline_hash_(std::move(baseline_hash)) {}

Status RevisionWindow::Observe(const PodScrape& scrape) {
  const skew::Counts& current = scrape.stats;
  if (!baseline_hash_.empty() && current.baseline_hash != baseline_hash_) {
    return FailedPreconditionError("pod " + scrape.pod_uid + " counts with baseline " +
                                   current.baseline_hash + ", the revision uses " + baseline_hash_);
  }
  if (baseline_hash_.empty()) baseline_hash_ = current.baseline_hash;

  auto it = pods_.find(scrape.pod_uid);
  if (it == pods_.end()) {
    PodState st;
    st.accumulated = current;
    if (scrape.pod_created < start_) {
      // Only increases after this anchor belong to the window; keep the shape, zero it.
      for (auto& [name, buckets] : st.accumulated.features) {
        std::fill(buckets.begin(), buckets.end(), 0);
      }
    }  // else: everything this pod ever counted happened inside the window.
    st.last = current;
    pods_.emplace(scrape.pod_uid, std::move(st));
    return OkStatus();
  }
  PodState& st = it->second;
  SG_ASSIGN_OR_RETURN(skew::CountsDelta d, skew::SubtractCounts(current, st.last));
  if (d.reset) ++resets_;
  SG_RETURN_IF_ERROR(skew::AddCounts(st.accumulated, d.delta));
  st.last = current;
  return OkStatus();
}

StatusOr<skew::Counts> RevisionWindow::Merged() const {
  skew::Counts total;
  total.baseline_hash = baseline_hash_;
  for (const auto& [uid, st] : pods_) {
    SG_RETURN_IF_ERROR(skew::AddCounts(total, st.accumulated));
  }
  return total;
}

}  // namespace skewgate::analysis

// A compact, printable histogram of one feature: the share of training values and of live
// values per bucket, on the baseline's own buckets, with at most a given number of rows.
// The controller stores it in status.lastAnalysis for the worst features so that
// `kubectl skewgate skew NAME` can draw it with nothing but read access to the object.
//
//   std::vector<HistogramRow> rows = CompactHistogram(baseline.features[i], live, 24);
//   // rows[0] = {"< 12.5", 0.05, 0.31}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "skew/baseline.h"

namespace skewgate::skew {

struct HistogramRow {
  std::string bucket;   // DescribeBucket's text, or the span of merged buckets
  double baseline = 0;  // share of the training values, in [0, 1]
  double live = 0;      // share of the live values, in [0, 1]
  friend bool operator==(const HistogramRow&, const HistogramRow&) = default;
};

// At most `max_rows` rows (>= 3; smaller values are raised to 3):
//  - numeric: every value bucket in value order (adjacent buckets merged evenly when there
//    are too many, labelled by the span they cover, e.g. "[1, 4)"), then "NaN" and
//    "missing" only when either side has any;
//  - categorical: the buckets either side has, largest share first; past the limit the
//    rest are folded into one row "(N more)".
// `live` holds the live counts in the baseline's bucket order; missing entries count 0.
// Shares are of all values of each side (NaN and missing included), 0 when a side is empty.
std::vector<HistogramRow> CompactHistogram(const FeatureBaseline& feature,
                                           const std::vector<uint64_t>& live, int max_rows);

}  // namespace skewgate::skew

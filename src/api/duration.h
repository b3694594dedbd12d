// Strict Go-style durations as written in a ModelDeployment: "30s", "5m", "1h30m", "250ms".
// The grammar is deliberately narrower than Go's time.ParseDuration, and the CRD's CEL
// rule accepts exactly the same strings:
//   duration := [N "h"] [N "m"] [N "s"] [N "ms"]   (at least one part, units in this
//               order, each at most once, N = 1..6 decimal digits, no sign, no fraction)
//
//   StatusOr<Duration> d = ParseDuration("1h30m");   // 5400s
//   std::string s = FormatDuration(std::chrono::seconds(90));  // "1m30s"
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace skewgate::api {

// The regular expression the CRD uses for the same grammar (RE2 / ECMAScript compatible).
inline constexpr const char* kDurationPattern =
    "^([0-9]{1,6}h)?([0-9]{1,6}m)?([0-9]{1,6}s)?([0-9]{1,6}ms)?$";

// InvalidArgument naming the text when it does not follow the grammar above.
StatusOr<Duration> ParseDuration(std::string_view text);

// The shortest string in the grammar for `d` ("0s" for zero). Sub-millisecond parts are
// truncated; negative durations are formatted as "0s" (they are never valid in the API).
std::string FormatDuration(Duration d);

}  // namespace skewgate::api

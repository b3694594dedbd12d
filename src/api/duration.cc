#include "api/duration.h"

#include <chrono>
#include <cstdint>

namespace skewgate::api {
namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    // Keep the message printable whatever the input was.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

StatusOr<Duration> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return InvalidArgumentError(Quote(text) +
                                " is not a duration like 30s, 5m or 1h30m (units h, m, s, ms "
                                "in that order, whole numbers)");
  };
  if (text.empty() || text.size() > 64) return bad();
  // Units in the only allowed order; `next` is the first unit still allowed.
  static constexpr struct {
    std::string_view unit;
    int64_t millis;
  } kUnits[] = {{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  size_t next = 0;
  size_t i = 0;
  int64_t total_ms = 0;
  while (i < text.size()) {
    size_t start = i;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    size_t digits = i - start;
    if (digits == 0 || digits > 6) return bad();
    // Longest unit match first so that "ms" is not read as "m" followed by garbage.
    std::string_view rest = text.substr(i);
    size_t matched = sizeof(kUnits) / sizeof(kUnits[0]);
    for (size_t u = 0; u < sizeof(kUnits) / sizeof(kUnits[0]); ++u) {
      if (rest.substr(0, kUnits[u].unit.size()) != kUnits[u].unit) continue;
      if (matched == sizeof(kUnits) / sizeof(kUnits[0]) ||
          kUnits[u].unit.size() > kUnits[matched].unit.size()) {
        matched = u;
      }
    }
    if (matched == sizeof(kUnits) / sizeof(kUnits[0]) || matched < next) return bad();
    i += kUnits[matched].unit.size();
    next = matched + 1;
    total_ms += n * kUnits[matched].millis;  // ≤ 999999 h + …: far from overflow
  }
  return Duration(std::chrono::milliseconds(total_ms));
}

std::string FormatDuration(Duration d) {
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms <= 0) return "0s";
  std::string out;
  const int64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, rest = ms % 1000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  if (rest) out += std::to_string(rest) + "ms";
  return out;
}

}  // namespace skewgate::api

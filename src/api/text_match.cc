#include "api/text_match.h"

namespace skewgate::api::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z'); }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Consumes [0-9]* from s[*i]; returns how many.
size_t Digits(std::string_view s, size_t* i) {
  size_t start = *i;
  while (*i < s.size() && IsDigit(s[*i])) ++*i;
  return *i - start;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

bool IsDnsSubdomain(std::string_view s) {
  if (s.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || !IsLowerAlnum(label.front()) || !IsLowerAlnum(label.back())) return false;
    for (char c : label) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsSha256Digest(std::string_view s) {
  constexpr std::string_view kPrefix = "sha256:";
  if (s.size() != kPrefix.size() + 64 || !StartsWith(s, kPrefix)) return false;
  for (char c : s.substr(kPrefix.size())) {
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool IsConfigMapKey(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
              c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool IsModelUri(std::string_view s) {
  for (std::string_view scheme : {"http://", "https://", "file://"}) {
    if (StartsWith(s, scheme)) return s.size() > scheme.size() && s[scheme.size()] != '\n';
  }
  return false;
}

bool IsHttpUrl(std::string_view s) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (!StartsWith(s, scheme)) continue;
    std::string_view rest = s.substr(scheme.size());
    if (rest.empty()) return false;
    for (char c : rest) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r') return false;
    }
    return true;
  }
  return false;
}

bool IsDecimalInteger(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  return Digits(s, &i) > 0 && i == s.size();
}

bool IsHexInteger(std::string_view s) {
  if (s.size() < 3 || !StartsWith(s, "0x")) return false;
  for (char c : s.substr(2)) {
    if (!IsHexDigit(c)) return false;
  }
  return true;
}

bool IsDecimalFloat(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (Digits(s, &i) == 0) return false;
  } else {
    if (Digits(s, &i) == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      Digits(s, &i);
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (Digits(s, &i) == 0) return false;
  }
  return i == s.size();
}

}  // namespace skewgate::api::internal

// Internal to src/api: the few string shapes the API checks, matched by hand. std::regex is
// avoided on purpose: libstdc++'s matcher recurses per character (a long hostile string can
// overflow the stack) and it is slow. Each function documents the CRD pattern it equals.
//
//   IsDnsSubdomain("fraud-v7.baseline")  // true
//   IsSha256Digest("sha256:" + std::string(64, 'a'))  // true
#pragma once

#include <string_view>

namespace skewgate::api::internal {

// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ (length checked apart).
bool IsDnsSubdomain(std::string_view s);
// ^sha256:[0-9a-f]{64}$
bool IsSha256Digest(std::string_view s);
// ^[-._a-zA-Z0-9]+$
bool IsConfigMapKey(std::string_view s);
// ^(https?|file)://.+   (RE2: '.' is any character but '\n'; no end anchor)
bool IsModelUri(std::string_view s);
// ^https?://[^\s]+$     (RE2 \s: space, \t, \n, \f, \r)
bool IsHttpUrl(std::string_view s);

// YAML plain-scalar shapes: [-+]?[0-9]+ ; 0x[0-9a-fA-F]+ ;
// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsDecimalInteger(std::string_view s);
bool IsHexInteger(std::string_view s);
bool IsDecimalFloat(std::string_view s);

}  // namespace skewgate::api::internal

// Small file and encoding helpers shared inside src/kube (not part of its public API).
//
//   SG_ASSIGN_OR_RETURN(std::string pem, internal::ReadFileToString(path, "client-key"));
//   std::optional<std::string> raw = internal::Base64Decode(data);
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skewgate::kube::internal {

// Whole file as bytes. NotFound / PermissionDenied / DataLoss naming `what` and `path`.
StatusOr<std::string> ReadFileToString(const std::string& path, std::string_view what);

// Standard or URL-safe alphabet, padding optional, whitespace ignored; nullopt if invalid.
std::optional<std::string> Base64Decode(std::string_view in);

// Resolves `path` against `base_dir` unless it is absolute or base_dir is empty.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

}  // namespace skewgate::kube::internal

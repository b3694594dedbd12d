// Fetch: download a model artifact (https://, http:// when allowed, file://), streaming
// it through SHA-256, verify the digest, and rename it atomically into place. A mismatch
// or a failure leaves nothing behind. Used by `skewgate fetch`, the serving pod's init
// container.
//
//   FetchOptions o{.uri = "https://m.example/model.json", .digest = "sha256:9f86…", .dest_dir =
//   "/models"}; SG_ASSIGN_OR_RETURN(FetchResult r, Fetch(o));   // r.path == "/models/model.json"
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skewgate::fetch {

struct FetchOptions {
  std::string uri;
  std::string digest;                      // "sha256:<64 hex>"
  std::string dest_dir;                    // must exist
  std::string file_name;                   // default: the last path segment of the URI
  bool allow_http = false;                 // plain http is refused unless explicitly allowed
  std::string ca_file;                     // extra CA bundle for https (default: the system's)
  int attempts = 5;                        // total tries for transient failures
  std::chrono::milliseconds backoff{500};  // doubles per retry, capped at max_backoff
  std::chrono::milliseconds max_backoff{10'000};
  std::chrono::milliseconds attempt_timeout{300'000};  // one whole download
  int max_redirects = 5;
  // Waits between attempts; tests pass one that records instead of sleeping.
  std::function<void(std::chrono::milliseconds)> sleep;
};

struct FetchResult {
  std::string path;
  std::string digest;  // "sha256:<hex>" as computed
  uint64_t bytes = 0;
  int attempts = 0;
};

// Errors: InvalidArgument (bad URI, digest format, http not allowed), DataLoss (digest
// mismatch: "digest mismatch: expected sha256:…, got sha256:…"; or a transfer that stayed
// truncated), Unavailable (network, 5xx after all retries), NotFound/PermissionDenied
// (4xx, missing file), FailedPrecondition (destination directory).
StatusOr<FetchResult> Fetch(const FetchOptions& options);

// Checks "sha256:" followed by 64 lower-case hex digits.
Status ValidateDigest(std::string_view digest);

struct ParsedUri {
  std::string scheme;  // "http", "https", "file"
  std::string host;
  uint16_t port = 0;
  std::string target;  // path and query for http(s); the file path for file://
};
StatusOr<ParsedUri> ParseUri(std::string_view uri);

}  // namespace skewgate::fetch

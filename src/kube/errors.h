// Typed API errors: the Kubernetes `Status` body of a failed response mapped onto
// skewgate::Status codes, plus the detail (reason, field causes, Retry-After).
//
//   ApiError e = ParseApiError(422, body, "", "create pods ml/p");
//   if (IsInvalid(e.status)) SG_LOG(Warn, "ml/p").Msg(e.status.message());  // names the field
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace skewgate::kube {

// One entry of status.details.causes: for Invalid, which field was wrong and why; for a
// server-side-apply conflict, which manager owns the field.
struct FieldCause {
  std::string type;     // "FieldValueRequired", "FieldManagerConflict", ...
  std::string message;  // "Required value"
  std::string field;    // "spec.containers[0].image"
};

struct ApiErrorDetail {
  int http_code = 0;   // 0 when no HTTP response arrived (transport failure)
  std::string reason;  // metav1.StatusReason: "NotFound", "Conflict", "Invalid", ...
  std::string message;
  std::vector<FieldCause> causes;
  std::optional<Duration> retry_after;  // from Retry-After or details.retryAfterSeconds
};

struct ApiError {
  Status status;
  ApiErrorDetail detail;
};

// Maps a failed response onto a Status. The mapping (reason first, HTTP code as fallback):
//   NotFound 404 → kNotFound            AlreadyExists 409 → kAlreadyExists
//   Conflict 409 → kAborted (re-read and retry; for apply: a field-manager conflict)
//   Gone/Expired 410 → kOutOfRange (resourceVersion too old: relist)
//   Invalid 422, BadRequest 400 → kInvalidArgument (terminal: fix the input)
//   Forbidden 403 → kPermissionDenied   Unauthorized 401 → kUnauthenticated
//   TooManyRequests 429 → kResourceExhausted   Timeout/ServerTimeout 504 → kDeadlineExceeded
//   MethodNotAllowed 405, 415 → kUnimplemented   InternalError 500, 503, others → kUnavailable
// The message is "<what>: <reason>: <server message>" and, for Invalid, lists each field
// cause, so one log line names the field. A body that is not a Status (a proxy's HTML
// page) still yields a code from the HTTP status and a bounded excerpt of the body.
ApiError ParseApiError(int http_code, std::string_view body, std::string_view retry_after_header,
                       std::string_view what);

// Parses a watch ERROR event's object (a Status) the same way.
ApiError ApiErrorFromStatusObject(std::string_view status_json, std::string_view what);

// Predicates over the mapped codes, so callers read like client-go's apierrors.IsX.
inline bool IsNotFound(const Status& s) { return s.code() == StatusCode::kNotFound; }
inline bool IsAlreadyExists(const Status& s) { return s.code() == StatusCode::kAlreadyExists; }
inline bool IsConflict(const Status& s) { return s.code() == StatusCode::kAborted; }
inline bool IsGone(const Status& s) { return s.code() == StatusCode::kOutOfRange; }
inline bool IsInvalid(const Status& s) { return s.code() == StatusCode::kInvalidArgument; }
inline bool IsForbidden(const Status& s) { return s.code() == StatusCode::kPermissionDenied; }
inline bool IsUnauthorized(const Status& s) { return s.code() == StatusCode::kUnauthenticated; }
inline bool IsTooManyRequests(const Status& s) {
  return s.code() == StatusCode::kResourceExhausted;
}
// Worth retrying with backoff: transport failures, timeouts, throttling, 5xx.
bool IsRetryable(const Status& s);

}  // namespace skewgate::kube

#include "kube/errors.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace skewgate::kube {
namespace {

StatusCode CodeFor(std::string_view reason, int http_code) {
  if (reason == "NotFound") return StatusCode::kNotFound;
  if (reason == "AlreadyExists") return StatusCode::kAlreadyExists;
  if (reason == "Conflict") return StatusCode::kAborted;
  if (reason == "Gone" || reason == "Expired") return StatusCode::kOutOfRange;
  if (reason == "Invalid" || reason == "BadRequest") return StatusCode::kInvalidArgument;
  if (reason == "Forbidden") return StatusCode::kPermissionDenied;
  if (reason == "Unauthorized") return StatusCode::kUnauthenticated;
  if (reason == "TooManyRequests") return StatusCode::kResourceExhausted;
  if (reason == "Timeout" || reason == "ServerTimeout") return StatusCode::kDeadlineExceeded;
  if (reason == "MethodNotAllowed" || reason == "UnsupportedMediaType" ||
      reason == "NotAcceptable") {
    return StatusCode::kUnimplemented;
  }
  switch (http_code) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 405:
    case 406:
    case 415: return StatusCode::kUnimplemented;
    case 409: return StatusCode::kAborted;
    case 410: return StatusCode::kOutOfRange;
    case 422: return StatusCode::kInvalidArgument;
    case 429: return StatusCode::kResourceExhausted;
    case 504: return StatusCode::kDeadlineExceeded;
    default: return StatusCode::kUnavailable;
  }
}

std::string_view ReasonForCode(int http_code) {
  switch (http_code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "Unknown";
  }
}

// A short, printable excerpt of a body that is not a Status (an HTML error page).
std::string Excerpt(std::string_view body) {
  constexpr size_t kMax = 200;
  std::string out;
  for (char c : body.substr(0, kMax)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  }
  if (body.size() > kMax) out += "...";
  return out;
}

std::optional<Duration> ParseRetryAfter(std::string_view header) {
  // Only the delta-seconds form; the API server never sends an HTTP-date.
  int64_t seconds = 0;
  auto [p, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (ec != std::errc() || p != header.data() + header.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

// Fills `d` from a metav1.Status object; returns false when `j` is not one.
bool FromStatusObject(const nlohmann::json& j, ApiErrorDetail* d) {
  if (!j.is_object() || j.value("kind", "") != "Status") return false;
  d->reason = j.value("reason", "");
  d->message = j.value("message", "");
  if (j.contains("code") && j["code"].is_number_integer() && d->http_code == 0) {
    d->http_code = j["code"].get<int>();
  }
  if (auto it = j.find("details"); it != j.end() && it->is_object()) {
    if (auto c = it->find("causes"); c != it->end() && c->is_array()) {
      for (const auto& cause : *c) {
        if (!cause.is_object()) continue;
        d->causes.push_back(FieldCause{cause.value("reason", ""), cause.value("message", ""),
                                       cause.value("field", "")});
      }
    }
    if (auto r = it->find("retryAfterSeconds"); r != it->end() && r->is_number_integer()) {
      if (!d->retry_after) d->retry_after = std::chrono::seconds(r->get<int64_t>());
    }
  }
  return true;
}

std::string Message(std::string_view what, const ApiErrorDetail& d, StatusCode code) {
  std::string m(what);
  m += ": ";
  m += d.reason;
  m += " (HTTP " + std::to_string(d.http_code) + ")";
  if (!d.message.empty()) {
    m += ": ";
    m += d.message;
  }
  // The server's message usually lists the fields already; add any it left out so that
  // the line always names them.
  for (const auto& cause : d.causes) {
    if (cause.field.empty() || m.find(cause.field) != std::string::npos) continue;
    m += "; " + cause.field + ": " + cause.message;
  }
  if (d.retry_after) {
    m += " (retry after " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*d.retry_after).count()) +
         "s)";
  }
  return m;
}

}  // namespace

ApiError ParseApiError(int http_code, std::string_view body, std::string_view retry_after_header,
                       std::string_view what) {
  ApiError e;
  e.detail.http_code = http_code;
  e.detail.retry_after = ParseRetryAfter(retry_after_header);
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!FromStatusObject(j, &e.detail)) {
    e.detail.message = Excerpt(body);
  }
  if (e.detail.reason.empty()) e.detail.reason = std::string(ReasonForCode(http_code));
  StatusCode code = CodeFor(e.detail.reason, http_code);
  e.status = Status(code, Message(what, e.detail, code));
  return e;
}

ApiError ApiErrorFromStatusObject(std::string_view status_json, std::string_view what) {
  nlohmann::json j = nlohmann::json::parse(status_json, nullptr, /*allow_exceptions=*/false);
  ApiError e;
  if (!FromStatusObject(j, &e.detail)) {
    e.detail.message = "watch ERROR event without a Status: " + Excerpt(status_json);
  }
  if (e.detail.reason.empty()) e.detail.reason = std::string(ReasonForCode(e.detail.http_code));
  StatusCode code = CodeFor(e.detail.reason, e.detail.http_code);
  e.status = Status(code, Message(what, e.detail, code));
  return e;
}

bool IsRetryable(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
    case StatusCode::kInternal: return true;
    default: return false;
  }
}

}  // namespace skewgate::kube

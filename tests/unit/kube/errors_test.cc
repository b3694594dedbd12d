#include "kube/errors.h"

#include <gtest/gtest.h>

namespace skewgate::kube {
namespace {

TEST(ErrorsTest, MapsReasonsAndCodes) {
  struct Case {
    int http;
    std::string reason;
    StatusCode code;
  };
  for (const auto& c : std::vector<Case>{
           {404, "NotFound", StatusCode::kNotFound},
           {409, "AlreadyExists", StatusCode::kAlreadyExists},
           {409, "Conflict", StatusCode::kAborted},
           {410, "Expired", StatusCode::kOutOfRange},
           {410, "Gone", StatusCode::kOutOfRange},
           {422, "Invalid", StatusCode::kInvalidArgument},
           {400, "BadRequest", StatusCode::kInvalidArgument},
           {403, "Forbidden", StatusCode::kPermissionDenied},
           {401, "Unauthorized", StatusCode::kUnauthenticated},
           {429, "TooManyRequests", StatusCode::kResourceExhausted},
           {504, "Timeout", StatusCode::kDeadlineExceeded},
           {500, "InternalError", StatusCode::kUnavailable},
           {405, "MethodNotAllowed", StatusCode::kUnimplemented},
       }) {
    std::string body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":")" +
                       c.reason + R"(","message":"m","code":)" + std::to_string(c.http) + "}";
    ApiError e = ParseApiError(c.http, body, "", "get pods ml/p");
    EXPECT_EQ(e.status.code(), c.code) << c.reason;
    EXPECT_EQ(e.detail.reason, c.reason);
    EXPECT_EQ(e.detail.http_code, c.http);
  }
}

TEST(ErrorsTest, InvalidListsFieldCausesInTheMessage) {
  const char* body = R"({"kind":"Status","status":"Failure","reason":"Invalid","code":422,
    "message":"ModelDeployment.skewgate.io \"m\" is invalid",
    "details":{"name":"m","causes":[
      {"reason":"FieldValueInvalid","message":"Invalid value: -1","field":"spec.replicas"},
      {"reason":"FieldValueRequired","message":"Required value","field":"spec.model.digest"}]}})";
  ApiError e = ParseApiError(422, body, "", "create modeldeployments.skewgate.io ml/m");
  EXPECT_TRUE(IsInvalid(e.status));
  ASSERT_EQ(e.detail.causes.size(), 2u);
  EXPECT_EQ(e.detail.causes[1].field, "spec.model.digest");
  EXPECT_EQ(e.detail.causes[1].type, "FieldValueRequired");
  const std::string& m = e.status.message();
  EXPECT_NE(m.find("create modeldeployments.skewgate.io ml/m"), std::string::npos) << m;
  EXPECT_NE(m.find("spec.replicas: Invalid value: -1"), std::string::npos) << m;
  EXPECT_NE(m.find("spec.model.digest: Required value"), std::string::npos) << m;
}

TEST(ErrorsTest, RetryAfterFromHeaderOrDetails) {
  ApiError h = ParseApiError(429, "", "7", "list pods");
  EXPECT_TRUE(IsTooManyRequests(h.status));
  ASSERT_TRUE(h.detail.retry_after.has_value());
  EXPECT_EQ(*h.detail.retry_after, std::chrono::seconds(7));
  EXPECT_NE(h.status.message().find("retry after 7s"), std::string::npos);

  ApiError d = ParseApiError(
      429, R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":2}})", "",
      "list pods");
  ASSERT_TRUE(d.detail.retry_after.has_value());
  EXPECT_EQ(*d.detail.retry_after, std::chrono::seconds(2));

  EXPECT_FALSE(ParseApiError(429, "", "Wed, 21 Oct 2015 07:28:00 GMT", "x").detail.retry_after);
  EXPECT_FALSE(ParseApiError(429, "", "-3", "x").detail.retry_after);
}

TEST(ErrorsTest, NonStatusBodyFallsBackToHttpCodeWithBoundedExcerpt) {
  std::string html = "<html><body>" + std::string(1000, 'x') + "\x01</body></html>";
  ApiError e = ParseApiError(503, html, "", "get pods ml/p");
  EXPECT_EQ(e.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(e.detail.reason, "ServiceUnavailable");
  EXPECT_LT(e.status.message().size(), 400u);
  EXPECT_NE(e.status.message().find("<html>"), std::string::npos);
  EXPECT_TRUE(IsRetryable(e.status));

  EXPECT_EQ(ParseApiError(404, "", "", "x").status.code(), StatusCode::kNotFound);
  EXPECT_EQ(ParseApiError(410, "garbage{", "", "x").status.code(), StatusCode::kOutOfRange);
}

TEST(ErrorsTest, WatchErrorObject) {
  ApiError e = ApiErrorFromStatusObject(
      R"j({"kind":"Status","status":"Failure","message":"too old resource version: 1 (228)","reason":"Expired","code":410})j",
      "watch configmaps");
  EXPECT_TRUE(IsGone(e.status));
  EXPECT_EQ(e.detail.http_code, 410);
  EXPECT_NE(e.status.message().find("too old resource version"), std::string::npos);
  EXPECT_FALSE(IsRetryable(e.status));

  ApiError bad = ApiErrorFromStatusObject("[]", "watch configmaps");
  EXPECT_FALSE(bad.status.ok());
}

}  // namespace
}  // namespace skewgate::kube

#include "common/status.h"

#include <gtest/gtest.h>

namespace skewgate {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd value " + std::to_string(x));
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  SG_ASSIGN_OR_RETURN(int h, Half(x));
  SG_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ContextPrefixesMessageAndKeepsCode) {
  Status s = NotFoundError("configmap ml/base not found").WithContext("loading baseline");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "loading baseline: configmap ml/base not found");
  EXPECT_EQ(s.ToString(), "NotFound: loading baseline: configmap ml/base not found");
  EXPECT_TRUE(OkStatus().WithContext("x").ok());
}

TEST(StatusTest, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd value 3");
}

TEST(StatusTest, StatusOrFromOkStatusIsAnInternalError) {
  StatusOr<int> r{OkStatus()};
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(StatusDeathTest, ValueOfErrorAborts) {
  StatusOr<int> r = InvalidArgumentError("bad");
  EXPECT_DEATH({ (void)r.value(); }, "");
}

}  // namespace
}  // namespace skewgate

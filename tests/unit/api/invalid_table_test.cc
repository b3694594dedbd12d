// The table of invalid manifests through the C++ validator. The same table goes through the
// API server in tests/cluster/api/crd_cluster_test.cc; both must name the same field.
#include <gtest/gtest.h>

#include "api/validation.h"
#include "unit/api/api_test_data.h"

namespace skewgate::api {
namespace {

using testdata::InvalidCase;

class InvalidTable : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidTable, RejectedNamingTheField) {
  const InvalidCase& c = GetParam();
  std::vector<FieldError> errors = ValidateManifest(c.manifest);
  ASSERT_FALSE(errors.empty()) << c.name << " was accepted:\n" << c.manifest.dump(2);
  bool found = false;
  for (const auto& e : errors) {
    found = found || (e.field == c.field && e.message.find(c.message) != std::string::npos);
  }
  EXPECT_TRUE(found) << c.name << ": wanted " << c.field << ": ..." << c.message << "...\ngot "
                     << ToStatus(errors).ToString();
}

INSTANTIATE_TEST_SUITE_P(Api, InvalidTable, ::testing::ValuesIn(testdata::LoadInvalidCases()),
                         [](const auto& info) { return testdata::GTestName(info.param.name); });

TEST(InvalidTableFile, HasAtLeastThirtyDistinctCasesAndAValidBase) {
  auto cases = testdata::LoadInvalidCases();
  EXPECT_GE(cases.size(), 30u);
  std::set<std::string> names;
  for (const auto& c : cases) EXPECT_TRUE(names.insert(c.name).second) << "duplicate " << c.name;
  auto errors = ValidateManifest(testdata::InvalidBase());
  EXPECT_TRUE(errors.empty()) << ToStatus(errors).ToString();
}

}  // namespace
}  // namespace skewgate::api

#include "controller/analysis_source.h"

#include <gtest/gtest.h>

#include "api/codec.h"
#include "unit/controller/test_objects.h"

namespace skewgate::controller {
namespace {

using namespace std::chrono_literals;

api::ModelDeployment WithCanary(const std::string& verdict) {
  api::ModelDeployment md = testing::Md("ns", "fraud");
  md.status.canary_revision = "rev2";
  if (!verdict.empty()) {
    md.metadata["annotations"] = {{AnnotationAnalysisSource::kAnnotation, verdict}};
  }
  return md;
}

TEST(AnnotationAnalysisSourceTest, VerdictFromTheAnnotationOneRunPerSecondForTheCanary) {
  FakeClock clock;
  clock.Advance(1500ms);
  AnnotationAnalysisSource source(clock);
  AnalysisReading failed = source.Read(WithCanary("Failed"));
  EXPECT_TRUE(failed.enabled);
  ASSERT_TRUE(failed.latest.has_value());
  EXPECT_EQ(failed.latest->revision, "rev2");
  EXPECT_EQ(failed.latest->verdict, api::Verdict::kFailed);
  ASSERT_EQ(failed.latest->features.size(), 1u);
  EXPECT_EQ(failed.latest->features[0].verdict, api::FeatureVerdict::kFail);
  // Whole seconds: reads within one second are the same run (counted once).
  EXPECT_EQ(failed.latest->time, std::chrono::floor<std::chrono::seconds>(clock.Now()));
  EXPECT_EQ(source.Read(WithCanary("Failed")).latest->time, failed.latest->time);
  clock.Advance(1s);
  EXPECT_GT(source.Read(WithCanary("Failed")).latest->time, failed.latest->time);

  EXPECT_EQ(source.Read(WithCanary("Successful")).latest->verdict, api::Verdict::kSuccessful);
  EXPECT_EQ(source.Read(WithCanary("")).latest->verdict, api::Verdict::kInconclusive);
  EXPECT_EQ(source.Read(WithCanary("bogus")).latest->verdict, api::Verdict::kInconclusive);
  // No canary: analysis on, no run.
  api::ModelDeployment steady = WithCanary("Successful");
  steady.status.canary_revision.clear();
  AnalysisReading none = source.Read(steady);
  EXPECT_TRUE(none.enabled);
  EXPECT_FALSE(none.latest.has_value());
}

}  // namespace
}  // namespace skewgate::controller

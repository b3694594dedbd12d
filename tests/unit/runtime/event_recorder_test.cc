#include <gtest/gtest.h>

#include "kube/resource.h"
#include "runtime/event_recorder_impl.h"
#include "unit/runtime/fake_client.h"

namespace skewgate::runtime {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakeClient;

ObjectReference Md() {
  return ReferenceTo({{"apiVersion", "skewgate.io/v1alpha1"},
                      {"kind", "ModelDeployment"},
                      {"metadata", {{"namespace", "ml"}, {"name", "fraud"}, {"uid", "u-1"}}}});
}

EventRecorderOptions Options() {
  EventRecorderOptions o;
  o.instance = "controller-0";
  return o;
}

TEST(EventRecorderTest, FirstOccurrenceCreatesAnEventsV1Event) {
  FakeClock clock;
  FakeClient api;
  EventRecorderImpl r(api, clock, Options());
  ASSERT_TRUE(r.Record(Md(), EventType::kWarning, "SkewExceeded", "Analyze", "amount: 0.31").ok());
  ASSERT_EQ(api.Count(kube::resources::Events()), 1u);
  ASSERT_EQ(api.creates, 1);
}

TEST(EventRecorderTest, RepeatsBecomeASeriesNotNewEvents) {
  FakeClock clock;
  FakeClient api;
  EventRecorderImpl r(api, clock, Options());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(r.Record(Md(), EventType::kWarning, "SkewExceeded", "Analyze", "same").ok());
    clock.Advance(10s);
  }
  EXPECT_EQ(api.Count(kube::resources::Events()), 1u);
  EXPECT_EQ(api.patches, 4);
  json e = api.OnlyObject(kube::resources::Events());
  EXPECT_EQ(e["series"]["count"], 5);
  EXPECT_EQ(e["series"]["lastObservedTime"], FormatRfc3339Micro(clock.Now() - 10s));
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["reason"], "SkewExceeded");
  EXPECT_EQ(e["regarding"]["kind"], "ModelDeployment");
  EXPECT_EQ(e["regarding"]["uid"], "u-1");
  EXPECT_EQ(e["metadata"]["namespace"], "ml");
  EXPECT_EQ(e["reportingInstance"], "controller-0");
}

TEST(EventRecorderTest, SeriesPatchesAreSpacedAndFlushWritesTheRest) {
  FakeClock clock;
  FakeClient api;
  EventRecorderImpl r(api, clock, Options());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(r.Record(Md(), EventType::kNormal, "Progressing", "Scale", "x").ok());
    clock.Advance(1s);
  }
  // 1 create at t=0, patches at t=5s only (t=10s not reached yet): 10 occurrences.
  EXPECT_EQ(api.creates, 1);
  EXPECT_EQ(api.patches, 1);
  ASSERT_TRUE(r.Flush().ok());
  EXPECT_EQ(api.patches, 2);
  // Nothing pending: Flush writes nothing more.
  ASSERT_TRUE(r.Flush().ok());
  EXPECT_EQ(api.patches, 2);
}

TEST(EventRecorderTest, DifferentNoteOrReasonIsADifferentEvent) {
  FakeClock clock;
  FakeClient api;
  EventRecorderImpl r(api, clock, Options());
  ASSERT_TRUE(r.Record(Md(), EventType::kNormal, "A", "x", "one").ok());
  ASSERT_TRUE(r.Record(Md(), EventType::kNormal, "A", "x", "two").ok());
  ASSERT_TRUE(r.Record(Md(), EventType::kNormal, "B", "x", "one").ok());
  ASSERT_TRUE(r.Record(Md(), EventType::kWarning, "A", "x", "one").ok());
  EXPECT_EQ(api.creates, 4);
}

TEST(EventRecorderTest, RepeatAfterTheWindowStartsANewEvent) {
  FakeClock clock;
  FakeClient api;
  EventRecorderImpl r(api, clock, Options());
  ASSERT_TRUE(r.Record(Md(), EventType::kNormal, "A", "x", "n").ok());
  clock.Advance(7min);
  ASSERT_TRUE(r.Record(Md(), EventType::kNormal, "A", "x", "n").ok());
  EXPECT_EQ(api.creates, 2);
  EXPECT_EQ(api.patches, 0);
}

TEST(EventRecorderTest, BadInputIsAnErrorNotACrash) {
  FakeClock clock;
  FakeClient api;
  EventRecorderImpl r(api, clock, Options());
  EXPECT_EQ(r.Record(ObjectReference{}, EventType::kNormal, "A", "x", "n").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Record(Md(), EventType::kNormal, "", "x", "n").code(), StatusCode::kInvalidArgument);
  api.fail_all = true;
  Status s = r.Record(Md(), EventType::kNormal, "A", "x", "n");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("recording event A"), std::string::npos);
}

TEST(EventRecorderTest, LongNotesAreCutVisiblyOnACharacterBoundary) {
  std::string note;
  for (int i = 0; i < 600; ++i) note += "é";  // 2 bytes each: 1200 bytes
  std::string b = BoundedNote(note);
  EXPECT_LE(b.size(), 1024u);
  EXPECT_NE(b.find("(truncated)"), std::string::npos);
  // Still valid UTF-8: every é intact before the marker.
  std::string body = b.substr(0, b.find(" …(truncated)"));
  EXPECT_EQ(body.size() % 2, 0u);
  EXPECT_EQ(BoundedNote("short"), "short");
}

}  // namespace
}  // namespace skewgate::runtime

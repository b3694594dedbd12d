#include <gtest/gtest.h>

#include <condition_variable>
#include <thread>

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

// Each create waits until `parallel` creates are in flight at once (or a deadline).
class RendezvousClient : public FakeClient {
 public:
  explicit RendezvousClient(int parallel) : parallel_(parallel) {}
  StatusOr<nlohmann::json> Create(const kube::ResourceType& t, std::string_view ns,
                                  const nlohmann::json& object,
                                  const kube::WriteOptions& o) override {
    {
      std::unique_lock<std::mutex> l(mu_);
      ++in_flight_;
      max_in_flight = std::max(max_in_flight, in_flight_);
      // Once reached, stays released: the first create may wake after the other finished.
      if (in_flight_ >= parallel_) released_ = true;
      cv_.notify_all();
      cv_.wait_for(l, 5s, [&] { return released_; });
    }
    auto r = FakeClient::Create(t, ns, object, o);
    std::lock_guard<std::mutex> l(mu_);
    --in_flight_;
    return r;
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    released_ = true;
    cv_.notify_all();
  }
  int in_flight() {
    std::lock_guard<std::mutex> l(mu_);
    return in_flight_;
  }
  int max_in_flight = 0;

 private:
  const int parallel_;
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  bool released_ = false;
};

TEST(EventRecorderTest, EventsOfDifferentObjectsAreWrittenInParallel) {
  FakeClock clock;
  RendezvousClient api(2);
  EventRecorderImpl r(api, clock, Options());
  ObjectReference other = Md();
  other.name = "churn";
  // Before, the recorder held its lock across the request: the second create waited for
  // the first one, which waited (5 s) for a second one in flight.
  auto start = std::chrono::steady_clock::now();
  std::thread t([&] { EXPECT_TRUE(r.Record(other, EventType::kNormal, "A", "B", "c").ok()); });
  EXPECT_TRUE(r.Record(Md(), EventType::kNormal, "A", "B", "c").ok());
  t.join();
  EXPECT_EQ(api.max_in_flight, 2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_EQ(api.Count(kube::resources::Events()), 2u);
}

TEST(EventRecorderTest, ARepeatWhileTheCreateIsInFlightIsCountedNotCreatedTwice) {
  FakeClock clock;
  RendezvousClient api(2);  // holds the create until Release()
  EventRecorderImpl r(api, clock, Options());
  std::thread t([&] { EXPECT_TRUE(r.Record(Md(), EventType::kNormal, "A", "B", "c").ok()); });
  while (api.in_flight() == 0) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(r.Record(Md(), EventType::kNormal, "A", "B", "c").ok());
  api.Release();
  t.join();
  EXPECT_EQ(api.max_in_flight, 1);
  EXPECT_EQ(api.Count(kube::resources::Events()), 1u);
  // The repeat is written by Flush as the series count.
  clock.Advance(10s);
  ASSERT_TRUE(r.Flush().ok());
  EXPECT_EQ(api.OnlyObject(kube::resources::Events())["series"]["count"], 2);
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

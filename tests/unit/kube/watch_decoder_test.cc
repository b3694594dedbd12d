#include "kube/watch_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace skewgate::kube {
namespace {

std::string Event(const std::string& type, const std::string& name, int rv) {
  return R"({"type":")" + type + R"(","object":{"kind":"ConfigMap","metadata":{"name":")" + name +
         R"(","resourceVersion":")" + std::to_string(rv) + R"("}}})" + "\n";
}

struct Collected {
  std::vector<WatchEventType> types;
  std::vector<std::string> names;
  WatchEventHandler Handler() {
    return [this](WatchEvent&& e) {
      types.push_back(e.type);
      names.push_back(e.object["metadata"]["name"].get<std::string>());
      return true;
    };
  }
};

std::string ThreeEvents() {
  return Event("ADDED", "a", 1) + Event("MODIFIED", "b", 2) + Event("DELETED", "c", 3);
}

TEST(WatchDecoderTest, DecodesWholeStreamInOneChunk) {
  WatchDecoder d;
  Collected c;
  ASSERT_TRUE(d.Feed(ThreeEvents(), c.Handler()).ok());
  EXPECT_EQ(c.names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(c.types, (std::vector<WatchEventType>{WatchEventType::kAdded, WatchEventType::kModified,
                                                  WatchEventType::kDeleted}));
  EXPECT_TRUE(d.Finish().ok());
  EXPECT_EQ(d.events_decoded(), 3u);
}

// Every split point of the stream, including inside a multi-byte UTF-8 character and
// right before and after each newline, must give the same events.
TEST(WatchDecoderTest, EverySplitPointGivesTheSameEvents) {
  std::string stream = ThreeEvents() + Event("BOOKMARK", "bm-\xC3\xA9t\xC3\xA9", 4);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    WatchDecoder d;
    Collected c;
    ASSERT_TRUE(d.Feed(std::string_view(stream).substr(0, cut), c.Handler()).ok()) << cut;
    ASSERT_TRUE(d.Feed(std::string_view(stream).substr(cut), c.Handler()).ok()) << cut;
    ASSERT_TRUE(d.Finish().ok()) << cut;
    ASSERT_EQ(c.names.size(), 4u) << "cut at " << cut;
    EXPECT_EQ(c.names[3], "bm-\xC3\xA9t\xC3\xA9");
    EXPECT_EQ(c.types[3], WatchEventType::kBookmark);
  }
}

TEST(WatchDecoderTest, ByteAtATime) {
  std::string stream = ThreeEvents();
  WatchDecoder d;
  Collected c;
  for (char ch : stream) ASSERT_TRUE(d.Feed(std::string_view(&ch, 1), c.Handler()).ok());
  EXPECT_EQ(c.names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

TEST(WatchDecoderTest, PartialLineIsHeldNotDecoded) {
  std::string e = Event("ADDED", "a", 1);
  WatchDecoder d;
  Collected c;
  ASSERT_TRUE(d.Feed(e.substr(0, e.size() - 1), c.Handler()).ok());  // all but the newline
  EXPECT_TRUE(c.names.empty());
  EXPECT_EQ(d.buffered_bytes(), e.size() - 1);
  // The stream ending here is a truncated event: DataLoss naming it.
  Status fin = d.Finish();
  EXPECT_EQ(fin.code(), StatusCode::kDataLoss);
  EXPECT_NE(fin.message().find("event 1"), std::string::npos) << fin.message();
  ASSERT_TRUE(d.Feed("\n", c.Handler()).ok());
  EXPECT_EQ(c.names, std::vector<std::string>{"a"});
}

TEST(WatchDecoderTest, BlankLinesAndCrlfAreSkipped) {
  WatchDecoder d;
  Collected c;
  std::string e = Event("ADDED", "a", 1);
  e.insert(e.size() - 1, "\r");
  ASSERT_TRUE(d.Feed("\n\r\n" + e + "\n", c.Handler()).ok());
  EXPECT_EQ(c.names, std::vector<std::string>{"a"});
  EXPECT_TRUE(d.Finish().ok());
}

TEST(WatchDecoderTest, ErrorEventCarriesTheStatus) {
  WatchDecoder d;
  WatchEvent got;
  ASSERT_TRUE(d.Feed(R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})"
                     "\n",
                     [&](WatchEvent&& e) {
                       got = std::move(e);
                       return true;
                     })
                  .ok());
  EXPECT_EQ(got.type, WatchEventType::kError);
  EXPECT_EQ(got.object["code"], 410);
}

TEST(WatchDecoderTest, MalformedLinesAreDataLossNamingTheEvent) {
  struct Case {
    std::string line;
    std::string expect;
  };
  std::vector<Case> cases = {
      {"{not json}\n", "event 2 is not valid JSON"},
      {"[1,2]\n", "event 2 is not a JSON object"},
      {R"({"object":{}})"
       "\n",
       "no string field \"type\""},
      {R"({"type":"RENAMED","object":{}})"
       "\n",
       "unknown type \"RENAMED\""},
      {R"({"type":"ADDED","object":"x"})"
       "\n",
       "(ADDED) has no object"},
  };
  for (const auto& tc : cases) {
    WatchDecoder d;
    Collected c;
    Status s = d.Feed(Event("ADDED", "ok", 1) + tc.line + Event("ADDED", "never", 3), c.Handler());
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << tc.line;
    EXPECT_NE(s.message().find(tc.expect), std::string::npos) << s.message();
    EXPECT_EQ(c.names, std::vector<std::string>{"ok"}) << "events after a bad line are dropped";
    // The decoder stays failed rather than resynchronising mid-stream.
    EXPECT_EQ(d.Feed(Event("ADDED", "later", 4), c.Handler()).code(), StatusCode::kDataLoss);
  }
}

TEST(WatchDecoderTest, OverlongLineIsRefusedNotBuffered) {
  WatchDecoder d(/*max_line_bytes=*/64);
  Collected c;
  std::string big(100, 'x');
  Status s = d.Feed(big.substr(0, 50), c.Handler());
  EXPECT_TRUE(s.ok());
  s = d.Feed(big.substr(50), c.Handler());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("longer than 64 bytes"), std::string::npos) << s.message();
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

TEST(WatchDecoderTest, HandlerCanStopDecoding) {
  WatchDecoder d;
  int seen = 0;
  ASSERT_TRUE(d.Feed(ThreeEvents(), [&](WatchEvent&&) { return ++seen < 2; }).ok());
  EXPECT_EQ(seen, 2);
  EXPECT_TRUE(d.stopped());
  ASSERT_TRUE(d.Feed(Event("ADDED", "x", 9), [&](WatchEvent&&) { return ++seen < 100; }).ok());
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace skewgate::kube

#include "sidecar/payload.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace skewgate::sidecar {
namespace {

// Records rows as "name=value" strings, one string per row.
class Recorder : public RowSink {
 public:
  void BeginRow() override { row_.clear(); }
  void Value(std::string_view f, const FeatureValue& v) override {
    std::ostringstream s;
    s << (row_.empty() ? "" : " ") << f << "=";
    switch (v.kind) {
      case FeatureValue::Kind::kNumber: s << v.number; break;
      case FeatureValue::Kind::kString: s << "'" << v.text << "'"; break;
      case FeatureValue::Kind::kBool: s << v.text; break;
      case FeatureValue::Kind::kMissing: s << "null"; break;
      case FeatureValue::Kind::kSkipped: s << "skip"; break;
      case FeatureValue::Kind::kInvalid: s << "invalid"; break;
    }
    row_ += s.str();
  }
  void EndRow() override { rows.push_back(row_); }
  std::vector<std::string> rows;

 private:
  std::string row_;
};

struct Case {
  std::string body;
  std::vector<std::string> rows;
  std::string reason;
  Protocol detected;
};

DecoderConfig Config() {
  DecoderConfig c;
  c.columns = {"a", "b"};
  c.output_columns = {"score"};
  c.tensor_columns["input-0"] = {"a", "b"};
  return c;
}

TEST(PayloadDecoder, RequestsTable) {
  std::vector<Case> cases = {
      {R"({"instances": [[1, 2], [3, 4]]})", {"a=1 b=2", "a=3 b=4"}, "", Protocol::kV1},
      {R"({"instances": [{"a": 1, "b": "x"}, {"b": null}]})",
       {"a=1 b='x'", "b=null"},
       "",
       Protocol::kV1},
      {R"({"inputs": [[1, 2]]})", {"a=1 b=2"}, "", Protocol::kV1},
      {R"({"inputs": {"a": [1, 2], "b": [3, 4]}})", {"a=1 b=3", "a=2 b=4"}, "", Protocol::kV1},
      {R"({"instances": [{"a": {"b64": "AAA="}, "b": true}]})",
       {"a=skip b=true"},
       "",
       Protocol::kV1},
      {R"({"instances": [[1, 2, 3]]})", {}, "shape_mismatch", Protocol::kV1},
      {R"({"instances": "x"})", {}, "unsupported_shape", Protocol::kV1},
      // V2: flat data with shape, two inputs named after features.
      {R"({"inputs": [{"name": "a", "shape": [2], "datatype": "FP32", "data": [1, 2]},
                      {"name": "b", "shape": [2, 1], "datatype": "BYTES", "data": ["x", "y"]}]})",
       {"a=1 b='x'", "a=2 b='y'"},
       "",
       Protocol::kV2},
      // V2: one tensor of width 2 mapped by tensorColumns, nested data.
      {R"({"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [[1, 2], [3, 4]]}]})",
       {"a=1 b=2", "a=3 b=4"},
       "",
       Protocol::kV2},
      // V2: flat data of a width-2 tensor, default columns.
      {R"({"inputs": [{"name": "t", "shape": [1, 2], "datatype": "FP64", "data": [5, 6]}]})",
       {"a=5 b=6"},
       "",
       Protocol::kV2},
      {R"({"inputs": [{"name": "a", "shape": [3], "datatype": "FP32", "data": [1, 2]}]})",
       {},
       "shape_mismatch",
       Protocol::kV2},
      {R"({"inputs": [{"name": "a", "shape": [2], "data": [1, 2]}, {"name": "b", "shape": [1], "data": [1]}]})",
       {},
       "shape_mismatch",
       Protocol::kV2},
      {R"({"inputs": [{"name": "a", "shape": [-1], "data": [1]}]})",
       {},
       "unsupported_shape",
       Protocol::kV2},
      {R"({"inputs": [{"shape": [1], "data": [1]}]})", {}, "unsupported_shape", Protocol::kV2},
      // Rows.
      {R"([{"a": 1}, {"b": 2}])", {"a=1", "b=2"}, "", Protocol::kRows},
      {R"({"a": 1, "b": 2})", {"a=1 b=2"}, "", Protocol::kRows},
      {R"([[1, 2]])", {"a=1 b=2"}, "", Protocol::kRows},
      {R"(3)", {}, "unknown_protocol", Protocol::kAuto},
      // Type confusion is passed on as kInvalid, not a crash.
      {R"({"instances": [{"a": [1, 2], "b": {"x": 1}}]})",
       {"a=invalid b=invalid"},
       "",
       Protocol::kV1},
  };
  for (const auto& c : cases) {
    JsonDoc doc;
    ASSERT_EQ(doc.Parse(c.body), JsonError::kNone) << c.body;
    PayloadDecoder dec(Config());
    Recorder rec;
    DecodeResult r = dec.DecodeRequest(doc, rec);
    EXPECT_EQ(r.reason, c.reason) << c.body;
    if (c.reason.empty()) {
      EXPECT_EQ(rec.rows, c.rows) << c.body;
      EXPECT_EQ(r.detected, c.detected) << c.body;
      EXPECT_EQ(r.rows, c.rows.size()) << c.body;
    } else {
      EXPECT_TRUE(rec.rows.empty()) << "a refused payload must emit nothing: " << c.body;
    }
  }
}

TEST(PayloadDecoder, ResponsesTable) {
  std::vector<Case> cases = {
      {R"({"predictions": [0.5, 0.25]})", {"score=0.5", "score=0.25"}, "", Protocol::kV1},
      {R"({"predictions": [{"score": 1}]})", {"score=1"}, "", Protocol::kV1},
      {R"({"model_name": "m", "outputs": [{"name": "predict", "shape": [2], "datatype": "FP64", "data": [0.1, 0.2]}]})",
       {"score=0.1", "score=0.2"},
       "",
       Protocol::kV2},
      {R"([0.7])", {"score=0.7"}, "", Protocol::kRows},
      {R"({"error": "x"})", {}, "unknown_protocol", Protocol::kAuto},
  };
  for (const auto& c : cases) {
    JsonDoc doc;
    ASSERT_EQ(doc.Parse(c.body), JsonError::kNone) << c.body;
    PayloadDecoder dec(Config());
    Recorder rec;
    DecodeResult r = dec.DecodeResponse(doc, rec);
    EXPECT_EQ(r.reason, c.reason) << c.body;
    if (c.reason.empty()) {
      EXPECT_EQ(rec.rows, c.rows) << c.body;
    }
  }
}

TEST(PayloadDecoder, ForcedProtocolOverridesDetection) {
  DecoderConfig c = Config();
  c.protocol = Protocol::kRows;
  PayloadDecoder dec(c);
  JsonDoc doc;
  ASSERT_EQ(doc.Parse(R"({"instances": 1})"), JsonError::kNone);
  Recorder rec;
  DecodeResult r = dec.DecodeRequest(doc, rec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rec.rows, std::vector<std::string>{"instances=1"});
}

// A row that is a binary value ({"b64": ...}) is a scalar: it needs exactly one column.
// With none (found by fuzz_payload: `[{"b64":{}}]`) it used to index an empty column list.
TEST(PayloadDecoder, BinaryValueRowNeedsExactlyOneColumn) {
  for (const char* body : {R"([{"b64": {}}])", R"({"b64": "AAA="})"}) {
    for (size_t n_columns : {0u, 1u, 2u}) {
      DecoderConfig c;
      c.protocol = Protocol::kRows;
      c.columns.assign({"a", "b"});
      c.columns.resize(n_columns);
      PayloadDecoder dec(c);
      JsonDoc doc;
      ASSERT_EQ(doc.Parse(body), JsonError::kNone);
      Recorder rec;
      DecodeResult r = dec.DecodeRequest(doc, rec);
      if (n_columns == 1) {
        ASSERT_TRUE(r.ok()) << body;
        EXPECT_EQ(rec.rows, std::vector<std::string>{"a=skip"}) << body;
      } else {
        EXPECT_EQ(r.reason, "shape_mismatch") << body << " with " << n_columns << " columns";
        EXPECT_TRUE(rec.rows.empty()) << body;
      }
    }
  }
}

TEST(Protocol, ParsesNames) {
  Protocol p;
  EXPECT_TRUE(ParseProtocol("v2", &p));
  EXPECT_EQ(p, Protocol::kV2);
  EXPECT_FALSE(ParseProtocol("v3", &p));
}

}  // namespace
}  // namespace skewgate::sidecar

// Inference payload decoding: KServe V1 (`instances` / `inputs`, rows as arrays or
// objects), Open Inference Protocol V2 (`inputs[]` tensors, flat or nested data, several
// inputs) and plain JSON rows, plus the matching responses (V1 `predictions`, V2
// `outputs`). Decoded values are pushed row by row into a RowSink; nothing here allocates
// per value or throws.
//
//   PayloadDecoder dec(config);
//   DecodeResult r = dec.DecodeRequest(doc, sink);  // r.ok() or r.reason == "shape_mismatch"
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/json_doc.h"

namespace skewgate::sidecar {

enum class Protocol { kAuto, kV1, kV2, kRows };
// "auto", "v1", "v2", "rows"; false for anything else.
bool ParseProtocol(std::string_view text, Protocol* out);
std::string_view ProtocolName(Protocol p);

struct FeatureValue {
  enum class Kind : uint8_t {
    kNumber,   // number (NaN/Infinity included)
    kString,   // a label
    kBool,     // true/false: 1/0 for numeric features, "true"/"false" for categorical ones
    kMissing,  // null
    kSkipped,  // {"b64": ...}: binary content that is not a feature value; neither counted
               // nor missing
    kInvalid,  // an array or object where a scalar was expected (type confusion)
  };
  Kind kind = Kind::kMissing;
  double number = 0;
  std::string_view text;
};

// Receives decoded rows. The decoder calls BeginRow, Value for each (feature, value) it
// found, then EndRow; a feature a row does not mention is the sink's business (missing).
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual void BeginRow() = 0;
  virtual void Value(std::string_view feature, const FeatureValue& value) = 0;
  virtual void EndRow() = 0;
};

struct DecoderConfig {
  Protocol protocol = Protocol::kAuto;
  // Names of positional input columns (V1/rows arrays, V2 tensors of width > 1 that have
  // no entry in tensor_columns). Usually the baseline's input features in order.
  std::vector<std::string> columns;
  // Names of positional outputs (V1 predictions that are arrays or scalars).
  std::vector<std::string> output_columns;
  // V2 tensor name → feature names of its columns, for tensors whose name is not a feature.
  std::map<std::string, std::vector<std::string>, std::less<>> tensor_columns;
};

struct DecodeResult {
  // Empty when the payload was decoded; otherwise the parse-error reason label:
  // "unknown_protocol", "unsupported_shape", "shape_mismatch".
  std::string_view reason;
  Protocol detected = Protocol::kAuto;
  size_t rows = 0;
  bool ok() const { return reason.empty(); }
};

class PayloadDecoder {
 public:
  explicit PayloadDecoder(DecoderConfig config) : config_(std::move(config)) {}

  // A request body: features. When the decoder fails the sink may have seen some rows;
  // callers that need all-or-nothing buffer in the sink (LiveCounters does).
  DecodeResult DecodeRequest(const JsonDoc& doc, RowSink& sink);
  // A response body: the model's outputs, with output_columns as positional names.
  DecodeResult DecodeResponse(const JsonDoc& doc, RowSink& sink);

  const DecoderConfig& config() const { return config_; }

 private:
  DecodeResult DecodeV1Rows(const JsonDoc& doc, uint32_t rows,
                            const std::vector<std::string>& columns, RowSink& sink);
  DecodeResult DecodeColumnar(const JsonDoc& doc, uint32_t obj, RowSink& sink);
  // only_tensor_names, when set, names the columns of a lone tensor not in tensor_columns.
  DecodeResult DecodeV2(const JsonDoc& doc, uint32_t tensors,
                        const std::vector<std::string>& columns,
                        const std::vector<std::string>* only_tensor_names, RowSink& sink);
  void EmitRow(const JsonDoc& doc, uint32_t row, const std::vector<std::string>& columns,
               RowSink& sink);

  DecoderConfig config_;
  // Reused between payloads so the hot loop does not allocate.
  struct Tensor {
    const std::vector<std::string>* names = nullptr;
    std::vector<std::string> single;  // for a width-1 tensor named after its feature
    std::vector<uint32_t> leaves;
    size_t width = 1;
  };
  std::vector<Tensor> tensors_;
  std::vector<uint32_t> stack_;
};

// Converts one JSON node to a FeatureValue (b64 objects are kSkipped).
FeatureValue ToFeatureValue(const JsonDoc& doc, uint32_t node);

}  // namespace skewgate::sidecar

#include "sidecar/payload.h"

#include <algorithm>

namespace skewgate::sidecar {
namespace {

constexpr std::string_view kUnknownProtocol = "unknown_protocol";
constexpr std::string_view kUnsupportedShape = "unsupported_shape";
constexpr std::string_view kShapeMismatch = "shape_mismatch";

bool IsType(const JsonDoc& doc, uint32_t n, JsonType t) {
  return n != kNoNode && doc.node(n).type == t;
}

// A V2 tensor object carries at least one of the fields only tensors have.
bool LooksLikeTensorList(const JsonDoc& doc, uint32_t arr) {
  if (!IsType(doc, arr, JsonType::kArray) || doc.node(arr).size == 0) return false;
  uint32_t first = doc.node(arr).first_child;
  return IsType(doc, first, JsonType::kObject) &&
         (doc.Find(first, "datatype") != kNoNode || doc.Find(first, "shape") != kNoNode ||
          doc.Find(first, "data") != kNoNode);
}

// {"b64": "..."}: a binary value, counted as skipped, never as a row of named features.
bool IsBinaryValue(const JsonDoc& doc, uint32_t node) {
  const JsonNode& n = doc.node(node);
  return n.type == JsonType::kObject && n.size == 1 && doc.Find(node, "b64") != kNoNode;
}

}  // namespace

bool ParseProtocol(std::string_view text, Protocol* out) {
  if (text == "auto") {
    *out = Protocol::kAuto;
  } else if (text == "v1") {
    *out = Protocol::kV1;
  } else if (text == "v2") {
    *out = Protocol::kV2;
  } else if (text == "rows") {
    *out = Protocol::kRows;
  } else {
    return false;
  }
  return true;
}

std::string_view ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kAuto: return "auto";
    case Protocol::kV1: return "v1";
    case Protocol::kV2: return "v2";
    case Protocol::kRows: return "rows";
  }
  return "auto";
}

FeatureValue ToFeatureValue(const JsonDoc& doc, uint32_t node) {
  FeatureValue v;
  const JsonNode& n = doc.node(node);
  switch (n.type) {
    case JsonType::kNumber:
      v.kind = FeatureValue::Kind::kNumber;
      v.number = n.number;
      break;
    case JsonType::kString:
      v.kind = FeatureValue::Kind::kString;
      v.text = n.text;
      break;
    case JsonType::kBool:
      v.kind = FeatureValue::Kind::kBool;
      v.number = n.boolean ? 1 : 0;
      v.text = n.boolean ? "true" : "false";
      break;
    case JsonType::kNull: v.kind = FeatureValue::Kind::kMissing; break;
    case JsonType::kObject:
      v.kind =
          IsBinaryValue(doc, node) ? FeatureValue::Kind::kSkipped : FeatureValue::Kind::kInvalid;
      break;
    case JsonType::kArray: v.kind = FeatureValue::Kind::kInvalid; break;
  }
  return v;
}

void PayloadDecoder::EmitRow(const JsonDoc& doc, uint32_t row,
                             const std::vector<std::string>& columns, RowSink& sink) {
  sink.BeginRow();
  const JsonNode& r = doc.node(row);
  if (r.type == JsonType::kObject && !IsBinaryValue(doc, row)) {
    for (uint32_t c = r.first_child; c != kNoNode; c = doc.node(c).next_sibling) {
      sink.Value(doc.node(c).key, ToFeatureValue(doc, c));
    }
  } else if (r.type == JsonType::kArray) {
    size_t i = 0;
    for (uint32_t c = r.first_child; c != kNoNode; c = doc.node(c).next_sibling, ++i) {
      sink.Value(columns[i], ToFeatureValue(doc, c));
    }
  } else {
    sink.Value(columns[0], ToFeatureValue(doc, row));
  }
  sink.EndRow();
}

DecodeResult PayloadDecoder::DecodeV1Rows(const JsonDoc& doc, uint32_t rows,
                                          const std::vector<std::string>& columns, RowSink& sink) {
  DecodeResult res;
  // Validate first so a bad payload counts nothing.
  for (uint32_t r = doc.node(rows).first_child; r != kNoNode; r = doc.node(r).next_sibling) {
    const JsonNode& n = doc.node(r);
    if (n.type == JsonType::kArray) {
      if (n.size != columns.size()) {
        res.reason = kShapeMismatch;
        return res;
      }
    } else if ((n.type != JsonType::kObject || IsBinaryValue(doc, r)) && columns.size() != 1) {
      res.reason = kShapeMismatch;  // a scalar (or binary) value per row needs exactly one column
      return res;
    }
  }
  for (uint32_t r = doc.node(rows).first_child; r != kNoNode; r = doc.node(r).next_sibling) {
    EmitRow(doc, r, columns, sink);
    ++res.rows;
  }
  return res;
}

// {"inputs": {"a": [1, 2], "b": [3, 4]}}: TF-Serving style columnar V1 inputs.
DecodeResult PayloadDecoder::DecodeColumnar(const JsonDoc& doc, uint32_t obj, RowSink& sink) {
  DecodeResult res;
  uint32_t n_rows = 0;
  bool first = true;
  for (uint32_t c = doc.node(obj).first_child; c != kNoNode; c = doc.node(c).next_sibling) {
    if (!IsType(doc, c, JsonType::kArray)) {
      res.reason = kUnsupportedShape;
      return res;
    }
    if (first) n_rows = doc.node(c).size;
    if (doc.node(c).size != n_rows) {
      res.reason = kShapeMismatch;
      return res;
    }
    first = false;
  }
  // Walk all columns in lock step, one row at a time.
  stack_.clear();
  for (uint32_t c = doc.node(obj).first_child; c != kNoNode; c = doc.node(c).next_sibling) {
    stack_.push_back(doc.node(c).first_child);
  }
  for (uint32_t r = 0; r < n_rows; ++r) {
    sink.BeginRow();
    size_t k = 0;
    for (uint32_t c = doc.node(obj).first_child; c != kNoNode; c = doc.node(c).next_sibling) {
      sink.Value(doc.node(c).key, ToFeatureValue(doc, stack_[k]));
      stack_[k] = doc.node(stack_[k]).next_sibling;
      ++k;
    }
    sink.EndRow();
  }
  res.rows = n_rows;
  return res;
}

DecodeResult PayloadDecoder::DecodeV2(const JsonDoc& doc, uint32_t list,
                                      const std::vector<std::string>& columns,
                                      const std::vector<std::string>* only_tensor_names,
                                      RowSink& sink) {
  DecodeResult res;
  res.detected = Protocol::kV2;
  size_t n_tensors = doc.node(list).size;
  if (tensors_.size() < n_tensors) tensors_.resize(n_tensors);
  size_t n_rows = 0;
  size_t t = 0;
  for (uint32_t in = doc.node(list).first_child; in != kNoNode;
       in = doc.node(in).next_sibling, ++t) {
    Tensor& tensor = tensors_[t];
    tensor.leaves.clear();
    uint32_t name = doc.Find(in, "name");
    uint32_t data = doc.Find(in, "data");
    if (!IsType(doc, name, JsonType::kString) || !IsType(doc, data, JsonType::kArray)) {
      res.reason = kUnsupportedShape;
      return res;
    }
    // Flatten nested data depth-first; the document already bounds the depth.
    stack_.clear();
    stack_.push_back(data);
    bool nested = false;
    while (!stack_.empty()) {
      uint32_t n = stack_.back();
      stack_.pop_back();
      if (doc.node(n).type == JsonType::kArray) {
        if (n != data) nested = true;
        // Push children in reverse so they pop in order.
        size_t mark = stack_.size();
        for (uint32_t c = doc.node(n).first_child; c != kNoNode; c = doc.node(c).next_sibling) {
          stack_.push_back(c);
        }
        std::reverse(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
      } else {
        tensor.leaves.push_back(n);
      }
    }
    size_t rows = 0;
    size_t width = 1;
    uint32_t shape = doc.Find(in, "shape");
    if (IsType(doc, shape, JsonType::kArray) && doc.node(shape).size > 0) {
      size_t dim_i = 0;
      for (uint32_t d = doc.node(shape).first_child; d != kNoNode;
           d = doc.node(d).next_sibling, ++dim_i) {
        const JsonNode& dn = doc.node(d);
        if (dn.type != JsonType::kNumber || !(dn.number >= 0) || dn.number > 1e9 ||
            dn.number != static_cast<double>(static_cast<size_t>(dn.number))) {
          res.reason = kUnsupportedShape;  // -1 or fractional dims are not a concrete shape
          return res;
        }
        if (dim_i == 0) {
          rows = static_cast<size_t>(dn.number);
        } else {
          width *= static_cast<size_t>(dn.number);
          if (width > tensor.leaves.size() + 1) break;  // certainly a mismatch; avoid overflow
        }
      }
    } else if (nested) {
      rows = doc.node(data).size;
      width = rows == 0 ? 1 : tensor.leaves.size() / rows;
    } else {
      rows = tensor.leaves.size();
    }
    if (rows * width != tensor.leaves.size()) {
      res.reason = kShapeMismatch;
      return res;
    }
    std::string_view tname = doc.node(name).text;
    auto mapped = config_.tensor_columns.find(tname);
    if (mapped != config_.tensor_columns.end()) {
      tensor.names = &mapped->second;
    } else if (only_tensor_names != nullptr) {
      tensor.names = only_tensor_names;
    } else if (width == 1) {
      tensor.single.assign(1, std::string(tname));
      tensor.names = &tensor.single;
    } else {
      tensor.names = &columns;
    }
    if (tensor.names->size() != width) {
      res.reason = kShapeMismatch;
      return res;
    }
    tensor.width = width;
    if (t > 0 && rows != n_rows) {
      res.reason = kShapeMismatch;  // inputs must agree on the batch size
      return res;
    }
    n_rows = rows;
  }
  for (size_t r = 0; r < n_rows; ++r) {
    sink.BeginRow();
    for (size_t i = 0; i < n_tensors; ++i) {
      const Tensor& tensor = tensors_[i];
      for (size_t k = 0; k < tensor.width; ++k) {
        sink.Value((*tensor.names)[k], ToFeatureValue(doc, tensor.leaves[r * tensor.width + k]));
      }
    }
    sink.EndRow();
  }
  res.rows = n_rows;
  return res;
}

DecodeResult PayloadDecoder::DecodeRequest(const JsonDoc& doc, RowSink& sink) {
  DecodeResult res;
  uint32_t root = doc.root();
  if (root == kNoNode) {
    res.reason = kUnknownProtocol;
    return res;
  }
  Protocol p = config_.protocol;
  uint32_t instances = doc.Find(root, "instances");
  uint32_t inputs = doc.Find(root, "inputs");
  if (p == Protocol::kAuto) {
    if (LooksLikeTensorList(doc, inputs)) {
      p = Protocol::kV2;
    } else if (instances != kNoNode || inputs != kNoNode) {
      p = Protocol::kV1;
    } else if (IsType(doc, root, JsonType::kArray) || IsType(doc, root, JsonType::kObject)) {
      p = Protocol::kRows;
    } else {
      res.reason = kUnknownProtocol;
      return res;
    }
  }
  switch (p) {
    case Protocol::kV2:
      if (!IsType(doc, inputs, JsonType::kArray)) break;
      return DecodeV2(doc, inputs, config_.columns, nullptr, sink);
    case Protocol::kV1: {
      uint32_t rows = instances != kNoNode ? instances : inputs;
      if (IsType(doc, rows, JsonType::kArray)) {
        res = DecodeV1Rows(doc, rows, config_.columns, sink);
      } else if (IsType(doc, rows, JsonType::kObject) && rows == inputs) {
        res = DecodeColumnar(doc, rows, sink);
      } else {
        res.reason = rows == kNoNode ? kUnknownProtocol : kUnsupportedShape;
      }
      res.detected = Protocol::kV1;
      return res;
    }
    case Protocol::kRows:
      if (IsType(doc, root, JsonType::kArray)) {
        res = DecodeV1Rows(doc, root, config_.columns, sink);
      } else if (IsBinaryValue(doc, root) && config_.columns.size() != 1) {
        res.reason = kShapeMismatch;  // a binary value alone needs exactly one column
      } else if (IsType(doc, root, JsonType::kObject)) {
        EmitRow(doc, root, config_.columns, sink);
        res.rows = 1;
      } else {
        res.reason = kUnsupportedShape;
      }
      res.detected = Protocol::kRows;
      return res;
    case Protocol::kAuto: break;
  }
  res.reason = kUnknownProtocol;
  return res;
}

DecodeResult PayloadDecoder::DecodeResponse(const JsonDoc& doc, RowSink& sink) {
  DecodeResult res;
  uint32_t root = doc.root();
  if (root == kNoNode) {
    res.reason = kUnknownProtocol;
    return res;
  }
  uint32_t predictions = doc.Find(root, "predictions");
  uint32_t outputs = doc.Find(root, "outputs");
  if (IsType(doc, outputs, JsonType::kArray)) {
    // A model with one configured output names its only tensor after that output.
    const std::vector<std::string>* only =
        config_.output_columns.size() == 1 && doc.node(outputs).size == 1 ? &config_.output_columns
                                                                          : nullptr;
    return DecodeV2(doc, outputs, config_.output_columns, only, sink);
  }
  if (IsType(doc, predictions, JsonType::kArray)) {
    res = DecodeV1Rows(doc, predictions, config_.output_columns, sink);
    res.detected = Protocol::kV1;
    return res;
  }
  if (IsType(doc, root, JsonType::kArray)) {
    res = DecodeV1Rows(doc, root, config_.output_columns, sink);
    res.detected = Protocol::kRows;
    return res;
  }
  res.reason = kUnknownProtocol;
  return res;
}

}  // namespace skewgate::sidecar

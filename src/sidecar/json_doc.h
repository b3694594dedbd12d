// JsonDoc: a small, allocation-frugal JSON reader for inference payloads. It never throws,
// bounds nesting depth and node count, accepts the NaN/Infinity literals Python emits,
// and keeps string views into the input (escaped strings are decoded into an arena).
//
//   JsonDoc doc;
//   if (JsonError e = doc.Parse(body); e == JsonError::kNone) Walk(doc, doc.root());
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace skewgate::sidecar {

enum class JsonType : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

// Why a document was refused; the names are the `reason` label of parse-error counters.
enum class JsonError : uint8_t {
  kNone = 0,
  kSyntax,       // not JSON at all, or broken JSON
  kTooDeep,      // nesting deeper than the limit (protects the stack and the walker)
  kTooLarge,     // more nodes than the limit
  kInvalidUtf8,  // a string that is not UTF-8
};
std::string_view JsonErrorName(JsonError e);

struct JsonLimits {
  int max_depth = 64;
  uint32_t max_nodes = 4'000'000;
};

inline constexpr uint32_t kNoNode = 0xffffffffu;

struct JsonNode {
  JsonType type = JsonType::kNull;
  bool boolean = false;
  bool non_finite = false;  // a NaN/Infinity literal (number is set accordingly)
  double number = 0;
  std::string_view text;  // string value
  std::string_view key;   // member name when the parent is an object
  uint32_t first_child = kNoNode;
  uint32_t next_sibling = kNoNode;
  uint32_t size = 0;  // number of children for arrays and objects
};

class JsonDoc {
 public:
  explicit JsonDoc(JsonLimits limits = {}) : limits_(limits) {}

  // Parses `input`, which must outlive the document's use (views point into it).
  // Reusing one JsonDoc keeps its buffers: no allocation storm per payload.
  JsonError Parse(std::string_view input);

  uint32_t root() const { return nodes_.empty() ? kNoNode : 0; }
  const JsonNode& node(uint32_t i) const { return nodes_[i]; }
  size_t node_count() const { return nodes_.size(); }
  // Byte offset of the first problem after a failed Parse (for error messages only).
  size_t error_offset() const { return error_offset_; }

  // Member `name` of object node `obj`, or kNoNode.
  uint32_t Find(uint32_t obj, std::string_view name) const;

 private:
  JsonLimits limits_;
  std::vector<JsonNode> nodes_;
  std::string arena_;
  size_t error_offset_ = 0;
};

}  // namespace skewgate::sidecar

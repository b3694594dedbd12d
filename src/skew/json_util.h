// Internal: typed field access on nlohmann::json that returns Status naming the JSON path
// instead of throwing. Used by the baseline and counts codecs only.
//
//   JsonPath p("features[2]");
//   SG_ASSIGN_OR_RETURN(uint64_t n, p.U64(obj, "count"));   // "features[2].count: ..."
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skewgate::skew::internal {

class JsonPath {
 public:
  explicit JsonPath(std::string path) : path_(std::move(path)) {}

  JsonPath Child(std::string_view key) const;
  JsonPath Index(size_t i) const;
  const std::string& path() const { return path_; }
  // InvalidArgument "<path>: <message>".
  Status Error(const std::string& message) const;

  Status RequireObject(const nlohmann::json& j) const;
  // Field accessors: missing fields and wrong types are errors naming the field.
  StatusOr<const nlohmann::json*> Object(const nlohmann::json& obj, std::string_view key) const;
  StatusOr<const nlohmann::json*> Array(const nlohmann::json& obj, std::string_view key) const;
  StatusOr<std::string> String(const nlohmann::json& obj, std::string_view key) const;
  StatusOr<uint64_t> U64(const nlohmann::json& obj, std::string_view key) const;
  StatusOr<std::optional<double>> OptionalDouble(const nlohmann::json& obj,
                                                 std::string_view key) const;
  StatusOr<std::vector<uint64_t>> U64Array(const nlohmann::json& obj, std::string_view key) const;
  StatusOr<std::vector<double>> DoubleArray(const nlohmann::json& obj, std::string_view key) const;
  StatusOr<std::vector<bool>> BoolArray(const nlohmann::json& obj, std::string_view key) const;
  StatusOr<std::vector<std::string>> StringArray(const nlohmann::json& obj,
                                                 std::string_view key) const;

  // Elements of an array value already found.
  StatusOr<std::vector<uint64_t>> AsU64Array(const nlohmann::json& arr) const;

 private:
  StatusOr<const nlohmann::json*> Field(const nlohmann::json& obj, std::string_view key) const;
  std::string path_;
};

// Parses JSON text; a syntax error says where (line, column) and a document that ends
// early is DataLoss ("truncated"). `what` names the document in the message.
StatusOr<nlohmann::json> ParseJsonText(std::string_view text, std::string_view what);

}  // namespace skewgate::skew::internal

#include "skew/json_util.h"

#include <cmath>

namespace skewgate::skew::internal {

using nlohmann::json;

JsonPath JsonPath::Child(std::string_view key) const {
  return JsonPath(path_.empty() ? std::string(key) : path_ + "." + std::string(key));
}

JsonPath JsonPath::Index(size_t i) const { return JsonPath(path_ + "[" + std::to_string(i) + "]"); }

Status JsonPath::Error(const std::string& message) const {
  return InvalidArgumentError((path_.empty() ? std::string("document") : path_) + ": " + message);
}

Status JsonPath::RequireObject(const json& j) const {
  if (!j.is_object()) return Error(std::string("expected an object, got ") + j.type_name());
  return OkStatus();
}

StatusOr<const json*> JsonPath::Field(const json& obj, std::string_view key) const {
  if (!obj.is_object()) return Error("expected an object");
  auto it = obj.find(key);
  if (it == obj.end()) return Child(key).Error("required field is missing");
  return &*it;
}

StatusOr<const json*> JsonPath::Object(const json& obj, std::string_view key) const {
  SG_ASSIGN_OR_RETURN(const json* v, Field(obj, key));
  if (!v->is_object())
    return Child(key).Error(std::string("expected an object, got ") + v->type_name());
  return v;
}

StatusOr<const json*> JsonPath::Array(const json& obj, std::string_view key) const {
  SG_ASSIGN_OR_RETURN(const json* v, Field(obj, key));
  if (!v->is_array())
    return Child(key).Error(std::string("expected an array, got ") + v->type_name());
  return v;
}

StatusOr<std::string> JsonPath::String(const json& obj, std::string_view key) const {
  SG_ASSIGN_OR_RETURN(const json* v, Field(obj, key));
  if (!v->is_string())
    return Child(key).Error(std::string("expected a string, got ") + v->type_name());
  return v->get_ref<const std::string&>();
}

namespace {

bool ToU64(const json& v, uint64_t* out) {
  if (v.is_number_unsigned()) {
    *out = v.get<uint64_t>();
    return true;
  }
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    if (i < 0) return false;
    *out = static_cast<uint64_t>(i);
    return true;
  }
  return false;
}

}  // namespace

StatusOr<uint64_t> JsonPath::U64(const json& obj, std::string_view key) const {
  SG_ASSIGN_OR_RETURN(const json* v, Field(obj, key));
  uint64_t out = 0;
  if (!ToU64(*v, &out)) return Child(key).Error("expected a non-negative integer");
  return out;
}

StatusOr<std::optional<double>> JsonPath::OptionalDouble(const json& obj,
                                                         std::string_view key) const {
  SG_ASSIGN_OR_RETURN(const json* v, Field(obj, key));
  if (v->is_null()) return std::optional<double>();
  if (!v->is_number()) return Child(key).Error("expected a number or null");
  double d = v->get<double>();
  if (!std::isfinite(d)) return Child(key).Error("not a finite number");
  return std::optional<double>(d);
}

StatusOr<std::vector<uint64_t>> JsonPath::AsU64Array(const json& arr) const {
  if (!arr.is_array()) return Error(std::string("expected an array, got ") + arr.type_name());
  std::vector<uint64_t> out(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!ToU64(arr[i], &out[i])) return Index(i).Error("expected a non-negative integer");
  }
  return out;
}

StatusOr<std::vector<uint64_t>> JsonPath::U64Array(const json& obj, std::string_view key) const {
  SG_ASSIGN_OR_RETURN(const json* v, Field(obj, key));
  return Child(key).AsU64Array(*v);
}

StatusOr<std::vector<double>> JsonPath::DoubleArray(const json& obj, std::string_view key) const {
  SG_ASSIGN_OR_RETURN(const json* v, Array(obj, key));
  std::vector<double> out(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_number()) return Child(key).Index(i).Error("expected a number");
    out[i] = (*v)[i].get<double>();
  }
  return out;
}

StatusOr<std::vector<bool>> JsonPath::BoolArray(const json& obj, std::string_view key) const {
  SG_ASSIGN_OR_RETURN(const json* v, Array(obj, key));
  std::vector<bool> out(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_boolean()) return Child(key).Index(i).Error("expected true or false");
    out[i] = (*v)[i].get<bool>();
  }
  return out;
}

StatusOr<std::vector<std::string>> JsonPath::StringArray(const json& obj,
                                                         std::string_view key) const {
  SG_ASSIGN_OR_RETURN(const json* v, Array(obj, key));
  std::vector<std::string> out(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) return Child(key).Index(i).Error("expected a string");
    out[i] = (*v)[i].get<std::string>();
  }
  return out;
}

StatusOr<json> ParseJsonText(std::string_view text, std::string_view what) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // Turn the byte offset into line:column for the message.
    const size_t byte = e.byte == 0 ? 0 : e.byte - 1;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    const std::string where =
        std::string(what) + " line " + std::to_string(line) + " column " + std::to_string(col);
    if (e.byte >= text.size()) {
      return DataLossError(std::string(what) + ": the JSON document is truncated (ends at " +
                           where + ")");
    }
    return InvalidArgumentError(where + ": invalid JSON: " + e.what());
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string(what) + ": invalid JSON: " + e.what());
  }
}

}  // namespace skewgate::skew::internal

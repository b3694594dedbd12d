#include "api/json_reader.h"

#include <limits>

#include "api/duration.h"

namespace skewgate::api::internal {

using nlohmann::json;

std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Item(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string TypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    default: return "unknown";
  }
}

Reader::Reader(Errors* errors, const json* j, std::string path)
    : errors_(errors), obj_(nullptr), path_(std::move(path)) {
  if (j == nullptr || j->is_null()) return;
  if (!j->is_object()) {
    TypeError(path_, *j, "object");
    return;
  }
  obj_ = j;
}

void Reader::TypeError(const std::string& field, const json& v, const char* want) {
  // Same wording as the API server's OpenAPI validation ("must be of type integer").
  errors_->Add(field, "must be of type " + std::string(want) + ": \"" + TypeName(v) + "\"");
}

const json* Reader::Get(std::string_view key) const {
  if (!obj_) return nullptr;
  auto it = obj_->find(key);
  if (it == obj_->end() || it->is_null()) return nullptr;
  return &*it;
}

void Reader::Allow(std::initializer_list<std::string_view> allowed) {
  if (!obj_) return;
  for (const auto& [k, v] : obj_->items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == k;
    if (!known) errors_->Add(Child(path_, k), "unknown field \"" + Child(path_, k) + "\"");
  }
}

bool Reader::Require(std::string_view key) {
  if (Get(key)) return true;
  errors_->Add(Child(path_, key), "Required value");
  return false;
}

void Reader::String(std::string_view key, std::string* out, bool required) {
  if (required && !Require(key)) return;
  const json* v = Get(key);
  if (!v) return;
  if (!v->is_string()) return TypeError(Child(path_, key), *v, "string");
  *out = v->get<std::string>();
}

void Reader::Bool(std::string_view key, bool* out) {
  const json* v = Get(key);
  if (!v) return;
  if (!v->is_boolean()) return TypeError(Child(path_, key), *v, "boolean");
  *out = v->get<bool>();
}

void Reader::Int64(std::string_view key, int64_t* out, bool required) {
  if (required && !Require(key)) return;
  const json* v = Get(key);
  if (!v) return;
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    *out = u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(u);
    return;
  }
  if (!v->is_number_integer()) return TypeError(Child(path_, key), *v, "integer");
  *out = v->get<int64_t>();
}

void Reader::Int32(std::string_view key, int32_t* out, bool required) {
  int64_t wide = *out;
  Errors before = *errors_;
  Int64(key, &wide, required);
  if (errors_->first != before.first) return;
  if (wide > std::numeric_limits<int32_t>::max()) wide = std::numeric_limits<int32_t>::max();
  if (wide < std::numeric_limits<int32_t>::min()) wide = std::numeric_limits<int32_t>::min();
  *out = static_cast<int32_t>(wide);
}

void Reader::Double(std::string_view key, double* out, bool required) {
  if (required && !Require(key)) return;
  const json* v = Get(key);
  if (!v) return;
  if (!v->is_number()) return TypeError(Child(path_, key), *v, "number");
  *out = v->get<double>();
}

void Reader::OptionalDouble(std::string_view key, std::optional<double>* out) {
  double d = 0;
  if (!Get(key)) return;
  Errors before = *errors_;
  Double(key, &d);
  if (errors_->first == before.first) *out = d;
}

void Reader::Dur(std::string_view key, Duration* out, bool required) {
  if (required && !Require(key)) return;
  const json* v = Get(key);
  if (!v) return;
  std::string field = Child(path_, key);
  if (!v->is_string()) return TypeError(field, *v, "string");
  StatusOr<Duration> d = ParseDuration(v->get_ref<const std::string&>());
  if (!d.ok()) {
    // The CRD's CEL rule uses the same words.
    errors_->Add(field, "must be a duration like 30s, 5m or 1h30m (units h, m, s, ms)");
    return;
  }
  *out = *d;
}

void Reader::OptionalDur(std::string_view key, std::optional<Duration>* out) {
  if (!Get(key)) return;
  Duration d{};
  Errors before = *errors_;
  Dur(key, &d);
  if (errors_->first == before.first) *out = d;
}

void Reader::Time(std::string_view key, TimePoint* out) {
  const json* v = Get(key);
  if (!v) return;
  std::string field = Child(path_, key);
  if (!v->is_string()) return TypeError(field, *v, "string");
  TimePoint t;
  if (!ParseRfc3339(v->get<std::string>(), &t)) {
    errors_->Add(field, "must be an RFC 3339 date-time like 2026-11-26T10:00:00Z");
    return;
  }
  *out = t;
}

void Reader::OptionalTime(std::string_view key, std::optional<TimePoint>* out) {
  if (!Get(key)) return;
  TimePoint t{};
  Errors before = *errors_;
  Time(key, &t);
  if (errors_->first == before.first) *out = t;
}

void Reader::StringList(std::string_view key, std::vector<std::string>* out) {
  std::vector<std::string> list;
  for (const auto& [item, path] : Array(key)) {
    if (!item->is_string()) return TypeError(path, *item, "string");
    list.push_back(item->get<std::string>());
  }
  if (Get(key) && errors_->ok()) *out = std::move(list);
}

void Reader::Raw(std::string_view key, json* out) {
  if (const json* v = Get(key)) *out = *v;
}

Reader Reader::Object(std::string_view key) { return Reader(errors_, Get(key), Child(path_, key)); }

std::vector<std::pair<const json*, std::string>> Reader::Array(std::string_view key) {
  std::vector<std::pair<const json*, std::string>> items;
  const json* v = Get(key);
  if (!v) return items;
  std::string field = Child(path_, key);
  if (!v->is_array()) {
    TypeError(field, *v, "array");
    return items;
  }
  for (size_t i = 0; i < v->size(); ++i) items.emplace_back(&(*v)[i], Item(field, i));
  return items;
}

}  // namespace skewgate::api::internal

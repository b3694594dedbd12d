// Internal to src/api: helpers that read a JSON object field by field, strictly, and
// remember the first problem with its field path. Used by the codec only.
//
//   internal::Reader r(j, "spec.model");
//   r.Allow({"uri", "digest"}); r.String("uri", &m.uri, internal::kRequired);
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/codec.h"
#include "common/clock.h"

namespace skewgate::api::internal {

// "a.b" + "c" → "a.b.c"; "" + "c" → "c".
std::string Child(const std::string& path, std::string_view key);
// "a.steps" + 2 → "a.steps[2]".
std::string Item(const std::string& path, size_t index);
// JSON type names as the API server prints them ("integer", "string", "object"...).
std::string TypeName(const nlohmann::json& j);

// The first error of a whole decode; later failures are ignored so that the message names
// the root cause.
struct Errors {
  std::optional<FieldError> first;
  bool ok() const { return !first.has_value(); }
  void Add(std::string field, std::string message) {
    if (!first) first = FieldError{std::move(field), std::move(message)};
  }
};

inline constexpr bool kRequired = true;

template <typename E>
using EnumTable = std::vector<std::pair<std::string_view, E>>;

// Reads the members of one JSON object. A null or absent object reads as empty. Every
// accessor leaves *out untouched when the member is absent or null (so it keeps its
// default) or wrong (the error is recorded).
class Reader {
 public:
  Reader(Errors* errors, const nlohmann::json* j, std::string path);

  const std::string& path() const { return path_; }
  bool present() const { return obj_ != nullptr; }
  // The member, or nullptr when absent or null.
  const nlohmann::json* Get(std::string_view key) const;
  // Records an "unknown field" error for any member not in `allowed`.
  void Allow(std::initializer_list<std::string_view> allowed);
  // Records "Required value" when the member is absent or null; returns whether present.
  bool Require(std::string_view key);

  void String(std::string_view key, std::string* out, bool required = false);
  void Bool(std::string_view key, bool* out);
  void Int64(std::string_view key, int64_t* out, bool required = false);
  // Saturates outside the int32 range: such values are out of every bound in the schema,
  // and the validator reports them with the schema's own message.
  void Int32(std::string_view key, int32_t* out, bool required = false);
  void Double(std::string_view key, double* out, bool required = false);
  void OptionalDouble(std::string_view key, std::optional<double>* out);
  void Dur(std::string_view key, Duration* out, bool required = false);
  void OptionalDur(std::string_view key, std::optional<Duration>* out);
  void Time(std::string_view key, TimePoint* out);
  void OptionalTime(std::string_view key, std::optional<TimePoint>* out);
  void StringList(std::string_view key, std::vector<std::string>* out);
  // Any JSON value (objects kept as they are); absent stays as *out.
  void Raw(std::string_view key, nlohmann::json* out);

  // Returns true when the member was present and one of the table's names.
  template <typename E>
  bool Enum(std::string_view key, const EnumTable<E>& table, E* out) {
    const nlohmann::json* v = Get(key);
    if (!v) return false;
    std::string field = Child(path_, key);
    if (!v->is_string()) {
      TypeError(field, *v, "string");
      return false;
    }
    const auto& s = v->get_ref<const std::string&>();
    std::string supported;
    for (const auto& [name, value] : table) {
      if (name == s) {
        *out = value;
        return true;
      }
      if (name.empty()) continue;  // "" (unset) is accepted but not advertised
      supported += (supported.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    }
    errors_->Add(field, "Unsupported value: \"" + s + "\": supported values: " + supported);
    return false;
  }
  template <typename E>
  void OptionalEnum(std::string_view key, const EnumTable<E>& table, std::optional<E>* out) {
    E value{};
    if (Enum(key, table, &value)) *out = value;
  }

  // A reader for a nested object member (absent → an empty reader; not an object → error).
  Reader Object(std::string_view key);
  // Elements of an array member, with their paths; empty if absent or not an array
  // (recorded as an error).
  std::vector<std::pair<const nlohmann::json*, std::string>> Array(std::string_view key);

  Errors* errors() const { return errors_; }
  void TypeError(const std::string& field, const nlohmann::json& v, const char* want);

 private:
  Errors* errors_;
  const nlohmann::json* obj_;
  std::string path_;
};

}  // namespace skewgate::api::internal

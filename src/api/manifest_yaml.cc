#include "api/manifest_yaml.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "api/text_match.h"

namespace skewgate::api {
namespace {

using nlohmann::json;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Converter {
 public:
  explicit Converter(ManifestDocument* doc) : doc_(doc) {}

  Status Convert(const YAML::Node& node, const std::string& path, int depth, json* out) {
    if (++nodes_ > kMaxYamlNodes) {
      return Error(node, "document too large (more than " + std::to_string(kMaxYamlNodes) +
                             " nodes, perhaps through aliases)");
    }
    if (depth > kMaxYamlDepth)
      return Error(node, "nesting deeper than " + std::to_string(kMaxYamlDepth));
    if (!path.empty() && !doc_->lines.count(path)) doc_->lines[path] = node.Mark().line + 1;
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: *out = nullptr; return OkStatus();
      case YAML::NodeType::Scalar: return Scalar(node, out);
      case YAML::NodeType::Sequence: {
        *out = json::array();
        size_t i = 0;
        for (const auto& item : node) {
          json v;
          SG_RETURN_IF_ERROR(Convert(item, path + "[" + std::to_string(i++) + "]", depth + 1, &v));
          out->push_back(std::move(v));
        }
        return OkStatus();
      }
      case YAML::NodeType::Map: {
        *out = json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) return Error(kv.first, "mapping keys must be plain strings");
          std::string key = kv.first.Scalar();
          if (out->contains(key)) return Error(kv.first, "duplicate key \"" + key + "\"");
          std::string child = path.empty() ? key : path + "." + key;
          doc_->lines[child] = kv.first.Mark().line + 1;
          json v;
          SG_RETURN_IF_ERROR(Convert(kv.second, child, depth + 1, &v));
          (*out)[key] = std::move(v);
        }
        return OkStatus();
      }
    }
    return Error(node, "unsupported YAML node");
  }

 private:
  static Status Error(const YAML::Node& node, const std::string& message) {
    return InvalidArgumentError("line " + std::to_string(node.Mark().line + 1) + ": " + message);
  }

  Status Scalar(const YAML::Node& node, json* out) {
    const std::string& s = node.Scalar();
    // yaml-cpp tags quoted and block scalars "!" and plain ones "?": only plain ones are typed.
    if (node.Tag() != "?") {
      *out = s;
      return OkStatus();
    }
    const std::string l = Lower(s);
    if (s.empty() || s == "~" || l == "null") {
      *out = nullptr;
      return OkStatus();
    }
    // YAML 1.1 booleans, as go-yaml v2 (and therefore kubectl) reads them.
    if (l == "true" || l == "yes" || l == "on") {
      *out = true;
      return OkStatus();
    }
    if (l == "false" || l == "no" || l == "off") {
      *out = false;
      return OkStatus();
    }
    if (internal::IsDecimalInteger(s)) {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (errno == 0) {
        *out = static_cast<int64_t>(v);
        return OkStatus();
      }
      errno = 0;
      unsigned long long u = std::strtoull(s.c_str(), &end, 10);
      if (errno == 0 && s[0] != '-') {
        *out = static_cast<uint64_t>(u);
        return OkStatus();
      }
      // Too large for 64 bits: keep it as a number, the validator will name the bound.
      *out = std::strtod(s.c_str(), nullptr);
      return OkStatus();
    }
    if (internal::IsHexInteger(s)) {
      errno = 0;
      unsigned long long u = std::strtoull(s.c_str(), nullptr, 16);
      if (errno != 0) return Error(node, "integer " + s + " does not fit in 64 bits");
      *out = static_cast<uint64_t>(u);
      return OkStatus();
    }
    if (internal::IsDecimalFloat(s)) {
      double d = std::strtod(s.c_str(), nullptr);
      if (!std::isfinite(d)) return Error(node, "number " + s + " is out of range");
      *out = d;
      return OkStatus();
    }
    if (l == ".inf" || l == "+.inf" || l == "-.inf" || l == ".nan") {
      return Error(node, s + " cannot be represented in JSON");
    }
    *out = s;
    return OkStatus();
  }

  ManifestDocument* doc_;
  size_t nodes_ = 0;
};

}  // namespace

int ManifestDocument::LineOf(const std::string& field) const {
  std::string f = field;
  while (!f.empty()) {
    auto it = lines.find(f);
    if (it != lines.end()) return it->second;
    size_t cut = f.find_last_of(".[");
    if (cut == std::string::npos) break;
    f.resize(cut);
  }
  return line;
}

StatusOr<std::vector<ManifestDocument>> ParseYamlManifests(std::string_view text) {
  std::vector<ManifestDocument> docs;
  try {
    std::vector<YAML::Node> nodes = YAML::LoadAll(std::string(text));
    for (const YAML::Node& node : nodes) {
      if (!node.IsDefined() || node.IsNull()) continue;
      ManifestDocument doc;
      doc.line = node.Mark().line + 1;
      Converter conv(&doc);
      SG_RETURN_IF_ERROR(conv.Convert(node, "", 0, &doc.object));
      docs.push_back(std::move(doc));
    }
  } catch (const YAML::Exception& e) {
    // e.mark is 0-based; yaml-cpp leaves it at -1 when it has no position.
    std::string where = e.mark.is_null() ? "" : "line " + std::to_string(e.mark.line + 1) + ": ";
    return InvalidArgumentError(where + "invalid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("invalid YAML: ") + e.what());
  }
  return docs;
}

}  // namespace skewgate::api

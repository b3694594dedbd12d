#include "modelserver/model.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

namespace skewgate::modelserver {

double LinearModel::Predict(const std::vector<double>& x) const {
  double z = bias;
  for (size_t i = 0; i < weights.size(); ++i) z += weights[i] * x[i];
  return kind == ModelKind::kLogistic ? 1.0 / (1.0 + std::exp(-z)) : z;
}

int LinearModel::FeatureIndex(std::string_view name) const {
  for (size_t i = 0; i < features.size(); ++i) {
    if (features[i] == name) return static_cast<int>(i);
  }
  return -1;
}

StatusOr<LinearModel> ParseLinearModel(std::string_view json_text) {
  using nlohmann::json;
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("model: not a JSON object");
  LinearModel m;
  auto name = j.find("name");
  if (name == j.end() || !name->is_string() || name->get<std::string>().empty()) {
    return InvalidArgumentError("name: required, a non-empty string");
  }
  m.name = name->get<std::string>();
  if (m.name.find_first_of("/?#: ") != std::string::npos) {
    return InvalidArgumentError("name: '" + m.name + "' must not contain / ? # : or spaces");
  }
  if (auto k = j.find("kind"); k != j.end()) {
    if (*k == "linear") {
      m.kind = ModelKind::kLinear;
    } else if (*k == "logistic") {
      m.kind = ModelKind::kLogistic;
    } else {
      return InvalidArgumentError("kind: must be \"linear\" or \"logistic\"");
    }
  }
  auto features = j.find("features");
  if (features == j.end() || !features->is_array() || features->empty()) {
    return InvalidArgumentError("features: required, a non-empty list of names");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < features->size(); ++i) {
    const json& f = (*features)[i];
    if (!f.is_string() || f.get<std::string>().empty()) {
      return InvalidArgumentError("features[" + std::to_string(i) +
                                  "]: must be a non-empty string");
    }
    if (!seen.insert(f.get<std::string>()).second) {
      return InvalidArgumentError("features[" + std::to_string(i) + "]: duplicate name '" +
                                  f.get<std::string>() + "'");
    }
    m.features.push_back(f.get<std::string>());
  }
  auto weights = j.find("weights");
  if (weights == j.end() || !weights->is_array()) {
    return InvalidArgumentError("weights: required, a list of numbers");
  }
  if (weights->size() != m.features.size()) {
    return InvalidArgumentError("weights: " + std::to_string(weights->size()) + " values for " +
                                std::to_string(m.features.size()) + " features");
  }
  for (size_t i = 0; i < weights->size(); ++i) {
    const json& w = (*weights)[i];
    if (!w.is_number() || !std::isfinite(w.get<double>())) {
      return InvalidArgumentError("weights[" + std::to_string(i) + "]: must be a finite number");
    }
    m.weights.push_back(w.get<double>());
  }
  if (auto b = j.find("bias"); b != j.end()) {
    if (!b->is_number() || !std::isfinite(b->get<double>())) {
      return InvalidArgumentError("bias: must be a finite number");
    }
    m.bias = b->get<double>();
  }
  if (auto o = j.find("output"); o != j.end()) {
    if (!o->is_string() || o->get<std::string>().empty()) {
      return InvalidArgumentError("output: must be a non-empty string");
    }
    m.output = o->get<std::string>();
  }
  return m;
}

}  // namespace skewgate::modelserver

// A linear or logistic-regression model loaded from JSON: the reference model the demo
// and the tests serve. Pure: parsing and prediction, no I/O.
//
//   SG_ASSIGN_OR_RETURN(LinearModel m, ParseLinearModel(text));
//   double score = m.Predict({12.5, 3.0});   // sigmoid(w·x + b) for kind "logistic"
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skewgate::modelserver {

enum class ModelKind { kLinear, kLogistic };

struct LinearModel {
  std::string name;
  ModelKind kind = ModelKind::kLinear;
  std::vector<std::string> features;
  std::vector<double> weights;  // same length as features
  double bias = 0;
  std::string output = "score";  // name of the single output

  // x must have features.size() entries.
  double Predict(const std::vector<double>& x) const;
  int FeatureIndex(std::string_view name) const;
};

// {"name":"fraud","kind":"logistic","features":["a","b"],"weights":[0.5,-1],"bias":0.1,
//  "output":"score"}. Errors name the field: "weights: 3 values for 2 features".
StatusOr<LinearModel> ParseLinearModel(std::string_view json_text);

}  // namespace skewgate::modelserver

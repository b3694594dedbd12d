// Test-only tool for the scipy/numpy oracle (skew_oracle.py): reads a JSON array of cases
// on stdin, computes each with the skew library and writes a JSON array of results.
//
//   echo '[{"op":"distances","p":[1,2],"q":[2,1],"centres":[0,1],"scale":1}]' |
//     skew_oracle_probe      # -> [{"js":0.0817...,"psi":...,...}]
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "skew/baseline.h"
#include "skew/binning.h"
#include "skew/builder.h"
#include "skew/distance.h"
#include "skew/run_store.h"

namespace {

using nlohmann::json;
using namespace skewgate::skew;

json Distances(const json& c) {
  const auto p = c.at("p").get<std::vector<double>>();
  const auto q = c.at("q").get<std::vector<double>>();
  const auto centres = c.at("centres").get<std::vector<double>>();
  const double scale = c.at("scale").get<double>();
  json out;
  out["js"] = JensenShannon(p, q).value();
  out["psi"] = Psi(p, q).value();
  out["linf"] = LInfinity(p, q).value();
  out["ks"] = BinnedKolmogorovSmirnov(p, q).value();
  out["wasserstein"] = Wasserstein(centres, p, q, scale).value();
  ChiSquareResult chi = ChiSquareHomogeneity(p, q).value();
  out["chi2"] = {{"statistic", chi.statistic},
                 {"dof", chi.dof},
                 {"p_value", chi.p_value},
                 {"groups", chi.groups}};
  return out;
}

// Builds a one-column baseline from `values` (null = missing), in memory and through a
// spilling store with a tiny budget; both must agree, and the result is returned.
json BuildBaseline(const json& c) {
  BuilderOptions o;
  o.bins = c.value("bins", 20);
  o.summary_quantiles = c.at("probs").get<std::vector<double>>();
  BuilderOptions tiny = o;
  tiny.memory_budget_bytes = 8 * 1024;
  InMemoryRunStore store;
  BaselineBuilder mem({{"x", FeatureKind::kNumeric}}, o, nullptr);
  BaselineBuilder spill({{"x", FeatureKind::kNumeric}}, tiny, &store);
  for (const json& v : c.at("values")) {
    for (BaselineBuilder* b : {&mem, &spill}) {
      if (v.is_null()) {
        b->AddMissing(0);
      } else if (v.is_string()) {
        double d = 0;
        ParseNumber(v.get<std::string>(), &d);  // "nan", "inf", "-inf"
        b->AddNumber(0, d);
      } else {
        b->AddNumber(0, v.get<double>());
      }
    }
  }
  auto a = mem.Finish();
  auto b = spill.Finish();
  if (!a.ok() || !b.ok())
    return {{"error", a.ok() ? b.status().ToString() : a.status().ToString()}};
  json out = json::parse(SerializeBaseline(*a))["features"][0];
  out["spill_agrees"] = SerializeBaseline(*a) == SerializeBaseline(*b);
  out["spilled_runs"] = spill.spilled_runs();
  return out;
}

}  // namespace

int main() {
  try {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    json cases = json::parse(text);
    json results = json::array();
    for (const json& c : cases) {
      const std::string op = c.at("op").get<std::string>();
      if (op == "distances") {
        results.push_back(Distances(c));
      } else if (op == "baseline") {
        results.push_back(BuildBaseline(c));
      } else {
        std::cerr << "unknown op " << op << "\n";
        return 2;
      }
    }
    std::cout << results.dump() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "skew_oracle_probe: " << e.what() << "\n";
    return 1;
  }
}

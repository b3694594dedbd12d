// Runs one analysis: the api's analysis settings become the skew library's config, the
// windows' counts go through skew::Evaluate, and the verdict comes back as the api's
// AnalysisStatus for the ModelDeployment's status. Pure.
//
//   skew::AnalysisConfig cfg = ToSkewConfig(md.spec.strategy.canary->analysis);
//   api::AnalysisStatus s = RunAnalysis(baseline, canary_counts, stable, cfg, rev, now);
#pragma once

#include <optional>
#include <string>

#include "api/types.h"
#include "common/clock.h"
#include "skew/baseline.h"
#include "skew/counts.h"
#include "skew/verdict.h"

namespace skewgate::analysis {

skew::AnalysisConfig ToSkewConfig(const api::AnalysisSpec& spec);

// What the sources could gather for one run. A missing or failed source is evidence of
// nothing: the run is Inconclusive with `problem` as its message, never Successful.
struct Evidence {
  std::optional<skew::Counts> canary;
  std::optional<skew::Counts> stable;  // with compareToStable
  std::string problem;                 // non-empty: a scrape failed, a hash mismatched, ...
};

// Never fails: every error becomes an Inconclusive status that says why.
api::AnalysisStatus RunAnalysis(const skew::Baseline& baseline, const Evidence& evidence,
                                const skew::AnalysisConfig& config, const std::string& revision,
                                TimePoint now);

}  // namespace skewgate::analysis

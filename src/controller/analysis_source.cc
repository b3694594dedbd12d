#include "controller/analysis_source.h"

#include <chrono>

#include "api/codec.h"

namespace skewgate::controller {

void ManualAnalysisSource::Set(const std::string& key, AnalysisReading reading) {
  std::lock_guard<std::mutex> l(mu_);
  readings_[key] = std::move(reading);
}

void ManualAnalysisSource::SetDefault(AnalysisReading reading) {
  std::lock_guard<std::mutex> l(mu_);
  fallback_ = std::move(reading);
}

int ManualAnalysisSource::reads() const {
  std::lock_guard<std::mutex> l(mu_);
  return reads_;
}

AnalysisReading ManualAnalysisSource::Read(const api::ModelDeployment& md) {
  std::lock_guard<std::mutex> l(mu_);
  ++reads_;
  auto it = readings_.find(md.Namespace() + "/" + md.Name());
  return it != readings_.end() ? it->second : fallback_;
}

AnalysisReading AnnotationAnalysisSource::Read(const api::ModelDeployment& md) {
  AnalysisReading r;
  r.enabled = true;
  if (md.status.canary_revision.empty()) return r;
  std::string verdict;
  auto annotations = md.metadata.find("annotations");
  if (annotations != md.metadata.end() && annotations->is_object()) {
    auto it = annotations->find(kAnnotation);
    if (it != annotations->end() && it->is_string()) verdict = it->get<std::string>();
  }
  api::AnalysisStatus run;
  run.revision = md.status.canary_revision;
  // Whole seconds, as status stores them: the state machine counts one run per second.
  run.time = std::chrono::floor<std::chrono::seconds>(clock_.Now());
  run.samples = 1000;
  if (verdict == "Successful") {
    run.verdict = api::Verdict::kSuccessful;
  } else if (verdict == "Failed") {
    run.verdict = api::Verdict::kFailed;
    run.max_feature = "test";
    run.max_score = 1;
    api::FeatureAnalysis f;
    f.name = "test";
    f.score = 1;
    f.threshold = 0.1;
    f.samples = run.samples;
    f.verdict = api::FeatureVerdict::kFail;
    run.features.push_back(f);
  } else {
    run.verdict = api::Verdict::kInconclusive;
  }
  run.message =
      std::string("test annotation ") + kAnnotation + ": " + api::VerdictName(run.verdict);
  r.latest = run;
  return r;
}

}  // namespace skewgate::controller

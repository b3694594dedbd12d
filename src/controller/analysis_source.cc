#include "controller/analysis_source.h"

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

}  // namespace skewgate::controller

// Where the reconciler gets skew verdicts. The closed-loop analysis (scraping the sidecars
// or Prometheus every interval) implements this interface; until then the controller runs
// with NoAnalysisSource, and tests drive ManualAnalysisSource directly.
//
//   AnalysisReading r = source.Read(md);          // on every reconcile, must be quick
//   input.analysis_enabled = r.enabled;  input.analysis = r.latest;
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "api/types.h"
#include "common/clock.h"

namespace skewgate::controller {

struct AnalysisReading {
  // False: no analysis is configured for this ModelDeployment; steps advance on time alone
  // and promotion needs no successful run. True: nothing is promoted without one.
  bool enabled = false;
  // The latest completed run for the ModelDeployment's canary, if any. The state machine
  // counts a run once (by revision and time), so returning the same run again is harmless.
  std::optional<api::AnalysisStatus> latest;
  friend bool operator==(const AnalysisReading&, const AnalysisReading&) = default;
};

class AnalysisSource {
 public:
  virtual ~AnalysisSource() = default;
  // Called from several reconcile workers at once (never twice at once for one
  // ModelDeployment); must not block on the network: implementations compute runs in the
  // background and return the latest here. `md` carries its status (canaryRevision,
  // currentStepStartedAt) so the implementation knows which revision and window to analyse.
  virtual AnalysisReading Read(const api::ModelDeployment& md) = 0;
};

// "No analysis configured, nothing yet": what the controller runs with until the
// closed-loop analysis lands.
class NoAnalysisSource final : public AnalysisSource {
 public:
  // AnalysisSource
  AnalysisReading Read(const api::ModelDeployment&) override { return {}; }
};

// Readings set by a test, per "namespace/name" (with a fallback for every other object).
// Thread-safe.
class ManualAnalysisSource final : public AnalysisSource {
 public:
  void Set(const std::string& key, AnalysisReading reading);
  void SetDefault(AnalysisReading reading);
  int reads() const;

  // AnalysisSource
  AnalysisReading Read(const api::ModelDeployment& md) override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, AnalysisReading> readings_;
  AnalysisReading fallback_;
  int reads_ = 0;
};

// TEST ONLY (`--analysis test-annotation`): the verdict of every run is read from the
// ModelDeployment's annotation skewgate.io/test-analysis-verdict (Successful, Failed or
// Inconclusive; absent: Inconclusive), one run per second for the current canary. The
// fault tests use it to make analyses fail or pass on KWOK pods, which run no sidecars.
// Never use it in production: anyone who can annotate the object decides its promotion.
//
//   md.metadata.annotations["skewgate.io/test-analysis-verdict"] = "Failed";  → aborted
class AnnotationAnalysisSource final : public AnalysisSource {
 public:
  static constexpr const char* kAnnotation = "skewgate.io/test-analysis-verdict";
  explicit AnnotationAnalysisSource(const Clock& clock) : clock_(clock) {}

  // AnalysisSource
  AnalysisReading Read(const api::ModelDeployment& md) override;

 private:
  const Clock& clock_;
};

}  // namespace skewgate::controller

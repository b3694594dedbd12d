// Lossless round trips: the examples, and randomly generated valid specs and statuses.
#include <gtest/gtest.h>

#include <random>

#include "api/codec.h"
#include "api/validation.h"
#include "unit/api/api_test_data.h"

namespace skewgate::api {
namespace {

using nlohmann::json;

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  int64_t Int(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Coin() { return Int(0, 1) == 1; }
  // Multiples of 1/1024 keep the doubles exact but not trivially round.
  double Fraction(double lo, double hi) {
    double v = lo + (hi - lo) * Int(1, 1024) / 1024.0;
    return v;
  }
  std::string Name(int max_len = 12) {
    static const char* kChars = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s(1, "abcdefghijklmnopqrstuvwxyz"[Int(0, 25)]);
    for (int i = Int(0, max_len - 1); i > 0; --i) s += kChars[Int(0, 35)];
    return s;
  }
  std::string Text() {
    static const std::string kPieces[] = {"é", "\"", "\\", "\n", " ", "日本", "x", "{}"};
    std::string s;
    for (int i = Int(0, 6); i > 0; --i) s += kPieces[Int(0, 7)];
    return s;
  }
  std::string Hex(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "0123456789abcdef"[Int(0, 15)];
    return s;
  }
  Duration Dur(int64_t lo_ms, int64_t hi_ms) {
    return std::chrono::milliseconds(Int(lo_ms, hi_ms));
  }
  TimePoint Time() { return FromUnixSeconds(Int(0, 4102444800)); }  // 1970..2100, whole seconds
  SkewMetric Metric(bool categorical) {
    if (categorical) return Coin() ? SkewMetric::kLInfinity : SkewMetric::kJensenShannon;
    static const SkewMetric kNumeric[] = {SkewMetric::kJensenShannon, SkewMetric::kPsi,
                                          SkewMetric::kKs, SkewMetric::kWasserstein};
    return kNumeric[Int(0, 3)];
  }

  ModelDeploymentSpec Spec() {
    ModelDeploymentSpec s;
    s.replicas = Int(0, kMaxReplicas);
    s.model.uri = (Coin() ? "https://" : "file://") + Name() + "/" + Name() + ".json";
    s.model.digest = "sha256:" + Hex(64);
    s.baseline.config_map_ref.name = Name() + (Coin() ? "." + Name() : "");
    if (Coin()) s.baseline.config_map_ref.key = Name() + ".json";
    s.pod_template = {{"spec", {{"containers", {{{"name", Name()}, {"image", Name() + ":1"}}}}}}};
    if (Coin()) s.pod_template["metadata"] = {{"labels", {{Name(), Text()}}}};
    s.sidecar.protocol = static_cast<PayloadProtocol>(Int(0, 3));
    s.sidecar.port = Int(1, 40000);
    s.sidecar.model_port = Int(40001, 65535);
    if (Coin()) s.sidecar.image = Name() + ":" + Name();
    for (int i = Int(0, 5); i > 0; --i)
      s.sidecar.feature_names.push_back(Name() + std::to_string(i));
    if (Coin()) s.sidecar.resources = {{"limits", {{"memory", "128Mi"}}}};
    s.progress_deadline_seconds = Int(3601, kMaxProgressDeadlineSeconds);
    s.progress_deadline_abort = Coin();
    s.revision_history_limit = Int(0, kMaxRevisionHistoryLimit);
    s.paused = Coin();
    if (Int(0, 4) > 0) s.strategy.canary = Canary();
    return s;
  }

  CanaryStrategy Canary() {
    CanaryStrategy c;
    int32_t weight = 0;
    for (int i = Int(1, 12); i > 0; --i) {
      switch (Int(0, 2)) {
        case 0:
          weight = Int(weight, 100);
          c.steps.push_back({SetWeightStep{weight}});
          break;
        case 1: {
          PauseStep p;
          if (Coin()) p.duration = Dur(1000, 168LL * 3600 * 1000);
          c.steps.push_back({p});
          break;
        }
        default:
          c.steps.push_back({ShadowStep{static_cast<int32_t>(Int(1, 100)), Dur(10000, 86400000)}});
      }
    }
    AnalysisSpec& a = c.analysis;
    a.interval = Dur(5000, 3600000);
    a.min_samples = Int(1, kMaxMinSamples);
    a.failure_limit = Int(1, kMaxRunLimit);
    a.inconclusive_limit = Int(1, kMaxRunLimit);
    a.skew.numeric.metric = Metric(false);
    a.skew.numeric.threshold = Fraction(0, 1);
    a.skew.categorical.metric = Metric(true);
    a.skew.categorical.threshold = Fraction(0, 1);
    for (int i = Int(0, 6); i > 0; --i) {
      FeatureSkewRule f;
      f.name = Name() + "_" + std::to_string(i);
      if (Coin()) f.metric = Metric(Coin());
      if (Coin()) f.threshold = Fraction(0, 1);
      f.critical = Coin();
      f.ignore = !f.critical && Coin();
      a.skew.features.push_back(f);
    }
    a.skew.max_failing_features = Int(0, 10);
    a.skew.compare_to_stable = Coin();
    a.skew.stable_margin = Fraction(0, 1) - 1.0 / 1024;
    if (Coin()) a.prometheus = PrometheusSource{"http://" + Name() + ":9090"};
    if (Coin()) c.traffic.gateway_api = GatewayApiTraffic{Name()};
    return c;
  }

  ModelDeploymentStatus Status() {
    ModelDeploymentStatus s;
    s.observed_generation = Int(0, 1000000);
    s.phase = static_cast<Phase>(Int(0, 4));
    s.message = Text();
    for (const char* type : {"Ready", "Progressing", "Stalled"}) {
      if (Coin())
        s.conditions.push_back(
            {type, Coin() ? "True" : "False", Name(), Text(), Int(0, 9), Time()});
    }
    s.stable_revision = Coin() ? Hex(10) : "";
    s.canary_revision = Coin() ? Hex(10) : "";
    s.baseline_digest = Coin() ? "sha256:" + Hex(64) : "";
    if (Coin()) s.current_step_index = Int(0, 50);
    if (Coin()) s.current_step_started_at = Time();
    s.canary_weight = Int(0, 100);
    s.actual_canary_weight = Int(0, 100);
    s.failed_runs = Int(0, 3);
    s.consecutive_inconclusive_runs = Int(0, 3);
    if (Coin()) s.last_progress_time = Time();
    s.replicas = Int(0, 10);
    s.ready_replicas = Int(0, 10);
    s.selector = Coin() ? "skewgate.io/name=" + Name() : "";
    if (Coin()) {
      AnalysisStatus a;
      a.revision = Hex(10);
      a.time = Time();
      a.verdict = static_cast<Verdict>(Int(0, 2));
      a.message = Text();
      a.samples = Int(0, 1 << 30);
      a.max_score = Fraction(0, 1);
      a.max_feature = Name();
      for (int i = Int(0, 4); i > 0; --i) {
        FeatureAnalysis f;
        f.name = Name();
        f.type = Coin() ? FeatureType::kNumeric : FeatureType::kCategorical;
        f.metric = Metric(f.type == FeatureType::kCategorical);
        f.score = Fraction(0, 1);
        if (Coin()) f.stable_score = Fraction(0, 1);
        f.threshold = Fraction(0, 1);
        f.samples = Int(0, 100000);
        f.critical = Coin();
        f.verdict = static_cast<FeatureVerdict>(Int(0, 3));
        for (int b = Int(0, 3); b > 0; --b) {
          f.histogram.push_back({Text(), Fraction(0, 1), Fraction(0, 1)});
        }
        a.features.push_back(f);
      }
      a.features_omitted = Int(0, 3);
      s.last_analysis = a;
    }
    for (int i = Int(0, 3); i > 0; --i) {
      s.history.push_back({Hex(10), "sha256:" + Hex(64), Name() + ":1", "sha256:" + Hex(64),
                           static_cast<RevisionOutcome>(Int(0, 3)), Time(), Text()});
    }
    for (std::optional<GateRequest>* g :
         {&s.gates.promote, &s.gates.promote_full, &s.gates.abort, &s.gates.retry}) {
      if (!Coin()) continue;
      GateRequest r{Hex(8), Time(), Name(), Coin() ? Hex(10) : "", std::nullopt, ""};
      if (Coin()) {
        r.acknowledged_at = Time();
        r.result = "Accepted";
      }
      *g = r;
    }
    if (Coin()) s.abort = AbortInfo{Hex(10), Time(), "AnalysisFailed", Text(), {Name(), Name()}};
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(RoundTrip, RandomValidSpecsSurviveJsonAndText) {
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    Gen gen(seed);
    ModelDeployment md;
    md.metadata = {{"name", gen.Name()}, {"namespace", gen.Name()}};
    md.spec = gen.Spec();
    ASSERT_EQ(ToStatus(ValidateSpec(md.spec)), OkStatus())
        << "seed " << seed << " generated an invalid spec";
    json j = ToJson(md);
    FieldError err;
    StatusOr<ModelDeployment> back = FromJson(json::parse(j.dump()), &err);
    ASSERT_TRUE(back.ok()) << "seed " << seed << ": " << err.ToString() << "\n" << j.dump(2);
    ASSERT_EQ(*back, md) << "seed " << seed << "\n" << j.dump(2) << "\n" << ToJson(*back).dump(2);
    EXPECT_TRUE(ValidateManifest(j).empty()) << ToStatus(ValidateManifest(j)).ToString();
  }
}

TEST(RoundTrip, RandomStatusesSurvive) {
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    Gen gen(seed * 7919);
    ModelDeploymentStatus st = gen.Status();
    json j = ToJson(st);
    StatusOr<ModelDeploymentStatus> back = StatusFromJson(json::parse(j.dump()));
    ASSERT_TRUE(back.ok()) << "seed " << seed << ": " << back.status().ToString();
    ASSERT_EQ(*back, st) << "seed " << seed << "\n" << j.dump(2) << "\n" << ToJson(*back).dump(2);
  }
}

TEST(RoundTrip, GeneratorCoversEveryStepKindAndOptional) {
  // Guards the test above against a generator that silently stops producing cases.
  int set_weight = 0, timed_pause = 0, gate = 0, shadow = 0, prom = 0, gw = 0, no_canary = 0;
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    ModelDeploymentSpec s = Gen(seed).Spec();
    if (!s.strategy.canary) {
      ++no_canary;
      continue;
    }
    for (const auto& step : s.strategy.canary->steps) {
      if (step.IsSetWeight()) ++set_weight;
      if (step.IsShadow()) ++shadow;
      if (step.IsPause()) ++(std::get<PauseStep>(step.action).duration ? timed_pause : gate);
    }
    prom += s.strategy.canary->analysis.prometheus.has_value();
    gw += s.strategy.canary->traffic.gateway_api.has_value();
  }
  for (int n : {set_weight, timed_pause, gate, shadow, prom, gw, no_canary}) EXPECT_GT(n, 20);
}

TEST(RoundTrip, ExamplesDecodeValidateAndRoundTrip) {
  auto files = testdata::ExampleFiles();
  EXPECT_GE(files.size(), 5u);
  for (const std::string& path : files) {
    auto docs = testdata::LoadYamlFile(path);
    ASSERT_EQ(docs.size(), 1u) << path;
    const json& ex = docs[0].object;
    auto errors = ValidateManifest(ex);
    EXPECT_TRUE(errors.empty()) << path << ": " << ToStatus(errors).ToString();
    StatusOr<ModelDeployment> md = FromJson(ex);
    ASSERT_TRUE(md.ok()) << path << ": " << md.status().ToString();
    json out = ToJson(*md);
    // Nothing the example says is lost or changed: patching the encoding with the example
    // is a no-op (the encoding only adds defaults).
    json patched = out;
    patched.merge_patch(ex);
    EXPECT_EQ(patched, out) << path << "\n" << out.dump(2);
    StatusOr<ModelDeployment> again = FromJson(out);
    ASSERT_TRUE(again.ok()) << path;
    EXPECT_EQ(*again, *md) << path;
  }
}

}  // namespace
}  // namespace skewgate::api

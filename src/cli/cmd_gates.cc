// skewgate promote [--full] | abort | retry | pause | resume | undo NAME: human decisions.
// promote/abort/retry write a GateRequest into the status subresource (api/types.h: the
// spec in Git never drifts); the controller acts on it once and acknowledges it. pause and
// resume set spec.paused, undo puts an earlier revision's content back into the spec —
// both are real changes of intent, so they go to the spec (docs/gitops.md).
// Each refuses, with one line saying why, a request that does not apply to the current state.
#include <iostream>
#include <random>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/plugin_kube.h"
#include "cli/plugin_undo.h"
#include "common/flags.h"
#include "kube/errors.h"
#include "kube/resource.h"

namespace skewgate::cli {

namespace {

using nlohmann::json;

enum class Gate { kPromote, kAbort, kRetry, kPause, kResume, kUndo };

struct GateInfo {
  const char* command;
  const char* usage;
  const char* summary;
};

GateInfo Info(Gate g) {
  switch (g) {
    case Gate::kPromote:
      return {"promote", "skewgate promote NAME [--full] [flags]",
              "Release the current manual gate (pause: {}) or a rollout paused after too many\n"
              "inconclusive analyses; with --full, skip the remaining steps (the canary goes to\n"
              "100% after the next successful analysis). Written to status.gates."};
    case Gate::kAbort:
      return {"abort", "skewgate abort NAME [flags]",
              "Abort the canary in flight: traffic back to stable, canary scaled down, the\n"
              "ModelDeployment Degraded (AbortedByUser). Written to status.gates.abort."};
    case Gate::kRetry:
      return {"retry", "skewgate retry NAME [flags]",
              "Restart an aborted canary from step 0 with fresh counters. Written to "
              "status.gates.retry."};
    case Gate::kPause:
      return {"pause", "skewgate pause NAME [flags]",
              "Freeze the rollout where it is (sets spec.paused; traffic is left unchanged)."};
    case Gate::kResume:
      return {"resume", "skewgate resume NAME [flags]",
              "Clear spec.paused set by 'skewgate pause'."};
    case Gate::kUndo:
      return {"undo", "skewgate undo NAME [--to-revision N|HASH] [flags]",
              "Roll back to an earlier revision by putting its model, baseline, pod template and\n"
              "sidecar back into the spec (default: the stable revision while a canary is in\n"
              "flight, else the previous promoted one). N is the number 'skewgate history' shows."};
  }
  return {"", "", ""};
}

std::string RandomId() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string id;
  for (int i = 0; i < 16; ++i) id += "0123456789abcdef"[hex(rd)];
  return id;
}

std::string Requester(const KubeSession& s) {
  if (const char* u = std::getenv("USER"); u != nullptr && *u != '\0') {
    return std::string(u) + " (kubeconfig user " + s.client->config().user + ")";
  }
  return s.client->config().user;
}

// Why `g` does not apply to `md` now, or "" when it does.
std::string WhyNot(Gate g, const json& md, bool full) {
  const json& st = JObj(md, "status");
  const std::string phase = JStr(st, "phase"), canary = JStr(st, "canaryRevision");
  const std::string paused_reason = JStr(FindCondition(md, "Paused"), "reason");
  const bool spec_paused = JObj(md, "spec").value("paused", false);
  switch (g) {
    case Gate::kPromote:
      if (canary.empty() || phase == "Healthy") {
        return "there is no canary in flight to promote (phase " +
               (phase.empty() ? "Unknown" : phase) + ")";
      }
      if (phase == "Degraded")
        return "the canary was aborted; run 'kubectl skewgate retry' to restart it";
      if (spec_paused || paused_reason == "SpecPaused") {
        return "the rollout is paused by spec.paused; run 'kubectl skewgate resume' first";
      }
      if (!full && phase != "Paused") {
        return "the rollout is not waiting at a gate (phase " + phase +
               "); use --full to skip the remaining steps";
      }
      return "";
    case Gate::kAbort:
      if (canary.empty() || phase == "Healthy") return "there is no canary in flight to abort";
      if (phase == "Degraded") return "the rollout is already aborted (phase Degraded)";
      return "";
    case Gate::kRetry:
      if (phase != "Degraded" || !JObj(st, "abort").is_object()) {
        return "only an aborted rollout can be retried (phase " +
               (phase.empty() ? "Unknown" : phase) + ")";
      }
      return "";
    case Gate::kPause:
      if (spec_paused)
        return "it is already paused (spec.paused is true); 'kubectl skewgate resume' continues";
      if (phase == "Degraded")
        return "a Degraded rollout cannot be paused; retry it or change the spec";
      return "";
    case Gate::kResume:
      if (!spec_paused) {
        return paused_reason == "ManualGate" ? "spec.paused is not set; the rollout waits at a "
                                               "manual gate: run 'kubectl skewgate promote'"
                                             : "it is not paused (spec.paused is false)";
      }
      return "";
    case Gate::kUndo: return "";
  }
  return "";
}

int WriteGate(KubeSession& s, const std::string& name, const json& md, const char* field,
              const std::string& label) {
  const std::string canary = JStr(JObj(md, "status"), "canaryRevision");
  std::string rev = canary.empty() ? JStr(JObj(JObj(md, "status"), "abort"), "revision") : canary;
  const std::string id = RandomId();
  json req = {{"id", id},
              {"requestedAt", FormatRfc3339(RealClock::Get().Now())},
              {"requestedBy", Requester(s)},
              {"revision", rev},
              {"acknowledgedAt", nullptr},
              {"result", nullptr}};
  json patch = {{"status", {{"gates", {{field, req}}}}}};
  auto r = s.client->PatchStatus(kube::resources::ModelDeployments(), s.ns, name, patch,
                                 {.field_manager = "kubectl-skewgate"});
  if (!r.ok())
    return PrintError(Explain(r.status(), "patch", "modeldeployments.skewgate.io/status", s.ns));
  std::cout << "modeldeployment " << s.ns << "/" << name << ": " << label
            << " requested for revision " << (rev.empty() ? "(current)" : rev) << " (status.gates."
            << field << ".id " << id << "); the controller acknowledges it in status.gates."
            << field << ".result\n";
  return 0;
}

int SetPaused(KubeSession& s, const std::string& name, bool paused) {
  json patch = {{"spec", {{"paused", paused}}}};
  auto r = s.client->MergePatch(kube::resources::ModelDeployments(), s.ns, name, patch,
                                {.field_manager = "kubectl-skewgate"});
  if (!r.ok())
    return PrintError(Explain(r.status(), "patch", "modeldeployments.skewgate.io", s.ns));
  std::cout << "modeldeployment " << s.ns << "/" << name << ": spec.paused set to "
            << (paused ? "true" : "false") << (paused ? " (traffic left as it is)" : "") << "\n";
  return 0;
}

int RunGateCommand(Gate g, const std::vector<std::string>& args) {
  const GateInfo info = Info(g);
  FlagSet f(info.usage, info.summary);
  AddKubeFlags(f);
  if (g == Gate::kPromote) f.Bool("full", false, "skip the remaining steps (promoteFull)");
  if (g == Gate::kUndo)
    f.String("to-revision", "", "history number (skewgate history) or revision hash");
  if (auto exit = ParseFlags(f, args)) return *exit;
  if (f.positional().size() != 1) {
    std::cerr << "error: expected one ModelDeployment NAME\n\n" << f.Usage();
    return 2;
  }
  const std::string name = f.positional()[0];
  auto s = Connect(f);
  if (!s.ok()) return PrintError(s.status());
  auto md = GetModelDeployment(*s, name);
  if (!md.ok()) return PrintError(md.status());
  const bool full = g == Gate::kPromote && f.GetBool("full");
  if (std::string why = WhyNot(g, *md, full); !why.empty()) {
    return PrintError(FailedPreconditionError(std::string("cannot ") + info.command +
                                              (full ? " --full" : "") + " " + s->ns + "/" + name +
                                              ": " + why));
  }
  switch (g) {
    case Gate::kPromote:
      return full ? WriteGate(*s, name, *md, "promoteFull", "full promotion")
                  : WriteGate(*s, name, *md, "promote", "promotion");
    case Gate::kAbort: return WriteGate(*s, name, *md, "abort", "abort");
    case Gate::kRetry: return WriteGate(*s, name, *md, "retry", "retry");
    case Gate::kPause: return SetPaused(*s, name, true);
    case Gate::kResume: return SetPaused(*s, name, false);
    case Gate::kUndo: return Undo(*s, name, *md, f.Get("to-revision"));
  }
  return 1;
}

}  // namespace

int RunPromote(const std::vector<std::string>& a) { return RunGateCommand(Gate::kPromote, a); }
int RunAbort(const std::vector<std::string>& a) { return RunGateCommand(Gate::kAbort, a); }
int RunRetry(const std::vector<std::string>& a) { return RunGateCommand(Gate::kRetry, a); }
int RunPause(const std::vector<std::string>& a) { return RunGateCommand(Gate::kPause, a); }
int RunResume(const std::vector<std::string>& a) { return RunGateCommand(Gate::kResume, a); }
int RunUndo(const std::vector<std::string>& a) { return RunGateCommand(Gate::kUndo, a); }

}  // namespace skewgate::cli

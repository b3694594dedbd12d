// skewgate get / status: the tree view of a ModelDeployment (or a list without a name),
// -w to redraw live, -o json|yaml for machines, and `status NAME --timeout D` for CI with
// exit codes 0 Healthy, 1 Degraded, 2 timeout, 3 error.
#include <unistd.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <thread>

#include "api/duration.h"
#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/plugin_kube.h"
#include "cli/plugin_render.h"
#include "common/flags.h"
#include "kube/errors.h"
#include "kube/resource.h"

namespace skewgate::cli {

namespace {

using nlohmann::json;

constexpr int kExitHealthy = 0, kExitDegraded = 1, kExitTimeout = 2, kExitError = 3;

// Everything the tree shows, read in one pass. Lists other than the ModelDeployment are
// best effort: a user allowed to read ModelDeployments but not pods still gets a view.
StatusOr<TreeInput> Snapshot(KubeSession& s, const std::string& name) {
  TreeInput in;
  SG_ASSIGN_OR_RETURN(in.md, GetModelDeployment(s, name));
  kube::ListOptions lo;
  if (auto rs = kube::ListAll(*s.client, kube::resources::ReplicaSets(), s.ns, lo); rs.ok()) {
    in.replicasets = std::move(rs->items);
  }
  kube::ListOptions po;
  po.label_selector = JStr(JObj(in.md, "status"), "selector");
  if (auto pods = kube::ListAll(*s.client, kube::resources::Pods(), s.ns, po); pods.ok()) {
    in.pods = std::move(pods->items);
  }
  if (auto ev = kube::ListAll(*s.client, kube::resources::Events(), s.ns, lo); ev.ok()) {
    in.events = std::move(ev->items);
  }
  in.now = RealClock::Get().Now();
  in.color = ColorEnabled();
  return in;
}

std::string Output(const TreeInput& in, const std::string& format) {
  if (format == "json") return in.md.dump(2) + "\n";
  if (format == "yaml") return ToYaml(in.md);
  return RenderTree(in);
}

// Healthy / Degraded only count once the controller has seen the current generation.
enum class Settled { kNo, kHealthy, kDegraded };
Settled Settle(const json& md) {
  const json& st = JObj(md, "status");
  if (JInt(st, "observedGeneration") < JInt(JObj(md, "metadata"), "generation"))
    return Settled::kNo;
  std::string phase = JStr(st, "phase");
  if (phase == "Degraded") return Settled::kDegraded;
  const json& ready = FindCondition(md, "Ready");
  if (phase == "Healthy" && (ready.is_null() || JStr(ready, "status") == "True")) {
    return Settled::kHealthy;
  }
  return Settled::kNo;
}

std::string OneLine(const json& md) {
  const json& st = JObj(md, "status");
  std::string line = JStr(st, "phase").empty() ? "Unknown" : JStr(st, "phase");
  if (st.contains("currentStepIndex"))
    line += " step " + std::to_string(JInt(st, "currentStepIndex"));
  line += " weight " + std::to_string(JInt(st, "canaryWeight")) + "%";
  if (!JStr(st, "message").empty()) line += ": " + JStr(st, "message");
  return line;
}

// Redraws `render()` every 2 s until interrupted: in place on a terminal, else only when it
// changed, separated by "---".
int Watch(const std::function<StatusOr<std::string>()>& render) {
  const bool tty = ColorEnabled() || isatty(STDOUT_FILENO) == 1;
  std::string last;
  for (;;) {
    StatusOr<std::string> next = render();
    if (!next.ok()) return PrintError(next.status());
    const std::string& text = *next;
    if (tty) {
      std::cout << "\033[H\033[2J" << text << std::flush;
    } else if (text != last) {
      std::cout << (last.empty() ? "" : "---\n") << text << std::flush;
    }
    last = text;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

int WaitSettled(KubeSession& s, const std::string& name, Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  for (;;) {
    auto md = GetModelDeployment(s, name);
    if (!md.ok()) return PrintError(md.status(), kExitError);
    std::string line = OneLine(*md);
    if (line != last) std::cout << line << "\n" << std::flush;
    last = line;
    switch (Settle(*md)) {
      case Settled::kHealthy:
        std::cout << "modeldeployment " << s.ns << "/" << name << " is Healthy\n";
        return kExitHealthy;
      case Settled::kDegraded:
        std::cout << "modeldeployment " << s.ns << "/" << name << " is Degraded\n";
        return kExitDegraded;
      case Settled::kNo: break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::cerr << "error: timed out after " << api::FormatDuration(timeout) << " waiting for "
                << s.ns << "/" << name << " to become Healthy (now " << line << ")\n";
      return kExitTimeout;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

int Run(const std::vector<std::string>& args, bool is_status) {
  FlagSet f(is_status ? "skewgate status NAME [--timeout 10m] [-w] [-o json|yaml] [flags]"
                      : "skewgate get [NAME] [-w] [-o json|yaml] [-A] [flags]",
            is_status
                ? "Show a ModelDeployment as a tree (phase, step, weights, revisions with their\n"
                  "ReplicaSets and pods, the last analysis, recent events). With --timeout, wait\n"
                  "for the rollout to settle; exit code 0 Healthy, 1 Degraded, 2 timeout, 3 error."
                : "Show a ModelDeployment as a tree, or list ModelDeployments without a NAME.");
  AddKubeFlags(f, !is_status);
  f.Bool("watch", false, "redraw every 2 seconds until interrupted").Short("w");
  f.String("output", "", "json or yaml: print the object instead of the tree").Short("o");
  if (is_status) f.String("timeout", "", "wait this long (e.g. 10m) for Healthy or Degraded");
  const int usage_code = is_status ? kExitError : 2;
  if (auto exit = ParseFlags(f, args, usage_code)) return *exit;
  const std::string format = f.Get("output");
  if (!format.empty() && format != "json" && format != "yaml") {
    std::cerr << "error: --output must be json or yaml, not '" << format << "'\n";
    return usage_code;
  }
  if (f.positional().size() > 1 || (is_status && f.positional().empty())) {
    std::cerr << "error: expected " << (is_status ? "one" : "at most one")
              << " ModelDeployment NAME\n\n"
              << f.Usage();
    return usage_code;
  }
  auto s = Connect(f);
  if (!s.ok()) return PrintError(s.status(), is_status ? kExitError : 1);
  if (f.positional().empty()) {
    const bool all = f.GetBool("all-namespaces");
    auto render = [&]() -> StatusOr<std::string> {
      auto list =
          kube::ListAll(*s->client, kube::resources::ModelDeployments(), all ? "" : s->ns, {});
      if (!list.ok()) {
        return kube::IsNotFound(list.status())
                   ? FailedPreconditionError(
                         "the cluster has no ModelDeployment API (CRD "
                         "modeldeployments.skewgate.io is not installed); install skewgate with "
                         "'helm install skewgate charts/skewgate' or 'kubectl apply -f crds/'")
                   : Explain(list.status(), "list", "modeldeployments.skewgate.io",
                             all ? "" : s->ns);
      }
      if (format == "json" || format == "yaml") {
        json l = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", list->items}};
        return format == "json" ? l.dump(2) + "\n" : ToYaml(l);
      }
      if (list->items.empty()) {
        return std::string("No ModelDeployments found") + (all ? "" : " in namespace " + s->ns) +
               ".\n";
      }
      return RenderList(list->items, all, RealClock::Get().Now());
    };
    if (f.GetBool("watch")) return Watch(render);
    StatusOr<std::string> text = render();
    if (!text.ok()) return PrintError(text.status());
    // "No ModelDeployments found" is a remark for the person, not output for a pipe.
    (text->rfind("No ModelDeployments found", 0) == 0 ? std::cerr : std::cout) << *text;
    return 0;
  }
  const std::string name = f.positional()[0];
  if (is_status && f.IsSet("timeout")) {
    auto timeout = api::ParseDuration(f.Get("timeout"));
    if (!timeout.ok()) return PrintError(timeout.status().WithContext("--timeout"), kExitError);
    return WaitSettled(*s, name, *timeout);
  }
  if (f.GetBool("watch")) {
    return Watch([&]() -> StatusOr<std::string> {
      SG_ASSIGN_OR_RETURN(TreeInput in, Snapshot(*s, name));
      return Output(in, format);
    });
  }
  auto in = Snapshot(*s, name);
  if (!in.ok()) return PrintError(in.status(), is_status ? kExitError : 1);
  std::cout << Output(*in, format);
  return 0;
}

}  // namespace

int RunGet(const std::vector<std::string>& args) { return Run(args, false); }
int RunStatus(const std::vector<std::string>& args) { return Run(args, true); }

}  // namespace skewgate::cli

// What every cluster-facing plugin command shares: the kubectl-style flags (--kubeconfig,
// --context, -n/--namespace, -A), the connection, reading a ModelDeployment with one-line
// errors that say what to do (unknown name, no CRD in the cluster, forbidden), colour on
// a TTY only, and RFC 3339 / age formatting.
//
//   FlagSet f("skewgate history NAME [flags]", "...");  AddKubeFlags(f);
//   SG_ASSIGN_OR_RETURN(KubeSession s, Connect(f));  auto md = GetModelDeployment(s, name);
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/flags.h"
#include "common/status.h"
#include "kube/client.h"

namespace skewgate::cli {

// Adds --kubeconfig, --context, -n/--namespace and, when `all_namespaces`, -A.
void AddKubeFlags(FlagSet& f, bool all_namespaces = false);

struct KubeSession {
  std::unique_ptr<kube::Client> client;
  std::string ns;  // -n, else the kubeconfig context's namespace; "" with -A
};

// Loads the kubeconfig the way kubectl does (--kubeconfig > $KUBECONFIG > in-cluster >
// ~/.kube/config) and builds a client. Touches no network.
StatusOr<KubeSession> Connect(const FlagSet& f);

// GET of one ModelDeployment. A 404 is told apart: the object is missing (NotFound naming
// the namespace and how to list) or the cluster has no CRD (FailedPrecondition saying how
// to install it). Forbidden says which verb the user lacks.
StatusOr<nlohmann::json> GetModelDeployment(KubeSession& s, const std::string& name);

// Rewrites a client error for a person at a terminal: one line, with what to do next.
// `verb` and `what` name the attempted action ("patch", "modeldeployments/status").
Status Explain(const Status& s, const std::string& verb, const std::string& what,
               const std::string& ns);

// Prints "error: <message>" on stderr and returns `code`.
int PrintError(const Status& s, int code = 1);

// ANSI colour, only when stdout is a terminal and NO_COLOR is unset (https://no-color.org).
bool ColorEnabled();
enum class Color { kNone, kRed, kGreen, kYellow, kBlue, kGray, kBold };
std::string Paint(const std::string& text, Color c, bool enabled);

// "45s", "12m", "3h", "5d" — kubectl's AGE column.
std::string Age(TimePoint then, TimePoint now);
// Reads an RFC 3339 field of a JSON object; nullopt when absent or malformed.
std::optional<TimePoint> JsonTime(const nlohmann::json& obj, const char* key);

// Field access that never throws: "" / 0 / false when absent or of another type.
std::string JStr(const nlohmann::json& obj, const char* key);
int64_t JInt(const nlohmann::json& obj, const char* key);
const nlohmann::json& JObj(const nlohmann::json& obj, const char* key);

// The Condition of `type` in status.conditions, or a null json.
const nlohmann::json& FindCondition(const nlohmann::json& md, const std::string& type);

}  // namespace skewgate::cli

#include "cli/plugin_kube.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "kube/config.h"
#include "kube/errors.h"
#include "kube/resource.h"

namespace skewgate::cli {

void AddKubeFlags(FlagSet& f, bool all_namespaces) {
  f.String("kubeconfig", "", "path to the kubeconfig (default: $KUBECONFIG, ~/.kube/config)");
  f.String("context", "", "kubeconfig context to use (default: current-context)");
  f.String("namespace", "", "namespace (default: the context's namespace)").Short("n");
  if (all_namespaces) f.Bool("all-namespaces", false, "every namespace").Short("A");
}

StatusOr<KubeSession> Connect(const FlagSet& f) {
  auto cfg = kube::LoadDefaultConfig(f.Get("kubeconfig"), f.Get("context"));
  if (!cfg.ok()) return cfg.status();
  KubeSession s;
  s.ns = f.IsSet("namespace") ? f.Get("namespace") : cfg->default_namespace;
  if (s.ns.empty()) s.ns = "default";
  kube::ClientOptions o;
  o.user_agent = "kubectl-skewgate";
  o.request_timeout = std::chrono::seconds(30);
  auto c = kube::NewClient(*cfg, o);
  if (!c.ok()) return c.status();
  s.client = std::move(*c);
  return s;
}

Status Explain(const Status& s, const std::string& verb, const std::string& what,
               const std::string& ns) {
  if (s.ok()) return s;
  const std::string where = ns.empty() ? "" : " in namespace " + ns;
  switch (s.code()) {
    case StatusCode::kPermissionDenied: {
      // "modeldeployments.skewgate.io/status" is checked as the resource and --subresource.
      const size_t slash = what.find('/');
      const std::string check =
          slash == std::string::npos
              ? what
              : what.substr(0, slash) + " --subresource=" + what.substr(slash + 1);
      return PermissionDeniedError("forbidden: you may not " + verb + " " + what + where +
                                   "; ask a cluster admin for that RBAC permission (kubectl auth "
                                   "can-i " +
                                   verb + " " + check + (ns.empty() ? "" : " -n " + ns) + ")");
    }
    case StatusCode::kUnauthenticated:
      return UnauthenticatedError(
          "the API server did not accept your credentials; refresh them or pick another "
          "--context");
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return UnavailableError("cannot reach the API server: " + s.message());
    case StatusCode::kAborted:
      return AbortedError("the object changed while it was being updated; run the command again");
    default: return s;
  }
}

StatusOr<nlohmann::json> GetModelDeployment(KubeSession& s, const std::string& name) {
  const auto& type = kube::resources::ModelDeployments();
  auto md = s.client->Get(type, s.ns, name);
  if (md.ok()) return md;
  if (!kube::IsNotFound(md.status())) {
    return Explain(md.status(), "get", "modeldeployments.skewgate.io", s.ns);
  }
  // A missing object and a missing CRD are both 404; a list tells them apart.
  kube::ListOptions lo;
  lo.limit = 1;
  auto list = s.client->List(type, s.ns, lo);
  if (!list.ok() && kube::IsNotFound(list.status())) {
    return FailedPreconditionError(
        "the cluster has no ModelDeployment API (CRD modeldeployments.skewgate.io is not "
        "installed); install skewgate with 'helm install skewgate charts/skewgate' or "
        "'kubectl apply -f crds/'");
  }
  return NotFoundError("modeldeployment \"" + name + "\" not found in namespace " + s.ns +
                       "; list them with 'kubectl get modeldeployments -n " + s.ns + "'");
}

int PrintError(const Status& s, int code) {
  std::string m = s.message();
  for (char& c : m) {
    if (c == '\n') c = ' ';
  }
  fprintf(stderr, "error: %s\n", m.c_str());
  return code;
}

bool ColorEnabled() {
  const char* no = std::getenv("NO_COLOR");
  if (no != nullptr && *no != '\0') return false;
  return isatty(STDOUT_FILENO) == 1;
}

std::string Paint(const std::string& text, Color c, bool enabled) {
  if (!enabled || c == Color::kNone) return text;
  const char* code = "";
  switch (c) {
    case Color::kRed: code = "31"; break;
    case Color::kGreen: code = "32"; break;
    case Color::kYellow: code = "33"; break;
    case Color::kBlue: code = "34"; break;
    case Color::kGray: code = "90"; break;
    case Color::kBold: code = "1"; break;
    case Color::kNone: break;
  }
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

std::string Age(TimePoint then, TimePoint now) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(now - then).count();
  if (s < 0) s = 0;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 2 * 3600) return std::to_string(s / 60) + "m";
  if (s < 2 * 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::optional<TimePoint> JsonTime(const nlohmann::json& obj, const char* key) {
  std::string text = JStr(obj, key);
  TimePoint t;
  if (text.empty() || !ParseRfc3339(text, &t)) return std::nullopt;
  return t;
}

std::string JStr(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t JInt(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<int64_t>() : 0;
}

const nlohmann::json& JObj(const nlohmann::json& obj, const char* key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it != obj.end() ? *it : kNull;
}

const nlohmann::json& FindCondition(const nlohmann::json& md, const std::string& type) {
  static const nlohmann::json kNull;
  const auto& conds = JObj(JObj(md, "status"), "conditions");
  if (!conds.is_array()) return kNull;
  for (const auto& c : conds) {
    if (JStr(c, "type") == type) return c;
  }
  return kNull;
}

}  // namespace skewgate::cli

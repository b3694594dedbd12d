#include "cli/plugin_render.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "cli/plugin_kube.h"

namespace skewgate::cli {

namespace {

using nlohmann::json;

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string Pad(const std::string& s, size_t w) {
  // Width in code points, so that the tree's box-drawing characters align.
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n >= w ? s + " " : s + std::string(w - n, ' ');
}

Color PhaseColor(const std::string& phase) {
  if (phase == "Healthy") return Color::kGreen;
  if (phase == "Degraded") return Color::kRed;
  if (phase == "Paused") return Color::kYellow;
  if (phase == "Progressing") return Color::kBlue;
  return Color::kNone;
}

std::string PhaseIcon(const std::string& phase) {
  if (phase == "Healthy") return "✔ Healthy";
  if (phase == "Degraded") return "✖ Degraded";
  if (phase == "Paused") return "॥ Paused";
  if (phase == "Progressing") return "◌ Progressing";
  return "? Unknown";
}

std::string StepText(const json& step) {
  if (step.contains("setWeight")) return "setWeight " + step["setWeight"].dump();
  if (step.contains("pause")) {
    std::string d = JStr(step["pause"], "duration");
    return d.empty() ? "pause (manual gate: kubectl skewgate promote)" : "pause " + d;
  }
  if (step.contains("shadow")) {
    return "shadow " + std::to_string(JInt(step["shadow"], "percent")) + "% for " +
           JStr(step["shadow"], "duration");
  }
  return step.dump();
}

std::string OwnerName(const json& obj, const std::string& kind) {
  const auto& refs = JObj(JObj(obj, "metadata"), "ownerReferences");
  if (!refs.is_array()) return "";
  for (const auto& r : refs) {
    if (JStr(r, "kind") == kind) return JStr(r, "name");
  }
  return "";
}

std::string Name(const json& obj) { return JStr(JObj(obj, "metadata"), "name"); }

std::string ObjAge(const json& obj, TimePoint now) {
  auto t = JsonTime(JObj(obj, "metadata"), "creationTimestamp");
  return t ? Age(*t, now) : "";
}

bool PodReady(const json& pod) {
  const auto& conds = JObj(JObj(pod, "status"), "conditions");
  if (!conds.is_array()) return false;
  for (const auto& c : conds) {
    if (JStr(c, "type") == "Ready") return JStr(c, "status") == "True";
  }
  return false;
}

struct Row {
  std::string prefix, name, kind, status, age, info;
  Color color = Color::kNone;
};

void AppendAnalysis(std::ostringstream& out, const json& a, TimePoint now, bool color) {
  if (!a.is_object()) {
    out << "Analysis:      (no analysis run yet)\n";
    return;
  }
  std::string verdict = JStr(a, "verdict");
  Color c = verdict == "Successful" ? Color::kGreen
            : verdict == "Failed"   ? Color::kRed
                                    : Color::kYellow;
  out << "Analysis:      " << Paint(verdict, c, color) << " for revision " << JStr(a, "revision");
  if (auto t = JsonTime(a, "time")) out << ", " << Age(*t, now) << " ago";
  out << ", " << JInt(a, "samples") << " requests";
  if (!JStr(a, "message").empty()) out << ": " << JStr(a, "message");
  out << "\n";
  const auto& fs = JObj(a, "features");
  if (!fs.is_array() || fs.empty()) return;
  out << "  " << Pad("FEATURE", 20) << Pad("METRIC", 15) << Pad("SCORE", 9) << Pad("THRESHOLD", 10)
      << Pad("STABLE", 9) << Pad("SAMPLES", 9) << "VERDICT\n";
  for (const auto& f : fs) {
    std::string v = JStr(f, "verdict");
    Color vc = v == "Fail" ? Color::kRed : v == "Pass" ? Color::kGreen : Color::kYellow;
    std::string stable = f.contains("stableScore") && f["stableScore"].is_number()
                             ? Fmt("%.4f", f["stableScore"].get<double>())
                             : "-";
    double score = f.value("score", 0.0), threshold = f.value("threshold", 0.0);
    out << "  " << Pad(JStr(f, "name"), 20) << Pad(JStr(f, "metric"), 15)
        << Pad(Fmt("%.4f", score), 9) << Pad(Fmt("%g", threshold), 10) << Pad(stable, 9)
        << Pad(std::to_string(JInt(f, "samples")), 9) << Paint(v, vc, color)
        << (f.value("critical", false) ? " (critical)" : "") << "\n";
  }
  if (JInt(a, "featuresOmitted") > 0) {
    out << "  ... and " << JInt(a, "featuresOmitted") << " more features\n";
  }
}

}  // namespace

std::string RenderTree(const TreeInput& in) {
  const json& md = in.md;
  const json& spec = JObj(md, "spec");
  const json& st = JObj(md, "status");
  const std::string name = Name(md);
  const std::string phase = JStr(st, "phase");
  std::ostringstream out;
  out << "Name:          " << name << "\n";
  out << "Namespace:     " << JStr(JObj(md, "metadata"), "namespace") << "\n";
  out << "Status:        " << Paint(PhaseIcon(phase), PhaseColor(phase), in.color) << "\n";
  if (!JStr(st, "message").empty()) out << "Message:       " << JStr(st, "message") << "\n";
  int64_t gen = JInt(JObj(md, "metadata"), "generation");
  if (JInt(st, "observedGeneration") < gen) {
    out << "               (the controller has not observed generation " << gen << " yet)\n";
  }
  if (spec.value("paused", false))
    out << "Paused:        spec.paused is true (kubectl skewgate resume)\n";

  const json& canary = JObj(JObj(spec, "strategy"), "canary");
  const json& steps = JObj(canary, "steps");
  if (canary.is_object() && steps.is_array()) {
    const json& route = JObj(JObj(canary, "traffic"), "gatewayAPI");
    out << "Strategy:      Canary, traffic by "
        << (route.is_object() ? "HTTPRoute " + JStr(route, "httpRoute") : "replica ratio") << "\n";
    if (st.contains("currentStepIndex") && st["currentStepIndex"].is_number()) {
      int64_t i = st["currentStepIndex"].get<int64_t>();
      int64_t n = static_cast<int64_t>(steps.size());
      out << "  Step:        " << std::min(i + 1, n) << "/" << n;
      if (i >= 0 && i < n) out << "  " << StepText(steps[static_cast<size_t>(i)]);
      if (i >= n) out << "  (all steps done)";
      out << "\n";
    }
    out << "  Weight:      desired " << JInt(st, "canaryWeight") << "%, actual "
        << JInt(st, "actualCanaryWeight") << "%\n";
  } else {
    out << "Strategy:      Replace (no canary steps)\n";
  }
  const std::string stable = JStr(st, "stableRevision"), canary_rev = JStr(st, "canaryRevision");
  out << "Revisions:     stable " << (stable.empty() ? "-" : stable) << ", canary "
      << (canary_rev.empty() ? "-" : canary_rev) << "\n";
  out << "Replicas:      desired " << JInt(spec, "replicas") << ", current " << JInt(st, "replicas")
      << ", ready " << JInt(st, "readyReplicas") << "\n";
  const json& abort = JObj(st, "abort");
  if (abort.is_object() && phase == "Degraded") {
    out << "Aborted:       " << JStr(abort, "reason") << ": " << JStr(abort, "message") << "\n";
  }
  AppendAnalysis(out, JObj(st, "lastAnalysis"), in.now, in.color);

  // Revisions → ReplicaSets → Pods.
  std::map<std::string, std::vector<const json*>> rs_by_rev;
  for (const auto& rs : in.replicasets) {
    std::string rn = Name(rs);
    if (OwnerName(rs, "ModelDeployment") != name && rn.rfind(name + "-", 0) != 0) continue;
    std::string rev = JStr(JObj(JObj(rs, "metadata"), "labels"), "skewgate.io/revision");
    if (rev.empty()) rev = rn.substr(std::min(rn.size(), name.size() + 1));
    rs_by_rev[rev].push_back(&rs);
  }
  std::vector<std::pair<std::string, std::string>> revs;  // (revision, role)
  if (!canary_rev.empty()) revs.emplace_back(canary_rev, "canary");
  if (!stable.empty()) revs.emplace_back(stable, "stable");
  for (const auto& [rev, _] : rs_by_rev) {
    if (rev != stable && rev != canary_rev) revs.emplace_back(rev, "old");
  }
  std::vector<Row> rows;
  rows.push_back({"", "⟳ " + name, "ModelDeployment", PhaseIcon(phase), ObjAge(md, in.now), "",
                  PhaseColor(phase)});
  for (size_t r = 0; r < revs.size(); ++r) {
    bool last_rev = r + 1 == revs.size();
    rows.push_back({last_rev ? "└──" : "├──",
                    "# revision:" + revs[r].first + " (" + revs[r].second + ")", "", "", "", ""});
    const std::string indent = last_rev ? "   " : "│  ";
    auto& sets = rs_by_rev[revs[r].first];
    for (size_t k = 0; k < sets.size(); ++k) {
      const json& rs = *sets[k];
      bool last_rs = k + 1 == sets.size();
      int64_t want = JInt(JObj(rs, "spec"), "replicas"),
              ready = JInt(JObj(rs, "status"), "readyReplicas");
      std::string s = want == 0 ? "• ScaledDown" : ready >= want ? "✔ Healthy" : "◌ Progressing";
      Color c = want == 0 ? Color::kGray : ready >= want ? Color::kGreen : Color::kBlue;
      rows.push_back({indent + (last_rs ? "└──" : "├──"), "⧉ " + Name(rs), "ReplicaSet", s,
                      ObjAge(rs, in.now),
                      std::to_string(ready) + "/" + std::to_string(want) + " ready", c});
      std::vector<const json*> pods;
      for (const auto& p : in.pods) {
        if (OwnerName(p, "ReplicaSet") == Name(rs)) pods.push_back(&p);
      }
      std::sort(pods.begin(), pods.end(),
                [](const json* a, const json* b) { return Name(*a) < Name(*b); });
      const std::string indent2 = indent + (last_rs ? "   " : "│  ");
      for (size_t p = 0; p < pods.size(); ++p) {
        const json& pod = *pods[p];
        bool ready_pod = PodReady(pod);
        std::string pphase = JStr(JObj(pod, "status"), "phase");
        int total = 0, ready_c = 0;
        const auto& cs = JObj(JObj(pod, "status"), "containerStatuses");
        if (cs.is_array()) {
          for (const auto& c1 : cs) {
            ++total;
            ready_c += c1.value("ready", false) ? 1 : 0;
          }
        }
        rows.push_back({indent2 + (p + 1 == pods.size() ? "└──" : "├──"), "□ " + Name(pod), "Pod",
                        (ready_pod ? "✔ " : "◌ ") + (pphase.empty() ? "Pending" : pphase),
                        ObjAge(pod, in.now),
                        "ready:" + std::to_string(ready_c) + "/" + std::to_string(total),
                        ready_pod ? Color::kGreen : Color::kYellow});
      }
    }
  }
  size_t name_w = 0;
  for (const auto& row : rows) {
    std::string s = row.prefix + row.name;
    size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    name_w = std::max(name_w, n);
  }
  out << "\n"
      << Pad("NAME", name_w + 2) << Pad("KIND", 17) << Pad("STATUS", 15) << Pad("AGE", 6)
      << "INFO\n";
  for (const auto& row : rows) {
    std::string line = Pad(row.prefix + row.name, name_w + 2) + Pad(row.kind, 17) +
                       Paint(Pad(row.status, 15), row.color, in.color) + Pad(row.age, 6) + row.info;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }

  // Events about this ModelDeployment, newest last.
  std::vector<std::pair<TimePoint, const json*>> evs;
  for (const auto& e : in.events) {
    const json& reg = JObj(e, "regarding");
    if (JStr(reg, "kind") != "ModelDeployment" || JStr(reg, "name") != name) continue;
    auto t = JsonTime(JObj(e, "series"), "lastObservedTime");
    if (!t) t = JsonTime(e, "eventTime");
    if (!t) t = JsonTime(e, "deprecatedLastTimestamp");
    if (!t) t = JsonTime(JObj(e, "metadata"), "creationTimestamp");
    evs.emplace_back(t.value_or(TimePoint{}), &e);
  }
  std::stable_sort(evs.begin(), evs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (evs.size() > in.max_events)
    evs.erase(evs.begin(), evs.end() - static_cast<long>(in.max_events));
  out << "\nEvents:" << (evs.empty() ? " <none>" : "") << "\n";
  for (const auto& [t, e] : evs) {
    std::string type = JStr(*e, "type");
    out << "  " << Pad(Age(t, in.now), 6)
        << Paint(Pad(type, 9), type == "Warning" ? Color::kYellow : Color::kNone, in.color)
        << Pad(JStr(*e, "reason"), 22) << JStr(*e, "note") << "\n";
  }
  return out.str();
}

std::string RenderList(const std::vector<json>& mds, bool with_namespace, TimePoint now) {
  std::ostringstream out;
  if (with_namespace) out << Pad("NAMESPACE", 16);
  out << Pad("NAME", 24) << Pad("PHASE", 13) << Pad("STABLE", 12) << Pad("CANARY", 12)
      << Pad("WEIGHT", 8) << Pad("SKEW", 8) << "AGE\n";
  for (const auto& md : mds) {
    const json& st = JObj(md, "status");
    const json& a = JObj(st, "lastAnalysis");
    if (with_namespace) out << Pad(JStr(JObj(md, "metadata"), "namespace"), 16);
    out << Pad(Name(md), 24) << Pad(JStr(st, "phase"), 13) << Pad(JStr(st, "stableRevision"), 12)
        << Pad(JStr(st, "canaryRevision"), 12) << Pad(std::to_string(JInt(st, "canaryWeight")), 8)
        << Pad(a.is_object() ? Fmt("%.3f", a.value("maxScore", 0.0)) : "-", 8) << ObjAge(md, now)
        << "\n";
  }
  return out.str();
}

int HistoryNumber(const json& history, size_t index) {
  return static_cast<int>(history.size() - index);
}

std::string RenderHistory(const json& md, bool color) {
  const json& st = JObj(md, "status");
  const json& h = JObj(st, "history");
  std::ostringstream out;
  if (!h.is_array() || h.empty()) {
    out << "no revisions recorded for " << Name(md) << " yet\n";
    return out.str();
  }
  auto shorten = [](const std::string& d) { return d.size() > 19 ? d.substr(0, 19) : d; };
  size_t image_w = 7;
  for (const auto& r : h) image_w = std::max(image_w, JStr(r, "image").size() + 2);
  out << Pad("#", 4) << Pad("REVISION", 21) << Pad("OUTCOME", 11) << Pad("DEPLOYED", 22)
      << Pad("MODEL", 20) << Pad("BASELINE", 20) << Pad("IMAGE", image_w) << "MESSAGE\n";
  for (size_t i = 0; i < h.size(); ++i) {
    const json& r = h[i];
    std::string rev = JStr(r, "revision");
    if (rev == JStr(st, "stableRevision")) rev += " (stable)";
    if (rev == JStr(st, "canaryRevision")) rev += " (canary)";
    std::string outcome = JStr(r, "outcome");
    Color c = outcome == "Aborted"    ? Color::kRed
              : outcome == "Promoted" ? Color::kGreen
                                      : Color::kNone;
    std::string line = Pad(std::to_string(HistoryNumber(h, i)), 4) + Pad(rev, 21) +
                       Paint(Pad(outcome, 11), c, color) + Pad(JStr(r, "time"), 22) +
                       Pad(shorten(JStr(r, "modelDigest")), 20) +
                       Pad(shorten(JStr(r, "baselineDigest")), 20) +
                       Pad(JStr(r, "image"), image_w) + JStr(r, "message");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  return out.str();
}

std::string RenderSkew(const json& md, int width, bool color) {
  const json& a = JObj(JObj(md, "status"), "lastAnalysis");
  std::ostringstream out;
  if (!a.is_object()) {
    out << "no analysis has run for " << Name(md) << " yet (status.lastAnalysis is empty)\n";
    return out.str();
  }
  out << "Last analysis of " << Name(md) << ", revision " << JStr(a, "revision") << " at "
      << JStr(a, "time") << ": " << JStr(a, "verdict") << ", " << JInt(a, "samples")
      << " requests\n";
  std::vector<json> fs;
  if (JObj(a, "features").is_array()) fs = JObj(a, "features").get<std::vector<json>>();
  auto ratio = [](const json& f) {
    double t = f.value("threshold", 0.0), s = f.value("score", 0.0);
    return t > 0 ? s / t : s;
  };
  std::stable_sort(fs.begin(), fs.end(),
                   [&](const json& x, const json& y) { return ratio(x) > ratio(y); });
  double scale = 0;
  for (const auto& f : fs)
    scale = std::max({scale, f.value("score", 0.0), f.value("threshold", 0.0)});
  if (scale <= 0) scale = 1;
  out << "bars: score (█) against the threshold (│), on a common scale of 0.." << Fmt("%.4g", scale)
      << "\n\n";
  for (const auto& f : fs) {
    double s = f.value("score", 0.0), t = f.value("threshold", 0.0);
    int filled = static_cast<int>(s / scale * width + 0.5);
    int mark = std::min(width - 1, static_cast<int>(t / scale * width + 0.5));
    std::string bar;
    for (int i = 0; i < width; ++i) bar += i == mark ? "│" : i < filled ? "█" : "·";
    std::string v = JStr(f, "verdict");
    Color c = v == "Fail" ? Color::kRed : v == "Pass" ? Color::kGreen : Color::kYellow;
    out << "  " << Pad(JStr(f, "name"), 20) << Paint(bar, c, color) << " "
        << Pad(Fmt("%.4f", s) + (s > t ? " > " : " ≤ ") + Fmt("%g", t), 18)
        << Pad(JStr(f, "metric"), 14) << Pad(std::to_string(JInt(f, "samples")) + " samples", 15)
        << Paint(v, c, color) << (f.value("critical", false) ? " (critical)" : "") << "\n";
  }
  if (JInt(a, "featuresOmitted") > 0) {
    out << "  ... and " << JInt(a, "featuresOmitted")
        << " more features (all below the worst shown)\n";
  }
  bool any = false;
  for (const auto& f : fs) {
    const json& h = JObj(f, "histogram");
    if (!h.is_array() || h.empty()) continue;
    if (!any) {
      out << "\nbaseline (=) vs live (#): share of values per bucket, worst features first\n";
      any = true;
    }
    std::vector<skew::HistogramRow> rows;
    for (const auto& b : h) {
      rows.push_back({JStr(b, "bucket"), b.value("baseline", 0.0), b.value("live", 0.0)});
    }
    std::string v = JStr(f, "verdict");
    Color c = v == "Fail" ? Color::kRed : v == "Pass" ? Color::kGreen : Color::kYellow;
    out << "\n  " << JStr(f, "name") << " (" << JStr(f, "metric") << " "
        << Fmt("%.4f", f.value("score", 0.0)) << ", " << Paint(v, c, color) << ")\n";
    out << RenderHistogram(rows, width, 4, c, color);
  }
  return out.str();
}

std::string RenderHistogram(const std::vector<skew::HistogramRow>& rows, int width, int indent,
                            Color live_color, bool color) {
  double top = 0;
  for (const auto& r : rows) top = std::max({top, r.baseline, r.live});
  auto bar = [&](double share, const char* c) {
    int n = top > 0 ? static_cast<int>(share / top * width + 0.5) : 0;
    if (share > 0 && n == 0) n = 1;  // a non-empty bucket never looks empty
    std::string s;
    for (int i = 0; i < n; ++i) s += c;
    return s;
  };
  size_t label_w = 8;
  for (const auto& r : rows) label_w = std::max(label_w, r.bucket.size() + 2);
  const std::string pad(static_cast<size_t>(indent), ' ');
  std::ostringstream out;
  for (const auto& r : rows) {
    std::string line = pad + Pad(r.bucket, label_w) + Fmt("%5.1f%% ", r.baseline * 100) +
                       Pad(bar(r.baseline, "="), static_cast<size_t>(width) + 1) +
                       Fmt("%5.1f%% ", r.live * 100) + Paint(bar(r.live, "#"), live_color, color);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  return out.str();
}

namespace {

bool PlainKey(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/'))
      return false;
  }
  return isalpha(static_cast<unsigned char>(k[0])) != 0;
}

std::string Scalar(const json& v) {
  if (v.is_string()) return v.dump();  // JSON's escapes are YAML double-quoted escapes
  if (v.is_object()) return "{}";
  if (v.is_array()) return "[]";
  return v.dump();
}

void EmitYaml(const json& v, int indent, std::ostringstream& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [k, child] : v.items()) {
      out << pad << (PlainKey(k) ? k : json(k).dump()) << ":";
      if ((child.is_object() || child.is_array()) && !child.empty()) {
        out << "\n";
        EmitYaml(child, child.is_array() ? indent : indent + 2, out);
      } else {
        out << " " << Scalar(child) << "\n";
      }
    }
  } else if (v.is_array()) {
    for (const auto& child : v) {
      if (child.is_object() && !child.empty()) {
        std::ostringstream inner;
        EmitYaml(child, indent + 2, inner);
        std::string s = inner.str();
        out << pad << "- " << s.substr(static_cast<size_t>(indent) + 2);
      } else if (child.is_array() && !child.empty()) {
        out << pad << "-\n";
        EmitYaml(child, indent + 2, out);
      } else {
        out << pad << "- " << Scalar(child) << "\n";
      }
    }
  } else {
    out << pad << Scalar(v) << "\n";
  }
}

}  // namespace

std::string ToYaml(const json& value) {
  std::ostringstream out;
  EmitYaml(value, 0, out);
  return out.str();
}

}  // namespace skewgate::cli

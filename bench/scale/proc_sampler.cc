#include "proc_sampler.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace skewgate::bench {

ProcSample ReadProc(pid_t pid) {
  ProcSample s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  if (!status) return s;
  for (std::string line; std::getline(status, line);) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "VmRSS:") in >> s.rss_kb;
    if (key == "VmHWM:") in >> s.hwm_kb;
    if (key == "Threads:") in >> s.threads;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The command name may contain spaces: fields are counted after its closing ')'.
  size_t close = all.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream fields(all.substr(close + 2));
  std::string field;
  // After ')' come field 3 (state) onwards; utime and stime are fields 14 and 15.
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  s.ok = true;
  return s;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::map<std::string, double> ParseMetrics(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    try {
      out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
    } catch (const std::exception&) {
      // A value that is not a number (NaN spelled otherwise) is not a counter we read.
    }
  }
  return out;
}

std::string LabelOf(const std::string& series, const std::string& label) {
  std::string needle = label + "=\"";
  size_t at = series.find(needle);
  if (at == std::string::npos) return "";
  // Only a label name starts after '{' or ','.
  if (at == 0 || (series[at - 1] != '{' && series[at - 1] != ',')) return "";
  size_t from = at + needle.size();
  size_t to = series.find('"', from);
  return to == std::string::npos ? "" : series.substr(from, to - from);
}

double SumSeries(const std::map<std::string, double>& metrics, const std::string& name,
                 const std::map<std::string, std::string>& labels) {
  double total = 0;
  for (const auto& [series, value] : metrics) {
    if (series.compare(0, name.size(), name) != 0) continue;
    if (series.size() > name.size() && series[name.size()] != '{') continue;
    bool match = true;
    for (const auto& [k, v] : labels) match = match && LabelOf(series, k) == v;
    if (match) total += value;
  }
  return total;
}

}  // namespace skewgate::bench

// What the scale harness reads about processes and the controller, without a cluster:
// memory and CPU of a pid from /proc, and counters from a Prometheus text page.
//
//   ProcSample s = ReadProc(pid);          // s.rss_kb, s.hwm_kb, s.cpu_seconds
//   double w = SumSeries(metrics, "skewgate_api_requests_total", {{"verb", "apply"}});
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace skewgate::bench {

struct ProcSample {
  bool ok = false;
  long rss_kb = 0;  // VmRSS
  long hwm_kb = 0;  // VmHWM: peak resident set since the process started
  int threads = 0;
  double cpu_seconds = 0;  // utime + stime
};

// Reads /proc/<pid>/status and /proc/<pid>/stat; ok is false when the process is gone.
ProcSample ReadProc(pid_t pid);

// The 1-, 5- and 15-minute load averages as /proc/loadavg prints them.
std::string LoadAverage();

// Prometheus text exposition → {"name{labels}" → value}; comments skipped.
std::map<std::string, double> ParseMetrics(const std::string& text);

// Sum of the series of `name` whose labels include every `labels` pair.
double SumSeries(const std::map<std::string, double>& metrics, const std::string& name,
                 const std::map<std::string, std::string>& labels = {});

// The value of `label` in a series key `name{a="x",b="y"}`; "" when absent.
std::string LabelOf(const std::string& series, const std::string& label);

}  // namespace skewgate::bench

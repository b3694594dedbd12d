#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

#include "common/clock.h"

namespace skewgate {
namespace {

std::mutex g_mu;
LogConfig g_config = {LogLevel::kInfo, LogFormat::kText, ""};
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace

void ConfigureLogging(LogConfig config) {
  std::lock_guard<std::mutex> l(g_mu);
  g_config = std::move(config);
  g_min_level = static_cast<int>(g_config.min_level);
}

LogConfig DefaultLogConfig(std::string component) {
  LogConfig c;
  c.component = std::move(component);
  c.format = isatty(STDERR_FILENO) ? LogFormat::kText : LogFormat::kJson;
  return c;
}

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  if (text == "debug")
    *out = LogLevel::kDebug;
  else if (text == "info")
    *out = LogLevel::kInfo;
  else if (text == "warn" || text == "warning")
    *out = LogLevel::kWarn;
  else if (text == "error")
    *out = LogLevel::kError;
  else
    return false;
  return true;
}

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_min_level.load(); }

std::string JsonQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

LogLine::LogLine(LogLevel level, std::string_view object)
    : enabled_(LogEnabled(level)), level_(level), object_(object) {}

LogLine& LogLine::Msg(std::string_view msg) {
  if (enabled_) msg_ = msg;
  return *this;
}
LogLine& LogLine::Field(std::string_view key, std::string_view value) {
  if (enabled_) fields_.emplace_back(std::string(key), JsonQuote(value));
  return *this;
}
LogLine& LogLine::Field(std::string_view key, int64_t value) {
  if (enabled_) fields_.emplace_back(std::string(key), std::to_string(value));
  return *this;
}
LogLine& LogLine::Field(std::string_view key, double value) {
  if (enabled_) {
    char buf[32];
    if (std::isfinite(value)) {
      std::snprintf(buf, sizeof buf, "%.6g", value);
    } else {
      std::snprintf(buf, sizeof buf, "\"%g\"", value);
    }
    fields_.emplace_back(std::string(key), buf);
  }
  return *this;
}
LogLine& LogLine::Field(std::string_view key, bool value) {
  if (enabled_) fields_.emplace_back(std::string(key), value ? "true" : "false");
  return *this;
}

LogLine::~LogLine() {
  if (!enabled_) return;
  std::string ts = FormatRfc3339Micro(RealClock::Get().Now());
  std::string line;
  std::lock_guard<std::mutex> l(g_mu);
  if (g_config.format == LogFormat::kJson) {
    line = "{\"ts\":" + JsonQuote(ts) + ",\"level\":\"" + LevelName(level_) + "\"";
    if (!g_config.component.empty()) line += ",\"component\":" + JsonQuote(g_config.component);
    if (!object_.empty()) line += ",\"object\":" + JsonQuote(object_);
    line += ",\"msg\":" + JsonQuote(msg_);
    for (auto& [k, v] : fields_) line += "," + JsonQuote(k) + ":" + v;
    line += "}\n";
  } else {
    line = ts.substr(11, 15) + " " + LevelName(level_) + " ";
    if (!object_.empty()) line += "[" + object_ + "] ";
    line += msg_;
    for (auto& [k, v] : fields_) line += " " + k + "=" + v;
    line += "\n";
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace skewgate

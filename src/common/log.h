// Structured logging: one JSON object per line in production, readable text on a TTY.
// Every line names the object it is about; payload values never go into a log.
//
//   SG_LOG(Info, "ml/fraud").Msg("canary promoted").Field("revision", "7f3c9a");
//   SG_LOG(Error, "").Msg("watch failed").Field("error", status.ToString());
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skewgate {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kText, kJson };

struct LogConfig {
  LogLevel min_level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  std::string component;  // "controller", "sidecar", ...
};

// Configures the process-wide logger. LogFormat defaults to JSON when stderr is not a TTY.
void ConfigureLogging(LogConfig config);
LogConfig DefaultLogConfig(std::string component);
bool ParseLogLevel(std::string_view text, LogLevel* out);

// One log line, written to stderr when it goes out of scope.
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view object);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Msg(std::string_view msg);
  LogLine& Field(std::string_view key, std::string_view value);
  LogLine& Field(std::string_view key, const char* value) {
    return Field(key, std::string_view(value));
  }
  LogLine& Field(std::string_view key, const std::string& value) {
    return Field(key, std::string_view(value));
  }
  LogLine& Field(std::string_view key, int64_t value);
  LogLine& Field(std::string_view key, int value) {
    return Field(key, static_cast<int64_t>(value));
  }
  LogLine& Field(std::string_view key, uint64_t value) {
    return Field(key, static_cast<int64_t>(value));
  }
  LogLine& Field(std::string_view key, double value);
  LogLine& Field(std::string_view key, bool value);

 private:
  bool enabled_;
  LogLevel level_;
  std::string object_;
  std::string msg_;
  // (key, already-encoded JSON value, is_string)
  std::vector<std::pair<std::string, std::string>> fields_;
};

bool LogEnabled(LogLevel level);

// Escapes a string for inclusion in JSON (with quotes).
std::string JsonQuote(std::string_view s);

}  // namespace skewgate

#define SG_LOG(level, object) ::skewgate::LogLine(::skewgate::LogLevel::k##level, (object))

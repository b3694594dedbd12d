// A small command-line flag parser shared by every binary: --name value, --name=value,
// boolean --name / --no-name, short aliases (-n), positional arguments, and "--".
//
//   FlagSet f("skewgate baseline", "Build a training baseline");
//   auto& in = f.String("input", "", "training data (.csv or .jsonl)").Required();
//   if (Status s = f.Parse(args); !s.ok()) { std::cerr << s.message(); return 2; }
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace skewgate {

class FlagSet {
 public:
  struct Flag {
    std::string name;
    std::string shorthand;  // without the dash, "" if none
    std::string help;
    std::string value;  // current value as text
    std::string default_value;
    bool is_bool = false;
    bool required = false;
    bool set = false;
    Flag& Required() {
      required = true;
      return *this;
    }
    Flag& Short(std::string s) {
      shorthand = std::move(s);
      return *this;
    }
  };

  FlagSet(std::string usage, std::string summary);

  Flag& String(const std::string& name, const std::string& def, const std::string& help);
  Flag& Bool(const std::string& name, bool def, const std::string& help);

  // Parses args (without the program/command name). Unknown flags, missing values and
  // missing required flags are InvalidArgument errors naming the flag. "--help"/"-h"
  // sets help_requested() and returns Ok.
  Status Parse(const std::vector<std::string>& args);

  std::string Get(const std::string& name) const;
  bool GetBool(const std::string& name) const;
  // Parses the flag as an integer or double; an error names the flag and the bad text.
  StatusOr<long long> GetInt(const std::string& name) const;
  StatusOr<double> GetDouble(const std::string& name) const;
  bool IsSet(const std::string& name) const;
  // Comma-separated list, empty items dropped.
  std::vector<std::string> GetList(const std::string& name) const;

  const std::vector<std::string>& positional() const { return positional_; }
  bool help_requested() const { return help_requested_; }
  std::string Usage() const;

 private:
  Flag* Find(const std::string& name);
  const Flag& Lookup(const std::string& name) const;
  std::string usage_, summary_;
  std::vector<std::unique_ptr<Flag>> flags_;
  std::vector<std::string> positional_;
  bool help_requested_ = false;
};

}  // namespace skewgate

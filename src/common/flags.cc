#include "common/flags.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace skewgate {

FlagSet::FlagSet(std::string usage, std::string summary)
    : usage_(std::move(usage)), summary_(std::move(summary)) {}

FlagSet::Flag& FlagSet::String(const std::string& name, const std::string& def,
                               const std::string& help) {
  auto f = std::make_unique<Flag>();
  f->name = name;
  f->help = help;
  f->value = def;
  f->default_value = def;
  flags_.push_back(std::move(f));
  return *flags_.back();
}

FlagSet::Flag& FlagSet::Bool(const std::string& name, bool def, const std::string& help) {
  Flag& f = String(name, def ? "true" : "false", help);
  f.is_bool = true;
  return f;
}

FlagSet::Flag* FlagSet::Find(const std::string& name) {
  for (auto& f : flags_) {
    if (f->name == name || (!f->shorthand.empty() && f->shorthand == name)) return f.get();
  }
  return nullptr;
}

const FlagSet::Flag& FlagSet::Lookup(const std::string& name) const {
  for (auto& f : flags_) {
    if (f->name == name) return *f;
  }
  std::abort();  // asking for a flag that was never declared is a programming error
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      positional_.insert(positional_.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (a == "--help" || a == "-h") {
      help_requested_ = true;
      continue;
    }
    if (a.size() < 2 || a[0] != '-' || a == "-") {
      positional_.push_back(a);
      continue;
    }
    bool long_form = a.rfind("--", 0) == 0;
    std::string body = a.substr(long_form ? 2 : 1);
    std::optional<std::string> inline_value;
    if (auto eq = body.find('='); eq != std::string::npos) {
      inline_value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    Flag* f = Find(body);
    bool negated = false;
    if (f == nullptr && long_form && body.rfind("no-", 0) == 0) {
      f = Find(body.substr(3));
      negated = f != nullptr && f->is_bool;
      if (!negated) f = nullptr;
    }
    if (f == nullptr) {
      return InvalidArgumentError("unknown flag " + a + "; see --help");
    }
    if (f->is_bool) {
      if (inline_value) {
        if (*inline_value != "true" && *inline_value != "false") {
          return InvalidArgumentError("flag --" + f->name + " takes true or false, not '" +
                                      *inline_value + "'");
        }
        f->value = (*inline_value == "true") != negated ? "true" : "false";
      } else {
        f->value = negated ? "false" : "true";
      }
    } else if (inline_value) {
      f->value = *inline_value;
    } else {
      if (i + 1 >= args.size()) return InvalidArgumentError("flag --" + f->name + " needs a value");
      f->value = args[++i];
    }
    f->set = true;
  }
  if (help_requested_) return OkStatus();
  for (auto& f : flags_) {
    if (f->required && !f->set) return InvalidArgumentError("missing required flag --" + f->name);
  }
  return OkStatus();
}

std::string FlagSet::Get(const std::string& name) const { return Lookup(name).value; }
bool FlagSet::GetBool(const std::string& name) const { return Lookup(name).value == "true"; }
bool FlagSet::IsSet(const std::string& name) const { return Lookup(name).set; }

StatusOr<long long> FlagSet::GetInt(const std::string& name) const {
  const std::string& v = Lookup(name).value;
  char* end = nullptr;
  errno = 0;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0) {
    return InvalidArgumentError("flag --" + name + " needs a whole number, not '" + v + "'");
  }
  return x;
}

StatusOr<double> FlagSet::GetDouble(const std::string& name) const {
  const std::string& v = Lookup(name).value;
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') {
    return InvalidArgumentError("flag --" + name + " needs a number, not '" + v + "'");
  }
  return x;
}

std::vector<std::string> FlagSet::GetList(const std::string& name) const {
  std::vector<std::string> out;
  std::stringstream ss(Lookup(name).value);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string FlagSet::Usage() const {
  std::ostringstream os;
  os << "Usage: " << usage_ << "\n\n" << summary_ << "\n\nFlags:\n";
  for (auto& f : flags_) {
    std::string lhs = "  ";
    lhs += f->shorthand.empty() ? "    " : "-" + f->shorthand + ", ";
    lhs += "--" + f->name;
    if (!f->is_bool) lhs += " VALUE";
    os << lhs;
    if (lhs.size() < 30)
      os << std::string(30 - lhs.size(), ' ');
    else
      os << "\n" << std::string(30, ' ');
    os << f->help;
    if (f->required)
      os << " (required)";
    else if (!f->default_value.empty() && f->default_value != "false")
      os << " (default " << f->default_value << ")";
    os << "\n";
  }
  os << "  -h, --help                  show this help\n";
  return os.str();
}

}  // namespace skewgate

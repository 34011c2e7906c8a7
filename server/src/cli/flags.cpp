#include "cli/flags.h"

#include <charconv>
#include <cstdlib>

namespace vigil {

Status Flags::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) return Status::Error("bad_flag", "unexpected argument '" + a + "'");
    std::string name = a.substr(2), value;
    bool has_value = false;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagSpec* spec = nullptr;
    for (const auto& s : specs_) {
      if (s.name == name) spec = &s;
    }
    if (!spec) return Status::Error("bad_flag", "unknown flag --" + name + " (see --help)");
    if (!has_value) {
      if (i + 1 >= args.size()) return Status::Error("bad_flag", "--" + name + " needs a value");
      value = args[++i];
    }
    values_[name] = value;
  }
  return Status::Ok();
}

std::string Flags::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  for (const auto& s : specs_) {
    if (s.name != name) continue;
    if (!s.env.empty()) {
      const char* v = std::getenv(s.env.c_str());
      if (v && *v) return v;
    }
    return s.def;
  }
  return {};
}

Result<int64_t> Flags::GetInt(const std::string& name) const {
  std::string v = Get(name);
  int64_t n = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size()) {
    return Status::Error("bad_flag", "--" + name + " must be an integer, got '" + v + "'");
  }
  return n;
}

std::string Flags::Usage() const {
  std::string out = "Flags (each also read from its environment variable):\n";
  for (const auto& s : specs_) {
    std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    if (left.size() < 30) left.resize(30, ' ');
    else left += "\n" + std::string(30, ' ');
    out += left + s.help;
    if (!s.env.empty()) out += " [" + s.env + "]";
    if (!s.def.empty()) out += " (default: " + s.def + ")";
    out += "\n";
  }
  return out;
}

}  // namespace vigil

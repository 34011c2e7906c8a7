// Command-line flags with VIGIL_* environment equivalents. Precedence: flag, then environment,
// then default. Every flag is listed by --help with its variable and default.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace vigil {

struct FlagSpec {
  std::string name;     // without dashes, e.g. "listen"
  std::string env;      // e.g. "VIGIL_LISTEN"; empty: no variable
  std::string def;      // default value
  std::string value_name;  // e.g. "HOST:PORT"
  std::string help;
};

class Flags {
 public:
  explicit Flags(std::vector<FlagSpec> specs) : specs_(std::move(specs)) {}
  // Parses args (after the subcommand). Accepts --name=value and --name value.
  // Sets help_requested() on -h/--help.
  Status Parse(const std::vector<std::string>& args);
  bool help_requested() const { return help_; }
  std::string Get(const std::string& name) const;
  Result<int64_t> GetInt(const std::string& name) const;
  std::string Usage() const;

 private:
  std::vector<FlagSpec> specs_;
  std::map<std::string, std::string> values_;
  bool help_ = false;
};

}  // namespace vigil

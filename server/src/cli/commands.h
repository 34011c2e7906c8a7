// The subcommands of the `vigil` binary. Each takes the arguments after its name and returns the
// process exit code.
#pragma once

#include <string>
#include <vector>

namespace vigil {

int ServeCommand(const std::vector<std::string>& args);
int ProjectCommand(const std::vector<std::string>& args);
int TokenCommand(const std::vector<std::string>& args);
int UserCommand(const std::vector<std::string>& args);
std::string MainUsage();

}  // namespace vigil

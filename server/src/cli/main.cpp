// The `vigil` binary: dispatches to subcommands (cli/commands.h).
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace vigil {

std::string MainUsage() {
  return "vigil — self-hosted frontend monitoring\n\n"
         "Usage: vigil <command> [flags]\n\n"
         "Commands:\n"
         "  serve            run everything in one process with embedded storage (SQLite)\n"
         "  project create   create a project; prints {\"id\",\"key\",\"dsn\"} as one JSON line\n"
         "  project list     list projects, one JSON line each\n"
         "  project disable  stop accepting events for a project (enable: undo)\n"
         "  token create     create an API token for the HTTP API (Authorization: Bearer)\n"
         "  user set-password  reset a user's password (e.g. a lost admin password)\n\n"
         "Every flag has a VIGIL_* environment equivalent; `vigil <command> --help` lists them.\n"
         "Docs: README.md, docs/protocol.md, docs/architecture.md\n";
}

}  // namespace vigil

int main(int argc, char** argv) {
  // Block the shutdown signals in every thread; `serve` waits for them with sigwait().
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    fputs(vigil::MainUsage().c_str(), stdout);
    if (args.empty()) return 2;
    // Also list serve's flags, the ones most people look for.
    fputs("\n", stdout);
    return vigil::ServeCommand({"--help"});
  }
  std::string cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "serve") return vigil::ServeCommand(rest);
  if (cmd == "project") return vigil::ProjectCommand(rest);
  if (cmd == "token") return vigil::TokenCommand(rest);
  if (cmd == "user") return vigil::UserCommand(rest);
  fprintf(stderr, "vigil: unknown command '%s'\n\n%s", cmd.c_str(), vigil::MainUsage().c_str());
  return 2;
}

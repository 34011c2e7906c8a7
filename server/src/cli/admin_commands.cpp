// `vigil project …` and `vigil token …`: work directly on the data directory, also while a server
// runs on it (SQLite WAL; the server notices new projects through ProjectCache).
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "auth/password.h"

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/instance.h"
#include "common/json_writer.h"

namespace vigil {
namespace {

int Fail(const std::string& msg) {
  fprintf(stderr, "vigil: %s\n", msg.c_str());
  return 2;
}

std::vector<FlagSpec> DataNameFlags(const std::string& what) {
  return {
      {"data", "VIGIL_DATA", "./vigil-data", "DIR", "data directory of the instance"},
      {"name", "", "", "NAME", "name of the " + what},
      {"id", "", "", "ID", "id of the " + what + " (disable, enable)"},
  };
}

// Handles what every `vigil <noun> <verb>` shares: usage without a verb or with --help, flag
// parsing and its errors. Returns an exit code when the command is finished, nullopt to go on.
std::optional<int> ParseSubcommand(const std::vector<std::string>& args, const char* usage, Flags* flags) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    fputs(usage, stdout);
    return args.empty() ? 2 : 0;
  }
  Status s = flags->Parse(std::vector<std::string>(args.begin() + 1, args.end()));
  if (!s.ok()) return Fail(s.detail());
  if (flags->help_requested()) {
    fputs(usage, stdout);
    fputs(flags->Usage().c_str(), stdout);
    return 0;
  }
  return std::nullopt;
}

Result<std::unique_ptr<SqliteMetaStore>> OpenMeta(const Flags& flags) {
  auto paths = PrepareDataDir(flags.Get("data"));
  if (!paths.ok()) return paths.status();
  return SqliteMetaStore::Open(paths->meta);
}

}  // namespace

int ProjectCommand(const std::vector<std::string>& args) {
  const char* usage =
      "Usage: vigil project create --data DIR --name NAME\n"
      "       vigil project list --data DIR\n"
      "       vigil project disable|enable --data DIR --id ID\n"
      "Creates a project and prints one JSON line {\"id\":..,\"key\":..,\"dsn\":..}; list prints one such line per project.\n";
  Flags flags(DataNameFlags("project"));
  if (auto done = ParseSubcommand(args, usage, &flags)) return *done;
  auto meta = OpenMeta(flags);
  if (!meta.ok()) return Fail(meta.status().ToString());
  auto boot = Bootstrap(meta->get(), false);
  if (!boot.ok()) return Fail(boot.status().ToString());
  std::string public_url = PublicUrlOf(meta->get());
  auto print = [&](const Project& p) {
    std::string line;
    JsonWriter w(&line);
    w.BeginObject()
        .Field("id", p.id)
        .Field("name", p.name)
        .Field("key", p.public_key)
        .Field("dsn", DsnFor(p, public_url))
        .Field("enabled", p.enabled)
        .EndObject();
    printf("%s\n", line.c_str());
  };
  if (args[0] == "create") {
    std::string name = flags.Get("name");
    if (name.empty() || name.size() > 200) return Fail("--name is required (1-200 characters)");
    auto p = (*meta)->CreateProject(name);
    if (!p.ok()) return Fail(p.status().ToString());
    print(p.value());
    return 0;
  }
  if (args[0] == "list") {
    auto ps = (*meta)->ListProjects();
    if (!ps.ok()) return Fail(ps.status().ToString());
    for (const auto& p : ps.value()) print(p);
    return 0;
  }
  if (args[0] == "disable" || args[0] == "enable") {
    auto id = flags.GetInt("id");
    if (!id.ok()) return Fail("--id is required");
    auto p = (*meta)->GetProject(id.value());
    if (!p.ok()) return Fail(p.status().ToString());
    if (!p.value()) return Fail("no project with id " + std::to_string(id.value()));
    Status st = (*meta)->SetProjectEnabled(id.value(), args[0] == "enable");
    if (!st.ok()) return Fail(st.ToString());
    p.value()->enabled = args[0] == "enable";
    print(*p.value());
    return 0;
  }
  return Fail("unknown project command '" + args[0] + "'\n" + usage);
}

int UserCommand(const std::vector<std::string>& args) {
  const char* usage =
      "Usage: vigil user set-password --data DIR --email EMAIL\n"
      "Sets a user's password (from VIGIL_ADMIN_PASSWORD, else a generated one, printed once) and ends\n"
      "the user's dashboard sessions. Use it when the first admin's password is lost.\n";
  Flags flags({{"data", "VIGIL_DATA", "./vigil-data", "DIR", "data directory of the instance"},
               {"email", "", "", "EMAIL", "the user's e-mail address"}});
  if (auto done = ParseSubcommand(args, usage, &flags)) return *done;
  if (args[0] != "set-password") return Fail("unknown user command '" + args[0] + "'\n" + usage);
  auto meta = OpenMeta(flags);
  if (!meta.ok()) return Fail(meta.status().ToString());
  auto user = (*meta)->FindUserByEmail(flags.Get("email"));
  if (!user.ok()) return Fail(user.status().ToString());
  if (!user.value()) return Fail("no user with e-mail '" + flags.Get("email") + "'");
  const char* env = std::getenv("VIGIL_ADMIN_PASSWORD");
  std::string password = env && *env ? env : GeneratePassword();
  if (password.size() < 8) return Fail("the password must have at least 8 characters");
  auto hash = HashPassword(password);
  if (!hash.ok()) return Fail(hash.status().ToString());
  const User& u = user.value()->first;
  Status s = (*meta)->SetPasswordHash(u.id, hash.value());
  if (s.ok()) s = (*meta)->DeleteUserSessions(u.id, "");
  if (!s.ok()) return Fail(s.ToString());
  if (env && *env) printf("password of %s set from VIGIL_ADMIN_PASSWORD\n", u.email.c_str());
  else printf("new password of %s: %s\n", u.email.c_str(), password.c_str());
  return 0;
}

int TokenCommand(const std::vector<std::string>& args) {
  const char* usage =
      "Usage: vigil token create --data DIR --name NAME\n"
      "Creates an API token owned by the first admin and prints it; the HTTP API accepts it as\n"
      "'Authorization: Bearer <token>'. Only a hash is stored: keep the printed value.\n";
  Flags flags(DataNameFlags("token"));
  if (auto done = ParseSubcommand(args, usage, &flags)) return *done;
  if (args[0] != "create") return Fail("unknown token command '" + args[0] + "'\n" + usage);
  std::string name = flags.Get("name");
  if (name.empty() || name.size() > 200) return Fail("--name is required (1-200 characters)");
  auto meta = OpenMeta(flags);
  if (!meta.ok()) return Fail(meta.status().ToString());
  auto boot = Bootstrap(meta->get(), false);
  if (!boot.ok()) return Fail(boot.status().ToString());
  if (!boot->admin_password.empty()) {
    fprintf(stderr, "vigil: created the first admin %s with password %s (shown once)\n", boot->admin_email.c_str(),
            boot->admin_password.c_str());
  }
  auto admin = (*meta)->FirstAdmin();
  if (!admin.ok() || !admin.value()) return Fail("no admin user");
  auto token = (*meta)->CreateApiToken(name, admin.value()->id);
  if (!token.ok()) return Fail(token.status().ToString());
  printf("%s\n", token.value().c_str());
  return 0;
}

}  // namespace vigil

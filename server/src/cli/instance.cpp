#include "cli/instance.h"

#include <cstdlib>
#include <filesystem>

#include "auth/password.h"

namespace vigil {

Result<DataPaths> PrepareDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Error("data_dir", "cannot create " + dir + ": " + ec.message());
  DataPaths p;
  p.dir = dir;
  p.meta = dir + "/meta.db";
  p.queue = dir + "/queue.db";
  p.events = dir + "/events.db";
  p.rollups = dir + "/rollups.db";
  return p;
}

Result<BootstrapResult> Bootstrap(MetaStore* meta, bool create_demo) {
  BootstrapResult r;
  const char* email_env = std::getenv("VIGIL_ADMIN_EMAIL");
  r.admin_email = email_env && *email_env ? email_env : "admin@localhost";
  auto users = meta->CountUsers();
  if (!users.ok()) return users.status();
  if (users.value() == 0) {
    const char* pw_env = std::getenv("VIGIL_ADMIN_PASSWORD");
    std::string password = pw_env && *pw_env ? pw_env : GeneratePassword();
    auto hash = HashPassword(password);
    if (!hash.ok()) return hash.status();
    auto u = meta->CreateUser(r.admin_email, hash.value(), "admin");
    if (!u.ok()) {
      // Another process (server or CLI) bootstrapped at the same moment: use theirs.
      auto again = meta->CountUsers();
      if (!again.ok() || again.value() == 0) return u.status();
    } else {
      r.created_admin = true;
      if (!(pw_env && *pw_env)) r.admin_password = password;
      if (create_demo) {
        auto existing = meta->ListProjects();
        if (existing.ok() && existing->empty()) {
          auto p = meta->CreateProject("demo");
          if (!p.ok()) return p.status();
          r.created_demo = true;
        }
      }
    }
  }
  auto admin = meta->FirstAdmin();
  if (admin.ok() && admin.value()) r.admin_email = admin.value()->email;
  auto projects = meta->ListProjects();
  if (!projects.ok()) return projects.status();
  if (!projects->empty()) r.demo = projects->front();
  return r;
}

std::string DsnFor(const Project& p, const std::string& public_url) {
  std::string url = public_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "http://" + p.public_key + "@" + url + "/" + std::to_string(p.id);
  return url.substr(0, scheme + 3) + p.public_key + "@" + url.substr(scheme + 3) + "/" + std::to_string(p.id);
}

std::string PublicUrlOf(MetaStore* meta) {
  auto v = meta->GetSetting("public_url");
  if (v.ok() && v.value()) return *v.value();
  return "http://127.0.0.1:8080";
}

}  // namespace vigil

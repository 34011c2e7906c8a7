// The data directory of an embedded instance and what its first start creates: the stores'
// files, the first admin user and a demo project. Shared by `vigil serve` and the CLI commands,
// which may run while a server uses the same directory.
#pragma once

#include <memory>
#include <string>

#include "store/meta_store.h"
#include "store/sqlite/sqlite_meta_store.h"

namespace vigil {

struct DataPaths {
  std::string dir, meta, queue, events, rollups;
};

// Creates `dir` if needed and returns the paths of its files.
Result<DataPaths> PrepareDataDir(const std::string& dir);

struct BootstrapResult {
  bool created_admin = false;
  std::string admin_email;
  std::string admin_password;  // set only when generated now (shown once)
  bool created_demo = false;
  Project demo;  // the demo project (first project) when one exists
};

// On a store with no users: creates the admin (email from VIGIL_ADMIN_EMAIL, default
// "admin@localhost"; password from VIGIL_ADMIN_PASSWORD or generated) and, when `create_demo`, a
// project named "demo". Always fills admin_email and demo (when any project exists).
Result<BootstrapResult> Bootstrap(MetaStore* meta, bool create_demo);

// "http://<key>@<host:port>/<id>" from a public base URL such as "http://127.0.0.1:8080".
std::string DsnFor(const Project& p, const std::string& public_url);
// The public URL stored by the running server, or "http://127.0.0.1:8080".
std::string PublicUrlOf(MetaStore* meta);

}  // namespace vigil

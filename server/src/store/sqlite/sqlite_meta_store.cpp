#include "store/sqlite/sqlite_meta_store.h"

#include "common/clock.h"
#include "common/random.h"

namespace vigil {

const std::vector<std::string>& MetaStoreMigrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: projects, users, memberships, API tokens.
      R"sql(
CREATE TABLE projects(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  public_key TEXT NOT NULL UNIQUE,
  enabled INTEGER NOT NULL DEFAULT 1,
  allowed_origins TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  created_at INTEGER NOT NULL
);
CREATE TABLE project_members(
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (project_id, user_id)
);
CREATE TABLE api_tokens(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL
);
CREATE TABLE settings(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
  };
  return kMigrations;
}

namespace {
std::vector<std::string> SplitLines(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) nl = s.size();
    if (nl > start) out.emplace_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}
}  // namespace

Result<std::unique_ptr<SqliteMetaStore>> SqliteMetaStore::Open(const std::string& path) {
  std::unique_ptr<SqliteMetaStore> s(new SqliteMetaStore());
  Status st = s->db_.Open(path, "FULL");
  if (!st.ok()) return st;
  st = s->db_.Migrate(MetaStoreMigrations(), "meta");
  if (!st.ok()) return st;
  return s;
}

Result<Project> SqliteMetaStore::CreateProject(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("INSERT INTO projects(name, public_key, created_at) VALUES(?,?,?)");
  if (!st.ok()) return st.status();
  Project p;
  p.name = name;
  p.public_key = RandomHex(16);
  p.created_at = NowMs();
  st->Bind(1, p.name).Bind(2, p.public_key).Bind(3, p.created_at);
  Status s = st->Run();
  if (!s.ok()) return s;
  p.id = db_.LastInsertId();
  ++local_writes_;
  return p;
}

Result<std::vector<Project>> SqliteMetaStore::QueryProjects(const std::string& where, const std::string& arg,
                                                           int64_t id) {
  auto st = db_.Prepare("SELECT id, name, public_key, enabled, allowed_origins, created_at FROM projects " + where +
                        " ORDER BY id");
  if (!st.ok()) return st.status();
  if (!arg.empty()) st->Bind(1, arg);
  else if (id) st->Bind(1, id);
  std::vector<Project> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    Project p;
    p.id = st->Int(0);
    p.name = st->Text(1);
    p.public_key = st->Text(2);
    p.enabled = st->Int(3) != 0;
    p.allowed_origins = SplitLines(st->TextView(4));
    p.created_at = st->Int(5);
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::optional<Project>> SqliteMetaStore::GetProject(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto r = QueryProjects("WHERE id = ?", "", id);
  if (!r.ok()) return r.status();
  if (r->empty()) return std::optional<Project>();
  return std::optional<Project>(std::move(r->front()));
}

Result<std::optional<Project>> SqliteMetaStore::FindProjectByKey(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (key.empty()) return std::optional<Project>();
  auto r = QueryProjects("WHERE public_key = ?", key, 0);
  if (!r.ok()) return r.status();
  if (r->empty()) return std::optional<Project>();
  return std::optional<Project>(std::move(r->front()));
}

Result<std::vector<Project>> SqliteMetaStore::ListProjects() {
  std::lock_guard<std::mutex> lock(mu_);
  return QueryProjects("", "", 0);
}

Status SqliteMetaStore::SetProjectEnabled(int64_t id, bool enabled) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("UPDATE projects SET enabled = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, int64_t{enabled ? 1 : 0}).Bind(2, id);
  ++local_writes_;
  return st->Run();
}

Status SqliteMetaStore::SetAllowedOrigins(int64_t id, const std::vector<std::string>& origins) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string joined;
  for (const auto& o : origins) joined += o + "\n";
  auto st = db_.Prepare("UPDATE projects SET allowed_origins = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, joined).Bind(2, id);
  ++local_writes_;
  return st->Run();
}

Result<int64_t> SqliteMetaStore::CountUsers() {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT COUNT(*) FROM users");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return st->Int(0);
}

Result<User> SqliteMetaStore::CreateUser(const std::string& email, const std::string& password_hash,
                                         const std::string& role) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("INSERT INTO users(email, password_hash, role, created_at) VALUES(?,?,?,?)");
  if (!st.ok()) return st.status();
  User u;
  u.email = email;
  u.role = role;
  u.created_at = NowMs();
  st->Bind(1, email).Bind(2, password_hash).Bind(3, role).Bind(4, u.created_at);
  Status s = st->Run();
  if (!s.ok()) return s;
  u.id = db_.LastInsertId();
  ++local_writes_;
  return u;
}

Result<std::optional<User>> SqliteMetaStore::FirstAdmin() {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT id, email, role, created_at FROM users WHERE role = 'admin' ORDER BY id LIMIT 1");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<User>();
  User u;
  u.id = st->Int(0);
  u.email = st->Text(1);
  u.role = st->Text(2);
  u.created_at = st->Int(3);
  return std::optional<User>(u);
}

Result<bool> SqliteMetaStore::IsMember(int64_t user_id, int64_t project_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT 1 FROM project_members WHERE user_id = ? AND project_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, user_id).Bind(2, project_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return row.value();
}

Result<std::string> SqliteMetaStore::CreateApiToken(const std::string& name, int64_t user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string token = "vgt_" + RandomHex(24);
  std::string hash = Sha256Hex(token);
  auto st = db_.Prepare("INSERT INTO api_tokens(name, token_sha256, user_id, created_at) VALUES(?,?,?,?)");
  if (!st.ok()) return st.status();
  st->Bind(1, name).Bind(2, hash).Bind(3, user_id).Bind(4, NowMs());
  Status s = st->Run();
  if (!s.ok()) return s;
  ++local_writes_;
  return token;
}

Result<std::optional<ApiTokenInfo>> SqliteMetaStore::FindApiToken(const std::string& token) {
  std::string hash = Sha256Hex(token);
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare(
      "SELECT t.id, t.name, t.user_id, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id "
      "WHERE t.token_sha256 = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, hash);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<ApiTokenInfo>();
  ApiTokenInfo t;
  t.id = st->Int(0);
  t.name = st->Text(1);
  t.user_id = st->Int(2);
  t.role = st->Text(3);
  return std::optional<ApiTokenInfo>(t);
}

Result<std::optional<std::string>> SqliteMetaStore::GetSetting(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT value FROM settings WHERE key = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, key);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<std::string>();
  return std::optional<std::string>(st->Text(0));
}

Status SqliteMetaStore::SetSetting(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!st.ok()) return st.status();
  st->Bind(1, key).Bind(2, value);
  ++local_writes_;
  return st->Run();
}

Result<int64_t> SqliteMetaStore::ChangeCounter() {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("PRAGMA data_version");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  // data_version changes on commits by other connections; local_writes_ covers our own.
  return st->Int(0) * 1000003 + local_writes_;
}

}  // namespace vigil

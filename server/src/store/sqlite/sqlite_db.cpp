#include "store/sqlite/sqlite_db.h"

namespace vigil {

SqliteStmt& SqliteStmt::operator=(SqliteStmt&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

SqliteStmt::~SqliteStmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}

SqliteStmt& SqliteStmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
SqliteStmt& SqliteStmt::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
SqliteStmt& SqliteStmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
SqliteStmt& SqliteStmt::BindBlob(int i, std::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
SqliteStmt& SqliteStmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> SqliteStmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Status::Error("sqlite", sqlite3_errmsg(db_));
}

Status SqliteStmt::Run() {
  auto r = Step();
  Status s = r.ok() ? Status::Ok() : r.status();
  Reset();
  return s;
}

void SqliteStmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string SqliteStmt::Text(int col) const { return std::string(TextView(col)); }

std::string_view SqliteStmt::TextView(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (!p) return {};
  return std::string_view(static_cast<const char*>(p), static_cast<size_t>(n));
}

SqliteDb::~SqliteDb() {
  if (db_) sqlite3_close_v2(db_);
}

Status SqliteDb::Open(const std::string& path, const std::string& synchronous) {
  int rc = sqlite3_open_v2(path.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    return Status::Error("sqlite_open", path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  Status s = Exec("PRAGMA journal_mode=WAL");
  if (!s.ok()) return s;
  s = Exec("PRAGMA synchronous=" + synchronous);
  if (!s.ok()) return s;
  return Exec("PRAGMA foreign_keys=ON");
}

Status SqliteDb::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return Status::Error("sqlite", msg);
  }
  return Status::Ok();
}

Result<SqliteStmt> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s,
                              nullptr);
  if (rc != SQLITE_OK) return Status::Error("sqlite", std::string(sqlite3_errmsg(db_)) + " in: " + std::string(sql));
  return SqliteStmt(db_, s);
}

Status SqliteDb::Migrate(const std::vector<std::string>& migrations, const std::string& what) {
  // BEGIN IMMEDIATE serializes concurrent first starts (server and CLI at once).
  Status s = Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  auto st = Prepare("PRAGMA user_version");
  if (!st.ok()) {
    Exec("ROLLBACK");
    return st.status();
  }
  auto row = st->Step();
  int64_t version = row.ok() && row.value() ? st->Int(0) : 0;
  st = SqliteStmt();
  if (version > static_cast<int64_t>(migrations.size())) {
    Exec("ROLLBACK");
    return Status::Error("schema_too_new", what + " schema version " + std::to_string(version) +
                                               " is newer than this binary (" +
                                               std::to_string(migrations.size()) + ")");
  }
  for (size_t v = static_cast<size_t>(version); v < migrations.size(); ++v) {
    s = Exec(migrations[v]);
    if (s.ok()) s = Exec("PRAGMA user_version=" + std::to_string(v + 1));
    if (!s.ok()) {
      Exec("ROLLBACK");
      return Status::Error("migration_failed", what + " migration " + std::to_string(v + 1) + ": " + s.detail());
    }
  }
  return Exec("COMMIT");
}

}  // namespace vigil

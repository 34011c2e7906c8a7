#include "store/sqlite/sqlite_db.h"

#include <pthread.h>

#include <algorithm>

#include "common/log.h"
#include "common/thread_priority.h"

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

Status SqliteDb::Open(const std::string& path, const std::string& synchronous, int page_size) {
  int rc = sqlite3_open_v2(path.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    return Status::Error("sqlite_open", path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  Status s = page_size > 0 ? Exec("PRAGMA page_size=" + std::to_string(page_size)) : Status::Ok();
  if (!s.ok()) return s;
  s = Exec("PRAGMA journal_mode=WAL");
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

SqliteCheckpointer::~SqliteCheckpointer() { Stop(); }

Status SqliteCheckpointer::Start(SqliteDb* writer, const std::string& path, const std::string& synchronous,
                                 int64_t threshold_bytes, const char* thread_name) {
  int64_t page_size = 4096;
  {
    auto ps = writer->Prepare("PRAGMA page_size");
    if (!ps.ok()) return ps.status();
    auto row = ps->Step();
    if (!row.ok()) return row.status();
    if (row.value() && ps->Int(0) > 0) page_size = ps->Int(0);
  }
  threshold_pages_ = static_cast<int>(std::max<int64_t>(1, threshold_bytes / page_size));
  handover_pages_ = static_cast<int>(std::max<int64_t>(1, kHandoverBytes / page_size));
  Status s = writer->Exec("PRAGMA wal_autocheckpoint=0");
  if (!s.ok()) return s;
  s = db_.Open(path, synchronous);
  if (!s.ok()) return s;
  s = db_.Exec("PRAGMA wal_autocheckpoint=0");
  if (!s.ok()) return s;
  sqlite3_wal_hook(writer->raw(), &SqliteCheckpointer::OnCommit, this);
  std::string name(thread_name);
  thread_ = std::thread([this, name] {
    pthread_setname_np(pthread_self(), name.c_str());
    LowerThreadPriority();
    Loop();
  });
  return Status::Ok();
}

void SqliteCheckpointer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int SqliteCheckpointer::OnCommit(void* self, sqlite3* db, const char* name, int wal_pages) {
  auto* c = static_cast<SqliteCheckpointer*>(self);
  bool inline_checkpoint = false;
  {
    std::lock_guard<std::mutex> lock(c->mu_);
    if (wal_pages >= 16 * c->threshold_pages_) {
      inline_checkpoint = true;  // the thread is far behind (or cannot finish): bound the WAL here
    } else if (wal_pages >= c->threshold_pages_ && !c->wanted_ && !c->running_ && !c->copied_) {
      c->wanted_ = true;
      c->cv_.notify_one();
    }
  }
  if (inline_checkpoint) sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return SQLITE_OK;
}

int64_t SqliteCheckpointer::passes() {
  std::lock_guard<std::mutex> lock(mu_);
  return passes_;
}

bool SqliteCheckpointer::PassFinished() {
  std::lock_guard<std::mutex> lock(mu_);
  return copied_;
}

void SqliteCheckpointer::Complete(SqliteDb* writer) {
  sqlite3_wal_checkpoint_v2(writer->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  std::lock_guard<std::mutex> lock(mu_);
  copied_ = false;
}

void SqliteCheckpointer::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return wanted_ || stopping_; });
      if (stopping_) return;
      wanted_ = false;
      running_ = true;
    }
    // Frames committed while a pass copies are left for the next one; passes repeat (each
    // shorter than the last while copying outruns the writer) until few are left, so that
    // Complete(), which the writer runs while acknowledgements wait, copies and syncs little.
    for (int pass = 0; pass < kMaxPassesPerRound; ++pass) {
      int wal_frames = 0, copied_frames = 0;
      int rc = sqlite3_wal_checkpoint_v2(db_.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied_frames);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        LogWarn("checkpoint failed", {{"error", std::string(sqlite3_errmsg(db_.raw()))}});
      }
      std::lock_guard<std::mutex> lock(mu_);
      ++passes_;
      if (rc != SQLITE_OK || stopping_ || wal_frames - copied_frames <= handover_pages_) break;
    }
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
    copied_ = true;
  }
}

}  // namespace vigil

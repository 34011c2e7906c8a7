// Thin RAII wrapper over the SQLite C API. A SqliteDb is one connection: use it from one thread at
// a time (callers serialize with their own mutex). Statements are prepared once and reused.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil {

class SqliteStmt {
 public:
  SqliteStmt() = default;
  SqliteStmt(sqlite3* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
  SqliteStmt(SqliteStmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  SqliteStmt& operator=(SqliteStmt&& o) noexcept;
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  ~SqliteStmt();

  // Parameters are 1-based, as in SQLite.
  SqliteStmt& Bind(int i, int64_t v);
  SqliteStmt& Bind(int i, double v);
  SqliteStmt& Bind(int i, std::string_view v);  // text; the caller keeps `v` alive until Step
  SqliteStmt& BindBlob(int i, std::string_view v);
  SqliteStmt& BindNull(int i);
  SqliteStmt& Bind(int i, std::optional<double> v) { return v ? Bind(i, *v) : BindNull(i); }
  SqliteStmt& Bind(int i, std::optional<int> v) { return v ? Bind(i, int64_t{*v}) : BindNull(i); }

  // Returns true while a row is available, false when done; errors become a Status.
  Result<bool> Step();
  // Step to completion (for writes).
  Status Run();
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const;
  std::string_view TextView(int col) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  SqliteDb() = default;
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Opens (creating) `path` in WAL mode with a busy timeout. `synchronous` is "NORMAL" or "FULL".
  // `page_size` (bytes, a power of two up to 65536) applies only when the file is created.
  Status Open(const std::string& path, const std::string& synchronous = "NORMAL", int page_size = 0);
  Status Exec(const std::string& sql);
  Result<SqliteStmt> Prepare(std::string_view sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* raw() const { return db_; }

  // Applies forward-only migrations: migrations[i] moves the schema from version i to i+1
  // (PRAGMA user_version). Each migration runs in its own transaction. Refuses a database whose
  // version is newer than this binary knows.
  Status Migrate(const std::vector<std::string>& migrations, const std::string& what);

 private:
  sqlite3* db_ = nullptr;
};

// Moves the bulk of WAL checkpointing off a database's write connection. The writer's automatic
// checkpoint is turned off; after a commit that leaves at least `threshold_pages` in the WAL, a
// thread with its own connection copies the WAL into the database (PASSIVE: it never blocks the
// writer or readers), in passes repeated until at most kHandoverBytes of frames committed meanwhile
// are left. A checkpoint on another connection alone can chase a busy writer forever (the WAL only
// starts over when it is completely copied as a write transaction begins), so when PassFinished(),
// the writer calls Complete() before its next transaction: it copies those few frames, syncs, and
// the WAL restarts from its beginning. That sync is the one pause a busy writer sees (10-25 ms on
// a virtual disk), hence large thresholds where the writer's latency matters (the queue). If the
// thread falls far behind (16 times the threshold), the writer checkpoints after its commit.
class SqliteCheckpointer {
 public:
  SqliteCheckpointer() = default;
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  // `writer` must stay open until Stop() (or destruction); `thread_name` is at most 15 bytes. A pass
  // starts when the WAL holds `threshold_bytes` (counted in the database's own pages, whatever
  // their size).
  Status Start(SqliteDb* writer, const std::string& path, const std::string& synchronous, int64_t threshold_bytes,
               const char* thread_name);
  void Stop();

  // Writer thread, before a write transaction (see above).
  bool PassFinished();
  void Complete(SqliteDb* writer);
  int64_t passes();  // background passes so far
  int threshold_pages() const { return threshold_pages_; }

  static constexpr int64_t kHandoverBytes = 512 << 10;
  static constexpr int kMaxPassesPerRound = 8;

 private:
  static int OnCommit(void* self, sqlite3* db, const char* name, int wal_pages);
  void Loop();

  SqliteDb db_;
  int threshold_pages_ = 1000;
  int handover_pages_ = 128;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;   // the writer asked for a pass
  bool running_ = false;  // a pass is running
  bool copied_ = false;   // a pass finished; the writer completes it before its next transaction
  bool stopping_ = false;
  int64_t passes_ = 0;
  std::thread thread_;
};

}  // namespace vigil

// SqliteRollupStore: the embedded RollupStore, one SQLite file (rollups.db in the data dir, WAL).
// Tables rollup_minute, rollup_hour and rollup_day (UTC days): one row per project, interval start
// minute and series (the eight dimension values inline in the key: the primary key of the
// WITHOUT ROWID minute table, a unique index on the hour and day rowid tables): counts and the
// sketches as BLOBs (docs/rollups.md, "Storage"). Add() upserts the three levels in one
// transaction, merging sketches inside SQLite with the scalar functions vigil_merge_quantiles /
// vigil_merge_distinct. AddThrough() keeps the rows of minutes still receiving events at the minute
// level only ("open minutes", listed in rollup_open_minutes) and merges each into its hour and day
// rows once, in the transaction of the first write that finds it complete; queries read open
// minutes from their minute rows, within one read transaction. Writes and reads use separate
// connections, each behind its own mutex, so a long query never blocks the writer.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "rollup/rollup_store.h"
#include "store/sqlite/sqlite_db.h"

namespace vigil {

class SqliteRollupStore : public RollupStore {
 public:
  // Opens or creates `path` and migrates its schema. ":memory:" gives a private in-memory store
  // (one connection for writes and queries), for rollups built on the fly.
  static Result<std::unique_ptr<SqliteRollupStore>> Open(const std::string& path);

  Status Add(const std::vector<RollupRow>& rows) override { return AddThrough(rows, 0, kNoOpenMinutes); }
  Status AddThrough(const std::vector<RollupRow>& rows, uint64_t through, int64_t open_from_minute) override;
  Result<uint64_t> AddedThrough() override;
  Result<RollupQueryResult> Query(const RollupQuery& q) override;

  // Stored rows whose sketch BLOBs were unreadable and were replaced by the new data (corruption
  // is never expected; this makes it visible).
  uint64_t corrupt_blobs_replaced() const;

 private:
  SqliteRollupStore() = default;

  mutable std::mutex write_mu_;
  SqliteDb write_db_;
  SqliteStmt upsert_minute_, upsert_hour_, upsert_day_, set_mark_;
  SqliteStmt merge_minute_into_hour_, merge_minute_into_day_, add_open_minute_, drop_open_minute_;
  // (project_id, minute) of the open minutes, as in rollup_open_minutes (under write_mu_).
  std::set<std::pair<int64_t, int64_t>> open_minutes_;
  std::mutex read_mu_;
  SqliteDb read_db_;
  std::atomic<uint64_t> corrupt_blobs_{0};
  bool in_memory_ = false;
};

// The rollup store's schema migrations, exposed for tests.
const std::vector<std::string>& RollupStoreMigrations();

}  // namespace vigil

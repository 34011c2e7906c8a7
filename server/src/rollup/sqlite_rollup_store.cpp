#include "rollup/sqlite_rollup_store.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <tuple>

#include "common/event.h"

namespace vigil {

namespace {

constexpr const char* kDimColumns[kRollupDimCount] = {"type", "name", "path", "release", "environment", "browser", "os", "country"};

std::string_view BlobOf(sqlite3_value* v) {
  const void* p = sqlite3_value_blob(v);
  int n = sqlite3_value_bytes(v);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string_view();
}

// vigil_merge_quantiles(old, new) / vigil_merge_distinct(old, new): the merged sketch BLOB. NULL
// stands for an empty sketch. An unreadable `old` (corruption) is replaced by `new` and counted;
// an unreadable `new` (a bug: it was just serialized) fails the statement. The three-argument form
// (old, new, 1) is for a `new` read from stored rows (an open minute merged into its hour and day):
// an unreadable one (corruption, never expected) leaves `old` and is counted, rather than failing
// every later write.
template <typename Sketch>
void MergeSketchFn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_value(ctx, argv[0]);
    return;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_value(ctx, argv[1]);
    return;
  }
  auto fresh = Sketch::Deserialize(BlobOf(argv[1]));
  if (!fresh.ok() && argc == 3) {
    static_cast<std::atomic<uint64_t>*>(sqlite3_user_data(ctx))->fetch_add(1);
    sqlite3_result_value(ctx, argv[0]);
    return;
  }
  if (!fresh.ok()) {
    sqlite3_result_error(ctx, fresh.status().ToString().c_str(), -1);
    return;
  }
  auto old = Sketch::Deserialize(BlobOf(argv[0]));
  if (!old.ok()) {
    static_cast<std::atomic<uint64_t>*>(sqlite3_user_data(ctx))->fetch_add(1);
    sqlite3_result_value(ctx, argv[1]);
    return;
  }
  Status st = old->Merge(*fresh);
  if (!st.ok()) {
    sqlite3_result_error(ctx, st.ToString().c_str(), -1);
    return;
  }
  std::string out = old->Serialize();
  sqlite3_result_blob64(ctx, out.data(), out.size(), SQLITE_TRANSIENT);
}

// vigil_reencode_distinct(x): the sketch in the current encoding (dense ones packed; migration 7).
// NULL and unreadable BLOBs (never expected; queries report them) are returned as they are.
void ReencodeDistinctFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto in = sqlite3_value_type(argv[0]) == SQLITE_NULL ? Result<DistinctSketch>(Status::Error("null", ""))
                                                        : DistinctSketch::Deserialize(BlobOf(argv[0]));
  if (!in.ok()) return sqlite3_result_value(ctx, argv[0]);
  std::string out = in->Serialize();
  sqlite3_result_blob64(ctx, out.data(), out.size(), SQLITE_TRANSIENT);
}

// vigil_merge_quantiles_agg(x) / vigil_merge_distinct_agg(x): the aggregate forms (merge every
// non-NULL sketch of a group; NULL when there is none), used to build coarser levels from finer
// ones in migrations. Unreadable input fails the statement.
template <typename Sketch>
struct SketchAgg {
  Sketch* sketch;
  bool failed;
};

template <typename Sketch>
void MergeSketchStep(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* agg = static_cast<SketchAgg<Sketch>*>(sqlite3_aggregate_context(ctx, sizeof(SketchAgg<Sketch>)));
  if (agg == nullptr) return sqlite3_result_error_nomem(ctx);
  if (agg->failed || sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  auto in = Sketch::Deserialize(BlobOf(argv[0]));
  if (!in.ok()) {
    agg->failed = true;
    return sqlite3_result_error(ctx, in.status().ToString().c_str(), -1);
  }
  if (agg->sketch == nullptr) {
    agg->sketch = new Sketch(std::move(in.value()));
    return;
  }
  Status st = agg->sketch->Merge(*in);
  if (!st.ok()) {
    agg->failed = true;
    sqlite3_result_error(ctx, st.ToString().c_str(), -1);
  }
}

template <typename Sketch>
void MergeSketchFinal(sqlite3_context* ctx) {
  auto* agg = static_cast<SketchAgg<Sketch>*>(sqlite3_aggregate_context(ctx, 0));
  if (agg == nullptr || agg->sketch == nullptr) return sqlite3_result_null(ctx);
  std::unique_ptr<Sketch> owned(agg->sketch);
  agg->sketch = nullptr;
  if (agg->failed) return;
  std::string out = owned->Serialize();
  sqlite3_result_blob64(ctx, out.data(), out.size(), SQLITE_TRANSIENT);
}

Status RegisterSketchFunctions(sqlite3* db, std::atomic<uint64_t>* corrupt) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  if (sqlite3_create_function_v2(db, "vigil_merge_quantiles", 2, flags, corrupt, MergeSketchFn<QuantileSketch>, nullptr,
                                 nullptr, nullptr) != SQLITE_OK ||
      sqlite3_create_function_v2(db, "vigil_merge_distinct", 2, flags, corrupt, MergeSketchFn<DistinctSketch>, nullptr,
                                 nullptr, nullptr) != SQLITE_OK ||
      sqlite3_create_function_v2(db, "vigil_merge_quantiles", 3, flags, corrupt, MergeSketchFn<QuantileSketch>, nullptr,
                                 nullptr, nullptr) != SQLITE_OK ||
      sqlite3_create_function_v2(db, "vigil_merge_distinct", 3, flags, corrupt, MergeSketchFn<DistinctSketch>, nullptr,
                                 nullptr, nullptr) != SQLITE_OK ||
      sqlite3_create_function_v2(db, "vigil_merge_quantiles_agg", 1, flags, nullptr, nullptr,
                                 MergeSketchStep<QuantileSketch>, MergeSketchFinal<QuantileSketch>, nullptr) != SQLITE_OK ||
      sqlite3_create_function_v2(db, "vigil_merge_distinct_agg", 1, flags, nullptr, nullptr,
                                 MergeSketchStep<DistinctSketch>, MergeSketchFinal<DistinctSketch>, nullptr) != SQLITE_OK ||
      sqlite3_create_function_v2(db, "vigil_reencode_distinct", 1, flags, nullptr, ReencodeDistinctFn, nullptr, nullptr,
                                 nullptr) != SQLITE_OK) {
    return Status::Error("sqlite", "cannot register rollup merge functions");
  }
  return Status::Ok();
}

constexpr const char* kKeyColumns = "project_id, minute, type, name, path, release, environment, browser, os, country";

// The upsert's conflict clause: counts add up, sketches merge. `stored` (the new values come
// from stored rows) makes an unreadable new sketch leave the old one (MergeSketchFn).
std::string OnConflictMerge(bool stored) {
  const char* extra = stored ? ", 1)" : ")";
  return std::string(" ON CONFLICT(") + kKeyColumns + ") DO UPDATE SET count = count + excluded.count, " +
         "errors = errors + excluded.errors, users = vigil_merge_distinct(users, excluded.users" + extra +
         ", sessions = vigil_merge_distinct(sessions, excluded.sessions" + extra +
         ", vals = vigil_merge_quantiles(vals, excluded.vals" + extra;
}

std::string UpsertSql(const char* table) {
  return std::string("INSERT INTO ") + table + "(" + kKeyColumns +
         ", count, errors, users, sessions, vals) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)" +
         OnConflictMerge(false);
}

// Merges the stored minute rows of (project ?1, minute ?2) into the rows of `table` starting at
// minute ?3 (the hour's or the day's first minute). New rows go in kClusterOrder after the project
// and minute, which are fixed here (see migration 7).
std::string MergeMinuteSql(const char* table) {
  return std::string("INSERT INTO ") + table + "(" + kKeyColumns +
         ", count, errors, users, sessions, vals) SELECT project_id, ?3, type, name, path, release, environment, "
         "browser, os, country, count, errors, users, sessions, vals FROM rollup_minute WHERE project_id = ?1 AND "
         "minute = ?2 ORDER BY country, path, type, name, release, environment, browser, os" +
         OnConflictMerge(true);
}

}  // namespace

std::string_view RollupDimName(RollupDim d) { return kDimColumns[static_cast<size_t>(d)]; }

bool ParseRollupDim(std::string_view s, RollupDim* out) {
  for (size_t i = 0; i < kRollupDimCount; ++i) {
    if (s == kDimColumns[i]) {
      *out = static_cast<RollupDim>(i);
      return true;
    }
  }
  return false;
}

namespace {
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t HourStart(int64_t minute) { return FloorDiv(minute, 60) * 60; }
int64_t DayStart(int64_t minute) { return FloorDiv(minute, 1440) * 1440; }
}  // namespace

Status RollupAggregate::Merge(const RollupAggregate& o) {
  Status st = users.Merge(o.users);
  if (st.ok()) st = sessions.Merge(o.sessions);
  if (st.ok()) st = values.Merge(o.values);
  if (!st.ok()) return st;
  count += o.count;
  errors += o.errors;
  return Status::Ok();
}

// Migration 6 (see RollupStoreMigrations): the view indexes of the hour and day levels with the
// minute right after the type.
std::string Migration6Sql() {
  std::string sql;
  for (std::string t : {"rollup_hour", "rollup_day"}) {
    sql += "DROP INDEX " + t + "_cp;\nDROP INDEX " + t + "_pc;\n";
    sql += "CREATE INDEX " + t + "_ct ON " + t + "(project_id, country, type, minute, name, path);\n";
    sql += "CREATE INDEX " + t + "_pt ON " + t + "(project_id, path, type, minute, name, country);\n";
  }
  return sql;
}

// The order in which hour and day rows are written (migration 7, AddThrough): rows of a rowid table
// sit in insertion order, and queries read one view's rows of one interval.
constexpr const char* kClusterOrder = "project_id, minute, country, path, type, name, release, environment, browser, os";

// Migration 7: hour and day rows move to rowid tables (see RollupStoreMigrations). The key is a
// unique index (what the upserts' ON CONFLICT names); the view indexes carry every key column, so
// filters are still checked on index entries before a row is read.
std::string Migration7Sql() {
  const std::string key = "project_id, minute, type, name, path, release, environment, browser, os, country";
  const std::string cols = key + ", count, errors, users, sessions, vals";
  std::string sql;
  for (std::string t : {"rollup_hour", "rollup_day"}) {
    sql += "CREATE TABLE " + t + "_rows(project_id INTEGER NOT NULL, minute INTEGER NOT NULL, type TEXT NOT NULL, "
           "name TEXT NOT NULL, path TEXT NOT NULL, release TEXT NOT NULL, environment TEXT NOT NULL, browser TEXT NOT NULL, "
           "os TEXT NOT NULL, country TEXT NOT NULL, count INTEGER NOT NULL, errors INTEGER NOT NULL, users BLOB, "
           "sessions BLOB, vals BLOB);\n";
    // In the order queries read rows: an interval's rows of one view (the view's markers in
    // country and path), then type and name. In key order a view's rows interleave with the
    // others' (totals, client, page and geo rows of each name in turn): a 30-day "slowest
    // resources" then touched a page per row read instead of one per ~20.
    sql += "INSERT INTO " + t + "_rows(" + cols + ") SELECT " + key + ", count, errors, vigil_reencode_distinct(users), " +
           "vigil_reencode_distinct(sessions), vals FROM " + t + " ORDER BY " + kClusterOrder + ";\n";
    sql += "DROP TABLE " + t + ";\nALTER TABLE " + t + "_rows RENAME TO " + t + ";\n";
    sql += "CREATE UNIQUE INDEX " + t + "_key ON " + t + "(" + key + ");\n";
    sql += "CREATE INDEX " + t + "_ct ON " + t + "(project_id, country, type, minute, name, path, release, environment, browser, os);\n";
    sql += "CREATE INDEX " + t + "_pt ON " + t + "(project_id, path, type, minute, name, country, release, environment, browser, os);\n";
  }
  return sql;
}

const std::vector<std::string>& RollupStoreMigrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: the two levels, dimensions inline in the key (no series dictionary: a lookup per new
      // series cost more than the wider key). `minute` is the interval's first minute since the
      // epoch (a multiple of 60 in rollup_hour). Sketch BLOBs are NULL when empty.
      R"sql(
CREATE TABLE rollup_minute(
  project_id INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  release TEXT NOT NULL,
  environment TEXT NOT NULL,
  browser TEXT NOT NULL,
  os TEXT NOT NULL,
  country TEXT NOT NULL,
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  users BLOB,
  sessions BLOB,
  vals BLOB,
  PRIMARY KEY(project_id, minute, type, name, path, release, environment, browser, os, country)
) WITHOUT ROWID;
CREATE TABLE rollup_hour(
  project_id INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  release TEXT NOT NULL,
  environment TEXT NOT NULL,
  browser TEXT NOT NULL,
  os TEXT NOT NULL,
  country TEXT NOT NULL,
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  users BLOB,
  sessions BLOB,
  vals BLOB,
  PRIMARY KEY(project_id, minute, type, name, path, release, environment, browser, os, country)
) WITHOUT ROWID;
)sql",
      // 2: long ranges reach one view's hour rows without scanning the others
      // (rollup/rollup_views.h): every view pins `country` or `path` to its marker, so
      // (project, country, minute) serves the totals, client and page views and (project, path,
      // minute) the geo view. Minute rows are read only for short spans and keep no extra index
      // (they are written far more often).
      R"sql(
CREATE INDEX rollup_hour_by_country ON rollup_hour(project_id, country, minute);
CREATE INDEX rollup_hour_by_path ON rollup_hour(project_id, path, minute);
)sql",
      // 3: a day level (UTC days; `minute` is the day's first minute), so a 30-day range merges
      // 30 rows per series instead of 720; built from the hour rows already stored.
      R"sql(
CREATE TABLE rollup_day(
  project_id INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  release TEXT NOT NULL,
  environment TEXT NOT NULL,
  browser TEXT NOT NULL,
  os TEXT NOT NULL,
  country TEXT NOT NULL,
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  users BLOB,
  sessions BLOB,
  vals BLOB,
  PRIMARY KEY(project_id, minute, type, name, path, release, environment, browser, os, country)
) WITHOUT ROWID;
INSERT INTO rollup_day
SELECT project_id, minute - minute % 1440 AS day, type, name, path, release, environment, browser, os, country,
       SUM(count), SUM(errors), vigil_merge_distinct_agg(users), vigil_merge_distinct_agg(sessions),
       vigil_merge_quantiles_agg(vals)
FROM rollup_hour
GROUP BY project_id, day, type, name, path, release, environment, browser, os, country;
CREATE INDEX rollup_day_by_country ON rollup_day(project_id, country, minute);
CREATE INDEX rollup_day_by_path ON rollup_day(project_id, path, minute);
)sql",
      // 4: how far in the queue the stored rows go (exactly-once across a crash and replay;
      // RollupStep, pipeline/processor.h).
      R"sql(
CREATE TABLE rollup_marks(consumer TEXT PRIMARY KEY, through INTEGER NOT NULL);
)sql",
      // 5: indexes on hour and day rows that lead with a view's marker column, then type and name
      // (then the other marker column, then the minute; rollup/rollup_views.h), so a view grouped
      // by its free column (page views by path) still reaches only its type and name: every view pins `country` or `path` to its marker, so a query of
      // one series reaches its rows directly at every level, instead of walking all the view's
      // rows of the range (or, without a usable index, all rows of the range: 0.8 s for 31 day
      // rows of 30 days, 10 M events). The query names the index (no ANALYZE statistics here).
      // Minute rows keep only their primary key: two such indexes there made rollups.db 2.6 KB per
      // event and halved the write rate; minute rows serve short ranges and ragged ends.
      R"sql(
DROP INDEX rollup_hour_by_country;
DROP INDEX rollup_hour_by_path;
DROP INDEX rollup_day_by_country;
DROP INDEX rollup_day_by_path;
CREATE INDEX rollup_hour_cp ON rollup_hour(project_id, country, type, name, path, minute);
CREATE INDEX rollup_hour_pc ON rollup_hour(project_id, path, type, name, country, minute);
CREATE INDEX rollup_day_cp ON rollup_day(project_id, country, type, name, path, minute);
CREATE INDEX rollup_day_pc ON rollup_day(project_id, path, type, name, country, minute);
)sql",
      // 6: the same indexes with the minute right after the type. With the name and the free
      // column before it, a query grouped by name (the derived series: resources by URL, flows)
      // walked every row of its type and view of all time to keep the range's (108,000 hour rows of
      // resource URLs for the ~3,000 of a 24 h "slowest resources" on 2 M events: 1.2 s). Now a view's rows
      // of one type and range are one index range; the name and the other columns are checked on
      // the index entries (a few names per type). `_pt` serves every query that pins the path (to
      // a value or to a view's marker: totals, client, geo), `_ct` the page view grouped by path.
      Migration6Sql(),
      // 7: hour and day rows in rowid tables. A WITHOUT ROWID table keeps whole rows in its b-tree
      // cells, interior ones too, and SQLite copies a cell's entire payload (overflow pages
      // included) to compare keys during a seek: with dense distinct sketches (2 × 16 KB) every
      // lookup from a view index into the rows copied tens of KB (memcpy, malloc and key compares in
      // sqlite3BtreeIndexMoveto were ~40 % of a 30-day LCP request). Rowid lookups compare
      // integers; the key and view indexes hold only key columns. Minute rows stay WITHOUT ROWID
      // (their sketches are small, and their primary key is their only index). The rebuild writes
      // the rows in kClusterOrder and the distinct sketches in the current encoding (dense ones
      // packed, half the bytes); old-encoded sketches elsewhere (minute rows) stay readable.
      Migration7Sql(),
      // 8: open minutes (AddThrough): minutes still receiving events whose rows are stored at the
      // minute level only; each is merged into its hour and day rows once, when complete, and
      // removed from here in that transaction. Queries read the minute rows of the minutes listed
      // here. Rows stored before this migration are all merged already, so it starts empty.
      R"sql(
CREATE TABLE rollup_open_minutes(
  project_id INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  PRIMARY KEY(project_id, minute)
) WITHOUT ROWID;
)sql",
  };
  return kMigrations;
}

Result<std::unique_ptr<SqliteRollupStore>> SqliteRollupStore::Open(const std::string& path) {
  std::unique_ptr<SqliteRollupStore> s(new SqliteRollupStore());
  Status st = s->write_db_.Open(path);
  if (!st.ok()) return st;
  // Before migrating: migrations use the merge functions.
  st = RegisterSketchFunctions(s->write_db_.raw(), &s->corrupt_blobs_);
  if (!st.ok()) return st;
  // The cache first: migrations build indexes over existing rows.
  st = s->write_db_.Exec("PRAGMA cache_size=-65536");
  if (!st.ok()) return st;
  auto schema_version = [&]() -> int64_t {
    auto v = s->write_db_.Prepare("PRAGMA user_version");
    if (!v.ok()) return -1;
    auto row = v->Step();
    return row.ok() && row.value() ? v->Int(0) : -1;
  };
  const int64_t version_before = schema_version();
  st = s->write_db_.Migrate(RollupStoreMigrations(), "rollups");
  if (!st.ok()) return st;
  // A migration that rebuilt tables (7) leaves them in the WAL, where every read looks pages up
  // and copies them out with pread() until a checkpoint moves them into the file.
  if (version_before >= 0 && version_before != schema_version() && path != ":memory:") {
    st = s->write_db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
    if (!st.ok()) return st;
  }
  s->in_memory_ = path == ":memory:";
  if (!s->in_memory_) {
    st = s->read_db_.Open(path);
    // Queries read sketch BLOBs spread over many pages (a dense distinct sketch is four overflow
    // pages): through a memory map, a page read is a memory access instead of a pread() copying it
    // out of the kernel's page cache (the largest cost in profiles of dashboard queries), and the
    // connection's own page cache holds the index pages and recent rows.
    if (st.ok()) st = s->read_db_.Exec("PRAGMA mmap_size=" + std::to_string(int64_t{1} << 40));
    if (st.ok()) st = s->read_db_.Exec("PRAGMA cache_size=-65536");
    if (!st.ok()) return st;
  }
  struct {
    SqliteStmt* stmt;
    std::string sql;
  } prepared[] = {
      {&s->upsert_minute_, UpsertSql("rollup_minute")},
      {&s->upsert_hour_, UpsertSql("rollup_hour")},
      {&s->upsert_day_, UpsertSql("rollup_day")},
      {&s->set_mark_, "INSERT INTO rollup_marks(consumer, through) VALUES('rollups', ?1) "
                      "ON CONFLICT(consumer) DO UPDATE SET through = max(through, excluded.through)"},
      {&s->merge_minute_into_hour_, MergeMinuteSql("rollup_hour")},
      {&s->merge_minute_into_day_, MergeMinuteSql("rollup_day")},
      {&s->add_open_minute_, "INSERT OR IGNORE INTO rollup_open_minutes(project_id, minute) VALUES(?1, ?2)"},
      {&s->drop_open_minute_, "DELETE FROM rollup_open_minutes WHERE project_id = ?1 AND minute = ?2"},
  };
  for (auto& p : prepared) {
    auto r = s->write_db_.Prepare(p.sql);
    if (!r.ok()) return r.status();
    *p.stmt = std::move(r.value());
  }
  auto open = s->write_db_.Prepare("SELECT project_id, minute FROM rollup_open_minutes");
  if (!open.ok()) return open.status();
  while (true) {
    auto row = open->Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    s->open_minutes_.emplace(open->Int(0), open->Int(1));
  }
  return s;
}

uint64_t SqliteRollupStore::corrupt_blobs_replaced() const { return corrupt_blobs_.load(); }

Result<uint64_t> SqliteRollupStore::AddedThrough() {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto st = write_db_.Prepare("SELECT through FROM rollup_marks WHERE consumer = 'rollups'");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return row.value() ? static_cast<uint64_t>(st->Int(0)) : uint64_t{0};
}

Status SqliteRollupStore::AddThrough(const std::vector<RollupRow>& rows, uint64_t through, int64_t open_from_minute) {
  std::lock_guard<std::mutex> lock(write_mu_);
  // Open minutes now complete: merged into their hours and days in this transaction.
  std::vector<std::pair<int64_t, int64_t>> closing;
  for (const auto& pm : open_minutes_) {
    if (pm.second < open_from_minute) closing.push_back(pm);
  }
  if (rows.empty() && through == 0 && closing.empty()) return Status::Ok();
  // Every row goes to its minute row. Rows of an open minute, or of one still receiving events
  // (which opens it), stop there; the rest (minutes already merged: late events, replays, flushes
  // of complete minutes only) are merged into their hour and day rows now, as before open minutes.
  std::vector<const RollupRow*> merged_now;
  std::vector<std::pair<int64_t, int64_t>> opening;
  for (const RollupRow& row : rows) {
    std::pair<int64_t, int64_t> pm{row.key.project_id, row.key.minute};
    if (open_minutes_.count(pm) > 0) continue;
    if (row.key.minute >= open_from_minute) {
      if (opening.empty() || opening.back() != pm) opening.push_back(pm);
      continue;
    }
    merged_now.push_back(&row);
  }
  std::sort(opening.begin(), opening.end());
  opening.erase(std::unique(opening.begin(), opening.end()), opening.end());
  // The rows of one call often share hours and days (a series over several minutes): merge them in
  // memory first, so each hour and day row is read, merged and rewritten once per call rather than
  // once per minute (a dense distinct sketch is 16 KB).
  using CoarseKey = std::tuple<int64_t, int64_t, std::array<std::string_view, kRollupDimCount>>;  // project, start, dims
  // Written in kClusterOrder: new rows of a rowid table are appended, so a view's rows of an
  // interval stay together.
  struct ClusterOrder {
    static auto Tied(const CoarseKey& k) {
      const auto& d = std::get<2>(k);
      auto at = [&](RollupDim dim) -> const std::string_view& { return d[static_cast<size_t>(dim)]; };
      return std::tie(std::get<0>(k), std::get<1>(k), at(RollupDim::kCountry), at(RollupDim::kPath), at(RollupDim::kType),
                      at(RollupDim::kName), at(RollupDim::kRelease), at(RollupDim::kEnvironment), at(RollupDim::kBrowser),
                      at(RollupDim::kOs));
    }
    bool operator()(const CoarseKey& a, const CoarseKey& b) const { return Tied(a) < Tied(b); }
  };
  std::map<CoarseKey, RollupAggregate, ClusterOrder> hours, days;
  for (const RollupRow* row : merged_now) {
    std::array<std::string_view, kRollupDimCount> dims;
    for (size_t i = 0; i < kRollupDimCount; ++i) dims[i] = row->key.dims[i];
    for (auto [level, start] : {std::pair{&hours, HourStart(row->key.minute)}, std::pair{&days, DayStart(row->key.minute)}}) {
      auto [it, fresh] = level->try_emplace(CoarseKey{row->key.project_id, start, dims}, row->agg);
      if (!fresh) {
        Status st = it->second.Merge(row->agg);
        if (!st.ok()) return st;
      }
    }
  }
  Status st = write_db_.Exec("BEGIN IMMEDIATE");
  if (!st.ok()) return st;
  std::string users, sessions, vals;
  auto upsert = [&](SqliteStmt* stmt, int64_t project_id, int64_t minute, const auto& dims, const RollupAggregate& agg) {
    users.clear();
    sessions.clear();
    vals.clear();
    if (!agg.users.empty()) agg.users.Serialize(&users);
    if (!agg.sessions.empty()) agg.sessions.Serialize(&sessions);
    if (!agg.values.empty()) agg.values.Serialize(&vals);
    stmt->Bind(1, project_id).Bind(2, minute).Bind(11, static_cast<int64_t>(agg.count)).Bind(12, static_cast<int64_t>(agg.errors));
    for (size_t i = 0; i < kRollupDimCount; ++i) stmt->Bind(static_cast<int>(i) + 3, std::string_view(dims[i]));
    if (users.empty()) stmt->BindNull(13); else stmt->BindBlob(13, users);
    if (sessions.empty()) stmt->BindNull(14); else stmt->BindBlob(14, sessions);
    if (vals.empty()) stmt->BindNull(15); else stmt->BindBlob(15, vals);
    return stmt->Run();
  };
  for (const RollupRow& row : rows) {
    st = upsert(&upsert_minute_, row.key.project_id, row.key.minute, row.key.dims, row.agg);
    if (!st.ok()) break;
  }
  for (auto [level, stmt] : {std::pair{&hours, &upsert_hour_}, std::pair{&days, &upsert_day_}}) {
    for (const auto& [key, agg] : *level) {
      if (!st.ok()) break;
      st = upsert(stmt, std::get<0>(key), std::get<1>(key), std::get<2>(key), agg);
    }
  }
  // After this call's minute rows, so a minute closed now includes them.
  for (const auto& [project_id, minute] : closing) {
    if (!st.ok()) break;
    merge_minute_into_hour_.Bind(1, project_id).Bind(2, minute).Bind(3, HourStart(minute));
    st = merge_minute_into_hour_.Run();
    if (st.ok()) {
      merge_minute_into_day_.Bind(1, project_id).Bind(2, minute).Bind(3, DayStart(minute));
      st = merge_minute_into_day_.Run();
    }
    if (st.ok()) {
      drop_open_minute_.Bind(1, project_id).Bind(2, minute);
      st = drop_open_minute_.Run();
    }
  }
  for (const auto& [project_id, minute] : opening) {
    if (!st.ok()) break;
    add_open_minute_.Bind(1, project_id).Bind(2, minute);
    st = add_open_minute_.Run();
  }
  if (st.ok() && through > 0) {
    set_mark_.Bind(1, static_cast<int64_t>(through));
    st = set_mark_.Run();
  }
  if (st.ok()) st = write_db_.Exec("COMMIT");
  if (!st.ok()) {
    write_db_.Exec("ROLLBACK");
    return st;
  }
  for (const auto& pm : closing) open_minutes_.erase(pm);
  open_minutes_.insert(opening.begin(), opening.end());
  return Status::Ok();
}

namespace {
// The stored levels, coarsest first.
struct Level {
  const char* table;
  int64_t minutes;
  uint64_t RollupQueryResult::*read;
};
const Level kLevels[] = {{"rollup_day", 1440, &RollupQueryResult::day_rows_read},
                          {"rollup_hour", 60, &RollupQueryResult::hour_rows_read},
                          {"rollup_minute", 1, &RollupQueryResult::minute_rows_read}};
// Up to this many series names found in the hour rows become a name filter on minute rows.
constexpr size_t kMaxNameSeeks = 16;
}  // namespace

Result<RollupQueryResult> SqliteRollupStore::Query(const RollupQuery& q) {
  if (q.to_minute <= q.from_minute) return Status::Error("bad_query", "empty time range");
  if (q.group_by.size() > 2) return Status::Error("bad_query", "group by at most two dimensions");
  if (q.bucket_minutes < 0) return Status::Error("bad_query", "bucket_minutes must be >= 0");
  for (const RollupFilter& f : q.filters) {
    if (f.values.empty()) return Status::Error("bad_query", "filter on " + std::string(RollupDimName(f.dim)) + " has no values");
  }
  // Level choice: the coarsest level whose intervals no bucket splits (no time bucketing, or
  // buckets of whole days / hours, which are epoch-aligned) covers the whole intervals inside
  // [from, to); the next finer level covers the ragged ends, down to minutes.
  struct Span {
    const Level* level;
    int64_t from, to;
  };
  std::vector<Span> spans;
  auto cover = [&](auto& self, size_t li, int64_t from, int64_t to) -> void {
    if (from >= to) return;
    const Level& l = kLevels[li];
    bool usable = l.minutes == 1 || q.bucket_minutes == 0 || q.bucket_minutes % l.minutes == 0;
    int64_t a = FloorDiv(from + l.minutes - 1, l.minutes) * l.minutes, z = FloorDiv(to, l.minutes) * l.minutes;
    if (!usable || a >= z) return self(self, li + 1, from, to);
    self(self, li + 1, from, a);
    spans.push_back({&l, a, z});
    self(self, li + 1, z, to);
  };
  cover(cover, 0, q.from_minute, q.to_minute);

  // Without a type filter, only the event types' own series count (derived series hold the same
  // events again under pseudo-types; rollup_step.h).
  std::vector<RollupFilter> filters = q.filters;
  if (std::none_of(filters.begin(), filters.end(), [](const RollupFilter& f) { return f.dim == RollupDim::kType; })) {
    RollupFilter types{RollupDim::kType, {}};
    for (int t = 0; t <= static_cast<int>(EventType::kSession); ++t) types.values.emplace_back(EventTypeName(static_cast<EventType>(t)));
    filters.push_back(std::move(types));
  }

  auto one_value = [&](RollupDim d) {
    return std::any_of(filters.begin(), filters.end(), [&](const RollupFilter& f) { return f.dim == d && f.values.size() == 1; });
  };

  RollupQueryResult result;
  std::map<std::pair<int64_t, std::vector<std::string>>, RollupAggregate> groups;
  // In memory there is one connection (a second would open another, empty database).
  std::lock_guard<std::mutex> lock(in_memory_ ? write_mu_ : read_mu_);
  SqliteDb& read_db = in_memory_ ? write_db_ : read_db_;
  // One read transaction: every statement sees the same snapshot, so a minute merged into its
  // hour meanwhile is read once, either from its minute rows (open) or from the hour's.
  Status begun = read_db.Exec("BEGIN");
  if (!begun.ok()) return begun;
  struct EndRead {
    SqliteDb* db;
    ~EndRead() { db->Exec("COMMIT"); }
  } end_read{&read_db};
  // The open minutes of the range (AddThrough): their events are in minute rows only.
  std::string open_list;  // "m1,m2,…"
  {
    auto open = read_db.Prepare("SELECT minute FROM rollup_open_minutes WHERE project_id = ?1 AND minute >= ?2 AND minute < ?3");
    if (!open.ok()) return open.status();
    open->Bind(1, q.project_id).Bind(2, q.from_minute).Bind(3, q.to_minute);
    while (true) {
      auto row = open->Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      open_list += (open_list.empty() ? "" : ",") + std::to_string(open->Int(0));
    }
  }
  // SELECT `columns` of the rows of `table` in [from, to) that pass `fs`; `open_minutes`: only the
  // range's open minutes (minute rows), else the span without them.
  auto select = [&](const char* table, bool minute_rows, const std::string& columns, int64_t from, int64_t to,
                    const std::vector<RollupFilter>& fs, bool open_minutes = false) -> Result<SqliteStmt> {
    std::string sql = "SELECT " + columns + " FROM " + table + " r";
    // The index whose leading columns the filters pin (migrations 6 and 7; hour and day rows).
    if (minute_rows) {
      // primary key (project_id, minute, …)
    } else if (one_value(RollupDim::kPath)) {
      sql += std::string(" INDEXED BY ") + table + "_pt";
    } else if (one_value(RollupDim::kCountry)) {
      sql += std::string(" INDEXED BY ") + table + "_ct";
    }
    if (open_minutes) {
      // The unary + keeps the range out of the index choice: without statistics SQLite otherwise
      // seeks by the range and walks every minute row of it (30 days: 12 M rows at 2 M events)
      // instead of the listed minutes (the list is within the range already).
      sql += " WHERE r.project_id = ?1 AND +r.minute >= ?2 AND +r.minute < ?3 AND r.minute IN (" + open_list + ")";
    } else if (minute_rows) {
      // Minute rows have only the primary key (project_id, minute, type, name, …). A range on the
      // minute would end the index seek there and walk every row of every series of the range
      // (all views, all types: ~1,000 rows a minute at 10 M events); each minute as an equality
      // lets the type and name filters seek too.
      sql += " WHERE r.project_id = ?1 AND r.minute IN (WITH RECURSIVE m(x) AS (SELECT ?2 UNION ALL "
             "SELECT x + 1 FROM m WHERE x + 1 < ?3) SELECT x FROM m)";
      if (!open_list.empty()) sql += " AND r.minute NOT IN (" + open_list + ")";
    } else {
      sql += " WHERE r.project_id = ?1 AND r.minute >= ?2 AND r.minute < ?3";
    }
    int param = 4;
    for (const RollupFilter& f : fs) {
      sql += std::string(" AND r.") + kDimColumns[static_cast<size_t>(f.dim)] + " IN (";
      for (size_t i = 0; i < f.values.size(); ++i) sql += (i ? ",?" : "?") + std::to_string(param++);
      sql += ")";
    }
    auto stmt = read_db.Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, q.project_id).Bind(2, from).Bind(3, to);
    param = 4;
    for (const RollupFilter& f : fs) {
      for (const std::string& v : f.values) stmt->Bind(param++, std::string_view(v));
    }
    return stmt;
  };
  std::string columns = std::string("r.minute, r.count, r.errors, ") +
                        (q.with_distinct ? "r.users, r.sessions, " : "NULL, NULL, ") + (q.with_values ? "r.vals" : "NULL");
  for (RollupDim d : q.group_by) columns += std::string(", r.") + kDimColumns[static_cast<size_t>(d)];
  const bool names_pinned =
      std::any_of(filters.begin(), filters.end(), [](const RollupFilter& f) { return f.dim == RollupDim::kName; });
  // Adds the rows `s` yields to their groups, counting them at `read`.
  auto accumulate = [&](SqliteStmt& s, uint64_t RollupQueryResult::*read) -> Status {
    std::pair<int64_t, std::vector<std::string>> key;
    while (true) {
      auto row = s.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) return Status::Ok();
      ++(result.*read);
      int64_t minute = s.Int(0);
      key.first = q.bucket_minutes ? FloorDiv(minute, q.bucket_minutes) * q.bucket_minutes : q.from_minute;
      key.second.resize(q.group_by.size());
      for (size_t g = 0; g < q.group_by.size(); ++g) key.second[g] = s.Text(6 + static_cast<int>(g));
      RollupAggregate& agg = groups[key];
      agg.count += static_cast<uint64_t>(s.Int(1));
      agg.errors += static_cast<uint64_t>(s.Int(2));
      // An unreadable stored sketch (never expected) fails the query rather than silently
      // under-reporting.
      for (auto [col, sketch] : {std::pair{3, &agg.users}, std::pair{4, &agg.sessions}}) {
        if (s.IsNull(col)) continue;
        Status st = sketch->MergeSerialized(s.TextView(col));
        if (!st.ok()) return st;
      }
      if (!s.IsNull(5)) {
        auto v = QuantileSketch::Deserialize(s.TextView(5));
        if (!v.ok()) return v.status();
        Status st = agg.values.Merge(*v);
        if (!st.ok()) return st;
      }
    }
  };
  for (const Span& span : spans) {
    const bool minute_rows = span.level->minutes == 1;
    std::vector<RollupFilter> span_filters;
    if (minute_rows && !names_pinned) {
      // Without a name filter a minute's seek stops at the type and walks every view's series of
      // it (~100 page-view rows a minute at 10 M events, for one totals row). The names of the
      // series are those of the hour rows covering the span (every minute but an open one is
      // merged into its hour row, and open minutes are read below), found on the hour level's view
      // index; a few names become a filter, so each minute's seek reaches the series themselves.
      auto names = select("rollup_hour", false, "DISTINCT r.name", FloorDiv(span.from, 60) * 60, span.to, filters);
      if (!names.ok()) return names.status();
      RollupFilter by_name{RollupDim::kName, {}};
      while (by_name.values.size() <= kMaxNameSeeks) {
        auto row = names->Step();
        if (!row.ok()) return row.status();
        if (!row.value()) break;
        by_name.values.push_back(names->Text(0));
      }
      if (by_name.values.empty()) continue;  // no series in these hours
      if (by_name.values.size() <= kMaxNameSeeks) {
        span_filters = filters;
        span_filters.push_back(std::move(by_name));
      }
    }
    auto stmt = select(span.level->table, minute_rows, columns, span.from, span.to, span_filters.empty() ? filters : span_filters);
    if (!stmt.ok()) return stmt.status();
    Status st = accumulate(stmt.value(), span.level->read);
    if (!st.ok()) return st;
  }
  // The open minutes, wherever they fall (no hour or day row holds them yet; the minute spans
  // above left them out). A few minutes: their rows are walked by type without a name filter.
  if (!open_list.empty()) {
    auto stmt = select("rollup_minute", true, columns, q.from_minute, q.to_minute, filters, true);
    if (!stmt.ok()) return stmt.status();
    Status st = accumulate(stmt.value(), &RollupQueryResult::minute_rows_read);
    if (!st.ok()) return st;
  }
  result.rows.reserve(groups.size());
  for (auto& [key, agg] : groups) {
    RollupResultRow r;
    r.bucket_start = key.first;
    r.group = key.second;
    r.count = agg.count;
    r.errors = agg.errors;
    r.users = agg.users.Estimate();
    r.sessions = agg.sessions.Estimate();
    r.p50 = agg.values.Quantile(0.5);
    r.p75 = agg.values.Quantile(0.75);
    r.p90 = agg.values.Quantile(0.9);
    r.p95 = agg.values.Quantile(0.95);
    r.p99 = agg.values.Quantile(0.99);
    r.values = std::move(agg.values);
    r.users_sketch = std::move(agg.users);
    r.sessions_sketch = std::move(agg.sessions);
    result.rows.push_back(std::move(r));
  }
  return result;
}

}  // namespace vigil

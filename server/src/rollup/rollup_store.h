// Rollups (DESIGN.md §3, docs/rollups.md): per-minute aggregates of events, kept per series (one
// combination of the dimensions below) with a count, an error count and mergeable sketches
// (distinct users and sessions; a value distribution for percentiles). The RollupStore keeps them
// at three levels, minutes, hours and (UTC) days, and answers range queries by merging rows of the
// coarsest level that fits; queries over long ranges read day and hour rows, not raw events.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "rollup/distinct_sketch.h"
#include "rollup/quantile_sketch.h"

namespace vigil {

// The dimensions a rollup series is keyed by, in storage order.
enum class RollupDim { kType, kName, kPath, kRelease, kEnvironment, kBrowser, kOs, kCountry };
constexpr size_t kRollupDimCount = 8;
// "type", "name", "path", "release", "environment", "browser", "os", "country".
std::string_view RollupDimName(RollupDim d);
bool ParseRollupDim(std::string_view s, RollupDim* out);

// What one series accumulates over its interval (a minute, an hour, or a query's bucket).
struct RollupAggregate {
  uint64_t count = 0;         // events
  uint64_t errors = 0;        // error events, and http/resource events with status 0 or >= 400
  DistinctSketch users;       // Hash64(uid), non-empty uids only
  DistinctSketch sessions;    // Hash64(sid), non-empty sids only
  QuantileSketch values;      // vitals: value; others: duration, else value (see docs/rollups.md)
  // Adds `o` in; fails only when sketch parameters differ.
  Status Merge(const RollupAggregate& o);
};

struct RollupKey {
  int64_t project_id = 0;
  int64_t minute = 0;  // ts / 60000, floored
  std::array<std::string, kRollupDimCount> dims;  // indexed by RollupDim
  const std::string& dim(RollupDim d) const { return dims[static_cast<size_t>(d)]; }
};

struct RollupRow {
  RollupKey key;
  RollupAggregate agg;
};

struct RollupFilter {
  RollupDim dim;
  std::vector<std::string> values;  // the dimension equals one of these
};

struct RollupQuery {
  int64_t project_id = 0;
  int64_t from_minute = 0, to_minute = 0;  // [from, to), minutes since the epoch
  std::vector<RollupFilter> filters;       // all must hold
  std::vector<RollupDim> group_by;         // 0, 1 or 2 dimensions
  // 0: one bucket for the whole range. Otherwise buckets of this many minutes aligned on the
  // epoch (start = floor(minute / bucket) * bucket), like ClickHouse's toStartOfInterval.
  int64_t bucket_minutes = 0;
  // What the caller needs besides counts: skipping sketches it does not need saves reading and
  // merging them (the distinct sketches are up to 16 KB per row).
  bool with_distinct = true;  // users, sessions
  bool with_values = true;    // percentiles, the merged value sketch
};

struct RollupResultRow {
  int64_t bucket_start = 0;         // minute; the query's from_minute when bucket_minutes == 0
  std::vector<std::string> group;   // values of the group_by dimensions, in order
  uint64_t count = 0, errors = 0;
  double users = 0, sessions = 0;   // distinct estimates
  double p50 = 0, p75 = 0, p90 = 0, p95 = 0, p99 = 0;  // NaN when no values
  QuantileSketch values;            // the merged distribution (Histogram() for charts)
  // The merged distinct sketches (empty unless the query asked `with_distinct`), so a caller can
  // merge groups further (all types from a by-type query) without reading the rows again.
  DistinctSketch users_sketch, sessions_sketch;
};

struct RollupQueryResult {
  std::vector<RollupResultRow> rows;  // ordered by bucket_start, then group values
  // Stored rows read at each level (shows which level answered; see docs/rollups.md).
  uint64_t minute_rows_read = 0, hour_rows_read = 0, day_rows_read = 0;
};

// Storage of rollup rows. Implementations are thread-safe: Add from the processor thread,
// Query from API threads.
class RollupStore {
 public:
  // AddThrough's `open_from_minute` when no minute is still receiving events.
  static constexpr int64_t kNoOpenMinutes = INT64_MAX;

  virtual ~RollupStore() = default;
  // Merges every row into the stored minute row of its key and into the hour and day rows
  // containing it (read-modify-write: late events and repeated flushes of the same minute add
  // up). All or nothing: on error nothing is stored. Same as AddThrough(rows, 0, kNoOpenMinutes).
  virtual Status Add(const std::vector<RollupRow>& rows) = 0;
  // Add, and record in the same transaction that the rows hold every event of the queue up to
  // offset `through` (0: no record; see AddedThrough).
  //
  // Minutes at or after `open_from_minute` may still receive events. A store may keep the rows of
  // such a minute at the minute level only (an "open minute") and merge the minute into its hour
  // and day rows once, in the first later call whose `open_from_minute` has passed it, in that
  // call's transaction. Queries read open minutes from their minute rows, so answers do not depend
  // on when a minute is merged. Stores without levels (test doubles) just Add.
  virtual Status AddThrough(const std::vector<RollupRow>& rows, uint64_t through, int64_t open_from_minute) {
    (void)through;
    (void)open_from_minute;
    return Add(rows);
  }
  // The highest `through` recorded by AddThrough (0 when none or not recorded): a RollupStep
  // skips replayed queue records up to it, so a crash never counts events twice.
  virtual Result<uint64_t> AddedThrough() { return uint64_t{0}; }
  virtual Result<RollupQueryResult> Query(const RollupQuery& q) = 0;
};

}  // namespace vigil

// RollupStep: the pipeline step that maintains the rollups (docs/rollups.md). For every event it
// adds one to the in-memory aggregate of its series and minute — key (project, minute = ts/60000,
// type, name, path, release, environment, browser, os, country) — and feeds the uid, sid and the
// event's value into the aggregate's sketches. It does not change the batch. At the end of a
// processor cycle (FinishCycle), once `flush_interval_ms` has passed, the pending aggregates go to
// the RollupStore (all of them with `write_partial_minutes`, else those of complete minutes: older
// than the previous minute of the newest event seen), which merges them into the stored minute
// rows, and into the hour and day rows once their minute is complete (open minutes,
// RollupStore::AddThrough); everything pending is written when more than `max_pending_rows` are
// pending, and on Flush().
//
// Cardinality: type, environment, browser/os (families), country and release are small sets;
// path (already normalized by the server) and name are capped per project-minute: past
// `max_paths_per_minute` distinct paths (resp. `max_names_per_minute` names per type) new values
// are folded into "(other)". The caps count over recent minutes kept in memory; see the doc.
//
// Replays: batches carry their queue offset. When a flush writes everything pending, the store
// records the highest offset aggregated in the same transaction (RollupStore::AddThrough); batches
// replayed after a crash up to that offset are skipped, and PendingFrom() tells the Processor not
// to commit the queue past records whose aggregates are still only in memory, so after a crash
// they come again. Together: every event is counted exactly once (batches without an offset, as
// in tests and benchmarks, are always counted). A flush of complete minutes only
// (`write_partial_minutes` false) does not move the mark.
//
// Derived series: some breakdowns need a field of the event's JSON tail or a second key (the
// slowest resources by URL, API endpoints by status, route flows, click texts, custom event
// properties, navigation timing parts, dwell time per page). For those, an event also adds to
// series of a pseudo-type (DerivedSeriesType) whose name joins the keys with kKeySeparator, in
// the same views and with the same dimensions as its own series, without distinct sketches:
//   navigation.timing  name: dns|tcp|tls|request|response|domReady|load|ttfb   value: ms
//   resource.url       name: initiator, url                 value: duration   errors: failed loads
//   route.dwell        name: path left                      value: time spent on it
//   route.flow         name: from path or "(entry)", to path or "(exit)"
//   click.text         name: selector, text
//   custom.prop        name: event name, property, value (strings as is, others as JSON)
//   http.endpoint      name: method, host + URL pattern, status   value: duration   errors: 0 or >= 400
// Names are capped like the event types' (each pseudo-type has its own cap). A query without a
// type filter reads only the event types' own series (SqliteRollupStore), so totals are unchanged.
//
// Order: run it last among the pipeline steps, so it sees enriched, filtered, grouped events.
//
// Thread safety: Process() and FinishCycle() run on the processor thread; Flush() and stats() may
// be called from any thread (an internal mutex serializes them). `store` must outlive the step.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/processor.h"
#include "rollup/rollup_store.h"

namespace vigil {

enum class DerivedSeries { kNavigationTiming, kResourceUrl, kRouteDwell, kRouteFlow, kClickText, kCustomProp, kHttpEndpoint };
constexpr size_t kDerivedSeriesCount = 7;
// "navigation.timing", "resource.url", … (see above).
std::string_view DerivedSeriesType(DerivedSeries d);
// Joins the keys of a derived series' name with kKeySeparator (a separator inside a key becomes a
// space); SplitKey reverses it.
constexpr char kKeySeparator = '\x1f';
std::string JoinKey(std::initializer_list<std::string_view> parts);
std::vector<std::string> SplitKey(std::string_view key);

struct RollupOptions {
  int64_t flush_interval_ms = 5000;
  // Also write minutes still receiving events at each interval (the store merges repeated writes
  // of a minute), so dashboards lag by at most one interval. false: write a minute once complete.
  bool write_partial_minutes = true;
  size_t max_pending_rows = 50000;
  size_t max_paths_per_minute = 500;  // per project and minute
  size_t max_names_per_minute = 200;  // per project, minute and event type
  std::function<int64_t()> now_ms;    // defaults to the wall clock; tests inject their own
};

struct RollupStepStats {
  uint64_t events = 0;           // events aggregated
  uint64_t flushes = 0;          // successful flushes
  uint64_t rows_flushed = 0;     // aggregate rows written by them
  uint64_t flush_failures = 0;   // failed flushes (the rows stay pending and are retried)
  uint64_t folded_paths = 0;     // events whose path was folded into "(other)"
  uint64_t folded_names = 0;     // events whose name was folded into "(other)"
  size_t pending_rows = 0;       // aggregates in memory now
  uint64_t replayed_skipped = 0; // events of replayed queue records already in the stored rows
};

class RollupStep : public PipelineStep {
 public:
  static constexpr const char* kOther = "(other)";

  explicit RollupStep(RollupStore* store, RollupOptions options = {});
  ~RollupStep() override;

  void Process(NormalizedBatch* batch) override;
  // Writes the complete minutes when the flush interval has passed (everything when more than
  // max_pending_rows are pending).
  void FinishCycle() override;
  // Writes every pending aggregate to the store. On error they stay pending (merged with what
  // comes next) and the next flush retries them.
  Status Flush();
  uint64_t PendingFrom() const override;
  RollupStepStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil

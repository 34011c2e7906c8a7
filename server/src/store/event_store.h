// EventStore: where normalized events live (SQLite embedded; ClickHouse scale-out).
// Implementations are safe to call from several threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <optional>
#include <vector>

#include "common/event.h"
#include "common/status.h"

namespace vigil {

struct EventQuery {
  int64_t project_id = 0;
  std::optional<EventType> type;
  std::optional<int64_t> since;  // ms, inclusive
  std::optional<int64_t> until;  // ms, exclusive
  int limit = 100;
  // Optional equality filters.
  int64_t issue_id = 0;
  std::string name, uid, sid, release, environment, browser, os, device, country, path;
  bool oldest_first = false;
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  // Stores the events in one atomic write. Idempotent by (project_id, ts, event_id): an event
  // already stored is skipped, so a replayed queue record or a resent batch never duplicates.
  // Returns how many were new.
  virtual Result<size_t> Insert(const std::vector<Event>& events) = 0;
  // Calls `fn` for each matching event (up to q.limit; order per q.oldest_first) without holding
  // them all in memory; `fn` returns false to stop early.
  virtual Status Scan(const EventQuery& q, const std::function<bool(const Event&)>& fn) = 0;
  // Deletes every event of the project (when the project is deleted).
  virtual Status DeleteProject(int64_t project_id) = 0;
  // Newest first (ts descending, then insertion order descending).
  virtual Result<std::vector<Event>> Query(const EventQuery& q) = 0;
};

}  // namespace vigil

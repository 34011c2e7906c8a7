// SqliteEventStore: the embedded EventStore, one SQLite file (events.db) in WAL mode.
// Writes go through one connection, reads through another, so a long read never blocks ingest.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/event_store.h"
#include "store/sqlite/sqlite_db.h"

namespace vigil {

class SqliteEventStore : public EventStore {
 public:
  // Opens or creates `path` and migrates its schema.
  static Result<std::unique_ptr<SqliteEventStore>> Open(const std::string& path);

  Result<size_t> Insert(const std::vector<Event>& events) override;
  Result<std::vector<Event>> Query(const EventQuery& q) override;
  Status DeleteProject(int64_t project_id) override;
  Status Scan(const EventQuery& q, const std::function<bool(const Event&)>& fn) override;

 private:
  SqliteEventStore() = default;
  std::mutex write_mu_;
  SqliteDb write_db_;
  SqliteStmt insert_;
  SqliteCheckpointer checkpointer_;  // after write_db_: stops before the connection closes
  std::mutex read_mu_;
  SqliteDb read_db_;
};

// The event store's schema migrations, exposed for tests.
const std::vector<std::string>& EventStoreMigrations();

}  // namespace vigil

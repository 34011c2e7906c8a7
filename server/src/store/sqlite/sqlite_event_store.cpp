#include "store/sqlite/sqlite_event_store.h"

namespace vigil {

const std::vector<std::string>& EventStoreMigrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: the event table of DESIGN.md §3.
      R"sql(
CREATE TABLE events(
  seq INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  value REAL,
  duration REAL,
  status INTEGER,
  uid TEXT NOT NULL DEFAULT '',
  sid TEXT NOT NULL DEFAULT '',
  release TEXT NOT NULL DEFAULT '',
  environment TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL DEFAULT '',
  referrer TEXT NOT NULL DEFAULT '',
  browser TEXT NOT NULL DEFAULT '',
  browser_version TEXT NOT NULL DEFAULT '',
  os TEXT NOT NULL DEFAULT '',
  os_version TEXT NOT NULL DEFAULT '',
  device TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  city TEXT NOT NULL DEFAULT '',
  fingerprint TEXT NOT NULL DEFAULT '',
  issue_id INTEGER,
  level TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  data TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX events_by_event_id ON events(project_id, event_id);
CREATE INDEX events_by_ts ON events(project_id, ts);
CREATE INDEX events_by_type_ts ON events(project_id, type, ts);
)sql",
      // 2: an issue's events (errors only: a partial index costs nothing for other types).
      "CREATE INDEX events_by_issue ON events(project_id, issue_id, ts) WHERE issue_id IS NOT NULL;",
      // 3: an event is identified by (project, ts, id). Events arrive in roughly ts order, so this
      // unique index grows at its right edge (cheap inserts) where the (project, id) index took a
      // random page per event; it also serves every ts range query of the old (project, ts) index.
      R"sql(
CREATE UNIQUE INDEX events_by_ts_id ON events(project_id, ts, event_id);
DROP INDEX events_by_event_id;
DROP INDEX events_by_ts;
)sql",
  };
  return kMigrations;
}

namespace {
constexpr const char* kColumns =
    "project_id, event_id, ts, received_at, type, name, value, duration, status, uid, sid, release, "
    "environment, url, path, referrer, browser, browser_version, os, os_version, device, country, "
    "region, city, fingerprint, issue_id, level, message, data";
}

Result<std::unique_ptr<SqliteEventStore>> SqliteEventStore::Open(const std::string& path) {
  std::unique_ptr<SqliteEventStore> s(new SqliteEventStore());
  Status st = s->write_db_.Open(path);
  if (!st.ok()) return st;
  st = s->write_db_.Migrate(EventStoreMigrations(), "events");
  if (!st.ok()) return st;
  // A larger page cache keeps the hot index pages in memory while inserting (32 MiB).
  st = s->write_db_.Exec("PRAGMA cache_size=-32768");
  if (!st.ok()) return st;
  st = s->checkpointer_.Start(&s->write_db_, path, "NORMAL", int64_t{16} << 20, "vigil-events-ck");
  if (!st.ok()) return st;
  st = s->write_db_.Exec("PRAGMA journal_size_limit=" + std::to_string(64 << 20));
  if (!st.ok()) return st;
  st = s->read_db_.Open(path);
  if (!st.ok()) return st;
  auto ins = s->write_db_.Prepare(std::string("INSERT OR IGNORE INTO events(") + kColumns +
                                  ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins.ok()) return ins.status();
  s->insert_ = std::move(ins.value());
  return s;
}

Result<size_t> SqliteEventStore::Insert(const std::vector<Event>& events) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (checkpointer_.PassFinished()) checkpointer_.Complete(&write_db_);
  Status st = write_db_.Exec("BEGIN");
  if (!st.ok()) return st;
  size_t added = 0;
  for (const Event& e : events) {
    SqliteStmt& s = insert_;
    s.Bind(1, e.project_id)
        .Bind(2, e.event_id)
        .Bind(3, e.ts)
        .Bind(4, e.received_at)
        .Bind(5, EventTypeName(e.type))
        .Bind(6, e.name)
        .Bind(7, e.value)
        .Bind(8, e.duration)
        .Bind(9, e.status)
        .Bind(10, e.uid)
        .Bind(11, e.sid)
        .Bind(12, e.release)
        .Bind(13, e.environment)
        .Bind(14, e.url)
        .Bind(15, e.path)
        .Bind(16, e.referrer)
        .Bind(17, e.browser)
        .Bind(18, e.browser_version)
        .Bind(19, e.os)
        .Bind(20, e.os_version)
        .Bind(21, e.device)
        .Bind(22, e.country)
        .Bind(23, e.region)
        .Bind(24, e.city)
        .Bind(25, e.fingerprint);
    if (e.issue_id) s.Bind(26, e.issue_id); else s.BindNull(26);
    s.Bind(27, e.level).Bind(28, e.message).Bind(29, e.data);
    st = s.Run();
    if (!st.ok()) {
      write_db_.Exec("ROLLBACK");
      return st;
    }
    added += static_cast<size_t>(write_db_.Changes());
  }
  st = write_db_.Exec("COMMIT");
  if (!st.ok()) {
    write_db_.Exec("ROLLBACK");
    return st;
  }
  return added;
}

Status SqliteEventStore::DeleteProject(int64_t project_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto st = write_db_.Prepare("DELETE FROM events WHERE project_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, project_id);
  return st->Run();
}

Status SqliteEventStore::Scan(const EventQuery& q, const std::function<bool(const Event&)>& fn) {
  std::string sql = std::string("SELECT ") + kColumns + " FROM events WHERE project_id = ?1";
  if (q.type) sql += " AND type = ?2";
  if (q.since) sql += " AND ts >= ?3";
  if (q.until) sql += " AND ts < ?4";
  // Equality filters bind from ?6 on, in this order.
  const std::pair<const char*, const std::string*> text_filters[] = {
      {"name", &q.name},       {"uid", &q.uid},         {"sid", &q.sid},         {"release", &q.release},
      {"environment", &q.environment}, {"browser", &q.browser}, {"os", &q.os}, {"device", &q.device},
      {"country", &q.country}, {"path", &q.path}};
  int param = 6;
  std::vector<std::pair<int, const std::string*>> binds;
  for (const auto& [col, val] : text_filters) {
    if (val->empty()) continue;
    sql += std::string(" AND ") + col + " = ?" + std::to_string(param);
    binds.emplace_back(param++, val);
  }
  if (q.issue_id) sql += " AND issue_id = ?" + std::to_string(param);
  sql += q.oldest_first ? " ORDER BY ts ASC, seq ASC LIMIT ?5" : " ORDER BY ts DESC, seq DESC LIMIT ?5";
  std::lock_guard<std::mutex> lock(read_mu_);
  auto st = read_db_.Prepare(sql);
  if (!st.ok()) return st.status();
  SqliteStmt& s = st.value();
  s.Bind(1, q.project_id);
  if (q.type) s.Bind(2, EventTypeName(*q.type));
  if (q.since) s.Bind(3, *q.since);
  if (q.until) s.Bind(4, *q.until);
  s.Bind(5, int64_t{q.limit});
  for (const auto& [i, v] : binds) s.Bind(i, std::string_view(*v));
  if (q.issue_id) s.Bind(param, q.issue_id);
  Event e;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    e.project_id = s.Int(0);
    e.event_id = s.Text(1);
    e.ts = s.Int(2);
    e.received_at = s.Int(3);
    ParseEventType(s.TextView(4), &e.type);
    e.name = s.Text(5);
    e.value = s.IsNull(6) ? std::nullopt : std::optional<double>(s.Double(6));
    e.duration = s.IsNull(7) ? std::nullopt : std::optional<double>(s.Double(7));
    e.status = s.IsNull(8) ? std::nullopt : std::optional<int>(static_cast<int>(s.Int(8)));
    e.uid = s.Text(9);
    e.sid = s.Text(10);
    e.release = s.Text(11);
    e.environment = s.Text(12);
    e.url = s.Text(13);
    e.path = s.Text(14);
    e.referrer = s.Text(15);
    e.browser = s.Text(16);
    e.browser_version = s.Text(17);
    e.os = s.Text(18);
    e.os_version = s.Text(19);
    e.device = s.Text(20);
    e.country = s.Text(21);
    e.region = s.Text(22);
    e.city = s.Text(23);
    e.fingerprint = s.Text(24);
    e.issue_id = s.IsNull(25) ? 0 : s.Int(25);
    e.level = s.Text(26);
    e.message = s.Text(27);
    e.data = s.Text(28);
    if (!fn(e)) break;
  }
  return Status::Ok();
}

Result<std::vector<Event>> SqliteEventStore::Query(const EventQuery& q) {
  std::vector<Event> out;
  Status s = Scan(q, [&](const Event& e) {
    out.push_back(e);
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace vigil

#include "store/sqlite/sqlite_meta_store.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/clock.h"
#include "common/random.h"

namespace vigil {

const std::vector<std::string>& MetaStoreMigrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: projects, users, memberships, API tokens.
      R"sql(
CREATE TABLE projects(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  public_key TEXT NOT NULL UNIQUE,
  enabled INTEGER NOT NULL DEFAULT 1,
  allowed_origins TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  created_at INTEGER NOT NULL
);
CREATE TABLE project_members(
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (project_id, user_id)
);
CREATE TABLE api_tokens(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL
);
CREATE TABLE settings(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
      // 2: issues (grouped errors) with distinct users and sessions.
      R"sql(
CREATE TABLE issues(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  fingerprint TEXT NOT NULL,
  title TEXT NOT NULL,
  culprit TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL DEFAULT '',
  level TEXT NOT NULL DEFAULT 'error',
  count INTEGER NOT NULL DEFAULT 0,
  users INTEGER NOT NULL DEFAULT 0,
  sessions INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  first_release TEXT NOT NULL DEFAULT '',
  last_release TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'unresolved'
    CHECK (status IN ('unresolved', 'resolved', 'resolved_in_release', 'ignored')),
  resolved_in_release TEXT NOT NULL DEFAULT '',
  ignore_until_count INTEGER NOT NULL DEFAULT 0,
  ignore_until_ts INTEGER NOT NULL DEFAULT 0,
  regressed INTEGER NOT NULL DEFAULT 0,
  regressed_at INTEGER NOT NULL DEFAULT 0,
  status_changed_at INTEGER NOT NULL DEFAULT 0,
  UNIQUE (project_id, fingerprint)
);
CREATE INDEX issues_by_last_seen ON issues(project_id, last_seen);
CREATE TABLE issue_users(issue_id INTEGER NOT NULL, uid TEXT NOT NULL, PRIMARY KEY (issue_id, uid)) WITHOUT ROWID;
CREATE TABLE issue_sessions(issue_id INTEGER NOT NULL, sid TEXT NOT NULL, PRIMARY KEY (issue_id, sid)) WITHOUT ROWID;
)sql",
      // 3: per-project pipeline settings and filtered-event counters.
      R"sql(
ALTER TABLE projects ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
CREATE TABLE filtered_counts(
  project_id INTEGER NOT NULL,
  day INTEGER NOT NULL,
  reason TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (project_id, day, reason)
) WITHOUT ROWID;
)sql",
      // 4: dashboard sessions, issue assignees.
      R"sql(
CREATE TABLE sessions(
  id_sha256 TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);
ALTER TABLE issues ADD COLUMN assignee INTEGER NOT NULL DEFAULT 0;
)sql",
      // 5: project and issue ids are never reused after a deletion (a plain INTEGER PRIMARY KEY
      // takes max(id) + 1, so deleting the newest project would hand its id, and a cached
      // "project/fingerprint -> issue id", to the next one). Inserts take `last + 1`.
      R"sql(
CREATE TABLE id_floors(name TEXT PRIMARY KEY, last INTEGER NOT NULL);
INSERT INTO id_floors VALUES ('projects', (SELECT COALESCE(MAX(id), 0) FROM projects)),
                             ('issues', (SELECT COALESCE(MAX(id), 0) FROM issues));
CREATE TRIGGER projects_id_floor AFTER INSERT ON projects
  BEGIN UPDATE id_floors SET last = max(last, NEW.id) WHERE name = 'projects'; END;
CREATE TRIGGER issues_id_floor AFTER INSERT ON issues
  BEGIN UPDATE id_floors SET last = max(last, NEW.id) WHERE name = 'issues'; END;
)sql",
      // 6: how far in the queue each consumer's effects are durable (exactly-once counting across
      // a crash and replay; pipeline/processor.h).
      R"sql(
CREATE TABLE consumer_marks(consumer TEXT PRIMARY KEY, through INTEGER NOT NULL);
)sql",
  };
  return kMigrations;
}

namespace {
std::vector<std::string> SplitLines(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) nl = s.size();
    if (nl > start) out.emplace_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}
}  // namespace

Result<std::unique_ptr<SqliteMetaStore>> SqliteMetaStore::Open(const std::string& path) {
  std::unique_ptr<SqliteMetaStore> s(new SqliteMetaStore());
  Status st = s->db_.Open(path, "FULL");
  if (!st.ok()) return st;
  st = s->db_.Migrate(MetaStoreMigrations(), "meta");
  if (!st.ok()) return st;
  // Issue counters change with every error event: their own connection, synchronous=NORMAL (safe
  // against process crashes; the accounts and projects keep FULL).
  st = s->issues_db_.Open(path, "NORMAL");
  if (!st.ok()) return st;
  return s;
}

namespace {
// A release's version after its last '@': dotted numbers, then an optional pre-release
// ("-rc.1", or "rc1" right after the numbers) and build metadata ("+build.5", ignored), as in
// Semantic Versioning 2.0.0 §9–11.
struct ReleaseVersion {
  std::string package;
  std::vector<long> numbers;
  std::string pre;
};

bool ParseReleaseVersion(const std::string& r, ReleaseVersion* out) {
  size_t at = r.rfind('@');
  out->package = at == std::string::npos ? std::string() : r.substr(0, at);
  std::string_view v = at == std::string::npos ? std::string_view(r) : std::string_view(r).substr(at + 1);
  if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) v.remove_prefix(1);
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
    long n = 0;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])) && n < 1000000000) n = n * 10 + (v[i++] - '0');
    out->numbers.push_back(n);
    if (i + 1 < v.size() && v[i] == '.' && std::isdigit(static_cast<unsigned char>(v[i + 1]))) ++i;
    else break;
  }
  if (out->numbers.empty()) return false;
  std::string_view rest = v.substr(i);
  rest = rest.substr(0, rest.find('+'));
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '.')) rest.remove_prefix(1);
  out->pre = std::string(rest);
  return true;
}

// Pre-release precedence (SemVer §11.4): dot-separated identifiers, numeric ones compared as
// numbers and lower than alphanumeric ones, a shorter list lower when it is a prefix.
int ComparePreRelease(std::string_view a, std::string_view b) {
  while (true) {
    if (a.empty() || b.empty()) return a.empty() == b.empty() ? 0 : (a.empty() ? -1 : 1);
    std::string_view x = a.substr(0, a.find('.')), y = b.substr(0, b.find('.'));
    a.remove_prefix(std::min(a.size(), x.size() + 1));
    b.remove_prefix(std::min(b.size(), y.size() + 1));
    auto numeric = [](std::string_view s) {
      return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    };
    bool nx = numeric(x), ny = numeric(y);
    if (nx && ny) {
      std::string_view tx = x.substr(std::min(x.find_first_not_of('0'), x.size() - 1));
      std::string_view ty = y.substr(std::min(y.find_first_not_of('0'), y.size() - 1));
      if (tx.size() != ty.size()) return tx.size() < ty.size() ? -1 : 1;
      if (int c = tx.compare(ty)) return c < 0 ? -1 : 1;
    } else if (nx != ny) {
      return nx ? -1 : 1;
    } else if (int c = x.compare(y)) {
      return c < 0 ? -1 : 1;
    }
  }
}
}  // namespace

bool ReleaseAtLeast(const std::string& release, const std::string& base) {
  if (release == base) return true;
  ReleaseVersion a, b;
  if (!ParseReleaseVersion(release, &a) || !ParseReleaseVersion(base, &b) || a.package != b.package) return false;
  size_t n = std::max(a.numbers.size(), b.numbers.size());
  a.numbers.resize(n, 0);
  b.numbers.resize(n, 0);
  if (a.numbers != b.numbers) return b.numbers < a.numbers;
  // Same numbers: a release is later than its pre-releases ("2.0.0" > "2.0.0-rc1").
  if (a.pre.empty() || b.pre.empty()) return a.pre.empty();
  return ComparePreRelease(a.pre, b.pre) >= 0;
}

namespace {
const char* kIssueColumns =
    "id, project_id, fingerprint, title, culprit, kind, level, count, users, sessions, first_seen, last_seen, "
    "first_release, last_release, status, resolved_in_release, ignore_until_count, ignore_until_ts, regressed, "
    "regressed_at, status_changed_at, assignee";

Issue ReadIssue(SqliteStmt& st) {
  Issue i;
  i.id = st.Int(0);
  i.project_id = st.Int(1);
  i.fingerprint = st.Text(2);
  i.title = st.Text(3);
  i.culprit = st.Text(4);
  i.kind = st.Text(5);
  i.level = st.Text(6);
  i.count = st.Int(7);
  i.users = st.Int(8);
  i.sessions = st.Int(9);
  i.first_seen = st.Int(10);
  i.last_seen = st.Int(11);
  i.first_release = st.Text(12);
  i.last_release = st.Text(13);
  i.status = st.Text(14);
  i.resolved_in_release = st.Text(15);
  i.ignore_until_count = st.Int(16);
  i.ignore_until_ts = st.Int(17);
  i.regressed = st.Int(18) != 0;
  i.regressed_at = st.Int(19);
  i.status_changed_at = st.Int(20);
  i.assignee = st.Int(21);
  return i;
}
}  // namespace

Result<uint64_t> SqliteMetaStore::IssueEventsRecordedThrough() {
  std::lock_guard<std::mutex> lock(issues_mu_);
  auto st = issues_db_.Prepare("SELECT through FROM consumer_marks WHERE consumer = 'issues'");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return row.value() ? static_cast<uint64_t>(st->Int(0)) : uint64_t{0};
}

struct SqliteMetaStore::IssueWriteStatements {
  SqliteStmt find, create, add_user, add_session, update, mark;
};

SqliteMetaStore::~SqliteMetaStore() = default;

Result<std::vector<int64_t>> SqliteMetaStore::RecordIssueEvents(const std::vector<IssueObservation>& obs, uint64_t through) {
  std::vector<int64_t> ids;
  ids.reserve(obs.size());
  if (obs.empty() && through == 0) return ids;
  std::lock_guard<std::mutex> lock(issues_mu_);
  SqliteDb& db = issues_db_;
  if (!issue_writes_) {
    auto find = db.Prepare(std::string("SELECT ") + kIssueColumns + " FROM issues WHERE project_id = ? AND fingerprint = ?");
    auto create = db.Prepare(
        "INSERT INTO issues(id, project_id, fingerprint, title, culprit, kind, level, first_seen, last_seen, "
        "first_release, last_release) VALUES((SELECT last + 1 FROM id_floors WHERE name = 'issues'),?,?,?,?,?,?,?,?,?,?)");
    auto add_user = db.Prepare("INSERT OR IGNORE INTO issue_users(issue_id, uid) VALUES(?, ?)");
    auto add_session = db.Prepare("INSERT OR IGNORE INTO issue_sessions(issue_id, sid) VALUES(?, ?)");
    auto update = db.Prepare(
        "UPDATE issues SET count = ?, users = ?, sessions = ?, first_seen = ?, last_seen = ?, last_release = ?, level = ?, "
        "status = ?, regressed = ?, regressed_at = ?, ignore_until_count = ?, ignore_until_ts = ?, "
        "resolved_in_release = ?, status_changed_at = ? WHERE id = ?");
    auto mark = db.Prepare(
        "INSERT INTO consumer_marks(consumer, through) VALUES('issues', ?) "
        "ON CONFLICT(consumer) DO UPDATE SET through = max(through, excluded.through)");
    for (auto* r : {&find, &create, &add_user, &add_session, &update, &mark}) {
      if (!r->ok()) return r->status();
    }
    issue_writes_.reset(new IssueWriteStatements{std::move(*find), std::move(*create), std::move(*add_user),
                                                 std::move(*add_session), std::move(*update), std::move(*mark)});
  }
  IssueWriteStatements& w = *issue_writes_;
  // A failed call may have left one mid-step.
  for (SqliteStmt* st : {&w.find, &w.create, &w.add_user, &w.add_session, &w.update, &w.mark}) st->Reset();
  SqliteStmt* find = &w.find;
  SqliteStmt* create = &w.create;
  SqliteStmt* add_user = &w.add_user;
  SqliteStmt* add_session = &w.add_session;
  SqliteStmt* update = &w.update;
  Status s = db.Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  auto fail = [&](Status st) -> Result<std::vector<int64_t>> {
    db.Exec("ROLLBACK");
    return st;
  };
  // Each issue is read once, updated in memory for all of its observations (in order, so the
  // status rules see events as they came), and written once.
  struct Touched {
    Issue issue;
    std::set<std::string> uids, sids;
  };
  std::map<std::pair<int64_t, std::string>, Touched> touched;
  std::vector<Touched*> order;
  for (const auto& o : obs) {
    auto key = std::make_pair(o.project_id, o.fingerprint);
    auto it = touched.find(key);
    if (it == touched.end()) {
      Touched t;
      find->Bind(1, o.project_id).Bind(2, o.fingerprint);
      auto row = find->Step();
      if (!row.ok()) return fail(row.status());
      if (row.value()) {
        t.issue = ReadIssue(*find);
        find->Reset();
      } else {
        find->Reset();
        create->Bind(1, o.project_id).Bind(2, o.fingerprint).Bind(3, o.title).Bind(4, o.culprit).Bind(5, o.kind)
            .Bind(6, o.level.empty() ? std::string_view("error") : std::string_view(o.level)).Bind(7, o.ts).Bind(8, o.ts)
            .Bind(9, o.release).Bind(10, o.release);
        s = create->Run();
        if (!s.ok()) return fail(s);
        t.issue.id = db.LastInsertId();
        t.issue.project_id = o.project_id;
        t.issue.first_seen = t.issue.last_seen = o.ts;
        t.issue.first_release = t.issue.last_release = o.release;
      }
      it = touched.emplace(key, std::move(t)).first;
      order.push_back(&it->second);
    }
    Touched& t = it->second;
    Issue& is = t.issue;
    is.count += 1;
    if (!o.uid.empty()) t.uids.insert(o.uid);
    if (!o.sid.empty()) t.sids.insert(o.sid);
    is.first_seen = std::min(is.first_seen, o.ts);
    if (o.ts >= is.last_seen) {
      is.last_seen = o.ts;
      if (!o.release.empty()) is.last_release = o.release;
    }
    if (!o.level.empty()) is.level = o.level;
    // Status rules.
    bool reopen = false, regression = false;
    if (is.status == "resolved") {
      reopen = regression = true;
    } else if (is.status == "resolved_in_release") {
      if (!o.release.empty() && ReleaseAtLeast(o.release, is.resolved_in_release)) reopen = regression = true;
    } else if (is.status == "ignored") {
      if ((is.ignore_until_count > 0 && is.count >= is.ignore_until_count) ||
          (is.ignore_until_ts > 0 && o.ts >= is.ignore_until_ts)) {
        reopen = true;
      }
    }
    if (reopen) {
      is.status = "unresolved";
      is.ignore_until_count = is.ignore_until_ts = 0;
      is.resolved_in_release.clear();
      is.status_changed_at = NowMs();
      if (regression) {
        is.regressed = true;
        is.regressed_at = o.ts;
      }
    }
    ids.push_back(is.id);
  }
  for (Touched* t : order) {
    Issue& is = t->issue;
    for (const auto& uid : t->uids) {
      add_user->Bind(1, is.id).Bind(2, uid);
      s = add_user->Run();
      if (!s.ok()) return fail(s);
      is.users += db.Changes();
    }
    for (const auto& sid : t->sids) {
      add_session->Bind(1, is.id).Bind(2, sid);
      s = add_session->Run();
      if (!s.ok()) return fail(s);
      is.sessions += db.Changes();
    }
    update->Bind(1, is.count).Bind(2, is.users).Bind(3, is.sessions).Bind(4, is.first_seen).Bind(5, is.last_seen)
        .Bind(6, is.last_release).Bind(7, is.level).Bind(8, is.status).Bind(9, int64_t{is.regressed ? 1 : 0})
        .Bind(10, is.regressed_at).Bind(11, is.ignore_until_count).Bind(12, is.ignore_until_ts)
        .Bind(13, is.resolved_in_release).Bind(14, is.status_changed_at).Bind(15, is.id);
    s = update->Run();
    if (!s.ok()) return fail(s);
  }
  if (through > 0) {
    w.mark.Bind(1, static_cast<int64_t>(through));
    s = w.mark.Run();
    if (!s.ok()) return fail(s);
  }
  s = db.Exec("COMMIT");
  if (!s.ok()) return fail(s);
  return ids;
}

Result<int64_t> SqliteMetaStore::EnsureIssue(const IssueObservation& o) {
  std::lock_guard<std::mutex> lock(issues_mu_);
  auto ins = issues_db_.Prepare(
      "INSERT INTO issues(id, project_id, fingerprint, title, culprit, kind, level, first_seen, last_seen, "
      "first_release, last_release) VALUES((SELECT last + 1 FROM id_floors WHERE name = 'issues'),?,?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT(project_id, fingerprint) DO NOTHING");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, o.project_id).Bind(2, o.fingerprint).Bind(3, o.title).Bind(4, o.culprit).Bind(5, o.kind)
      .Bind(6, o.level.empty() ? std::string_view("error") : std::string_view(o.level)).Bind(7, o.ts).Bind(8, o.ts)
      .Bind(9, o.release).Bind(10, o.release);
  Status s = ins->Run();
  if (!s.ok()) return s;
  auto sel = issues_db_.Prepare("SELECT id FROM issues WHERE project_id = ? AND fingerprint = ?");
  if (!sel.ok()) return sel.status();
  sel->Bind(1, o.project_id).Bind(2, o.fingerprint);
  auto row = sel->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return Status::Error("not_found", "issue vanished");
  return sel->Int(0);
}

Result<std::vector<Issue>> SqliteMetaStore::ListIssues(const IssueQuery& q) {
  std::string order = q.sort == "count" ? "count DESC" : q.sort == "users" ? "users DESC"
                      : q.sort == "first_seen" ? "first_seen DESC" : "last_seen DESC";
  // count > 0: an issue created by the grouping step shows once its first events are recorded.
  std::string sql = std::string("SELECT ") + kIssueColumns + " FROM issues WHERE project_id = ?1 AND count > 0";
  if (!q.status.empty()) sql += " AND status = ?2";
  if (!q.search.empty()) sql += " AND (instr(lower(title), lower(?3)) > 0 OR instr(lower(culprit), lower(?3)) > 0)";
  if (q.seen_since) sql += " AND last_seen >= ?4";
  sql += " ORDER BY " + order + ", id DESC LIMIT ?5 OFFSET ?6";
  std::lock_guard<std::mutex> lock(issues_mu_);
  auto st = issues_db_.Prepare(sql);
  if (!st.ok()) return st.status();
  st->Bind(1, q.project_id);
  if (!q.status.empty()) st->Bind(2, q.status);
  if (!q.search.empty()) st->Bind(3, q.search);
  if (q.seen_since) st->Bind(4, q.seen_since);
  st->Bind(5, int64_t{q.limit}).Bind(6, int64_t{q.offset});
  std::vector<Issue> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    out.push_back(ReadIssue(*st));
  }
  return out;
}

Result<int64_t> SqliteMetaStore::CountIssues(const IssueQuery& q) {
  std::string sql = "SELECT COUNT(*) FROM issues WHERE project_id = ?1 AND count > 0";
  if (!q.status.empty()) sql += " AND status = ?2";
  if (!q.search.empty()) sql += " AND (instr(lower(title), lower(?3)) > 0 OR instr(lower(culprit), lower(?3)) > 0)";
  if (q.seen_since) sql += " AND last_seen >= ?4";
  std::lock_guard<std::mutex> lock(issues_mu_);
  auto st = issues_db_.Prepare(sql);
  if (!st.ok()) return st.status();
  st->Bind(1, q.project_id);
  if (!q.status.empty()) st->Bind(2, q.status);
  if (!q.search.empty()) st->Bind(3, q.search);
  if (q.seen_since) st->Bind(4, q.seen_since);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return st->Int(0);
}

Result<std::optional<Issue>> SqliteMetaStore::GetIssue(int64_t project_id, int64_t issue_id) {
  std::lock_guard<std::mutex> lock(issues_mu_);
  auto st = issues_db_.Prepare(std::string("SELECT ") + kIssueColumns + " FROM issues WHERE project_id = ? AND id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, project_id).Bind(2, issue_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<Issue>();
  return std::optional<Issue>(ReadIssue(*st));
}

Status SqliteMetaStore::UpdateIssueStatus(int64_t project_id, int64_t issue_id, const IssueStatusChange& c) {
  if (c.status != "unresolved" && c.status != "resolved" && c.status != "resolved_in_release" && c.status != "ignored") {
    return Status::Error("invalid_status", "status must be unresolved, resolved, resolved_in_release or ignored");
  }
  if (c.status == "resolved_in_release" && c.release.empty()) {
    return Status::Error("invalid_status", "resolved_in_release needs a release");
  }
  std::lock_guard<std::mutex> lock(issues_mu_);
  auto st = issues_db_.Prepare(
      "UPDATE issues SET status = ?, resolved_in_release = ?, ignore_until_count = CASE WHEN ? > 0 THEN count + ? ELSE 0 END, "
      "ignore_until_ts = ?, status_changed_at = ?, regressed = CASE WHEN ? = 'unresolved' THEN regressed ELSE 0 END "
      "WHERE project_id = ? AND id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, c.status)
      .Bind(2, c.status == "resolved_in_release" ? c.release : std::string())
      .Bind(3, c.ignore_until_count)
      .Bind(4, c.ignore_until_count)
      .Bind(5, c.status == "ignored" ? c.ignore_until_ts : 0)
      .Bind(6, NowMs())
      .Bind(7, c.status)
      .Bind(8, project_id)
      .Bind(9, issue_id);
  Status s = st->Run();
  if (!s.ok()) return s;
  if (issues_db_.Changes() == 0) return Status::Error("not_found", "no such issue");
  return Status::Ok();
}

Result<Project> SqliteMetaStore::CreateProject(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("INSERT INTO projects(id, name, public_key, created_at) "
                        "VALUES((SELECT last + 1 FROM id_floors WHERE name = 'projects'),?,?,?)");
  if (!st.ok()) return st.status();
  Project p;
  p.name = name;
  p.public_key = RandomHex(16);
  p.created_at = NowMs();
  st->Bind(1, p.name).Bind(2, p.public_key).Bind(3, p.created_at);
  Status s = st->Run();
  if (!s.ok()) return s;
  p.id = db_.LastInsertId();
  ++local_writes_;
  return p;
}

Result<std::vector<Project>> SqliteMetaStore::QueryProjects(const std::string& where, const std::string& arg,
                                                           int64_t id) {
  auto st = db_.Prepare("SELECT id, name, public_key, enabled, allowed_origins, created_at, settings FROM projects " + where +
                        " ORDER BY id");
  if (!st.ok()) return st.status();
  if (!arg.empty()) st->Bind(1, arg);
  else if (id) st->Bind(1, id);
  std::vector<Project> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    Project p;
    p.id = st->Int(0);
    p.name = st->Text(1);
    p.public_key = st->Text(2);
    p.enabled = st->Int(3) != 0;
    p.allowed_origins = SplitLines(st->TextView(4));
    p.created_at = st->Int(5);
    p.settings_json = st->Text(6);
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::optional<Project>> SqliteMetaStore::GetProject(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto r = QueryProjects("WHERE id = ?", "", id);
  if (!r.ok()) return r.status();
  if (r->empty()) return std::optional<Project>();
  return std::optional<Project>(std::move(r->front()));
}

Result<std::optional<Project>> SqliteMetaStore::FindProjectByKey(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (key.empty()) return std::optional<Project>();
  auto r = QueryProjects("WHERE public_key = ?", key, 0);
  if (!r.ok()) return r.status();
  if (r->empty()) return std::optional<Project>();
  return std::optional<Project>(std::move(r->front()));
}

Result<std::vector<Project>> SqliteMetaStore::ListProjects() {
  std::lock_guard<std::mutex> lock(mu_);
  return QueryProjects("", "", 0);
}

Status SqliteMetaStore::SetProjectEnabled(int64_t id, bool enabled) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("UPDATE projects SET enabled = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, int64_t{enabled ? 1 : 0}).Bind(2, id);
  ++local_writes_;
  return st->Run();
}

Status SqliteMetaStore::SetAllowedOrigins(int64_t id, const std::vector<std::string>& origins) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string joined;
  for (const auto& o : origins) joined += o + "\n";
  auto st = db_.Prepare("UPDATE projects SET allowed_origins = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, joined).Bind(2, id);
  ++local_writes_;
  return st->Run();
}

Status SqliteMetaStore::SetProjectSettings(int64_t id, const std::string& settings_json) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("UPDATE projects SET settings = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, settings_json).Bind(2, id);
  ++local_writes_;
  return st->Run();
}

Status SqliteMetaStore::AddFilteredCounts(int64_t project_id, int64_t day,
                                          const std::vector<std::pair<std::string, int64_t>>& counts) {
  if (counts.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(issues_mu_);
  auto st = issues_db_.Prepare(
      "INSERT INTO filtered_counts(project_id, day, reason, count) VALUES(?,?,?,?) "
      "ON CONFLICT(project_id, day, reason) DO UPDATE SET count = count + excluded.count");
  if (!st.ok()) return st.status();
  Status s = issues_db_.Exec("BEGIN");
  for (const auto& [reason, n] : counts) {
    if (!s.ok()) break;
    st->Bind(1, project_id).Bind(2, day).Bind(3, reason).Bind(4, n);
    s = st->Run();
  }
  if (s.ok()) return issues_db_.Exec("COMMIT");
  issues_db_.Exec("ROLLBACK");
  return s;
}

Result<std::vector<std::pair<std::string, int64_t>>> SqliteMetaStore::FilteredCounts(int64_t project_id, int64_t since_day) {
  std::lock_guard<std::mutex> lock(issues_mu_);
  auto st = issues_db_.Prepare(
      "SELECT reason, SUM(count) FROM filtered_counts WHERE project_id = ? AND day >= ? GROUP BY reason ORDER BY reason");
  if (!st.ok()) return st.status();
  st->Bind(1, project_id).Bind(2, since_day);
  std::vector<std::pair<std::string, int64_t>> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    out.emplace_back(st->Text(0), st->Int(1));
  }
  return out;
}

Result<int64_t> SqliteMetaStore::CountUsers() {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT COUNT(*) FROM users");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return st->Int(0);
}

Result<User> SqliteMetaStore::CreateUser(const std::string& email, const std::string& password_hash,
                                         const std::string& role) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("INSERT INTO users(email, password_hash, role, created_at) VALUES(?,?,?,?)");
  if (!st.ok()) return st.status();
  User u;
  u.email = email;
  u.role = role;
  u.created_at = NowMs();
  st->Bind(1, email).Bind(2, password_hash).Bind(3, role).Bind(4, u.created_at);
  Status s = st->Run();
  if (!s.ok()) return s;
  u.id = db_.LastInsertId();
  ++local_writes_;
  return u;
}

Result<std::optional<User>> SqliteMetaStore::FirstAdmin() {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT id, email, role, created_at FROM users WHERE role = 'admin' ORDER BY id LIMIT 1");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<User>();
  User u;
  u.id = st->Int(0);
  u.email = st->Text(1);
  u.role = st->Text(2);
  u.created_at = st->Int(3);
  return std::optional<User>(u);
}

Result<bool> SqliteMetaStore::IsMember(int64_t user_id, int64_t project_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT 1 FROM project_members WHERE user_id = ? AND project_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, user_id).Bind(2, project_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return row.value();
}

namespace {
User ReadUser(SqliteStmt& st) {
  User u;
  u.id = st.Int(0);
  u.email = st.Text(1);
  u.role = st.Text(2);
  u.created_at = st.Int(3);
  return u;
}
}  // namespace

Result<std::vector<User>> SqliteMetaStore::ListUsers() {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT id, email, role, created_at FROM users ORDER BY id");
  if (!st.ok()) return st.status();
  std::vector<User> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    out.push_back(ReadUser(*st));
  }
  return out;
}

Result<std::optional<std::pair<User, std::string>>> SqliteMetaStore::FindUserByEmail(const std::string& email) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT id, email, role, created_at, password_hash FROM users WHERE email = ? COLLATE NOCASE");
  if (!st.ok()) return st.status();
  st->Bind(1, email);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<std::pair<User, std::string>>();
  return std::optional<std::pair<User, std::string>>(std::make_pair(ReadUser(*st), st->Text(4)));
}

Result<std::optional<User>> SqliteMetaStore::GetUser(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT id, email, role, created_at FROM users WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<User>();
  return std::optional<User>(ReadUser(*st));
}

Result<std::string> SqliteMetaStore::PasswordHash(int64_t user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT password_hash FROM users WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, user_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return Status::Error("not_found", "no such user");
  return st->Text(0);
}

Status SqliteMetaStore::SetPasswordHash(int64_t user_id, const std::string& hash) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("UPDATE users SET password_hash = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, hash).Bind(2, user_id);
  return st->Run();
}

Result<std::string> SqliteMetaStore::CreateSession(int64_t user_id, int64_t ttl_ms, std::string* csrf_token) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string cookie = RandomHex(32);
  *csrf_token = RandomHex(24);
  int64_t now = NowMs();
  auto st = db_.Prepare("INSERT INTO sessions(id_sha256, user_id, csrf_token, created_at, expires_at) VALUES(?,?,?,?,?)");
  if (!st.ok()) return st.status();
  std::string id = Sha256Hex(cookie);
  st->Bind(1, id).Bind(2, user_id).Bind(3, *csrf_token).Bind(4, now).Bind(5, now + ttl_ms);
  Status s = st->Run();
  if (!s.ok()) return s;
  // Housekeeping: expired sessions go.
  db_.Exec("DELETE FROM sessions WHERE expires_at < " + std::to_string(now));
  return cookie;
}

Result<std::optional<SessionInfo>> SqliteMetaStore::FindSession(const std::string& cookie_value) {
  std::string id = Sha256Hex(cookie_value);
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare(
      "SELECT s.user_id, u.email, u.role, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.id_sha256 = ? AND s.expires_at > ?");
  if (!st.ok()) return st.status();
  st->Bind(1, id).Bind(2, NowMs());
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<SessionInfo>();
  SessionInfo info;
  info.user_id = st->Int(0);
  info.email = st->Text(1);
  info.role = st->Text(2);
  info.csrf_token = st->Text(3);
  info.expires_at = st->Int(4);
  return std::optional<SessionInfo>(info);
}

Status SqliteMetaStore::DeleteSession(const std::string& cookie_value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("DELETE FROM sessions WHERE id_sha256 = ?");
  if (!st.ok()) return st.status();
  std::string id = Sha256Hex(cookie_value);
  st->Bind(1, id);
  return st->Run();
}

Status SqliteMetaStore::DeleteUserSessions(int64_t user_id, const std::string& keep) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("DELETE FROM sessions WHERE user_id = ? AND id_sha256 != ?");
  if (!st.ok()) return st.status();
  std::string id = keep.empty() ? std::string() : Sha256Hex(keep);
  st->Bind(1, user_id).Bind(2, id);
  return st->Run();
}

Result<std::vector<ApiTokenSummary>> SqliteMetaStore::ListApiTokens(int64_t user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT id, name, created_at FROM api_tokens WHERE user_id = ? ORDER BY id");
  if (!st.ok()) return st.status();
  st->Bind(1, user_id);
  std::vector<ApiTokenSummary> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    out.push_back(ApiTokenSummary{st->Int(0), st->Text(1), st->Int(2)});
  }
  return out;
}

Status SqliteMetaStore::DeleteApiToken(int64_t user_id, int64_t token_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("DELETE FROM api_tokens WHERE user_id = ? AND id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, user_id).Bind(2, token_id);
  Status s = st->Run();
  if (s.ok() && db_.Changes() == 0) return Status::Error("not_found", "no such token");
  return s;
}

Status SqliteMetaStore::RenameProject(int64_t id, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("UPDATE projects SET name = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, name).Bind(2, id);
  ++local_writes_;
  return st->Run();
}

Status SqliteMetaStore::DeleteProject(int64_t id) {
  {
    std::lock_guard<std::mutex> lock(issues_mu_);
    for (const char* sql : {"DELETE FROM issue_users WHERE issue_id IN (SELECT id FROM issues WHERE project_id = ?)",
                            "DELETE FROM issue_sessions WHERE issue_id IN (SELECT id FROM issues WHERE project_id = ?)",
                            "DELETE FROM issues WHERE project_id = ?", "DELETE FROM filtered_counts WHERE project_id = ?"}) {
      auto st = issues_db_.Prepare(sql);
      if (!st.ok()) return st.status();
      st->Bind(1, id);
      Status s = st->Run();
      if (!s.ok()) return s;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("DELETE FROM projects WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  ++local_writes_;
  return st->Run();
}

Result<std::string> SqliteMetaStore::RotateProjectKey(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = RandomHex(16);
  auto st = db_.Prepare("UPDATE projects SET public_key = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, key).Bind(2, id);
  Status s = st->Run();
  if (!s.ok()) return s;
  ++local_writes_;
  return key;
}

Result<std::vector<int64_t>> SqliteMetaStore::ProjectMembers(int64_t project_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT user_id FROM project_members WHERE project_id = ? ORDER BY user_id");
  if (!st.ok()) return st.status();
  st->Bind(1, project_id);
  std::vector<int64_t> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    out.push_back(st->Int(0));
  }
  return out;
}

Status SqliteMetaStore::SetProjectMembers(int64_t project_id, const std::vector<int64_t>& user_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  Status s = db_.Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  auto del = db_.Prepare("DELETE FROM project_members WHERE project_id = ?");
  auto ins = db_.Prepare("INSERT OR IGNORE INTO project_members(project_id, user_id) VALUES(?, ?)");
  if (!del.ok() || !ins.ok()) {
    db_.Exec("ROLLBACK");
    return Status::Error("sqlite", "prepare failed");
  }
  del->Bind(1, project_id);
  s = del->Run();
  for (int64_t uid : user_ids) {
    if (!s.ok()) break;
    ins->Bind(1, project_id).Bind(2, uid);
    s = ins->Run();
  }
  if (!s.ok()) {
    db_.Exec("ROLLBACK");
    return s;
  }
  ++local_writes_;
  return db_.Exec("COMMIT");
}

Status SqliteMetaStore::SetIssueAssignee(int64_t project_id, int64_t issue_id, int64_t user_id) {
  std::lock_guard<std::mutex> lock(issues_mu_);
  auto st = issues_db_.Prepare("UPDATE issues SET assignee = ? WHERE project_id = ? AND id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, user_id).Bind(2, project_id).Bind(3, issue_id);
  Status s = st->Run();
  if (s.ok() && issues_db_.Changes() == 0) return Status::Error("not_found", "no such issue");
  return s;
}

Result<std::string> SqliteMetaStore::CreateApiToken(const std::string& name, int64_t user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string token = "vgt_" + RandomHex(24);
  std::string hash = Sha256Hex(token);
  auto st = db_.Prepare("INSERT INTO api_tokens(name, token_sha256, user_id, created_at) VALUES(?,?,?,?)");
  if (!st.ok()) return st.status();
  st->Bind(1, name).Bind(2, hash).Bind(3, user_id).Bind(4, NowMs());
  Status s = st->Run();
  if (!s.ok()) return s;
  ++local_writes_;
  return token;
}

Result<std::optional<ApiTokenInfo>> SqliteMetaStore::FindApiToken(const std::string& token) {
  std::string hash = Sha256Hex(token);
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare(
      "SELECT t.id, t.name, t.user_id, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id "
      "WHERE t.token_sha256 = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, hash);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<ApiTokenInfo>();
  ApiTokenInfo t;
  t.id = st->Int(0);
  t.name = st->Text(1);
  t.user_id = st->Int(2);
  t.role = st->Text(3);
  return std::optional<ApiTokenInfo>(t);
}

Result<std::optional<std::string>> SqliteMetaStore::GetSetting(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("SELECT value FROM settings WHERE key = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, key);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<std::string>();
  return std::optional<std::string>(st->Text(0));
}

Status SqliteMetaStore::SetSetting(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = db_.Prepare("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!st.ok()) return st.status();
  st->Bind(1, key).Bind(2, value);
  ++local_writes_;
  return st->Run();
}

Result<int64_t> SqliteMetaStore::ChangeCounter() {
  // Never wait here: ingest asks from its I/O threads, and the process stage may be in the middle
  // of a long transaction (a cycle's issue counters) on this connection.
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return Status::Error("busy", "the meta store is writing; ask again shortly");
  auto st = db_.Prepare("PRAGMA data_version");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  // data_version changes on commits by other connections; local_writes_ covers our own.
  return st->Int(0) * 1000003 + local_writes_;
}

}  // namespace vigil

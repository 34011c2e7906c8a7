// MetaStore: projects, keys, users, API tokens (SQLite embedded; PostgreSQL scale-out).
// Implementations are safe to call from several threads and from several processes sharing the
// same data (the CLI creates projects and tokens while a server runs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace vigil {

struct Project {
  int64_t id = 0;
  std::string name;
  std::string public_key;  // 32 hex chars; appears in the DSN
  bool enabled = true;
  std::vector<std::string> allowed_origins;  // empty: any origin
  int64_t created_at = 0;
  std::string settings_json = "{}";  // pipeline/project_settings.h
};

struct User {
  int64_t id = 0;
  std::string email;
  std::string role;  // "admin" or "member"
  int64_t created_at = 0;
};

struct SessionInfo {
  int64_t user_id = 0;
  std::string email, role;
  std::string csrf_token;
  int64_t expires_at = 0;
};

struct ApiTokenSummary {
  int64_t id = 0;
  std::string name;
  int64_t created_at = 0;
};

struct ApiTokenInfo {
  int64_t id = 0;
  std::string name;
  int64_t user_id = 0;
  std::string role;  // the owning user's role
};

// An issue: error events grouped by fingerprint (grouping/fingerprint.h).
struct Issue {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string fingerprint, title, culprit;
  std::string kind;   // error kind of the first event: js, promise, resource, http, console
  std::string level;  // level of the last event
  int64_t count = 0, users = 0, sessions = 0;
  int64_t first_seen = 0, last_seen = 0;  // event ts, ms
  std::string first_release, last_release;
  // unresolved | resolved | resolved_in_release | ignored
  std::string status = "unresolved";
  std::string resolved_in_release;   // for resolved_in_release
  int64_t ignore_until_count = 0;    // ignored: reopen when count reaches this (0: no limit)
  int64_t ignore_until_ts = 0;       // ignored: reopen on an event at or after this ms (0: no limit)
  bool regressed = false;            // an event arrived after the issue was resolved
  int64_t regressed_at = 0;
  int64_t status_changed_at = 0;
  int64_t assignee = 0;  // user id, 0: nobody
};

// One error event as grouping sees it.
struct IssueObservation {
  int64_t project_id = 0;
  std::string fingerprint, title, culprit, kind, level, release, uid, sid;
  int64_t ts = 0;
};

struct IssueQuery {
  int64_t project_id = 0;
  std::string status;  // "" = any
  std::string sort = "last_seen";  // last_seen | first_seen | count | users
  std::string search;  // substring of title or culprit, case-insensitive
  int64_t seen_since = 0;  // last_seen >= this (ms), 0 = no bound
  int limit = 50, offset = 0;
};

struct IssueStatusChange {
  std::string status;  // unresolved | resolved | resolved_in_release | ignored
  std::string release;  // resolved_in_release
  int64_t ignore_until_count = 0;  // ignored: additional events before it reopens (0: no limit)
  int64_t ignore_until_ts = 0;
};

// True when `release` is the same as or later than `base` ("shop@1.10.0" >= "shop@1.9.2"): same
// package before the last '@', then Semantic Versioning precedence of what follows (missing parts
// are 0, "2.0.0-rc.1" < "2.0.0", build metadata ignored); releases without numbers only equal.
bool ReleaseAtLeast(const std::string& release, const std::string& base);

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  virtual Result<Project> CreateProject(const std::string& name) = 0;
  virtual Result<std::optional<Project>> GetProject(int64_t id) = 0;
  virtual Result<std::optional<Project>> FindProjectByKey(const std::string& public_key) = 0;
  virtual Result<std::vector<Project>> ListProjects() = 0;
  virtual Status SetProjectEnabled(int64_t id, bool enabled) = 0;
  virtual Status SetAllowedOrigins(int64_t id, const std::vector<std::string>& origins) = 0;
  // Stores already-validated settings JSON (ProjectSettings::ToJson).
  virtual Status SetProjectSettings(int64_t id, const std::string& settings_json) = 0;

  // Events dropped by inbound filters, per project, UTC day (days since epoch) and reason.
  virtual Status AddFilteredCounts(int64_t project_id, int64_t day,
                                   const std::vector<std::pair<std::string, int64_t>>& counts) = 0;
  virtual Result<std::vector<std::pair<std::string, int64_t>>> FilteredCounts(int64_t project_id, int64_t since_day) = 0;

  virtual Result<int64_t> CountUsers() = 0;
  // `password_hash` is an Argon2id string (auth/password.h).
  virtual Result<User> CreateUser(const std::string& email, const std::string& password_hash,
                                  const std::string& role) = 0;
  virtual Result<std::optional<User>> FirstAdmin() = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  // The user and its Argon2id hash, for login.
  virtual Result<std::optional<std::pair<User, std::string>>> FindUserByEmail(const std::string& email) = 0;
  virtual Result<std::optional<User>> GetUser(int64_t id) = 0;
  virtual Result<std::string> PasswordHash(int64_t user_id) = 0;
  virtual Status SetPasswordHash(int64_t user_id, const std::string& hash) = 0;

  // Dashboard sessions. CreateSession returns the cookie value (only its SHA-256 is stored) and
  // fills the session's CSRF token.
  virtual Result<std::string> CreateSession(int64_t user_id, int64_t ttl_ms, std::string* csrf_token) = 0;
  virtual Result<std::optional<SessionInfo>> FindSession(const std::string& cookie_value) = 0;
  virtual Status DeleteSession(const std::string& cookie_value) = 0;
  // Ends every session of the user except `keep` (a cookie value, may be empty).
  virtual Status DeleteUserSessions(int64_t user_id, const std::string& keep) = 0;

  virtual Result<std::vector<ApiTokenSummary>> ListApiTokens(int64_t user_id) = 0;
  virtual Status DeleteApiToken(int64_t user_id, int64_t token_id) = 0;

  virtual Status RenameProject(int64_t id, const std::string& name) = 0;
  virtual Status DeleteProject(int64_t id) = 0;
  virtual Result<std::string> RotateProjectKey(int64_t id) = 0;
  virtual Result<std::vector<int64_t>> ProjectMembers(int64_t project_id) = 0;
  virtual Status SetProjectMembers(int64_t project_id, const std::vector<int64_t>& user_ids) = 0;
  virtual Status SetIssueAssignee(int64_t project_id, int64_t issue_id, int64_t user_id) = 0;  // 0: nobody
  virtual Result<bool> IsMember(int64_t user_id, int64_t project_id) = 0;

  // Creates a token for `user_id` and returns it in plain text; only its SHA-256 is stored.
  virtual Result<std::string> CreateApiToken(const std::string& name, int64_t user_id) = 0;
  virtual Result<std::optional<ApiTokenInfo>> FindApiToken(const std::string& token) = 0;

  // Finds or creates the issue of each observation (same order), updates counters, users,
  // sessions, first/last seen and releases, and applies status rules: an event of a resolved issue
  // (or of resolved_in_release with a release at least that one) reopens it as a regression; an
  // ignored issue reopens when its count or date limit passes.
  // `through` > 0: the observations are those of queue records up to that offset, stored with them
  // in the same transaction (IssueEventsRecordedThrough), so a replay after a crash is not counted
  // twice (GroupingStep).
  virtual Result<std::vector<int64_t>> RecordIssueEvents(const std::vector<IssueObservation>& obs, uint64_t through = 0) = 0;
  // The highest queue offset recorded by RecordIssueEvents (0 when none).
  virtual Result<uint64_t> IssueEventsRecordedThrough() = 0;
  // The id of the issue with this fingerprint, creating it (with no events yet) when absent.
  virtual Result<int64_t> EnsureIssue(const IssueObservation& first) = 0;
  virtual Result<std::vector<Issue>> ListIssues(const IssueQuery& q) = 0;
  // How many issues match q's filters (ignoring limit and offset), for paging.
  virtual Result<int64_t> CountIssues(const IssueQuery& q) = 0;
  virtual Result<std::optional<Issue>> GetIssue(int64_t project_id, int64_t issue_id) = 0;
  virtual Status UpdateIssueStatus(int64_t project_id, int64_t issue_id, const IssueStatusChange& change) = 0;

  // Instance-wide settings (e.g. "public_url", used to print DSNs).
  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Status SetSetting(const std::string& key, const std::string& value) = 0;

  // A number that changes whenever any process commits a change to the store; lets caches
  // notice edits made by the CLI or another node. Does not wait: may fail with code "busy" while
  // the store is writing, and the caller asks again later.
  virtual Result<int64_t> ChangeCounter() = 0;
};

}  // namespace vigil

// SqliteMetaStore: the embedded MetaStore, one SQLite file (meta.db). One connection guarded by a
// mutex: metadata traffic is light and hot paths cache what they need (ingest/project_cache.h).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/meta_store.h"
#include "store/sqlite/sqlite_db.h"

namespace vigil {

class SqliteMetaStore : public MetaStore {
 public:
  static Result<std::unique_ptr<SqliteMetaStore>> Open(const std::string& path);
  ~SqliteMetaStore() override;

  Result<Project> CreateProject(const std::string& name) override;
  Result<std::optional<Project>> GetProject(int64_t id) override;
  Result<std::optional<Project>> FindProjectByKey(const std::string& public_key) override;
  Result<std::vector<Project>> ListProjects() override;
  Status SetProjectEnabled(int64_t id, bool enabled) override;
  Status SetAllowedOrigins(int64_t id, const std::vector<std::string>& origins) override;

  Status SetProjectSettings(int64_t id, const std::string& settings_json) override;
  Status AddFilteredCounts(int64_t project_id, int64_t day,
                           const std::vector<std::pair<std::string, int64_t>>& counts) override;
  Result<std::vector<std::pair<std::string, int64_t>>> FilteredCounts(int64_t project_id, int64_t since_day) override;

  Result<int64_t> CountUsers() override;
  Result<User> CreateUser(const std::string& email, const std::string& password_hash,
                          const std::string& role) override;
  Result<std::optional<User>> FirstAdmin() override;
  Result<bool> IsMember(int64_t user_id, int64_t project_id) override;
  Result<std::vector<User>> ListUsers() override;
  Result<std::optional<std::pair<User, std::string>>> FindUserByEmail(const std::string& email) override;
  Result<std::optional<User>> GetUser(int64_t id) override;
  Result<std::string> PasswordHash(int64_t user_id) override;
  Status SetPasswordHash(int64_t user_id, const std::string& hash) override;
  Result<std::string> CreateSession(int64_t user_id, int64_t ttl_ms, std::string* csrf_token) override;
  Result<std::optional<SessionInfo>> FindSession(const std::string& cookie_value) override;
  Status DeleteSession(const std::string& cookie_value) override;
  Status DeleteUserSessions(int64_t user_id, const std::string& keep) override;
  Result<std::vector<ApiTokenSummary>> ListApiTokens(int64_t user_id) override;
  Status DeleteApiToken(int64_t user_id, int64_t token_id) override;
  Status RenameProject(int64_t id, const std::string& name) override;
  Status DeleteProject(int64_t id) override;
  Result<std::string> RotateProjectKey(int64_t id) override;
  Result<std::vector<int64_t>> ProjectMembers(int64_t project_id) override;
  Status SetProjectMembers(int64_t project_id, const std::vector<int64_t>& user_ids) override;
  Status SetIssueAssignee(int64_t project_id, int64_t issue_id, int64_t user_id) override;

  Result<std::string> CreateApiToken(const std::string& name, int64_t user_id) override;
  Result<std::optional<ApiTokenInfo>> FindApiToken(const std::string& token) override;

  Result<std::vector<int64_t>> RecordIssueEvents(const std::vector<IssueObservation>& obs, uint64_t through = 0) override;
  Result<uint64_t> IssueEventsRecordedThrough() override;
  Result<int64_t> EnsureIssue(const IssueObservation& first) override;
  Result<std::vector<Issue>> ListIssues(const IssueQuery& q) override;
  Result<int64_t> CountIssues(const IssueQuery& q) override;
  Result<std::optional<Issue>> GetIssue(int64_t project_id, int64_t issue_id) override;
  Status UpdateIssueStatus(int64_t project_id, int64_t issue_id, const IssueStatusChange& change) override;

  Result<std::optional<std::string>> GetSetting(const std::string& key) override;
  Status SetSetting(const std::string& key, const std::string& value) override;
  Result<int64_t> ChangeCounter() override;

 private:
  SqliteMetaStore() = default;
  Result<std::vector<Project>> QueryProjects(const std::string& where, const std::string& arg, int64_t id);
  std::mutex mu_;
  SqliteDb db_;
  int64_t local_writes_ = 0;
  std::mutex issues_mu_;
  SqliteDb issues_db_;
  // RecordIssueEvents' statements, prepared on its first call (SQLite's parser had been ~1 % of
  // the process stage's instructions); declared after issues_db_ so they are finalized first.
  struct IssueWriteStatements;
  std::unique_ptr<IssueWriteStatements> issue_writes_;
};

const std::vector<std::string>& MetaStoreMigrations();

}  // namespace vigil

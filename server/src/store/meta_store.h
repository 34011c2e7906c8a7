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
};

struct User {
  int64_t id = 0;
  std::string email;
  std::string role;  // "admin" or "member"
  int64_t created_at = 0;
};

struct ApiTokenInfo {
  int64_t id = 0;
  std::string name;
  int64_t user_id = 0;
  std::string role;  // the owning user's role
};

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  virtual Result<Project> CreateProject(const std::string& name) = 0;
  virtual Result<std::optional<Project>> GetProject(int64_t id) = 0;
  virtual Result<std::optional<Project>> FindProjectByKey(const std::string& public_key) = 0;
  virtual Result<std::vector<Project>> ListProjects() = 0;
  virtual Status SetProjectEnabled(int64_t id, bool enabled) = 0;
  virtual Status SetAllowedOrigins(int64_t id, const std::vector<std::string>& origins) = 0;

  virtual Result<int64_t> CountUsers() = 0;
  // `password_hash` is an Argon2id string (auth/password.h).
  virtual Result<User> CreateUser(const std::string& email, const std::string& password_hash,
                                  const std::string& role) = 0;
  virtual Result<std::optional<User>> FirstAdmin() = 0;
  virtual Result<bool> IsMember(int64_t user_id, int64_t project_id) = 0;

  // Creates a token for `user_id` and returns it in plain text; only its SHA-256 is stored.
  virtual Result<std::string> CreateApiToken(const std::string& name, int64_t user_id) = 0;
  virtual Result<std::optional<ApiTokenInfo>> FindApiToken(const std::string& token) = 0;

  // Instance-wide settings (e.g. "public_url", used to print DSNs).
  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Status SetSetting(const std::string& key, const std::string& value) = 0;

  // A number that changes whenever any process commits a change to the store; lets caches
  // notice edits made by the CLI or another node.
  virtual Result<int64_t> ChangeCounter() = 0;
};

}  // namespace vigil

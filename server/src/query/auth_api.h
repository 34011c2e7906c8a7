// Accounts API: login/logout/me/password (dashboard sessions), users (admin), personal API tokens.
// See docs/api.md. Login attempts are limited per e-mail (5) and per client IP (20) in a
// 15-minute window, in memory.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "http/router.h"
#include "store/meta_store.h"

namespace vigil {

struct AuthApiOptions {
  int64_t session_ttl_ms = 14LL * 24 * 3600 * 1000;
  bool secure_cookies = false;  // add `Secure` (when served over HTTPS)
};

class AuthApi {
 public:
  AuthApi(MetaStore* meta, AuthApiOptions options = {}) : meta_(meta), options_(options) {}
  void Register(Router* router);

 private:
  void Login(const HttpRequest& req, Responder respond);
  void Logout(const HttpRequest& req, Responder respond);
  void Me(const HttpRequest& req, Responder respond);
  void ChangePassword(const HttpRequest& req, Responder respond);
  void ListUsers(const HttpRequest& req, Responder respond);
  void CreateUser(const HttpRequest& req, Responder respond);
  void ListTokens(const HttpRequest& req, Responder respond);
  void CreateToken(const HttpRequest& req, Responder respond);
  void DeleteToken(const HttpRequest& req, const RouteParams& params, Responder respond);

  // Returns seconds to wait when `key` had too many recent failures, else 0.
  int LockedFor(const std::string& key, size_t limit);
  void RecordFailure(const std::string& key);
  std::string SessionCookie(const std::string& value, int64_t max_age_s) const;

  MetaStore* meta_;
  AuthApiOptions options_;
  std::mutex attempts_mu_;
  std::map<std::string, std::deque<int64_t>> failures_;  // "email:x" / "ip:y" -> failure times (ms)
};

}  // namespace vigil

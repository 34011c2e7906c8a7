#include "query/auth_api.h"

#include <simdjson.h>

#include "auth/password.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "common/json_writer.h"
#include "query/api_common.h"

namespace vigil {
namespace {

constexpr int64_t kWindowMs = 15 * 60 * 1000;

bool ParseBody(const HttpRequest& req, simdjson::dom::parser& parser, simdjson::dom::element* root, Responder& respond) {
  if (parser.parse(req.body).get(*root) || !root->is_object()) {
    respond(JsonError(400, "invalid_json", "send a JSON object"));
    return false;
  }
  return true;
}

std::string StringField(simdjson::dom::element root, const char* key) {
  std::string_view v;
  if (root[key].get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

void WriteUser(JsonWriter& w, int64_t id, const std::string& email, const std::string& role, int64_t created_at = 0) {
  w.BeginObject().Field("id", id).Field("email", email).Field("role", role);
  if (created_at) w.Field("created_at", created_at);
  w.EndObject();
}

}  // namespace

void AuthApi::Register(Router* router) {
  auto bind = [this](auto fn) {
    return [this, fn](const HttpRequest& q, const RouteParams&, Responder r) { (this->*fn)(q, std::move(r)); };
  };
  router->Add("POST", "/api/v1/auth/login", bind(&AuthApi::Login));
  router->Add("POST", "/api/v1/auth/logout", bind(&AuthApi::Logout));
  router->Add("GET", "/api/v1/auth/me", bind(&AuthApi::Me));
  router->Add("PUT", "/api/v1/auth/password", bind(&AuthApi::ChangePassword));
  router->Add("GET", "/api/v1/users", bind(&AuthApi::ListUsers));
  router->Add("POST", "/api/v1/users", bind(&AuthApi::CreateUser));
  router->Add("GET", "/api/v1/tokens", bind(&AuthApi::ListTokens));
  router->Add("POST", "/api/v1/tokens", bind(&AuthApi::CreateToken));
  router->Add("DELETE", "/api/v1/tokens/:token", [this](const HttpRequest& q, const RouteParams& p, Responder r) {
    DeleteToken(q, p, std::move(r));
  });
}

int AuthApi::LockedFor(const std::string& key, size_t limit) {
  std::lock_guard<std::mutex> lock(attempts_mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  int64_t now = NowMs();
  auto& q = it->second;
  while (!q.empty() && q.front() < now - kWindowMs) q.pop_front();
  if (q.size() < limit) return 0;
  return static_cast<int>((q.front() + kWindowMs - now) / 1000 + 1);
}

void AuthApi::RecordFailure(const std::string& key) {
  std::lock_guard<std::mutex> lock(attempts_mu_);
  if (failures_.size() > 100000) failures_.clear();  // bounded memory under a spray of e-mails
  failures_[key].push_back(NowMs());
}

std::string AuthApi::SessionCookie(const std::string& value, int64_t max_age_s) const {
  std::string c = std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                  std::to_string(max_age_s);
  if (options_.secure_cookies) c += "; Secure";
  return c;
}

void AuthApi::Login(const HttpRequest& req, Responder respond) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (!ParseBody(req, parser, &root, respond)) return;
  std::string email = StringField(root, "email"), password = StringField(root, "password");
  if (email.empty() || password.empty()) return respond(JsonError(400, "invalid_field", "email and password are required"));
  std::string email_key = "email:" + email, ip_key = "ip:" + req.peer_ip;
  int wait = std::max(LockedFor(email_key, 5), LockedFor(ip_key, 20));
  if (wait > 0) {
    HttpResponse r = JsonError(429, "too_many_attempts", "too many failed logins; try again later");
    r.AddHeader("Retry-After", std::to_string(wait));
    return respond(std::move(r));
  }
  auto found = meta_->FindUserByEmail(email);
  if (!found.ok()) return respond(JsonError(500, "internal", found.status().detail()));
  // Verify against a real hash even for unknown e-mails, so timing does not reveal accounts.
  static const std::string kDummy = HashPassword("vigil-dummy-password").value();
  bool ok = found.value() ? VerifyPassword(found.value()->second, password) : (VerifyPassword(kDummy, password), false);
  if (!ok) {
    RecordFailure(email_key);
    RecordFailure(ip_key);
    return respond(JsonError(401, "invalid_credentials", "wrong e-mail or password"));
  }
  const User& u = found.value()->first;
  std::string csrf;
  auto cookie = meta_->CreateSession(u.id, options_.session_ttl_ms, &csrf);
  if (!cookie.ok()) return respond(JsonError(500, "internal", cookie.status().detail()));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("user");
  WriteUser(w, u.id, u.email, u.role);
  w.Field("csrf_token", csrf).EndObject();
  HttpResponse r = JsonOk(200, std::move(body));
  r.AddHeader("Set-Cookie", SessionCookie(cookie.value(), options_.session_ttl_ms / 1000));
  r.AddHeader("Cache-Control", "no-store");
  respond(std::move(r));
}

void AuthApi::Logout(const HttpRequest& req, Responder respond) {
  Principal who;
  if (!AuthorizeUser(req, meta_, respond, &who)) return;
  if (who.via_session) meta_->DeleteSession(who.session_cookie);
  HttpResponse r;
  r.status = 204;
  r.AddHeader("Set-Cookie", SessionCookie("", 0));
  respond(std::move(r));
}

void AuthApi::Me(const HttpRequest& req, Responder respond) {
  Principal who;
  if (!AuthorizeUser(req, meta_, respond, &who)) return;
  auto u = meta_->GetUser(who.user_id);
  if (!u.ok() || !u.value()) return respond(JsonError(401, "unauthorized", "no such user"));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("user");
  WriteUser(w, u.value()->id, u.value()->email, u.value()->role, u.value()->created_at);
  if (who.via_session) w.Field("csrf_token", who.csrf_token);
  w.EndObject();
  HttpResponse r = JsonOk(200, std::move(body));
  r.AddHeader("Cache-Control", "no-store");
  respond(std::move(r));
}

void AuthApi::ChangePassword(const HttpRequest& req, Responder respond) {
  Principal who;
  if (!AuthorizeUser(req, meta_, respond, &who)) return;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (!ParseBody(req, parser, &root, respond)) return;
  std::string current = StringField(root, "current_password"), next = StringField(root, "new_password");
  if (next.size() < 8 || next.size() > 1024) {
    return respond(JsonError(400, "invalid_field", "new_password must be 8-1024 characters"));
  }
  auto hash = meta_->PasswordHash(who.user_id);
  if (!hash.ok()) return respond(JsonError(500, "internal", hash.status().detail()));
  if (!VerifyPassword(hash.value(), current)) {
    return respond(JsonError(403, "invalid_credentials", "current_password is wrong"));
  }
  auto fresh = HashPassword(next);
  if (!fresh.ok()) return respond(JsonError(500, "internal", fresh.status().detail()));
  Status s = meta_->SetPasswordHash(who.user_id, fresh.value());
  if (s.ok()) s = meta_->DeleteUserSessions(who.user_id, who.session_cookie);
  if (!s.ok()) return respond(JsonError(500, "internal", s.detail()));
  HttpResponse r;
  r.status = 204;
  respond(std::move(r));
}

void AuthApi::ListUsers(const HttpRequest& req, Responder respond) {
  Principal who;
  if (!AuthorizeUser(req, meta_, respond, &who)) return;
  if (!who.is_admin()) return respond(JsonError(403, "forbidden", "admins only"));
  auto users = meta_->ListUsers();
  if (!users.ok()) return respond(JsonError(500, "internal", users.status().detail()));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("users").BeginArray();
  for (const auto& u : users.value()) WriteUser(w, u.id, u.email, u.role, u.created_at);
  w.EndArray().EndObject();
  respond(JsonOk(200, std::move(body)));
}

void AuthApi::CreateUser(const HttpRequest& req, Responder respond) {
  Principal who;
  if (!AuthorizeUser(req, meta_, respond, &who)) return;
  if (!who.is_admin()) return respond(JsonError(403, "forbidden", "admins only"));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (!ParseBody(req, parser, &root, respond)) return;
  std::string email = StringField(root, "email"), password = StringField(root, "password"), role = StringField(root, "role");
  if (role.empty()) role = "member";
  if (email.empty() || email.size() > 254 || email.find('@') == std::string::npos) {
    return respond(JsonError(400, "invalid_field", "email must be an e-mail address"));
  }
  if (password.size() < 8) return respond(JsonError(400, "invalid_field", "password must be at least 8 characters"));
  if (role != "admin" && role != "member") return respond(JsonError(400, "invalid_field", "role must be admin or member"));
  auto existing = meta_->FindUserByEmail(email);
  if (existing.ok() && existing.value()) return respond(JsonError(409, "exists", "a user with this e-mail exists"));
  auto hash = HashPassword(password);
  if (!hash.ok()) return respond(JsonError(500, "internal", hash.status().detail()));
  auto u = meta_->CreateUser(email, hash.value(), role);
  if (!u.ok()) return respond(JsonError(500, "internal", u.status().detail()));
  std::string body;
  JsonWriter w(&body);
  WriteUser(w, u->id, u->email, u->role, u->created_at);
  respond(JsonOk(201, std::move(body)));
}

void AuthApi::ListTokens(const HttpRequest& req, Responder respond) {
  Principal who;
  if (!AuthorizeUser(req, meta_, respond, &who)) return;
  auto tokens = meta_->ListApiTokens(who.user_id);
  if (!tokens.ok()) return respond(JsonError(500, "internal", tokens.status().detail()));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("tokens").BeginArray();
  for (const auto& t : tokens.value()) {
    w.BeginObject().Field("id", t.id).Field("name", t.name).Field("created_at", t.created_at).EndObject();
  }
  w.EndArray().EndObject();
  respond(JsonOk(200, std::move(body)));
}

void AuthApi::CreateToken(const HttpRequest& req, Responder respond) {
  Principal who;
  if (!AuthorizeUser(req, meta_, respond, &who)) return;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (!ParseBody(req, parser, &root, respond)) return;
  std::string name = StringField(root, "name");
  if (name.empty() || name.size() > 200) return respond(JsonError(400, "invalid_field", "name must be 1-200 characters"));
  auto token = meta_->CreateApiToken(name, who.user_id);
  if (!token.ok()) return respond(JsonError(500, "internal", token.status().detail()));
  auto tokens = meta_->ListApiTokens(who.user_id);
  int64_t id = tokens.ok() && !tokens->empty() ? tokens->back().id : 0;
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Field("id", id).Field("name", name).Field("token", token.value()).EndObject();
  respond(JsonOk(201, std::move(body)));
}

void AuthApi::DeleteToken(const HttpRequest& req, const RouteParams& params, Responder respond) {
  Principal who;
  if (!AuthorizeUser(req, meta_, respond, &who)) return;
  int64_t id = 0;
  if (!ParseInt64(std::string(params.Get("token")), &id)) return respond(JsonError(404, "not_found", "no such token"));
  Status s = meta_->DeleteApiToken(who.user_id, id);
  if (!s.ok()) return respond(JsonError(s.code() == "not_found" ? 404 : 500, s.code(), s.detail()));
  HttpResponse r;
  r.status = 204;
  respond(std::move(r));
}

}  // namespace vigil

#include "auth/principal.h"

#include <sodium.h>

namespace vigil {

std::string CookieValue(const HttpRequest& req, std::string_view name) {
  for (const auto& [k, v] : req.headers) {
    if (k != "cookie") continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view part = rest.substr(0, semi);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      size_t eq = part.find('=');
      if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return {};
}

Result<Principal> Authenticate(const HttpRequest& req, MetaStore* meta) {
  std::string_view auth = req.Header("authorization");
  if (!auth.empty()) {
    constexpr std::string_view kPrefix = "Bearer ";
    if (auth.size() <= kPrefix.size() || auth.substr(0, kPrefix.size()) != kPrefix) {
      return Status::Error("unauthorized", "send Authorization: Bearer <token>");
    }
    auto found = meta->FindApiToken(std::string(auth.substr(kPrefix.size())));
    if (!found.ok()) return found.status();
    if (!found.value()) return Status::Error("unauthorized", "unknown API token");
    Principal p;
    p.user_id = found.value()->user_id;
    p.role = found.value()->role;
    return p;
  }
  std::string cookie = CookieValue(req, kSessionCookie);
  if (cookie.empty()) return Status::Error("unauthorized", "log in, or send Authorization: Bearer <token>");
  auto session = meta->FindSession(cookie);
  if (!session.ok()) return session.status();
  if (!session.value()) return Status::Error("unauthorized", "the session has expired; log in again");
  Principal p;
  p.user_id = session.value()->user_id;
  p.email = session.value()->email;
  p.role = session.value()->role;
  p.via_session = true;
  p.csrf_token = session.value()->csrf_token;
  p.session_cookie = cookie;
  bool safe = req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS";
  if (!safe) {
    std::string_view sent = req.Header("x-csrf-token");
    if (sent.size() != p.csrf_token.size() ||
        sodium_memcmp(sent.data(), p.csrf_token.data(), p.csrf_token.size()) != 0) {
      return Status::Error("csrf", "missing or wrong X-CSRF-Token");
    }
  }
  return p;
}

bool CanAccessProject(const Principal& who, int64_t project_id, MetaStore* meta) {
  if (who.is_admin()) return true;
  auto m = meta->IsMember(who.user_id, project_id);
  return m.ok() && m.value();
}

void RespondAuthError(const Status& s, Responder& respond) {
  if (s.code() == "unauthorized") {
    HttpResponse r = JsonError(401, "unauthorized", s.detail());
    r.AddHeader("WWW-Authenticate", "Bearer");
    respond(std::move(r));
  } else if (s.code() == "csrf") {
    respond(JsonError(403, "csrf", s.detail()));
  } else {
    respond(JsonError(500, "internal", s.detail()));
  }
}

}  // namespace vigil

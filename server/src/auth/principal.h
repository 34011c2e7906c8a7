// Who is calling the HTTP API: an API token (Authorization: Bearer) or a dashboard session
// (the vigil_session cookie). Requests that change state with a session cookie must carry the
// session's CSRF token in X-CSRF-Token (a cross-site form cannot read or send it).
#pragma once

#include <string>

#include "http/http_types.h"
#include "store/meta_store.h"

namespace vigil {

struct Principal {
  int64_t user_id = 0;
  std::string email, role;
  bool via_session = false;
  std::string csrf_token;      // sessions only
  std::string session_cookie;  // sessions only
  bool is_admin() const { return role == "admin"; }
};

constexpr const char* kSessionCookie = "vigil_session";

// Errors: "unauthorized" (no or bad credentials: answer 401), "csrf" (missing or wrong CSRF token
// on a mutating request: answer 403).
Result<Principal> Authenticate(const HttpRequest& req, MetaStore* meta);
// Admins read every project; members the projects they belong to.
bool CanAccessProject(const Principal& who, int64_t project_id, MetaStore* meta);
// The value of cookie `name` in the request's Cookie header(s), or empty.
std::string CookieValue(const HttpRequest& req, std::string_view name);
// Sends the 401/403/500 that matches an Authenticate() error.
void RespondAuthError(const Status& s, Responder& respond);

}  // namespace vigil

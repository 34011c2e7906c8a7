#include "query/api_common.h"

#include <algorithm>
#include <charconv>

namespace vigil {

bool ParseInt64(const std::string& s, int64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool AuthorizeUser(const HttpRequest& req, MetaStore* meta, Responder& respond, Principal* who) {
  auto p = Authenticate(req, meta);
  if (!p.ok()) {
    RespondAuthError(p.status(), respond);
    return false;
  }
  *who = std::move(p.value());
  return true;
}

bool AuthorizeProject(const HttpRequest& req, const RouteParams& params, MetaStore* meta, Responder& respond,
                      int64_t* project_id, Principal* who_out) {
  Principal who;
  if (!AuthorizeUser(req, meta, respond, &who)) return false;
  if (!ParseInt64(std::string(params.Get("project")), project_id) || *project_id <= 0) {
    respond(JsonError(404, "not_found", "no such project"));
    return false;
  }
  auto project = meta->GetProject(*project_id);
  if (!project.ok()) {
    respond(JsonError(500, "internal", project.status().detail()));
    return false;
  }
  if (!project.value() || !CanAccessProject(who, *project_id, meta)) {
    // Same answer for "absent" and "not yours": no probing for project ids.
    respond(JsonError(404, "not_found", "no such project"));
    return false;
  }
  if (who_out) *who_out = std::move(who);
  return true;
}
Result<std::vector<User>> AssignableUsers(MetaStore* meta, int64_t pid) {
  auto members = meta->ProjectMembers(pid);
  if (!members.ok()) return members.status();
  auto users = meta->ListUsers();
  if (!users.ok()) return users.status();
  std::vector<User> out;
  for (User& u : users.value()) {
    bool member = std::find(members->begin(), members->end(), u.id) != members->end();
    if (u.role == "admin" || member) out.push_back(std::move(u));
  }
  std::sort(out.begin(), out.end(), [](const User& a, const User& b) { return a.id < b.id; });
  return out;
}

}  // namespace vigil

#include "query/api_common.h"

#include <charconv>

#include "auth/api_auth.h"

namespace vigil {

bool ParseInt64(const std::string& s, int64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool AuthorizeProject(const HttpRequest& req, const RouteParams& params, MetaStore* meta, Responder& respond,
                      int64_t* project_id) {
  auto who = AuthenticateBearer(req, meta);
  if (!who.ok()) {
    if (who.status().code() == "unauthorized") {
      HttpResponse r = JsonError(401, "unauthorized", who.status().detail());
      r.AddHeader("WWW-Authenticate", "Bearer");
      respond(std::move(r));
    } else {
      respond(JsonError(500, "internal", who.status().detail()));
    }
    return false;
  }
  if (!ParseInt64(std::string(params.Get("project")), project_id) || *project_id <= 0) {
    respond(JsonError(404, "not_found", "no such project"));
    return false;
  }
  auto project = meta->GetProject(*project_id);
  if (!project.ok()) {
    respond(JsonError(500, "internal", project.status().detail()));
    return false;
  }
  if (!project.value() || !CanReadProject(who.value(), *project_id, meta)) {
    // Same answer for "absent" and "not yours": no probing for project ids.
    respond(JsonError(404, "not_found", "no such project"));
    return false;
  }
  return true;
}

}  // namespace vigil

#include "query/events_api.h"

#include <charconv>

#include "auth/api_auth.h"
#include "common/json_writer.h"

namespace vigil {
namespace {
bool ParseInt(const std::string& s, int64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}
}  // namespace

void EventsApi::Register(Router* router) {
  router->Add("GET", "/api/v1/projects/:project/events",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { HandleList(q, p, std::move(r)); });
}

void EventsApi::HandleList(const HttpRequest& req, const RouteParams& params, Responder respond) {
  auto who = AuthenticateBearer(req, meta_);
  if (!who.ok()) {
    if (who.status().code() == "unauthorized") {
      HttpResponse r = JsonError(401, "unauthorized", who.status().detail());
      r.AddHeader("WWW-Authenticate", "Bearer");
      return respond(std::move(r));
    }
    return respond(JsonError(500, "internal", who.status().detail()));
  }
  EventQuery q;
  if (!ParseInt(std::string(params.Get("project")), &q.project_id) || q.project_id <= 0) {
    return respond(JsonError(404, "not_found", "no such project"));
  }
  auto project = meta_->GetProject(q.project_id);
  if (!project.ok()) return respond(JsonError(500, "internal", project.status().detail()));
  if (!project.value() || !CanReadProject(who.value(), q.project_id, meta_)) {
    // Same answer for "absent" and "not yours": no probing for project ids.
    return respond(JsonError(404, "not_found", "no such project"));
  }
  std::string type = req.QueryParam("type");
  if (!type.empty()) {
    EventType t;
    if (!ParseEventType(type, &t)) return respond(JsonError(400, "invalid_parameter", "unknown type " + type));
    q.type = t;
  }
  for (const char* name : {"since", "until", "limit"}) {
    std::string v = req.QueryParam(name);
    if (v.empty()) continue;
    int64_t n;
    if (!ParseInt(v, &n) || n < 0) {
      return respond(JsonError(400, "invalid_parameter", std::string(name) + " must be a non-negative integer"));
    }
    if (std::string_view(name) == "since") q.since = n;
    else if (std::string_view(name) == "until") q.until = n;
    else q.limit = static_cast<int>(std::min<int64_t>(std::max<int64_t>(n, 1), 1000));
  }
  auto events = events_->Query(q);
  if (!events.ok()) return respond(JsonError(500, "internal", events.status().detail()));
  std::string body;
  body.reserve(events->size() * 700 + 16);
  JsonWriter w(&body);
  w.BeginObject().Key("events").BeginArray();
  for (const Event& e : events.value()) WriteEventJson(w, e);
  w.EndArray().EndObject();
  respond(JsonOk(200, std::move(body)));
}

}  // namespace vigil

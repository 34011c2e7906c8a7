#include "query/events_api.h"

#include <charconv>

#include "common/json_writer.h"
#include "query/api_common.h"

namespace vigil {

void EventsApi::Register(Router* router) {
  router->Add("GET", "/api/v1/projects/:project/events",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { HandleList(q, p, std::move(r)); });
}

void EventsApi::HandleList(const HttpRequest& req, const RouteParams& params, Responder respond) {
  EventQuery q;
  if (!AuthorizeProject(req, params, meta_, respond, &q.project_id)) return;
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
    if (!ParseInt64(v, &n) || n < 0) {
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

#include "query/projects_api.h"

#include "auth/api_auth.h"
#include "common/clock.h"
#include "common/json_writer.h"
#include "query/api_common.h"

namespace vigil {

void ProjectsApi::Register(Router* router) {
  router->Add("GET", "/api/v1/projects/:project/settings",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { GetSettings(q, p, std::move(r)); });
  router->Add("PUT", "/api/v1/projects/:project/settings",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { PutSettings(q, p, std::move(r)); });
  router->Add("GET", "/api/v1/projects/:project/stats/filtered",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { Filtered(q, p, std::move(r)); });
}

void ProjectsApi::GetSettings(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t pid = 0;
  if (!AuthorizeProject(req, params, meta_, respond, &pid)) return;
  auto p = meta_->GetProject(pid);
  if (!p.ok() || !p.value()) return respond(JsonError(404, "not_found", "no such project"));
  auto s = ProjectSettings::FromJson(p.value()->settings_json);
  respond(JsonOk(200, s.ok() ? s->ToJson() : ProjectSettings().ToJson()));
}

void ProjectsApi::PutSettings(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t pid = 0;
  if (!AuthorizeProject(req, params, meta_, respond, &pid)) return;
  auto who = AuthenticateBearer(req, meta_);
  if (!who.ok() || who->role != "admin") {
    return respond(JsonError(403, "forbidden", "changing project settings needs an admin"));
  }
  auto s = ProjectSettings::FromJson(req.body);
  if (!s.ok()) return respond(JsonError(400, s.status().code(), s.status().detail()));
  std::string json = s->ToJson();
  Status st = meta_->SetProjectSettings(pid, json);
  if (!st.ok()) return respond(JsonError(500, "internal", st.detail()));
  cache_->Invalidate();
  respond(JsonOk(200, std::move(json)));
}

void ProjectsApi::Filtered(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t pid = 0;
  if (!AuthorizeProject(req, params, meta_, respond, &pid)) return;
  int64_t days = 30;
  std::string d = req.QueryParam("days");
  if (!d.empty() && (!ParseInt64(d, &days) || days < 1 || days > 3650)) {
    return respond(JsonError(400, "invalid_parameter", "days must be 1-3650"));
  }
  int64_t today = NowMs() / 86400000;
  auto counts = meta_->FilteredCounts(pid, today - days + 1);
  if (!counts.ok()) return respond(JsonError(500, "internal", counts.status().detail()));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("filtered").BeginObject();
  int64_t total = 0;
  for (const auto& [reason, n] : counts.value()) {
    w.Field(reason, n);
    total += n;
  }
  w.EndObject().Field("total", total).Field("days", days).EndObject();
  respond(JsonOk(200, std::move(body)));
}

}  // namespace vigil

#include "query/projects_api.h"

#include "common/clock.h"
#include <simdjson.h>

#include "cli/instance.h"
#include "common/json_writer.h"
#include "query/api_common.h"

namespace vigil {

void ProjectsApi::WriteProject(JsonWriter& w, const Project& p) const {
  w.BeginObject()
      .Field("id", p.id)
      .Field("name", p.name)
      .Field("key", p.public_key)
      .Field("dsn", DsnFor(p, public_url_))
      .Field("enabled", p.enabled);
  w.Key("allowed_origins").BeginArray();
  for (const auto& o : p.allowed_origins) w.String(o);
  w.EndArray().Field("created_at", p.created_at).EndObject();
}

namespace {
bool AdminOnly(const Principal& who, Responder& respond) {
  if (who.is_admin()) return true;
  respond(JsonError(403, "forbidden", "admins only"));
  return false;
}
}  // namespace

void ProjectsApi::RespondProject(int64_t pid, Responder& respond) const {
  auto p = meta_->GetProject(pid);
  if (!p.ok() || !p.value()) return respond(JsonError(404, "not_found", "no such project"));
  std::string body;
  JsonWriter w(&body);
  WriteProject(w, *p.value());
  respond(JsonOk(200, std::move(body)));
}

void ProjectsApi::List(const HttpRequest& req, Responder respond) {
  Principal who;
  if (!AuthorizeUser(req, meta_, respond, &who)) return;
  auto projects = meta_->ListProjects();
  if (!projects.ok()) return respond(JsonError(500, "internal", projects.status().detail()));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("projects").BeginArray();
  for (const auto& p : projects.value()) {
    if (CanAccessProject(who, p.id, meta_)) WriteProject(w, p);
  }
  w.EndArray().EndObject();
  respond(JsonOk(200, std::move(body)));
}

void ProjectsApi::Create(const HttpRequest& req, Responder respond) {
  Principal who;
  if (!AuthorizeUser(req, meta_, respond, &who) || !AdminOnly(who, respond)) return;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view name;
  if (parser.parse(req.body).get(root) || root["name"].get(name) || name.empty() || name.size() > 200) {
    return respond(JsonError(400, "invalid_field", "send {\"name\": \"1-200 characters\"}"));
  }
  auto p = meta_->CreateProject(std::string(name));
  if (!p.ok()) return respond(JsonError(500, "internal", p.status().detail()));
  cache_->Invalidate();
  std::string body;
  JsonWriter w(&body);
  WriteProject(w, p.value());
  respond(JsonOk(201, std::move(body)));
}

void ProjectsApi::Update(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t pid = 0;
  Principal who;
  if (!AuthorizeProject(req, params, meta_, respond, &pid, &who) || !AdminOnly(who, respond)) return;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(req.body).get(root) || !root.is_object()) return respond(JsonError(400, "invalid_json", "send a JSON object"));
  std::string_view name;
  if (root["name"].get(name) == simdjson::SUCCESS) {
    if (name.empty() || name.size() > 200) return respond(JsonError(400, "invalid_field", "name must be 1-200 characters"));
    meta_->RenameProject(pid, std::string(name));
  }
  bool enabled;
  if (root["enabled"].get(enabled) == simdjson::SUCCESS) meta_->SetProjectEnabled(pid, enabled);
  simdjson::dom::array origins;
  if (root["allowed_origins"].get(origins) == simdjson::SUCCESS) {
    std::vector<std::string> list;
    for (auto o : origins) {
      std::string_view v;
      if (o.get(v) || v.empty() || v.size() > 500 || v.find('\n') != std::string_view::npos) {
        return respond(JsonError(400, "invalid_field", "allowed_origins must be origins like https://shop.example.com or *.example.com"));
      }
      list.emplace_back(v);
    }
    meta_->SetAllowedOrigins(pid, list);
  }
  cache_->Invalidate();
  RespondProject(pid, respond);
}

void ProjectsApi::Delete(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t pid = 0;
  Principal who;
  if (!AuthorizeProject(req, params, meta_, respond, &pid, &who) || !AdminOnly(who, respond)) return;
  Status s = meta_->DeleteProject(pid);
  if (!s.ok()) return respond(JsonError(500, "internal", s.detail()));
  if (on_delete_) on_delete_(pid);
  cache_->Invalidate();
  HttpResponse r;
  r.status = 204;
  respond(std::move(r));
}

void ProjectsApi::RotateKey(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t pid = 0;
  Principal who;
  if (!AuthorizeProject(req, params, meta_, respond, &pid, &who) || !AdminOnly(who, respond)) return;
  auto key = meta_->RotateProjectKey(pid);
  if (!key.ok()) return respond(JsonError(500, "internal", key.status().detail()));
  cache_->Invalidate();
  RespondProject(pid, respond);
}

void ProjectsApi::Members(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t pid = 0;
  Principal who;
  if (!AuthorizeProject(req, params, meta_, respond, &pid, &who)) return;
  auto m = meta_->ProjectMembers(pid);
  if (!m.ok()) return respond(JsonError(500, "internal", m.status().detail()));
  auto users = AssignableUsers(meta_, pid);
  if (!users.ok()) return respond(JsonError(500, "internal", users.status().detail()));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("user_ids").BeginArray();
  for (int64_t id : m.value()) w.Int(id);
  w.EndArray();
  // Everyone who can see the project (its members and the admins): whom its issues can be
  // assigned to. Readable by any member, unlike GET /api/v1/users.
  w.Key("users").BeginArray();
  for (const User& u : users.value()) {
    w.BeginObject().Field("id", u.id).Field("email", u.email).Field("role", u.role).EndObject();
  }
  w.EndArray().EndObject();
  respond(JsonOk(200, std::move(body)));
}

void ProjectsApi::SetMembers(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t pid = 0;
  Principal who;
  if (!AuthorizeProject(req, params, meta_, respond, &pid, &who) || !AdminOnly(who, respond)) return;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array ids;
  if (parser.parse(req.body).get(root) || root["user_ids"].get(ids)) {
    return respond(JsonError(400, "invalid_field", "send {\"user_ids\": [..]}"));
  }
  std::vector<int64_t> list;
  for (auto v : ids) {
    int64_t id;
    if (v.get(id)) return respond(JsonError(400, "invalid_field", "user_ids must be integers"));
    auto u = meta_->GetUser(id);
    if (!u.ok() || !u.value()) return respond(JsonError(400, "invalid_field", "no user " + std::to_string(id)));
    list.push_back(id);
  }
  Status s = meta_->SetProjectMembers(pid, list);
  if (!s.ok()) return respond(JsonError(500, "internal", s.detail()));
  Members(req, params, std::move(respond));
}

void ProjectsApi::Register(Router* router) {
  router->Add("GET", "/api/v1/projects", [this](const HttpRequest& q, const RouteParams&, Responder r) { List(q, std::move(r)); });
  router->Add("POST", "/api/v1/projects", [this](const HttpRequest& q, const RouteParams&, Responder r) { Create(q, std::move(r)); });
  router->Add("PUT", "/api/v1/projects/:project",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { Update(q, p, std::move(r)); });
  router->Add("DELETE", "/api/v1/projects/:project",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { Delete(q, p, std::move(r)); });
  router->Add("POST", "/api/v1/projects/:project/rotate-key",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { RotateKey(q, p, std::move(r)); });
  router->Add("GET", "/api/v1/projects/:project/members",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { Members(q, p, std::move(r)); });
  router->Add("PUT", "/api/v1/projects/:project/members",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { SetMembers(q, p, std::move(r)); });
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
  Principal who;
  if (!AuthorizeProject(req, params, meta_, respond, &pid, &who)) return;
  if (!who.is_admin()) {
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

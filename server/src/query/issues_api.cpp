#include "query/issues_api.h"

#include <simdjson.h>

#include <algorithm>

#include "common/json_writer.h"
#include "query/api_common.h"

namespace vigil {

void WriteIssueJson(JsonWriter& w, const Issue& i) {
  w.BeginObject()
      .Field("id", i.id)
      .Field("project_id", i.project_id)
      .Field("fingerprint", i.fingerprint)
      .Field("title", i.title)
      .Field("culprit", i.culprit)
      .Field("kind", i.kind)
      .Field("level", i.level)
      .Field("count", i.count)
      .Field("users", i.users)
      .Field("sessions", i.sessions)
      .Field("first_seen", i.first_seen)
      .Field("last_seen", i.last_seen)
      .Field("first_release", i.first_release)
      .Field("last_release", i.last_release)
      .Field("status", i.status);
  w.Key("resolved_in_release");
  i.resolved_in_release.empty() ? w.Null() : w.String(i.resolved_in_release);
  w.Key("ignore_until_count");
  i.ignore_until_count ? w.Int(i.ignore_until_count) : w.Null();
  w.Key("ignore_until");
  i.ignore_until_ts ? w.Int(i.ignore_until_ts) : w.Null();
  w.Field("regressed", i.regressed);
  w.Key("assignee");
  i.assignee ? w.Int(i.assignee) : w.Null();
  w.Key("regressed_at");
  i.regressed_at ? w.Int(i.regressed_at) : w.Null();
  w.EndObject();
}

void IssuesApi::Register(Router* router) {
  router->Add("GET", "/api/v1/projects/:project/issues",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { List(q, p, std::move(r)); });
  router->Add("GET", "/api/v1/projects/:project/issues/:issue",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { Get(q, p, std::move(r)); });
  router->Add("PUT", "/api/v1/projects/:project/issues/:issue",
              [this](const HttpRequest& q, const RouteParams& p, Responder r) { Update(q, p, std::move(r)); });
}

void IssuesApi::List(const HttpRequest& req, const RouteParams& params, Responder respond) {
  IssueQuery q;
  if (!AuthorizeProject(req, params, meta_, respond, &q.project_id)) return;
  q.status = req.QueryParam("status");
  if (!q.status.empty() && q.status != "unresolved" && q.status != "resolved" && q.status != "resolved_in_release" &&
      q.status != "ignored") {
    return respond(JsonError(400, "invalid_parameter", "status must be unresolved, resolved, resolved_in_release or ignored"));
  }
  std::string sort = req.QueryParam("sort");
  if (!sort.empty()) {
    if (sort != "last_seen" && sort != "first_seen" && sort != "count" && sort != "users") {
      return respond(JsonError(400, "invalid_parameter", "sort must be last_seen, first_seen, count or users"));
    }
    q.sort = sort;
  }
  q.search = req.QueryParam("query");
  for (const char* name : {"since", "limit", "offset"}) {
    std::string v = req.QueryParam(name);
    if (v.empty()) continue;
    int64_t n;
    if (!ParseInt64(v, &n) || n < 0) {
      return respond(JsonError(400, "invalid_parameter", std::string(name) + " must be a non-negative integer"));
    }
    if (std::string_view(name) == "since") q.seen_since = n;
    else if (std::string_view(name) == "limit") q.limit = static_cast<int>(std::clamp<int64_t>(n, 1, 500));
    else q.offset = static_cast<int>(std::min<int64_t>(n, 1000000));
  }
  auto issues = meta_->ListIssues(q);
  if (!issues.ok()) return respond(JsonError(500, "internal", issues.status().detail()));
  auto total = meta_->CountIssues(q);
  if (!total.ok()) return respond(JsonError(500, "internal", total.status().detail()));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("issues").BeginArray();
  for (const auto& i : issues.value()) WriteIssueJson(w, i);
  w.EndArray().Field("total", total.value()).EndObject();
  respond(JsonOk(200, std::move(body)));
}

void IssuesApi::Get(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t pid = 0, iid = 0;
  if (!AuthorizeProject(req, params, meta_, respond, &pid)) return;
  if (!ParseInt64(std::string(params.Get("issue")), &iid)) return respond(JsonError(404, "not_found", "no such issue"));
  auto issue = meta_->GetIssue(pid, iid);
  if (!issue.ok()) return respond(JsonError(500, "internal", issue.status().detail()));
  if (!issue.value()) return respond(JsonError(404, "not_found", "no such issue"));
  std::string body;
  JsonWriter w(&body);
  WriteIssueJson(w, *issue.value());
  respond(JsonOk(200, std::move(body)));
}

void IssuesApi::Update(const HttpRequest& req, const RouteParams& params, Responder respond) {
  int64_t pid = 0, iid = 0;
  if (!AuthorizeProject(req, params, meta_, respond, &pid)) return;
  if (!ParseInt64(std::string(params.Get("issue")), &iid)) return respond(JsonError(404, "not_found", "no such issue"));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(req.body).get(root) || !root.is_object()) {
    return respond(JsonError(400, "invalid_json", "send a JSON object such as {\"status\":\"resolved\"}"));
  }
  IssueStatusChange c;
  std::string_view sv;
  simdjson::dom::element assignee;
  if (root["assignee"].get(assignee) == simdjson::SUCCESS) {
    int64_t uid = 0;
    if (!assignee.is_null() && (assignee.get(uid) || uid <= 0)) {
      return respond(JsonError(400, "invalid_field", "assignee must be a user id or null"));
    }
    if (uid) {
      auto users = AssignableUsers(meta_, pid);
      if (!users.ok()) return respond(JsonError(500, "internal", users.status().detail()));
      bool ok = std::any_of(users->begin(), users->end(), [&](const User& u) { return u.id == uid; });
      if (!ok) {
        return respond(JsonError(400, "invalid_field",
                                 "user " + std::to_string(uid) + " cannot see this project (not a member or admin)"));
      }
    }
    Status st = meta_->SetIssueAssignee(pid, iid, uid);
    if (!st.ok()) return respond(JsonError(st.code() == "not_found" ? 404 : 500, st.code(), st.detail()));
    if (root["status"].get(sv)) return Get(req, params, std::move(respond));
  }
  if (root["status"].get(sv)) return respond(JsonError(400, "invalid_field", "status or assignee is required"));
  c.status = std::string(sv);
  if (root["release"].get(sv) == simdjson::SUCCESS) c.release = std::string(sv);
  int64_t n;
  if (root["ignore_until_count"].get(n) == simdjson::SUCCESS) c.ignore_until_count = std::max<int64_t>(0, n);
  if (root["ignore_until"].get(n) == simdjson::SUCCESS) c.ignore_until_ts = std::max<int64_t>(0, n);
  Status s = meta_->UpdateIssueStatus(pid, iid, c);
  if (!s.ok()) {
    int status = s.code() == "not_found" ? 404 : s.code() == "invalid_status" ? 400 : 500;
    return respond(JsonError(status, s.code(), s.detail()));
  }
  Get(req, params, std::move(respond));
}

}  // namespace vigil

// Issues API (Bearer token): list, read and change the status of issues.
//   GET /api/v1/projects/<id>/issues?status=&sort=last_seen|first_seen|count|users&query=&since=&limit=&offset=
//   GET /api/v1/projects/<id>/issues/<issue_id>
//   PUT /api/v1/projects/<id>/issues/<issue_id>  {"status": "...", "release": "...",
//        "ignore_until_count": N, "ignore_until": ms}
#pragma once

#include "http/router.h"
#include "store/meta_store.h"

namespace vigil {

class JsonWriter;
void WriteIssueJson(JsonWriter& w, const Issue& i);

class IssuesApi {
 public:
  explicit IssuesApi(MetaStore* meta) : meta_(meta) {}
  void Register(Router* router);

 private:
  void List(const HttpRequest& req, const RouteParams& params, Responder respond);
  void Get(const HttpRequest& req, const RouteParams& params, Responder respond);
  void Update(const HttpRequest& req, const RouteParams& params, Responder respond);
  MetaStore* meta_;
};

}  // namespace vigil

// Project configuration API (Bearer token of an admin for changes):
//   GET /api/v1/projects/<id>/settings          -> the project's ProjectSettings as JSON
//   PUT /api/v1/projects/<id>/settings          <- a settings object (absent members: defaults)
//   GET /api/v1/projects/<id>/stats/filtered?days=N -> {"filtered": {"bot": 12, ...}, "days": N}
#pragma once

#include "http/router.h"
#include "ingest/project_cache.h"
#include "store/meta_store.h"

namespace vigil {

class ProjectsApi {
 public:
  ProjectsApi(MetaStore* meta, ProjectCache* cache) : meta_(meta), cache_(cache) {}
  void Register(Router* router);

 private:
  void GetSettings(const HttpRequest& req, const RouteParams& params, Responder respond);
  void PutSettings(const HttpRequest& req, const RouteParams& params, Responder respond);
  void Filtered(const HttpRequest& req, const RouteParams& params, Responder respond);
  MetaStore* meta_;
  ProjectCache* cache_;
};

}  // namespace vigil

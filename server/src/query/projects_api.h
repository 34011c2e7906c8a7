// Projects API (docs/api.md): list (members see their projects), create/rename/enable/disable/
// delete, rotate the DSN key, members — changes need an admin. Also configuration:
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
  // `public_url` is used to print DSNs (cli/instance.h DsnFor).
  ProjectsApi(MetaStore* meta, ProjectCache* cache, std::string public_url = "")
      : meta_(meta), cache_(cache), public_url_(std::move(public_url)) {}
  void Register(Router* router);
  // Called after a project is deleted (to drop its events from the event store).
  void OnDelete(std::function<void(int64_t)> f) { on_delete_ = std::move(f); }

 private:
  void List(const HttpRequest& req, Responder respond);
  void Create(const HttpRequest& req, Responder respond);
  void Update(const HttpRequest& req, const RouteParams& params, Responder respond);
  void Delete(const HttpRequest& req, const RouteParams& params, Responder respond);
  void RotateKey(const HttpRequest& req, const RouteParams& params, Responder respond);
  void Members(const HttpRequest& req, const RouteParams& params, Responder respond);
  void SetMembers(const HttpRequest& req, const RouteParams& params, Responder respond);
  void WriteProject(class JsonWriter& w, const Project& p) const;
  void RespondProject(int64_t pid, Responder& respond) const;
  void GetSettings(const HttpRequest& req, const RouteParams& params, Responder respond);
  void PutSettings(const HttpRequest& req, const RouteParams& params, Responder respond);
  void Filtered(const HttpRequest& req, const RouteParams& params, Responder respond);
  MetaStore* meta_;
  ProjectCache* cache_;
  std::string public_url_;
  std::function<void(int64_t)> on_delete_;
};

}  // namespace vigil

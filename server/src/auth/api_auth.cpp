#include "auth/api_auth.h"

namespace vigil {

Result<ApiTokenInfo> AuthenticateBearer(const HttpRequest& req, MetaStore* meta) {
  std::string_view h = req.Header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() <= kPrefix.size() || h.substr(0, kPrefix.size()) != kPrefix) {
    return Status::Error("unauthorized", "send Authorization: Bearer <token>");
  }
  std::string token(h.substr(kPrefix.size()));
  auto found = meta->FindApiToken(token);
  if (!found.ok()) return found.status();
  if (!found.value()) return Status::Error("unauthorized", "unknown API token");
  return *found.value();
}

bool CanReadProject(const ApiTokenInfo& who, int64_t project_id, MetaStore* meta) {
  if (who.role == "admin") return true;
  auto m = meta->IsMember(who.user_id, project_id);
  return m.ok() && m.value();
}

}  // namespace vigil

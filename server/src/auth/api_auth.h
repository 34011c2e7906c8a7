// Authentication of the HTTP API by `Authorization: Bearer <token>` (API tokens from
// `vigil token create`), and project-level authorization.
#pragma once

#include "http/http_types.h"
#include "store/meta_store.h"

namespace vigil {

// The token's owner, or an error Status with code "unauthorized" (missing/unknown token).
Result<ApiTokenInfo> AuthenticateBearer(const HttpRequest& req, MetaStore* meta);
// Admins read every project; members read the projects they belong to.
bool CanReadProject(const ApiTokenInfo& who, int64_t project_id, MetaStore* meta);

}  // namespace vigil

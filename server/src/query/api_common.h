// Shared plumbing of the JSON read APIs: Bearer authentication plus project authorization, and
// integer parameters. Each helper answers the request itself on failure and returns false.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "http/router.h"
#include "store/meta_store.h"

namespace vigil {

// Authenticates the Bearer token and checks read access to the route's `:project`. On success
// fills `project_id` and returns true; otherwise responds 401/404 and returns false.
bool AuthorizeProject(const HttpRequest& req, const RouteParams& params, MetaStore* meta, Responder& respond,
                      int64_t* project_id, Principal* who = nullptr);
// Authenticates (Bearer or session + CSRF); responds 401/403 and returns false on failure.
bool AuthorizeUser(const HttpRequest& req, MetaStore* meta, Responder& respond, Principal* who);
bool ParseInt64(const std::string& s, int64_t* out);
// The users who can see project `pid` (its members and every admin), by id: whom its issues can
// be assigned to.
Result<std::vector<User>> AssignableUsers(MetaStore* meta, int64_t pid);

}  // namespace vigil

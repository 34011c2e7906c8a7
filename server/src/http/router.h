// Router: maps (method, path pattern) to a handler. Patterns are literal segments and `:name`
// captures, e.g. "/api/:project/events". Matching is by segment; the first matching route wins.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/http_types.h"

namespace vigil {

struct RouteParams {
  std::vector<std::pair<std::string, std::string>> values;
  std::string_view Get(std::string_view name) const;
};

using Handler = std::function<void(const HttpRequest&, const RouteParams&, Responder)>;

class Router {
 public:
  // `method` "*" matches any method.
  void Add(std::string method, std::string pattern, Handler handler);
  // Finds the route; returns nullptr when none matches. `pattern` receives the matched pattern
  // (used as the metrics label), `path_matched` tells 405 from 404.
  const Handler* Match(std::string_view method, std::string_view path, RouteParams* params,
                       std::string* pattern, bool* path_matched) const;
  // Handles requests no route matches (e.g. static files); its metrics label is "static".
  void SetFallback(Handler handler) { fallback_ = std::move(handler); }
  const Handler* fallback() const { return fallback_ ? &fallback_ : nullptr; }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
  Handler fallback_;
};

// Splits "/a/b/c" into {"a","b","c"} (empty segments dropped).
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace vigil

#include "http/router.h"

namespace vigil {

std::string_view RouteParams::Get(std::string_view name) const {
  for (const auto& [k, v] : values) {
    if (k == name) return v;
  }
  return {};
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Route r;
  r.method = std::move(method);
  for (auto s : SplitPath(pattern)) r.segments.emplace_back(s);
  r.pattern = std::move(pattern);
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

const Handler* Router::Match(std::string_view method, std::string_view path, RouteParams* params,
                             std::string* pattern, bool* path_matched) const {
  auto segs = SplitPath(path);
  *path_matched = false;
  for (const Route& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    bool ok = true;
    RouteParams p;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const std::string& want = r.segments[i];
      if (!want.empty() && want[0] == ':') p.values.emplace_back(want.substr(1), std::string(segs[i]));
      else ok = want == segs[i];
    }
    if (!ok) continue;
    *path_matched = true;
    if (r.method != "*" && r.method != method) continue;
    *params = std::move(p);
    *pattern = r.pattern;
    return &r.handler;
  }
  return nullptr;
}

}  // namespace vigil

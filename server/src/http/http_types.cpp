#include "http/http_types.h"

#include "common/json_writer.h"

namespace vigil {

std::string_view HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

namespace {
// Calls f(name, raw_value) for each query parameter until f returns true.
template <typename F>
void ForEachParam(std::string_view q, F f) {
  size_t start = 0;
  while (start <= q.size()) {
    size_t amp = q.find('&', start);
    if (amp == std::string_view::npos) amp = q.size();
    std::string_view kv = q.substr(start, amp - start);
    if (!kv.empty()) {
      size_t eq = kv.find('=');
      std::string_view k = kv.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
      if (f(k, v)) return;
    }
    start = amp + 1;
  }
}
}  // namespace

std::string HttpRequest::QueryParam(std::string_view name) const {
  std::string out;
  ForEachParam(query, [&](std::string_view k, std::string_view v) {
    if (PercentDecode(k, true) == name) {
      out = PercentDecode(v, true);
      return true;
    }
    return false;
  });
  return out;
}

bool HttpRequest::HasQueryParam(std::string_view name) const {
  bool found = false;
  ForEachParam(query, [&](std::string_view k, std::string_view) {
    found = PercentDecode(k, true) == name;
    return found;
  });
  return found;
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int h = hex(s[i + 1]);
      int l = hex(s[i + 2]);
      if (h >= 0 && l >= 0) {
        out.push_back(static_cast<char>(h * 16 + l));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

HttpResponse JsonError(int status, std::string_view code, std::string_view detail) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  JsonWriter w(&r.body);
  w.BeginObject().Field("error", code).Field("detail", detail).EndObject();
  return r;
}

HttpResponse JsonOk(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

}  // namespace vigil

#include "common/event.h"

#include <simdjson.h>

#include "common/json_writer.h"

namespace vigil {
namespace {
constexpr std::string_view kTypeNames[] = {"error", "vital", "http", "resource", "pageview",
                                           "route", "click", "custom", "session"};
}

bool ParseEventType(std::string_view s, EventType* out) {
  for (size_t i = 0; i < std::size(kTypeNames); ++i) {
    if (kTypeNames[i] == s) {
      *out = static_cast<EventType>(i);
      return true;
    }
  }
  return false;
}

std::string_view EventTypeName(EventType t) { return kTypeNames[static_cast<size_t>(t)]; }

std::string UrlPath(std::string_view url) {
  size_t start = 0;
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos && url.find_first_of("/?#") > scheme) {
    size_t slash = url.find('/', scheme + 3);
    size_t q = url.find_first_of("?#", scheme + 3);
    if (slash == std::string_view::npos || (q != std::string_view::npos && q < slash)) return "/";
    start = slash;
  }
  size_t end = url.find_first_of("?#", start);
  std::string_view p = url.substr(start, end == std::string_view::npos ? url.size() - start : end - start);
  if (p.empty()) return "/";
  return std::string(p);
}

void WriteEventJson(JsonWriter& w, const Event& e) {
  w.BeginObject()
      .Field("project_id", e.project_id)
      .Field("event_id", e.event_id)
      .Field("ts", e.ts)
      .Field("received_at", e.received_at)
      .Field("type", EventTypeName(e.type))
      .Field("name", e.name);
  w.Key("value");
  e.value ? w.Double(*e.value) : w.Null();
  w.Key("duration");
  e.duration ? w.Double(*e.duration) : w.Null();
  w.Key("status");
  e.status ? w.Int(*e.status) : w.Null();
  w.Field("uid", e.uid)
      .Field("sid", e.sid)
      .Field("release", e.release)
      .Field("environment", e.environment)
      .Field("url", e.url)
      .Field("path", e.path)
      .Field("referrer", e.referrer)
      .Field("browser", e.browser)
      .Field("browser_version", e.browser_version)
      .Field("os", e.os)
      .Field("os_version", e.os_version)
      .Field("device", e.device)
      .Field("country", e.country)
      .Field("region", e.region)
      .Field("city", e.city)
      .Field("fingerprint", e.fingerprint);
  w.Key("issue_id");
  e.issue_id ? w.Int(e.issue_id) : w.Null();
  w.Field("level", e.level).Field("message", e.message);
  w.Key("data").Raw(e.data.empty() ? std::string_view("{}") : std::string_view(e.data));
  w.EndObject();
}

std::string EncodeBatch(const NormalizedBatch& b) {
  std::string out;
  out.reserve(256 + b.events.size() * 512);
  JsonWriter w(&out);
  w.BeginObject()
      .Field("project_id", b.project_id)
      .Field("received_at", b.received_at)
      .Field("client_ip", b.client_ip)
      .Field("user_agent", b.user_agent);
  w.Key("events").BeginArray();
  for (const Event& e : b.events) WriteEventJson(w, e);
  w.EndArray().EndObject();
  return out;
}

namespace {
using simdjson::dom::element;

std::string Str(element obj, const char* key) {
  std::string_view v;
  if (obj[key].get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}
int64_t Int(element obj, const char* key) {
  int64_t v = 0;
  if (obj[key].get(v) == simdjson::SUCCESS) return v;
  return 0;
}
std::optional<double> OptDouble(element obj, const char* key) {
  element el;
  if (obj[key].get(el) != simdjson::SUCCESS || el.is_null()) return std::nullopt;
  double d;
  if (el.get(d) == simdjson::SUCCESS) return d;
  return std::nullopt;
}
}  // namespace

bool DecodeBatch(std::string_view bytes, NormalizedBatch* out, std::string* error) {
  thread_local simdjson::dom::parser parser;
  element root;
  auto err = parser.parse(bytes.data(), bytes.size()).get(root);
  if (err) {
    *error = simdjson::error_message(err);
    return false;
  }
  out->project_id = Int(root, "project_id");
  out->received_at = Int(root, "received_at");
  out->client_ip = Str(root, "client_ip");
  out->user_agent = Str(root, "user_agent");
  simdjson::dom::array events;
  if (root["events"].get(events)) {
    *error = "events missing";
    return false;
  }
  out->events.clear();
  out->events.reserve(events.size());
  for (element e : events) {
    Event ev;
    ev.project_id = Int(e, "project_id");
    ev.event_id = Str(e, "event_id");
    ev.ts = Int(e, "ts");
    ev.received_at = Int(e, "received_at");
    if (!ParseEventType(Str(e, "type"), &ev.type)) {
      *error = "bad type";
      return false;
    }
    ev.name = Str(e, "name");
    ev.value = OptDouble(e, "value");
    ev.duration = OptDouble(e, "duration");
    if (auto s = OptDouble(e, "status")) ev.status = static_cast<int>(*s);
    ev.uid = Str(e, "uid");
    ev.sid = Str(e, "sid");
    ev.release = Str(e, "release");
    ev.environment = Str(e, "environment");
    ev.url = Str(e, "url");
    ev.path = Str(e, "path");
    ev.referrer = Str(e, "referrer");
    ev.browser = Str(e, "browser");
    ev.browser_version = Str(e, "browser_version");
    ev.os = Str(e, "os");
    ev.os_version = Str(e, "os_version");
    ev.device = Str(e, "device");
    ev.country = Str(e, "country");
    ev.region = Str(e, "region");
    ev.city = Str(e, "city");
    ev.fingerprint = Str(e, "fingerprint");
    ev.issue_id = Int(e, "issue_id");
    ev.level = Str(e, "level");
    ev.message = Str(e, "message");
    element data;
    if (e["data"].get(data) == simdjson::SUCCESS) ev.data = simdjson::minify(data);
    out->events.push_back(std::move(ev));
  }
  return true;
}

}  // namespace vigil

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

namespace {
// The queue's compact form of an event: like WriteEventJson, but empty strings, absent numbers and
// the batch-level project_id/received_at are left out (DecodeBatch restores the defaults).
void WriteCompactEvent(JsonWriter& w, const Event& e, const NormalizedBatch& b) {
  w.BeginObject().Field("event_id", e.event_id).Field("ts", e.ts).Field("type", EventTypeName(e.type));
  if (e.project_id != b.project_id) w.Field("project_id", e.project_id);
  if (e.received_at != b.received_at) w.Field("received_at", e.received_at);
  auto str = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) w.Field(k, v);
  };
  str("name", e.name);
  if (e.value) w.Field("value", *e.value);
  if (e.duration) w.Field("duration", *e.duration);
  if (e.status) w.Field("status", int64_t{*e.status});
  str("uid", e.uid);
  str("sid", e.sid);
  str("release", e.release);
  str("environment", e.environment);
  str("url", e.url);
  str("path", e.path);
  str("referrer", e.referrer);
  str("browser", e.browser);
  str("browser_version", e.browser_version);
  str("os", e.os);
  str("os_version", e.os_version);
  str("device", e.device);
  str("country", e.country);
  str("region", e.region);
  str("city", e.city);
  str("fingerprint", e.fingerprint);
  if (e.issue_id) w.Field("issue_id", e.issue_id);
  str("level", e.level);
  str("message", e.message);
  if (!e.data.empty() && e.data != "{}") w.Key("data").Raw(e.data);
  w.EndObject();
}
}  // namespace

std::string EncodeBatch(const NormalizedBatch& b) {
  std::string out;
  out.reserve(256 + b.events.size() * 512);
  JsonWriter w(&out);
  w.BeginObject()
      .Field("project_id", b.project_id)
      .Field("received_at", b.received_at)
      .Field("client_ip", b.client_ip)
      .Field("user_agent", b.user_agent);
  if (!b.client_hints.empty()) {
    w.Key("client_hints").BeginObject();
    for (const auto& [k, v] : b.client_hints) w.Field(k, v);
    w.EndObject();
  }
  w.Key("events").BeginArray();
  for (const Event& e : b.events) WriteCompactEvent(w, e, b);
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
  out->client_hints.clear();
  out->is_bot = out->is_legacy_browser = false;
  simdjson::dom::object hints;
  if (root["client_hints"].get(hints) == simdjson::SUCCESS) {
    for (auto [k, v] : hints) {
      std::string_view hv;
      if (v.get(hv) == simdjson::SUCCESS) out->client_hints.emplace_back(std::string(k), std::string(hv));
    }
  }
  simdjson::dom::array events;
  if (root["events"].get(events)) {
    *error = "events missing";
    return false;
  }
  out->events.clear();
  out->events.reserve(events.size());
  for (element e : events) {
    Event ev;
    ev.project_id = out->project_id;
    ev.received_at = out->received_at;
    simdjson::dom::object obj;
    if (e.get(obj)) {
      *error = "event is not an object";
      return false;
    }
    // One pass over the members (looking each column up by name would rescan the object per column).
    for (auto field : obj) {
      std::string_view k = field.key;
      element v = field.value;
      std::string_view sv;
      auto set = [&](std::string* dst) {
        if (v.get(sv) == simdjson::SUCCESS) dst->assign(sv);
      };
      auto num = [&]() -> std::optional<double> {
        double d;
        if (v.is_null()) return std::nullopt;
        if (v.get(d) == simdjson::SUCCESS) return d;
        return std::nullopt;
      };
      auto i64 = [&]() -> int64_t {
        int64_t n = 0;
        if (v.get(n) == simdjson::SUCCESS) return n;
        double d;
        if (v.get(d) == simdjson::SUCCESS) return static_cast<int64_t>(d);
        return 0;
      };
      if (k == "project_id") ev.project_id = i64();
      else if (k == "event_id") set(&ev.event_id);
      else if (k == "ts") ev.ts = i64();
      else if (k == "received_at") ev.received_at = i64();
      else if (k == "type") {
        if (v.get(sv) || !ParseEventType(sv, &ev.type)) {
          *error = "bad type";
          return false;
        }
      } else if (k == "name") set(&ev.name);
      else if (k == "value") ev.value = num();
      else if (k == "duration") ev.duration = num();
      else if (k == "status") {
        if (auto d = num()) ev.status = static_cast<int>(*d);
      } else if (k == "uid") set(&ev.uid);
      else if (k == "sid") set(&ev.sid);
      else if (k == "release") set(&ev.release);
      else if (k == "environment") set(&ev.environment);
      else if (k == "url") set(&ev.url);
      else if (k == "path") set(&ev.path);
      else if (k == "referrer") set(&ev.referrer);
      else if (k == "browser") set(&ev.browser);
      else if (k == "browser_version") set(&ev.browser_version);
      else if (k == "os") set(&ev.os);
      else if (k == "os_version") set(&ev.os_version);
      else if (k == "device") set(&ev.device);
      else if (k == "country") set(&ev.country);
      else if (k == "region") set(&ev.region);
      else if (k == "city") set(&ev.city);
      else if (k == "fingerprint") set(&ev.fingerprint);
      else if (k == "issue_id") ev.issue_id = i64();
      else if (k == "level") set(&ev.level);
      else if (k == "message") set(&ev.message);
      else if (k == "data") ev.data = simdjson::minify(v);
    }
    out->events.push_back(std::move(ev));
  }
  return true;
}

}  // namespace vigil

#include "ingest/batch_parser.h"

#include <simdjson.h>

#include <cmath>

#include "common/json_dom.h"
#include "common/json_writer.h"
#include "common/random.h"

namespace vigil {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Byte limits of typed string fields (docs/protocol.md).
constexpr size_t kNameMax = 256, kLevelMax = 16, kMessageMax = 8192, kUrlMax = 4096, kReleaseMax = 200,
                 kEnvMax = 64, kIdMax = 128, kFingerprintMax = 512;

struct BatchContext {
  std::string_view release, environment, uid, sid, url, referrer;
  std::string extra;  // serialized object of the other context members, "" when none
  std::string sdk;    // serialized sdk object, "" when none
};

bool IsIdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

bool ValidLevel(std::string_view l) {
  return l == "fatal" || l == "error" || l == "warning" || l == "info" || l == "debug";
}

// Reads an optional string member with a byte limit. Returns false and fills the rejection
// when the member has the wrong type or is too long.
bool OptString(element value, std::string_view field, size_t max, std::string_view* out, EventRejection* rej) {
  if (value.type() != element_type::STRING) {
    rej->reason = "invalid_field";
    rej->detail = std::string(field) + " must be a string";
    return false;
  }
  std::string_view s = value.get_string().value_unsafe();
  if (s.size() > max) {
    rej->reason = "field_too_long";
    rej->detail = std::string(field) + " is longer than " + std::to_string(max) + " bytes";
    return false;
  }
  *out = s;
  return true;
}

bool NumberOf(element value, double* out) {
  switch (value.type()) {
    case element_type::DOUBLE: *out = value.get_double().value_unsafe(); return std::isfinite(*out);
    case element_type::INT64: *out = static_cast<double>(value.get_int64().value_unsafe()); return true;
    case element_type::UINT64: *out = static_cast<double>(value.get_uint64().value_unsafe()); return true;
    default: return false;
  }
}

Status ParseContext(element root, BatchContext* ctx) {
  element c;
  if (root["context"].get(c) == simdjson::SUCCESS) {
    if (c.type() != element_type::OBJECT) return Status::Error("invalid_field", "context must be an object");
    std::string extra;
    JsonWriter w(&extra);
    w.BeginObject();
    bool any = false;
    EventRejection rej;
    object c_obj = c.get_object().value_unsafe();
    for (auto [k, v] : c_obj) {
      std::string_view* slot = nullptr;
      size_t max = 0;
      if (k == "release") slot = &ctx->release, max = kReleaseMax;
      else if (k == "environment") slot = &ctx->environment, max = kEnvMax;
      else if (k == "uid") slot = &ctx->uid, max = kIdMax;
      else if (k == "sid") slot = &ctx->sid, max = kIdMax;
      else if (k == "url") slot = &ctx->url, max = kUrlMax;
      else if (k == "referrer") slot = &ctx->referrer, max = kUrlMax;
      if (slot) {
        if (v.is_null()) continue;
        if (!OptString(v, "context." + std::string(k), max, slot, &rej)) {
          return Status::Error("invalid_field", rej.detail);
        }
      } else {
        AppendElementJson(w.Key(k).RawValue(), v);
        any = true;
      }
    }
    w.EndObject();
    if (any) ctx->extra = std::move(extra);
  }
  element sdk;
  if (root["sdk"].get(sdk) == simdjson::SUCCESS) {
    if (sdk.type() != element_type::OBJECT) return Status::Error("invalid_field", "sdk must be an object");
    ctx->sdk = ElementJson(sdk);
  }
  return Status::Ok();
}

}  // namespace

int BatchParser::StatusFor(const Status& s) {
  if (s.code() == "too_many_events" || s.code() == "body_too_large") return 413;
  return 400;
}

Result<ParsedBatch> BatchParser::Parse(std::string_view body, int64_t project_id, int64_t received_at) const {
  thread_local simdjson::dom::parser parser;
  thread_local size_t parser_depth = 0;
  if (parser_depth != limits_.max_depth) {
    // capacity grows on demand; depth is fixed at allocation.
    if (parser.allocate(64 << 10, limits_.max_depth)) return Status::Error("internal", "parser allocation failed");
    parser_depth = limits_.max_depth;
  }
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Status::Error("empty_body", "the request body is empty");
  element root;
  auto err = parser.parse(body.data(), body.size()).get(root);
  if (err) {
    switch (err) {
      case simdjson::UTF8_ERROR: return Status::Error("invalid_utf8", "the body is not valid UTF-8");
      case simdjson::DEPTH_ERROR:
        return Status::Error("too_deep", "JSON nesting exceeds " + std::to_string(limits_.max_depth) + " levels");
      case simdjson::CAPACITY: return Status::Error("body_too_large", "document too large");
      case simdjson::EMPTY: return Status::Error("empty_body", "the request body is empty");
      default: return Status::Error("invalid_json", std::string("not valid JSON: ") + simdjson::error_message(err));
    }
  }
  if (root.type() != element_type::OBJECT) return Status::Error("not_an_object", "the body must be a JSON object");
  element events_el;
  if (root["events"].get(events_el) != simdjson::SUCCESS) {
    return Status::Error("missing_events", "the body has no \"events\" member");
  }
  if (events_el.type() != element_type::ARRAY) return Status::Error("invalid_field", "events must be an array");
  simdjson::dom::array events = events_el.get_array().value_unsafe();
  size_t n = events.size();
  if (n == 0) return Status::Error("missing_events", "events is empty");
  if (n > limits_.max_events) {
    return Status::Error("too_many_events", std::to_string(n) + " events; at most " +
                                                std::to_string(limits_.max_events) + " per batch");
  }
  BatchContext ctx;
  Status cs = ParseContext(root, &ctx);
  if (!cs.ok()) return cs;

  ParsedBatch out;
  out.events.reserve(n);
  // One random prefix per batch; event ids are prefix + index, so a batch costs one RNG call.
  std::string id_prefix = RandomHex(12);
  size_t index = 0;
  for (element ev_el : events) {
    size_t i = index++;
    EventRejection rej;
    rej.index = i;
    auto reject = [&](std::string reason, std::string detail) {
      rej.reason = std::move(reason);
      rej.detail = std::move(detail);
      out.rejected.push_back(std::move(rej));
    };
    if (ev_el.type() != element_type::OBJECT) {
      reject("not_an_object", "event must be a JSON object");
      continue;
    }
    object ev_obj = ev_el.get_object().value_unsafe();
    Event e;
    e.project_id = project_id;
    e.received_at = received_at;
    bool have_type = false, have_ts = false, bad = false;
    std::string_view sv;
    std::string data;
    data.reserve(256);
    JsonWriter w(&data);
    w.BeginObject();
    element user_data;
    bool have_user_data = false;
    double ts_val = 0;
    bool have_message_or_exception = false;
    std::string_view release = ctx.release, environment = ctx.environment, uid = ctx.uid, sid = ctx.sid,
                     url = ctx.url, referrer = ctx.referrer;
    for (auto [k, v] : ev_obj) {
      if (bad) break;
      if (k == "type") {
        if (v.type() != element_type::STRING) {
          reject("invalid_field", "type must be a string");
          bad = true;
        } else if (!ParseEventType(v.get_string().value_unsafe(), &e.type)) {
          reject("unknown_type", "unknown event type \"" + std::string(v.get_string().value_unsafe().substr(0, 64)) + "\"");
          bad = true;
        } else {
          have_type = true;
        }
      } else if (k == "ts") {
        if (!NumberOf(v, &ts_val)) {
          reject("invalid_field", "ts must be a number (ms since the epoch)");
          bad = true;
        } else {
          have_ts = true;
        }
      } else if (k == "id") {
        if (!OptString(v, "id", 64, &sv, &rej)) {
          out.rejected.push_back(rej);
          bad = true;
        } else if (sv.size() < 8 || !std::all_of(sv.begin(), sv.end(), IsIdChar)) {
          reject("invalid_field", "id must be 8-64 characters of [0-9A-Za-z_-]");
          bad = true;
        } else {
          e.event_id = std::string(sv);
        }
      } else if (k == "name" || k == "level" || k == "message" || k == "url" || k == "referrer" || k == "release" ||
                 k == "environment" || k == "uid" || k == "sid") {
        if (v.is_null()) continue;
        size_t max = k == "name"                          ? kNameMax
                     : k == "level"                       ? kLevelMax
                     : k == "message"                     ? kMessageMax
                     : (k == "url" || k == "referrer")    ? kUrlMax
                     : k == "release"                     ? kReleaseMax
                     : k == "environment"                 ? kEnvMax
                                                          : kIdMax;
        if (!OptString(v, k, max, &sv, &rej)) {
          out.rejected.push_back(rej);
          bad = true;
          continue;
        }
        if (k == "name") e.name = std::string(sv);
        else if (k == "level") {
          if (!ValidLevel(sv)) {
            reject("invalid_field", "level must be one of fatal, error, warning, info, debug");
            bad = true;
          }
          e.level = std::string(sv);
        } else if (k == "message") {
          e.message = std::string(sv);
          have_message_or_exception = true;
        } else if (k == "url") url = sv;
        else if (k == "referrer") referrer = sv;
        else if (k == "release") release = sv;
        else if (k == "environment") environment = sv;
        else if (k == "uid") uid = sv;
        else sid = sv;
      } else if (k == "value" || k == "duration") {
        if (v.is_null()) continue;
        double d;
        if (!NumberOf(v, &d) || (k == "duration" && d < 0)) {
          reject("invalid_field", std::string(k) + (k == "duration" ? " must be a number >= 0" : " must be a number"));
          bad = true;
        } else if (k == "value") e.value = d;
        else e.duration = d;
      } else if (k == "status") {
        if (v.is_null()) continue;
        double d;
        if (!NumberOf(v, &d) || d != std::floor(d) || d < 0 || d > 999) {
          reject("invalid_field", "status must be an integer 0-999");
          bad = true;
        } else {
          e.status = static_cast<int>(d);
        }
      } else if (k == "fingerprint") {
        size_t total = 0;
        bool ok = true;
        if (v.type() == element_type::STRING) total = v.get_string().value_unsafe().size();
        else if (v.type() == element_type::ARRAY) {
          simdjson::dom::array parts = v.get_array().value_unsafe();
          for (element part : parts) {
            if (part.type() != element_type::STRING) ok = false;
            else total += part.get_string().value_unsafe().size();
          }
        } else ok = false;
        if (!ok) {
          reject("invalid_field", "fingerprint must be a string or an array of strings");
          bad = true;
        } else if (total > kFingerprintMax) {
          reject("field_too_long", "fingerprint is longer than 512 bytes");
          bad = true;
        } else {
          w.Key("fingerprint").Raw(ElementJson(v));
        }
      } else if (k == "data") {
        if (v.is_null()) continue;
        if (v.type() != element_type::OBJECT) {
          reject("invalid_field", "data must be an object");
          bad = true;
        } else {
          user_data = v;
          have_user_data = true;
        }
      } else {
        if (k == "exception") have_message_or_exception = true;
        AppendElementJson(w.Key(k).RawValue(), v);
      }
    }
    if (bad) continue;
    if (!have_type) {
      reject("missing_type", "event has no type");
      continue;
    }
    if (!have_ts) {
      reject("missing_ts", "event has no ts");
      continue;
    }
    if (ts_val <= 0) {
      reject("invalid_field", "ts must be a positive number of ms since the epoch");
      continue;
    }
    // Compare as doubles before converting: a huge value (1e62) does not fit in int64.
    if (ts_val < static_cast<double>(received_at - limits_.max_past_ms)) {
      reject("ts_out_of_range", "ts is more than 30 days in the past");
      continue;
    }
    if (ts_val > static_cast<double>(received_at + limits_.max_future_ms)) {
      w.Key("client_ts").Double(ts_val);
      e.ts = received_at;
    } else {
      e.ts = static_cast<int64_t>(ts_val);
    }
    // Per-type requirements.
    const char* missing = nullptr;
    switch (e.type) {
      case EventType::kError:
        if (e.name != "js" && e.name != "promise" && e.name != "resource" && e.name != "http" && e.name != "console") {
          reject(e.name.empty() ? "missing_field" : "invalid_field",
                 "error events need name = js, promise, resource, http or console");
          bad = true;
        } else if (!have_message_or_exception) {
          missing = "message";
        }
        if (e.level.empty()) e.level = "error";
        break;
      case EventType::kVital:
        if (e.name.empty()) missing = "name";
        else if (!e.value) missing = "value";
        break;
      case EventType::kHttp:
        if (url.empty()) missing = "url";
        if (e.name.empty()) e.name = "GET";
        break;
      case EventType::kResource:
        if (url.empty()) missing = "url";
        break;
      case EventType::kPageview:
      case EventType::kRoute:
        if (url.empty()) missing = "url";
        break;
      case EventType::kCustom:
        if (e.name.empty()) missing = "name";
        break;
      case EventType::kSession:
        if (e.name != "start" && e.name != "end") {
          reject(e.name.empty() ? "missing_field" : "invalid_field", "session events need name = start or end");
          bad = true;
        }
        break;
      case EventType::kClick:
        break;
    }
    if (bad) continue;
    if (missing) {
      reject("missing_field", std::string(EventTypeName(e.type)) + " events need " + missing);
      continue;
    }
    if (have_user_data) {
      object user_obj = user_data.get_object().value_unsafe();
      for (auto [k, v] : user_obj) AppendElementJson(w.Key(k).RawValue(), v);
    }
    if (!ctx.extra.empty()) w.Key("context").Raw(ctx.extra);
    if (!ctx.sdk.empty()) w.Key("sdk").Raw(ctx.sdk);
    w.EndObject();
    if (data.size() > limits_.max_data_bytes) {
      reject("data_too_large", "event data is " + std::to_string(data.size()) + " bytes; at most " +
                                   std::to_string(limits_.max_data_bytes));
      continue;
    }
    e.data = std::move(data);
    if (e.event_id.empty()) {
      char suffix[12];
      snprintf(suffix, sizeof suffix, "%08zx", i);
      e.event_id = id_prefix + suffix;
    }
    e.release = std::string(release);
    e.environment = std::string(environment);
    e.uid = std::string(uid);
    e.sid = std::string(sid);
    e.url = std::string(url);
    e.referrer = std::string(referrer);
    if (!e.url.empty()) e.path = UrlPath(e.url);
    out.events.push_back(std::move(e));
  }
  return out;
}

}  // namespace vigil

// The normalized event record of DESIGN.md §3: typed common columns plus a JSON tail (`data`).
// Every event type (error, vital, http, resource, pageview, route, click, custom, session) uses
// this one record; type-specific fields live in `data`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

enum class EventType { kError, kVital, kHttp, kResource, kPageview, kRoute, kClick, kCustom, kSession };

// "error", "vital", … ; returns false for unknown names.
bool ParseEventType(std::string_view s, EventType* out);
std::string_view EventTypeName(EventType t);

struct Event {
  int64_t project_id = 0;
  std::string event_id;  // 8–64 chars of [0-9A-Za-z_-]; unique per stored event
  int64_t ts = 0;           // ms since epoch (client time corrected by the SDK, clamped by ingest)
  int64_t received_at = 0;  // ms since epoch, server clock
  EventType type = EventType::kCustom;
  std::string name;
  std::optional<double> value;
  std::optional<double> duration;
  std::optional<int> status;
  std::string uid, sid, release, environment;
  std::string url, path, referrer;
  std::string browser, browser_version, os, os_version, device;
  std::string country, region, city;
  std::string fingerprint;
  int64_t issue_id = 0;  // 0: not grouped
  std::string level, message;
  std::string data = "{}";  // a JSON object, serialized
};

// A batch accepted by ingest, as it travels through the queue to the process stage.
// Request facts that enrichment needs travel with it.
struct NormalizedBatch {
  int64_t project_id = 0;
  int64_t received_at = 0;
  std::string client_ip;   // socket peer (or trusted-proxy header), before the IP policy applies
  std::string user_agent;  // User-Agent request header
  // User-Agent Client Hints request headers (lowercase name -> value), when the browser sent any.
  std::vector<std::pair<std::string, std::string>> client_hints;
  std::vector<Event> events;

  // Facts the process stage derives and later steps read; not encoded in the queue.
  uint64_t offset = 0;  // the queue record's offset (0: not from the queue)
  bool is_bot = false;
  bool is_legacy_browser = false;
};

// Serializes a batch for the queue (a compact binary record, zstd-compressed unless it is small;
// see event.cpp), and parses it back. Decode also reads the uncompressed and compact-JSON records
// of older versions, and fails (with a reason) on corrupt or truncated input. Both reuse
// per-thread buffers and compression contexts.
std::string EncodeBatch(const NormalizedBatch& batch);
bool DecodeBatch(std::string_view bytes, NormalizedBatch* out, std::string* error);

// Appends one event as a JSON object with every column (the read API's representation).
class JsonWriter;
void WriteEventJson(JsonWriter& w, const Event& e);

// The path of a URL: no scheme/host, no query, no fragment ("/" when empty).
std::string UrlPath(std::string_view url);

}  // namespace vigil

#include "common/event.h"

#include <simdjson.h>
#include <zstd.h>

#include <cstring>
#include <memory>

#include "common/json_dom.h"
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
// The queue's binary record (version 1). Integers are LEB128 varints (signed ones zigzag-encoded),
// strings a varint length then the bytes, doubles 8 little-endian bytes. Per event, a varint
// bitmask says which optional fields follow, in the order of kEventStrings below; empty strings,
// absent numbers and values equal to the batch's are left out, and decoding restores them.
// Version 0 records (compact JSON, first byte '{') written by older servers are still decoded.
constexpr char kRecordV1 = 1;
// Version 2: the byte 2, then a zstd frame (with its content size) holding a version 1 record.
// Batches repeat their keys, context values and user agents, so records shrink 4-9x; the queue
// writes each byte twice (WAL, then the checkpoint) and the kernel's copies of those pages were
// the largest cost of ingest (docs/performance.md). Small records stay version 1.
constexpr char kRecordV2Zstd = 2;
constexpr size_t kCompressFrom = 512;         // bytes of a v1 record
constexpr int kZstdLevel = 1;
constexpr size_t kMaxRecordBytes = 64 << 20;  // refuse frames that claim more (a corrupt record)

// One compression and one decompression context per thread, reused for every record.
struct ZstdContexts {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> c{ZSTD_createCCtx(), ZSTD_freeCCtx};
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> d{ZSTD_createDCtx(), ZSTD_freeDCtx};
  std::string plain;  // the decompressed record
};
ZstdContexts& Zstd() {
  thread_local ZstdContexts z;
  return z;
}

enum EventBits : uint32_t {
  kHasProjectId = 1u << 0,
  kHasReceivedAt = 1u << 1,
  kHasValue = 1u << 2,
  kHasDuration = 1u << 3,
  kHasStatus = 1u << 4,
  kHasIssueId = 1u << 5,
  kHasData = 1u << 6,
  kFirstStringBit = 7,  // then one bit per entry of kEventStrings
};
constexpr std::string Event::*kEventStrings[] = {
    &Event::name,    &Event::uid,     &Event::sid,     &Event::release,         &Event::environment,
    &Event::url,     &Event::path,    &Event::referrer, &Event::browser,        &Event::browser_version,
    &Event::os,      &Event::os_version, &Event::device, &Event::country,       &Event::region,
    &Event::city,    &Event::fingerprint, &Event::level, &Event::message};
static_assert(kFirstStringBit + std::size(kEventStrings) <= 32);

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void PutSigned(std::string& out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}
void PutDouble(std::string& out, double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
}

// Bounds-checked reader: any read past the end sets `bad`, and the record is refused.
struct Reader {
  const unsigned char* p;
  const unsigned char* end;
  bool bad = false;
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end) break;
      unsigned char b = *p++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    bad = true;
    return 0;
  }
  int64_t Signed() {
    uint64_t v = Varint();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  std::string_view String() {
    uint64_t n = Varint();
    if (bad || n > static_cast<uint64_t>(end - p)) {
      bad = true;
      return {};
    }
    std::string_view s(reinterpret_cast<const char*>(p), n);
    p += n;
    return s;
  }
  double Double() {
    if (end - p < 8) {
      bad = true;
      return 0;
    }
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(p[i]) << (8 * i);
    p += 8;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
  }
};

bool DecodeBinary(std::string_view bytes, NormalizedBatch* out, std::string* error) {
  Reader r{reinterpret_cast<const unsigned char*>(bytes.data()) + 1,
           reinterpret_cast<const unsigned char*>(bytes.data()) + bytes.size()};
  out->project_id = r.Signed();
  out->received_at = r.Signed();
  out->client_ip.assign(r.String());
  out->user_agent.assign(r.String());
  out->client_hints.clear();
  out->is_bot = out->is_legacy_browser = false;
  uint64_t hints = r.Varint();
  for (uint64_t i = 0; i < hints && !r.bad; ++i) {
    std::string_view k = r.String();
    std::string_view v = r.String();
    out->client_hints.emplace_back(std::string(k), std::string(v));
  }
  uint64_t count = r.Varint();
  // Events already in `out` are overwritten field by field, so their strings' buffers are reused
  // (the Processor recycles the events of stored cycles: no allocation per string once warm).
  if (r.bad || count > bytes.size()) {
    *error = "truncated record";
    return false;
  }
  out->events.resize(count);
  for (uint64_t i = 0; i < count && !r.bad; ++i) {
    Event& e = out->events[i];
    e.event_id.assign(r.String());
    e.ts = r.Signed();
    uint64_t type = r.Varint();
    if (type >= std::size(kTypeNames)) {
      *error = "bad event type " + std::to_string(type);
      return false;
    }
    e.type = static_cast<EventType>(type);
    uint64_t bits = r.Varint();
    e.project_id = bits & kHasProjectId ? r.Signed() : out->project_id;
    e.received_at = bits & kHasReceivedAt ? r.Signed() : out->received_at;
    e.value = bits & kHasValue ? std::optional<double>(r.Double()) : std::nullopt;
    e.duration = bits & kHasDuration ? std::optional<double>(r.Double()) : std::nullopt;
    e.status = bits & kHasStatus ? std::optional<int>(static_cast<int>(r.Signed())) : std::nullopt;
    e.issue_id = bits & kHasIssueId ? r.Signed() : 0;
    if (bits & kHasData) e.data.assign(r.String());
    else e.data.assign("{}");
    for (size_t f = 0; f < std::size(kEventStrings); ++f) {
      if (bits & (1u << (kFirstStringBit + f))) (e.*kEventStrings[f]).assign(r.String());
      else (e.*kEventStrings[f]).clear();
    }
  }
  if (r.bad) {
    *error = "truncated record";
    return false;
  }
  if (r.p != r.end) {
    *error = "trailing bytes after the record";
    return false;
  }
  return true;
}
}  // namespace

namespace {
std::string EncodeV1(const NormalizedBatch& b) {
  std::string out;
  size_t guess = 64 + b.client_ip.size() + b.user_agent.size();
  for (const Event& e : b.events) guess += 96 + e.data.size() + e.url.size() + e.message.size() + e.name.size();
  out.reserve(guess);
  out.push_back(kRecordV1);
  PutSigned(out, b.project_id);
  PutSigned(out, b.received_at);
  PutString(out, b.client_ip);
  PutString(out, b.user_agent);
  PutVarint(out, b.client_hints.size());
  for (const auto& [k, v] : b.client_hints) {
    PutString(out, k);
    PutString(out, v);
  }
  PutVarint(out, b.events.size());
  for (const Event& e : b.events) {
    PutString(out, e.event_id);
    PutSigned(out, e.ts);
    PutVarint(out, static_cast<uint64_t>(e.type));
    uint32_t bits = 0;
    if (e.project_id != b.project_id) bits |= kHasProjectId;
    if (e.received_at != b.received_at) bits |= kHasReceivedAt;
    if (e.value) bits |= kHasValue;
    if (e.duration) bits |= kHasDuration;
    if (e.status) bits |= kHasStatus;
    if (e.issue_id) bits |= kHasIssueId;
    bool has_data = !e.data.empty() && e.data != "{}";
    if (has_data) bits |= kHasData;
    for (size_t f = 0; f < std::size(kEventStrings); ++f) {
      if (!(e.*kEventStrings[f]).empty()) bits |= 1u << (kFirstStringBit + f);
    }
    PutVarint(out, bits);
    if (bits & kHasProjectId) PutSigned(out, e.project_id);
    if (bits & kHasReceivedAt) PutSigned(out, e.received_at);
    if (e.value) PutDouble(out, *e.value);
    if (e.duration) PutDouble(out, *e.duration);
    if (e.status) PutSigned(out, *e.status);
    if (e.issue_id) PutSigned(out, e.issue_id);
    if (has_data) PutString(out, e.data);
    for (size_t f = 0; f < std::size(kEventStrings); ++f) {
      const std::string& v = e.*kEventStrings[f];
      if (!v.empty()) PutString(out, v);
    }
  }
  return out;
}
}  // namespace

std::string EncodeBatch(const NormalizedBatch& b) {
  std::string v1 = EncodeV1(b);
  if (v1.size() < kCompressFrom) return v1;
  ZstdContexts& z = Zstd();
  std::string out;
  out.resize(1 + ZSTD_compressBound(v1.size()));
  out[0] = kRecordV2Zstd;
  size_t n = ZSTD_compressCCtx(z.c.get(), out.data() + 1, out.size() - 1, v1.data(), v1.size(), kZstdLevel);
  if (ZSTD_isError(n) || 1 + n >= v1.size()) return v1;  // incompressible: keep it plain
  out.resize(1 + n);
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
  if (bytes.empty()) {
    *error = "empty record";
    return false;
  }
  if (bytes[0] == kRecordV1) return DecodeBinary(bytes, out, error);
  if (bytes[0] == kRecordV2Zstd) {
    const char* frame = bytes.data() + 1;
    size_t frame_size = bytes.size() - 1;
    unsigned long long size = ZSTD_getFrameContentSize(frame, frame_size);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size == 0 || size > kMaxRecordBytes) {
      *error = "bad compressed record";
      return false;
    }
    ZstdContexts& z = Zstd();
    z.plain.resize(size);
    size_t n = ZSTD_decompressDCtx(z.d.get(), z.plain.data(), z.plain.size(), frame, frame_size);
    if (ZSTD_isError(n) || n != size) {
      *error = std::string("bad compressed record: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch");
      return false;
    }
    if (z.plain[0] != kRecordV1) {
      *error = "compressed record does not hold a version 1 record";
      return false;
    }
    return DecodeBinary(z.plain, out, error);
  }
  if (bytes[0] != '{') {
    *error = "unknown record version " + std::to_string(static_cast<unsigned char>(bytes[0]));
    return false;
  }
  // Version 0: the compact JSON records of earlier servers (still in a queue after an upgrade).
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
        // Out-of-range doubles (a corrupt record) read as 0: the cast would be undefined.
        if (v.get(d) == simdjson::SUCCESS && d > -9.2e18 && d < 9.2e18) return static_cast<int64_t>(d);
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
        if (auto d = num(); d && *d > -2147483648.0 && *d < 2147483648.0) ev.status = static_cast<int>(*d);
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
      else if (k == "data") ev.data = ElementJson(v);
    }
    out->events.push_back(std::move(ev));
  }
  return true;
}

}  // namespace vigil

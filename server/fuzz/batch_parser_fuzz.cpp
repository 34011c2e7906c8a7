// libFuzzer target for the ingest parsers: BatchParser on raw bytes, and Gunzip followed by the
// parser (what a gzip-encoded request goes through). Checks invariants, not just "no crash":
// accepted events carry valid JSON data, valid ids, and survive the queue codec unchanged; the
// queue decoder refuses corrupt records with a reason.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/event.h"
#include "ingest/batch_parser.h"
#include "ingest/gzip.h"

namespace {

constexpr int64_t kNow = 1795400000000;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "invariant violated: %s\n", what);
    abort();
  }
}

void ParseAndCheck(std::string_view body) {
  static const vigil::BatchParser parser;
  auto r = parser.Parse(body, 1, kNow);
  if (!r.ok()) {
    Check(!r.status().code().empty(), "error without code");
    int status = vigil::BatchParser::StatusFor(r.status());
    Check(status == 400 || status == 413, "unexpected status");
    return;
  }
  static simdjson::dom::parser check;
  for (const auto& e : r->events) {
    Check(e.event_id.size() >= 8 && e.event_id.size() <= 64, "event id length");
    Check(e.ts > 0 && e.ts <= kNow + 5 * 60 * 1000, "ts range");
    simdjson::dom::element el;
    Check(check.parse(e.data).get(el) == simdjson::SUCCESS, "data is not valid JSON");
    Check(el.type() == simdjson::dom::element_type::OBJECT, "data is not an object");
  }
  for (const auto& rej : r->rejected) Check(!rej.reason.empty(), "rejection without reason");
  vigil::NormalizedBatch b;
  b.project_id = 1;
  b.received_at = kNow;
  b.events = r->events;
  vigil::NormalizedBatch back;
  std::string err;
  Check(vigil::DecodeBatch(vigil::EncodeBatch(b), &back, &err), "queue codec round trip");
  Check(back.events.size() == b.events.size(), "queue codec count");
  for (size_t i = 0; i < back.events.size(); ++i) {
    Check(back.events[i].event_id == b.events[i].event_id, "codec id");
    Check(back.events[i].message == b.events[i].message, "codec message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ParseAndCheck(input);
  // The queue decoder on arbitrary bytes (a corrupt record): refuse or decode, never crash; what
  // it decodes encodes and decodes again to the same events.
  {
    vigil::NormalizedBatch b, again;
    std::string err;
    if (vigil::DecodeBatch(input, &b, &err)) {
      Check(vigil::DecodeBatch(vigil::EncodeBatch(b), &again, &err), "re-encoded record decodes");
      Check(again.events.size() == b.events.size(), "re-encoded record count");
    } else {
      Check(!err.empty(), "refused record without reason");
    }
  }
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    auto inflated = vigil::Gunzip(input, 1 << 20);
    if (inflated.ok()) ParseAndCheck(inflated.value());
  }
  return 0;
}

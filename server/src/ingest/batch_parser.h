// BatchParser: validates an SDK batch (docs/protocol.md) and turns it into normalized events.
// Whole-batch problems (not JSON, wrong shape) fail the batch; a bad event inside a well-formed
// batch is rejected alone with its index and a reason. Uses simdjson; one parser per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "common/status.h"

namespace vigil {

struct BatchLimits {
  size_t max_events = 1000;
  size_t max_depth = 32;
  size_t max_data_bytes = 64 << 10;
  int64_t max_future_ms = 5 * 60 * 1000;          // later than this is clamped to received_at
  int64_t max_past_ms = 30LL * 24 * 3600 * 1000;  // older than this is rejected
};

struct EventRejection {
  size_t index = 0;
  std::string reason;  // snake_case code (metrics label)
  std::string detail;
};

struct ParsedBatch {
  std::vector<Event> events;  // accepted, normalized; event ids assigned
  std::vector<EventRejection> rejected;
};

class BatchParser {
 public:
  explicit BatchParser(BatchLimits limits = {}) : limits_(limits) {}

  // Parses `body` (UTF-8 JSON, already decompressed). On a whole-batch error returns a Status whose
  // code is the protocol's error code ("invalid_json", "too_many_events", …). `project_id` and
  // `received_at` (server ms) are stamped on every event.
  Result<ParsedBatch> Parse(std::string_view body, int64_t project_id, int64_t received_at) const;

  // HTTP status for a whole-batch error code (400 or 413).
  static int StatusFor(const Status& s);

 private:
  BatchLimits limits_;
};

}  // namespace vigil

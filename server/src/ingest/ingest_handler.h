// IngestHandler: POST/OPTIONS /api/<project_id>/events (docs/protocol.md). Authenticates the key,
// checks origin, media type and quota, parses the batch, and answers only after the queue has made
// the batch durable. Stateless apart from its collaborators; safe on any number of I/O threads.
#pragma once

#include <cstdint>

#include "common/metrics.h"
#include "http/http_types.h"
#include "http/router.h"
#include "ingest/batch_parser.h"
#include "ingest/project_cache.h"
#include "store/queue.h"
#include "store/rate_limiter.h"

namespace vigil {

struct IngestMetrics {
  Counter* accepted = nullptr;          // events committed to the queue
  CounterFamily* rate_limited = nullptr;  // events refused by quotas, label: limit (global, project, daily)
  CounterFamily* rejected = nullptr;    // events rejected, label: reason
  CounterFamily* batches_refused = nullptr;  // whole batches refused, label: reason
};

namespace geo {
class TrustedProxies;
}

struct IngestOptions {
  size_t max_decompressed_bytes = 4 << 20;
  // Proxies whose X-Forwarded-For / X-Real-IP are believed; null: trust none.
  const geo::TrustedProxies* trusted_proxies = nullptr;
  BatchLimits limits;
};

class IngestHandler {
 public:
  IngestHandler(ProjectCache* projects, RateLimiter* limiter, Queue* queue, IngestMetrics metrics,
                IngestOptions options = {});

  // Registers the routes on `router`.
  void Register(Router* router);

  void HandlePost(const HttpRequest& req, const RouteParams& params, Responder respond);
  void HandleOptions(const HttpRequest& req, const RouteParams& params, Responder respond);

 private:
  // Answers a refused batch with {"error": code, "detail": detail}, counts it by code, and adds
  // CORS headers for `origin_header` (empty: none) and Retry-After when given.
  void Refuse(Responder& respond, int status, std::string_view code, std::string_view detail,
              std::string_view origin_header, int retry_after_s = 0);

  ProjectCache* projects_;
  RateLimiter* limiter_;
  Queue* queue_;
  IngestMetrics metrics_;
  IngestOptions options_;
  BatchParser parser_;
};

}  // namespace vigil

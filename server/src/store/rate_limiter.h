// RateLimiter: per-project quotas (in-process token buckets embedded; Redis scale-out).
#pragma once

#include <cstdint>

namespace vigil {

struct RateDecision {
  bool allowed = true;
  int retry_after_s = 0;  // when !allowed: seconds until `n` tokens are available again (>= 1)
  // when !allowed: which limit: "global" (per-node cap), "project" (rate), "daily" (daily cap)
  const char* reason = "";
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes `n` tokens from the project's bucket, all or nothing. Thread-safe.
  virtual RateDecision Acquire(int64_t project_id, int64_t n) = 0;
};

}  // namespace vigil

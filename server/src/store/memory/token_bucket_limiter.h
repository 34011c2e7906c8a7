// TokenBucketLimiter: the in-process RateLimiter. One bucket per project, refilled continuously at
// `rate` tokens/s up to `burst`. Buckets are sharded by project id so concurrent ingest threads
// rarely contend on a lock.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "store/rate_limiter.h"

namespace vigil {

struct BucketSpec {
  double rate = 0;   // tokens per second; <= 0 means unlimited
  double burst = 0;  // bucket capacity
};

class TokenBucketLimiter : public RateLimiter {
 public:
  // `spec_for` gives a project's limits (called when a bucket is created and every `refresh_ms`).
  // `now_ms` is injectable for tests.
  TokenBucketLimiter(std::function<BucketSpec(int64_t project_id)> spec_for,
                     std::function<int64_t()> now_ms = nullptr);

  RateDecision Acquire(int64_t project_id, int64_t n) override;

 private:
  struct Bucket {
    BucketSpec spec;
    double tokens = 0;
    int64_t last_ms = 0;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<int64_t, Bucket> buckets;
  };
  std::function<BucketSpec(int64_t)> spec_for_;
  std::function<int64_t()> now_ms_;
  std::array<Shard, 16> shards_;
};

}  // namespace vigil

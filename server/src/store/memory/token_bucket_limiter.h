// TokenBucketLimiter: the in-process RateLimiter. Three limits, checked in order, all or nothing:
//  1. a per-node cap (one bucket shared by every project) against spikes that would swamp the node;
//  2. a per-project token bucket refilled at `rate` events/s up to `burst`;
//  3. a per-project daily cap (UTC day), counted in memory: a restart forgets the day's count.
// Buckets are sharded by project id so concurrent ingest threads rarely contend. A project's limits
// come from `spec_for` when its bucket is created and again every `refresh_ms`, so edits apply
// within that time.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "store/rate_limiter.h"

namespace vigil {

struct BucketSpec {
  double rate = 0;     // tokens per second; <= 0 means unlimited
  double burst = 0;    // bucket capacity
  int64_t daily = 0;   // events per UTC day; 0 means unlimited
};

class TokenBucketLimiter : public RateLimiter {
 public:
  // `now_ms` is injectable for tests. `global` limits the whole node (rate <= 0: none).
  TokenBucketLimiter(std::function<BucketSpec(int64_t project_id)> spec_for, std::function<int64_t()> now_ms = nullptr,
                     BucketSpec global = {}, int64_t refresh_ms = 5000);

  RateDecision Acquire(int64_t project_id, int64_t n) override;

 private:
  struct Bucket {
    BucketSpec spec;
    double tokens = 0;
    int64_t last_ms = 0;
    int64_t spec_loaded_ms = 0;
    int64_t day = -1;
    int64_t day_count = 0;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<int64_t, Bucket> buckets;
  };
  // Refills `b` to `now` and tries to take `need` tokens; on failure returns the wait in seconds.
  static int TakeTokens(Bucket& b, int64_t now, double need);

  std::function<BucketSpec(int64_t)> spec_for_;
  std::function<int64_t()> now_ms_;
  int64_t refresh_ms_;
  std::mutex global_mu_;
  Bucket global_;
  std::array<Shard, 16> shards_;
};

}  // namespace vigil

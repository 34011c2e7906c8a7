#include "store/memory/token_bucket_limiter.h"

#include <algorithm>
#include <cmath>

#include "common/clock.h"

namespace vigil {

TokenBucketLimiter::TokenBucketLimiter(std::function<BucketSpec(int64_t)> spec_for,
                                       std::function<int64_t()> now_ms)
    : spec_for_(std::move(spec_for)), now_ms_(now_ms ? std::move(now_ms) : [] { return NowMs(); }) {}

RateDecision TokenBucketLimiter::Acquire(int64_t project_id, int64_t n) {
  Shard& shard = shards_[static_cast<uint64_t>(project_id) % shards_.size()];
  int64_t now = now_ms_();
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.buckets.find(project_id);
  if (it == shard.buckets.end()) {
    Bucket b;
    b.spec = spec_for_(project_id);
    b.tokens = b.spec.burst;
    b.last_ms = now;
    it = shard.buckets.emplace(project_id, b).first;
  }
  Bucket& b = it->second;
  if (b.spec.rate <= 0) return RateDecision{};
  if (now > b.last_ms) {
    b.tokens = std::min(b.spec.burst, b.tokens + (now - b.last_ms) * b.spec.rate / 1000.0);
    b.last_ms = now;
  }
  double need = static_cast<double>(n);
  if (b.tokens >= need) {
    b.tokens -= need;
    return RateDecision{};
  }
  // A request larger than the whole bucket can never pass: tell the client to wait a full refill.
  double missing = std::min(need, b.spec.burst) - b.tokens;
  int retry = static_cast<int>(std::ceil(std::max(missing, 0.0) / b.spec.rate));
  return RateDecision{false, std::max(1, retry)};
}

}  // namespace vigil

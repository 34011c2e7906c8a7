#include "store/memory/token_bucket_limiter.h"

#include <algorithm>
#include <cmath>

#include "common/clock.h"

namespace vigil {

TokenBucketLimiter::TokenBucketLimiter(std::function<BucketSpec(int64_t)> spec_for, std::function<int64_t()> now_ms,
                                       BucketSpec global, int64_t refresh_ms)
    : spec_for_(std::move(spec_for)),
      now_ms_(now_ms ? std::move(now_ms) : [] { return NowMs(); }),
      refresh_ms_(refresh_ms) {
  global_.spec = global;
  global_.tokens = global.burst;
  global_.last_ms = now_ms_();
}

int TokenBucketLimiter::TakeTokens(Bucket& b, int64_t now, double need) {
  if (b.spec.rate <= 0) return 0;
  if (now > b.last_ms) {
    b.tokens = std::min(b.spec.burst, b.tokens + (now - b.last_ms) * b.spec.rate / 1000.0);
    b.last_ms = now;
  }
  if (b.tokens >= need) {
    b.tokens -= need;
    return 0;
  }
  // A request larger than the whole bucket can never pass: tell the client to wait a full refill.
  double missing = std::min(need, b.spec.burst) - b.tokens;
  int retry = static_cast<int>(std::ceil(std::max(missing, 0.0) / b.spec.rate));
  return std::max(1, retry);
}

RateDecision TokenBucketLimiter::Acquire(int64_t project_id, int64_t n) {
  int64_t now = now_ms_();
  double need = static_cast<double>(n);
  Shard& shard = shards_[static_cast<uint64_t>(project_id) % shards_.size()];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.buckets.find(project_id);
  if (it == shard.buckets.end()) {
    Bucket b;
    b.spec = spec_for_(project_id);
    b.tokens = b.spec.burst;
    b.last_ms = now;
    b.spec_loaded_ms = now;
    it = shard.buckets.emplace(project_id, b).first;
  }
  Bucket& b = it->second;
  if (now - b.spec_loaded_ms >= refresh_ms_) {
    BucketSpec fresh = spec_for_(project_id);
    if (fresh.rate != b.spec.rate || fresh.burst != b.spec.burst) b.tokens = std::min(b.tokens, fresh.burst);
    b.spec = fresh;
    b.spec_loaded_ms = now;
  }
  // Daily cap first: it needs no tokens and its wait is until midnight UTC.
  int64_t day = now / 86400000;
  if (b.day != day) {
    b.day = day;
    b.day_count = 0;
  }
  if (b.spec.daily > 0 && b.day_count + n > b.spec.daily) {
    int wait = static_cast<int>(((day + 1) * 86400000 - now + 999) / 1000);
    return RateDecision{false, std::max(1, wait), "daily"};
  }
  // Project bucket, then the node's: take from both or neither.
  int wait = TakeTokens(b, now, need);
  if (wait) return RateDecision{false, wait, "project"};
  {
    std::lock_guard<std::mutex> glock(global_mu_);
    int gwait = TakeTokens(global_, now, need);
    if (gwait) {
      b.tokens += need;  // give the project's tokens back
      return RateDecision{false, gwait, "global"};
    }
  }
  b.day_count += n;
  return RateDecision{};
}

}  // namespace vigil

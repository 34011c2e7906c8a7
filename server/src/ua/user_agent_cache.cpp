#include "ua/user_agent_cache.h"

#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace vigil::ua {

struct UserAgentCache::Shard {
  struct Entry {
    std::string key;
    std::shared_ptr<const UserAgent> value;
  };
  std::mutex mutex;
  std::list<Entry> recency;  // front = most recently used
  // Keys view the strings owned by `recency` nodes, which never move.
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index;
  uint64_t hits = 0, misses = 0, evictions = 0;
};

UserAgentCache::UserAgentCache(const UserAgentParser& parser, size_t capacity, size_t shard_count)
    : parser_(parser) {
  size_t shards = 1;
  while (shards < shard_count) shards <<= 1;
  shard_mask_ = shards - 1;
  per_shard_capacity_ = std::max<size_t>(1, (capacity + shards - 1) / shards);
  shards_ = std::make_unique<Shard[]>(shards);
}

UserAgentCache::~UserAgentCache() = default;

size_t UserAgentCache::capacity() const { return per_shard_capacity_ * (shard_mask_ + 1); }

std::shared_ptr<const UserAgent> UserAgentCache::Lookup(std::string_view user_agent) {
  return LookupKey(user_agent, user_agent, nullptr);
}

std::shared_ptr<const UserAgent> UserAgentCache::Lookup(std::string_view user_agent,
                                                        const ClientHints& hints) {
  if (hints.empty()) return Lookup(user_agent);
  // Header values cannot contain '\n', so it separates the parts unambiguously; '\x01' marks an
  // absent header so that absent and empty differ.
  thread_local std::string key;
  key.assign(user_agent);
  for (const std::optional<std::string>* part :
       {&hints.sec_ch_ua, &hints.sec_ch_ua_full_version_list, &hints.sec_ch_ua_platform,
        &hints.sec_ch_ua_platform_version, &hints.sec_ch_ua_model, &hints.sec_ch_ua_mobile}) {
    key.push_back('\n');
    if (*part) key.append(**part); else key.push_back('\x01');
  }
  return LookupKey(key, user_agent, &hints);
}

std::shared_ptr<const UserAgent> UserAgentCache::LookupKey(std::string_view key,
                                                           std::string_view user_agent,
                                                           const ClientHints* hints) {
  Shard& shard = shards_[std::hash<std::string_view>{}(key) & shard_mask_];
  {
    std::lock_guard lock(shard.mutex);
    auto found = shard.index.find(key);
    if (found != shard.index.end()) {
      shard.recency.splice(shard.recency.begin(), shard.recency, found->second);
      ++shard.hits;
      return found->second->value;
    }
    ++shard.misses;
  }

  // Parse without holding the lock: it takes microseconds and other keys share this shard.
  UserAgent parsed = parser_.Parse(user_agent);
  if (hints) parsed = ApplyClientHints(std::move(parsed), *hints, &parser_);
  auto value = std::make_shared<const UserAgent>(std::move(parsed));

  std::lock_guard lock(shard.mutex);
  if (shard.index.find(key) != shard.index.end()) return value;  // another worker inserted it
  shard.recency.push_front(Shard::Entry{std::string(key), value});
  shard.index.emplace(shard.recency.front().key, shard.recency.begin());
  while (shard.recency.size() > per_shard_capacity_) {
    shard.index.erase(shard.recency.back().key);
    shard.recency.pop_back();
    ++shard.evictions;
  }
  return value;
}

UserAgentCacheStats UserAgentCache::stats() const {
  UserAgentCacheStats total;
  for (size_t i = 0; i <= shard_mask_; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard lock(shard.mutex);
    total.hits += shard.hits;
    total.misses += shard.misses;
    total.evictions += shard.evictions;
    total.entries += shard.recency.size();
  }
  return total;
}

}  // namespace vigil::ua

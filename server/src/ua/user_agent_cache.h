// Bounded LRU cache in front of UserAgentParser: real traffic repeats a few thousand distinct
// User-Agent strings, so almost every event is a hash lookup instead of a regex parse.
//
// Thread safety: Lookup() may be called concurrently from any number of pipeline workers. The
// cache is split into shards, each with its own mutex, chosen by the key's hash, so workers
// rarely contend; a miss parses outside the lock (two workers missing on the same key may both
// parse it; the second insert is dropped). Results are immutable and shared: the returned
// pointer stays valid after eviction for as long as the caller holds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "ua/client_hints.h"
#include "ua/user_agent.h"

namespace vigil::ua {

struct UserAgentCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  size_t entries = 0;
};

class UserAgentCache {
 public:
  // `parser` must outlive the cache. `capacity` is the total entry bound across shards (at least
  // one entry per shard); `shard_count` is rounded up to a power of two.
  UserAgentCache(const UserAgentParser& parser, size_t capacity, size_t shard_count = 16);
  ~UserAgentCache();
  UserAgentCache(const UserAgentCache&) = delete;
  UserAgentCache& operator=(const UserAgentCache&) = delete;

  // Parsed User-Agent. Never null.
  std::shared_ptr<const UserAgent> Lookup(std::string_view user_agent);

  // Parsed User-Agent with client hints applied. The key is the UA string plus the hint values,
  // so different hints for the same UA are cached separately. Empty hints == Lookup(ua).
  std::shared_ptr<const UserAgent> Lookup(std::string_view user_agent, const ClientHints& hints);

  UserAgentCacheStats stats() const;
  size_t capacity() const;

 private:
  struct Shard;
  std::shared_ptr<const UserAgent> LookupKey(std::string_view key, std::string_view user_agent,
                                             const ClientHints* hints);
  const UserAgentParser& parser_;
  size_t per_shard_capacity_;
  size_t shard_mask_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace vigil::ua

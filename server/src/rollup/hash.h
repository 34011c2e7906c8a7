// Hash64: a 64-bit string hash for the rollup sketches and the rollup step's aggregation map.
// Each 8-byte word goes through the SplitMix64 finalizer (Steele, Lea, Flood 2014; constants of
// Stafford's "Mix13") before it is folded into the state, and the state is finalized the same way,
// so every output bit depends on every input bit: HyperLogLog needs uniformly distributed bits.
// Not a cryptographic hash; the output is stable across runs and hosts (it is stored in sketches).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace vigil {

inline uint64_t Mix64(uint64_t z) {
  z ^= z >> 30;
  z *= 0xbf58476d1ce4e5b9ULL;
  z ^= z >> 27;
  z *= 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z;
}

inline uint64_t Hash64(std::string_view s, uint64_t seed = 0) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;  // 2^64 / golden ratio
  uint64_t h = (seed + 0x243F6A8885A308D3ULL) ^ (static_cast<uint64_t>(s.size()) * kMul);  // pi: "" maps to non-zero
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ Mix64(w)) * kMul;
    h = (h << 29) | (h >> 35);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ Mix64(w ^ (static_cast<uint64_t>(n) << 56))) * kMul;
  }
  return Mix64(h);
}

}  // namespace vigil

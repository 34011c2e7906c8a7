// DistinctSketch: HyperLogLog for distinct counts (users, sessions) that merge across minutes,
// hours and dimensions (Flajolet et al. 2007), with two refinements from the literature, written
// from the papers (docs/rollups.md):
// - a sparse mode for small cardinalities (Heule, Nunkesser, Hall 2013, "HyperLogLog in Practice"):
//   up to `SparseLimit()` entries are kept as a sorted list of (25-bit index, rank) pairs, nearly
//   exact (linear counting over 2^25 buckets) and a few bytes each, so per-minute rows stay small;
//   past that the sketch turns dense (2^p one-byte registers);
// - Ertl's improved estimator (2017, "New cardinality estimation algorithms for HyperLogLog
//   sketches"), unbiased over the whole range without empirical bias tables.
// Precision p = 14 by default: 16,384 registers, standard error 1.04/sqrt(2^p) ≈ 0.81% in dense
// mode (so ±2.4% at 3 sigma); sparse mode is far more accurate. Merging sketches of different
// precisions fails. Values are added as 64-bit hashes (Hash64 of the id).
//
// Not thread-safe (Estimate and Serialize may compact the sparse buffer); one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil {

class DistinctSketch {
 public:
  static constexpr int kDefaultPrecision = 14;
  static constexpr int kSparsePrecision = 25;

  // precision in [4, 18] (clamped).
  explicit DistinctSketch(int precision = kDefaultPrecision);

  void AddHash(uint64_t hash);
  void Add(std::string_view id);  // AddHash(Hash64(id))
  // Adds `other` into this sketch; fails (changing nothing) when precisions differ.
  Status Merge(const DistinctSketch& other);
  // Merge(Deserialize(bytes)) without building the intermediate sketch: a dense one is checked and
  // maxed into the registers straight from `bytes` (rollup queries merge thousands of 16 KB
  // sketches). Same errors as Deserialize, then Merge; on error nothing changes.
  Status MergeSerialized(std::string_view bytes);
  void Clear();

  double Estimate() const;
  bool empty() const;
  bool dense() const { return !registers_.empty(); }
  int precision() const { return p_; }
  // Entries kept in sparse mode before turning dense: 2^p / 8 (2,048 at p = 14).
  size_t SparseLimit() const { return (size_t{1} << p_) / 8; }

  // Binary form: u8 version, u8 precision, u8 mode; sparse (0): varint n + n delta-encoded
  // varints; dense (1, read only: written before rollups migration 7): 2^p register bytes; packed
  // dense (2): 2^p 4-bit registers, then the registers of 15 or more as exceptions (see the .cpp).
  // Deserialize rejects malformed bytes with an error.
  void Serialize(std::string* out) const;
  std::string Serialize() const {
    std::string s;
    Serialize(&s);
    return s;
  }
  static Result<DistinctSketch> Deserialize(std::string_view bytes);

 private:
  // Sorts and dedups the pending buffer into sparse_; turns dense past the sparse limit.
  void Compact() const;
  void ToDense() const;
  void SetRegister(uint32_t idx, uint8_t rank) const;

  int p_;
  // Sparse entries: (idx25 << 6) | rank25, sorted, one per idx25 (the highest rank).
  mutable std::vector<uint32_t> sparse_;
  mutable std::vector<uint32_t> pending_;  // unsorted recent additions, merged by Compact()
  mutable std::vector<uint8_t> registers_;  // dense mode when non-empty
  uint64_t last_hash_ = 0;
  bool has_last_ = false;
};

}  // namespace vigil

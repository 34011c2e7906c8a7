#include "rollup/distinct_sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>

#include "rollup/hash.h"
#include "rollup/varint.h"

namespace vigil {

namespace {
constexpr uint8_t kVersion = 1;
// kModeDense (written before rollups migration 7, still read): one byte per register.
// kModeDensePacked: registers as 4-bit values, two per byte (low nibble first), 15 standing for
// "15 or more", then varint n and n exceptions (varint gap to the previous one's index, minus one;
// the register's byte value), one for every register of 15 or more, in index order. Ranks past 14
// are rare (a register holds the largest of about n/2^p geometric ranks), so a dense sketch takes
// half the bytes: 8 KB + a few at p = 14.
constexpr uint8_t kModeSparse = 0, kModeDense = 1, kModeDensePacked = 2;
constexpr uint8_t kNibbleMax = 15;
constexpr int kMinPrecision = 4, kMaxPrecision = 18;
constexpr size_t kPendingMax = 128;
constexpr int kSp = DistinctSketch::kSparsePrecision;

// Rank of the hash bits below the top `p`: position of the first 1 bit (1-based), or 64-p+1
// when they are all zero.
inline uint8_t RankBelow(uint64_t hash, int p) {
  uint64_t w = hash << p;
  return static_cast<uint8_t>(w == 0 ? 64 - p + 1 : std::countl_zero(w) + 1);
}

// Register loops over raw pointers (through the vectors, uint8_t, a character type that may alias
// anything, made the compiler reload the vectors' data pointers each step) and in chunks of a fixed
// size: at -O2 GCC vectorizes only loops that need no remainder loop, and these run over 8–16 K
// registers for every dense sketch a query merges. Register counts are powers of two >= 16.
constexpr size_t kChunk = 16;

uint8_t MaxRegister(const uint8_t* __restrict r, size_t n) {
  uint8_t acc[kChunk] = {};
  size_t i = 0;
  for (; i + kChunk <= n; i += kChunk) {
    for (size_t j = 0; j < kChunk; ++j) acc[j] = std::max(acc[j], r[i + j]);
  }
  uint8_t high = 0;
  for (; i < n; ++i) high = std::max(high, r[i]);
  for (uint8_t a : acc) high = std::max(high, a);
  return high;
}

void MaxInto(uint8_t* __restrict dst, const uint8_t* __restrict src, size_t n) {
  size_t i = 0;
  for (; i + kChunk <= n; i += kChunk) {
    for (size_t j = 0; j < kChunk; ++j) dst[i + j] = std::max(dst[i + j], src[i + j]);
  }
  for (; i < n; ++i) dst[i] = std::max(dst[i], src[i]);
}

// dst[2i] = max(dst[2i], low nibble of packed[i]), dst[2i+1] likewise with the high nibble.
void MaxIntoFromPacked(uint8_t* __restrict dst, const uint8_t* __restrict packed, size_t n_bytes) {
  size_t i = 0;
  for (; i + kChunk <= n_bytes; i += kChunk) {
    uint8_t unpacked[2 * kChunk];
    for (size_t j = 0; j < kChunk; ++j) {
      unpacked[2 * j] = packed[i + j] & 15;
      unpacked[2 * j + 1] = packed[i + j] >> 4;
    }
    MaxInto(dst + 2 * i, unpacked, 2 * kChunk);
  }
  for (; i < n_bytes; ++i) {
    dst[2 * i] = std::max<uint8_t>(dst[2 * i], packed[i] & 15);
    dst[2 * i + 1] = std::max<uint8_t>(dst[2 * i + 1], packed[i] >> 4);
  }
}

size_t CountSaturatedNibbles(const uint8_t* __restrict packed, size_t n_bytes) {
  uint8_t acc[kChunk] = {};  // each lane gains at most 2 a chunk: emptied before it can overflow
  size_t n = 0, i = 0, chunks = 0;
  for (; i + kChunk <= n_bytes; i += kChunk) {
    for (size_t j = 0; j < kChunk; ++j) {
      acc[j] = static_cast<uint8_t>(acc[j] + ((packed[i + j] & 15) == kNibbleMax) + ((packed[i + j] >> 4) == kNibbleMax));
    }
    if (++chunks == 127) {
      for (uint8_t& a : acc) n += std::exchange(a, uint8_t{0});
      chunks = 0;
    }
  }
  for (uint8_t a : acc) n += a;
  for (; i < n_bytes; ++i) n += ((packed[i] & 15) == kNibbleMax) + ((packed[i] >> 4) == kNibbleMax);
  return n;
}

// A packed dense body (after the 3 header bytes) checked in full: `n_bytes` of nibbles, then the
// exceptions, which `visit(index, value)` receives in order. Returns the error text, or nullptr.
template <typename Visit>
const char* ReadPackedDense(std::string_view body, int p, Visit visit) {
  const size_t m = size_t{1} << p;
  rollup_codec::Reader r(body);
  std::string_view nibbles;
  if (!r.Bytes(m / 2, &nibbles)) return "truncated registers";
  const auto* packed = reinterpret_cast<const uint8_t*>(nibbles.data());
  uint64_t n = 0;
  if (!r.Varint(&n) || n != CountSaturatedNibbles(packed, m / 2)) return "bad exception count";
  uint64_t next = 0;  // the lowest index the next exception may have
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t gap = 0;
    uint8_t value = 0;
    if (!r.Varint(&gap) || !r.Byte(&value)) return "truncated exceptions";
    if (gap >= m || next + gap >= m) return "exception out of range";
    const uint64_t idx = next + gap;
    const uint8_t nibble = idx % 2 ? packed[idx / 2] >> 4 : packed[idx / 2] & 15;
    if (nibble != kNibbleMax) return "exception for a small register";
    if (value < kNibbleMax || value > 64 - p + 1) return "bad register";
    visit(static_cast<size_t>(idx), value);
    next = idx + 1;
  }
  if (!r.done()) return "trailing bytes";
  return nullptr;
}

inline uint32_t SparseIdx(uint32_t e) { return e >> 6; }
inline uint8_t SparseRank(uint32_t e) { return static_cast<uint8_t>(e & 63); }

// Sorted input -> one entry per index, keeping the highest rank (the last of each run).
void DedupSorted(std::vector<uint32_t>* v) {
  size_t out = 0;
  for (size_t i = 0; i < v->size(); ++i) {
    if (i + 1 < v->size() && SparseIdx((*v)[i + 1]) == SparseIdx((*v)[i])) continue;
    (*v)[out++] = (*v)[i];
  }
  v->resize(out);
}

// A sparse body (after the mode byte) of a precision-p sketch into `out`, checked entry by entry.
// Returns the error text, or nullptr.
const char* DecodeSparse(rollup_codec::Reader& r, int p, std::vector<uint32_t>* out) {
  out->clear();
  uint64_t n = 0;
  if (!r.Varint(&n) || n > (size_t{1} << p) / 8 || n > r.remaining()) return "bad sparse length";
  out->reserve(static_cast<size_t>(n));
  uint64_t prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t d = 0;
    if (!r.Varint(&d)) return "truncated sparse list";
    uint64_t e = prev + d;
    if (e >= (uint64_t{1} << (kSp + 6))) return "sparse entry out of range";
    uint32_t e32 = static_cast<uint32_t>(e);
    uint8_t rank = SparseRank(e32);
    if (rank < 1 || rank > 64 - kSp + 1) return "bad sparse rank";
    if (i > 0 && SparseIdx(e32) <= SparseIdx(static_cast<uint32_t>(prev))) return "sparse list not increasing";
    out->push_back(e32);
    prev = e;
  }
  return nullptr;
}

// σ and τ of Ertl (2017), section 4: the series converge in a few dozen iterations.
double Sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1, z = x, z_old;
  do {
    x *= x;
    z_old = z;
    z += x * y;
    y += y;
  } while (z != z_old);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1, z = 1 - x, z_old;
  do {
    x = std::sqrt(x);
    z_old = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (z != z_old);
  return z / 3;
}
}  // namespace

DistinctSketch::DistinctSketch(int precision) : p_(std::clamp(precision, kMinPrecision, kMaxPrecision)) {}

void DistinctSketch::SetRegister(uint32_t idx, uint8_t rank) const {
  uint8_t& r = registers_[idx];
  if (rank > r) r = rank;
}

void DistinctSketch::AddHash(uint64_t hash) {
  // Consecutive repeats (one user's many events) are common and free to skip.
  if (has_last_ && hash == last_hash_) return;
  has_last_ = true;
  last_hash_ = hash;
  if (dense()) {
    SetRegister(static_cast<uint32_t>(hash >> (64 - p_)), RankBelow(hash, p_));
    return;
  }
  pending_.push_back(static_cast<uint32_t>(hash >> (64 - kSp)) << 6 | RankBelow(hash, kSp));
  if (pending_.size() >= kPendingMax) Compact();
}

void DistinctSketch::Add(std::string_view id) { AddHash(Hash64(id)); }

void DistinctSketch::Compact() const {
  if (pending_.empty()) return;
  std::sort(pending_.begin(), pending_.end());
  std::vector<uint32_t> merged;
  merged.reserve(sparse_.size() + pending_.size());
  std::merge(sparse_.begin(), sparse_.end(), pending_.begin(), pending_.end(), std::back_inserter(merged));
  pending_.clear();
  DedupSorted(&merged);
  sparse_.swap(merged);
  if (sparse_.size() > SparseLimit()) ToDense();
}

// Folds sparse entries (precision 25) into dense registers of precision p (HLL++ §5.3.3).
static void FoldSparse(const std::vector<uint32_t>& entries, int p, std::vector<uint8_t>* registers) {
  const int shift = kSp - p;
  const uint32_t low_mask = (uint32_t{1} << shift) - 1;
  for (uint32_t e : entries) {
    uint32_t idx25 = SparseIdx(e);
    uint32_t low = idx25 & low_mask;
    // The bits between the top p and the top 25 decide the rank when any is set.
    uint8_t rank = low ? static_cast<uint8_t>(shift - std::bit_width(low) + 1) : static_cast<uint8_t>(shift + SparseRank(e));
    uint8_t& r = (*registers)[idx25 >> shift];
    if (rank > r) r = rank;
  }
}

void DistinctSketch::ToDense() const {
  registers_.assign(size_t{1} << p_, 0);
  FoldSparse(sparse_, p_, &registers_);
  FoldSparse(pending_, p_, &registers_);
  sparse_.clear();
  sparse_.shrink_to_fit();
  pending_.clear();
  pending_.shrink_to_fit();
}

Status DistinctSketch::Merge(const DistinctSketch& o) {
  if (o.p_ != p_) {
    return Status::Error("sketch_mismatch", "HyperLogLog precision " + std::to_string(p_) + " vs " + std::to_string(o.p_));
  }
  has_last_ = false;
  if (o.dense()) {
    if (!dense()) ToDense();
    MaxInto(registers_.data(), o.registers_.data(), registers_.size());
    return Status::Ok();
  }
  if (dense()) {
    FoldSparse(o.sparse_, p_, &registers_);
    FoldSparse(o.pending_, p_, &registers_);
    return Status::Ok();
  }
  // Sparse into sparse: buffer the entries; Compact() sorts and merges once the buffer is as
  // large as the list, so merging many small sketches into one stays linear overall.
  pending_.insert(pending_.end(), o.sparse_.begin(), o.sparse_.end());
  pending_.insert(pending_.end(), o.pending_.begin(), o.pending_.end());
  if (pending_.size() >= std::max(kPendingMax, sparse_.size())) Compact();
  return Status::Ok();
}

Status DistinctSketch::MergeSerialized(std::string_view bytes) {
  // Read in place: dense registers are maxed in, sparse entries decoded into a reused buffer.
  // A header Deserialize would reject goes through it, for its error.
  const uint8_t mode = bytes.size() >= 3 ? static_cast<uint8_t>(bytes[2]) : 0xFF;
  const int p = bytes.size() >= 3 ? static_cast<uint8_t>(bytes[1]) : 0;
  if (bytes.size() < 3 || static_cast<uint8_t>(bytes[0]) != kVersion || p < kMinPrecision || p > kMaxPrecision ||
      (mode != kModeSparse && mode != kModeDense && mode != kModeDensePacked)) {
    return Deserialize(bytes).status();
  }
  auto bad = [](const char* what) { return Status::Error("corrupt_sketch", std::string("distinct sketch: ") + what); };
  auto mismatch = [&] {
    return Status::Error("sketch_mismatch", "HyperLogLog precision " + std::to_string(p_) + " vs " + std::to_string(p));
  };
  const size_t m = size_t{1} << p;
  std::string_view body = bytes.substr(3);
  if (mode == kModeSparse) {
    thread_local std::vector<uint32_t> entries;
    rollup_codec::Reader r(body);
    if (const char* err = DecodeSparse(r, p, &entries)) return bad(err);
    if (!r.done()) return bad("trailing bytes");
    if (p != p_) return mismatch();
    has_last_ = false;
    if (dense()) {
      FoldSparse(entries, p_, &registers_);
      return Status::Ok();
    }
    // As Merge: buffered, compacted once the buffer is as large as the list.
    pending_.insert(pending_.end(), entries.begin(), entries.end());
    if (pending_.size() >= std::max(kPendingMax, sparse_.size())) Compact();
    return Status::Ok();
  }
  const auto* in = reinterpret_cast<const uint8_t*>(body.data());
  // Everything is checked before anything changes.
  if (mode == kModeDense) {
    if (body.size() < m) return bad("truncated registers");
    if (body.size() > m) return bad("trailing bytes");
    if (MaxRegister(in, m) > 64 - p + 1) return bad("bad register");
  } else if (const char* err = ReadPackedDense(body, p, [](size_t, uint8_t) {})) {
    return bad(err);
  }
  if (p != p_) return mismatch();
  has_last_ = false;
  if (!dense()) ToDense();
  if (mode == kModeDense) {
    MaxInto(registers_.data(), in, m);
  } else {
    MaxIntoFromPacked(registers_.data(), in, m / 2);
    ReadPackedDense(body, p, [&](size_t idx, uint8_t v) { SetRegister(static_cast<uint32_t>(idx), v); });
  }
  return Status::Ok();
}

void DistinctSketch::Clear() {
  sparse_.clear();
  pending_.clear();
  registers_.clear();
  has_last_ = false;
}

bool DistinctSketch::empty() const { return sparse_.empty() && pending_.empty() && registers_.empty(); }

double DistinctSketch::Estimate() const {
  Compact();
  if (!dense()) {
    if (sparse_.empty()) return 0;
    // Linear counting over the 2^25 sparse buckets.
    const double m = static_cast<double>(uint64_t{1} << kSp);
    return m * std::log(m / (m - static_cast<double>(sparse_.size())));
  }
  const int q = 64 - p_;
  const double m = static_cast<double>(registers_.size());
  std::vector<double> c(static_cast<size_t>(q) + 2, 0.0);
  for (uint8_t r : registers_) c[r] += 1;
  double z = m * Tau(1 - c[static_cast<size_t>(q) + 1] / m);
  for (int k = q; k >= 1; --k) z = 0.5 * (z + c[static_cast<size_t>(k)]);
  z += m * Sigma(c[0] / m);
  const double alpha_inf = 1.0 / (2.0 * std::log(2.0));
  return alpha_inf * m * m / z;
}

void DistinctSketch::Serialize(std::string* out) const {
  using namespace rollup_codec;
  Compact();
  out->push_back(static_cast<char>(kVersion));
  out->push_back(static_cast<char>(p_));
  if (dense()) {
    out->push_back(static_cast<char>(kModeDensePacked));
    const size_t m = registers_.size();
    size_t at = out->size();
    out->resize(at + m / 2);
    auto* packed = reinterpret_cast<uint8_t*>(out->data() + at);
    size_t exceptions = 0;
    for (size_t i = 0; i < m; i += 2) {
      uint8_t lo = std::min(registers_[i], kNibbleMax), hi = std::min(registers_[i + 1], kNibbleMax);
      packed[i / 2] = static_cast<uint8_t>(lo | hi << 4);
      exceptions += (lo == kNibbleMax) + (hi == kNibbleMax);
    }
    PutVarint(out, exceptions);
    size_t next = 0;
    for (size_t i = 0; i < m; ++i) {
      if (registers_[i] < kNibbleMax) continue;
      PutVarint(out, i - next);
      out->push_back(static_cast<char>(registers_[i]));
      next = i + 1;
    }
    return;
  }
  out->push_back(static_cast<char>(kModeSparse));
  PutVarint(out, sparse_.size());
  size_t at = out->size();
  out->resize(at + sparse_.size() * 5);  // a 32-bit delta takes at most 5 bytes
  char* p = out->data() + at;
  uint32_t prev = 0;
  for (uint32_t e : sparse_) {
    p = PutVarintRaw(p, e - prev);
    prev = e;
  }
  out->resize(static_cast<size_t>(p - out->data()));
}

Result<DistinctSketch> DistinctSketch::Deserialize(std::string_view bytes) {
  using namespace rollup_codec;
  auto bad = [](const char* what) { return Status::Error("corrupt_sketch", std::string("distinct sketch: ") + what); };
  Reader r(bytes);
  uint8_t version = 0, p = 0, mode = 0;
  if (!r.Byte(&version)) return bad("empty");
  if (version != kVersion) return bad("unknown version");
  if (!r.Byte(&p) || p < kMinPrecision || p > kMaxPrecision) return bad("bad precision");
  if (!r.Byte(&mode)) return bad("truncated");
  DistinctSketch s(p);
  if (mode == kModeDense) {
    std::string_view regs;
    if (!r.Bytes(size_t{1} << p, &regs)) return bad("truncated registers");
    const auto* in = reinterpret_cast<const uint8_t*>(regs.data());
    if (MaxRegister(in, regs.size()) > 64 - p + 1) return bad("bad register");
    s.registers_.assign(in, in + regs.size());
  } else if (mode == kModeDensePacked) {
    s.registers_.assign(size_t{1} << p, 0);
    const char* err = ReadPackedDense(bytes.substr(3), p, [](size_t, uint8_t) {});
    if (err) return bad(err);
    MaxIntoFromPacked(s.registers_.data(), reinterpret_cast<const uint8_t*>(bytes.data() + 3), s.registers_.size() / 2);
    ReadPackedDense(bytes.substr(3), p, [&](size_t idx, uint8_t v) { s.registers_[idx] = v; });
    return s;
  } else if (mode == kModeSparse) {
    if (const char* err = DecodeSparse(r, p, &s.sparse_)) return bad(err);
  } else {
    return bad("unknown mode");
  }
  if (!r.done()) return bad("trailing bytes");
  return s;
}

}  // namespace vigil

#include "rollup/distinct_sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "rollup/hash.h"
#include "rollup/varint.h"

namespace vigil {

namespace {
constexpr uint8_t kVersion = 1;
constexpr uint8_t kModeSparse = 0, kModeDense = 1;
constexpr int kMinPrecision = 4, kMaxPrecision = 18;
constexpr size_t kPendingMax = 128;
constexpr int kSp = DistinctSketch::kSparsePrecision;

// Rank of the hash bits below the top `p`: position of the first 1 bit (1-based), or 64-p+1
// when they are all zero.
inline uint8_t RankBelow(uint64_t hash, int p) {
  uint64_t w = hash << p;
  return static_cast<uint8_t>(w == 0 ? 64 - p + 1 : std::countl_zero(w) + 1);
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
    for (size_t i = 0; i < registers_.size(); ++i) registers_[i] = std::max(registers_[i], o.registers_[i]);
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
    out->push_back(static_cast<char>(kModeDense));
    out->append(reinterpret_cast<const char*>(registers_.data()), registers_.size());
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
    s.registers_.assign(regs.begin(), regs.end());
    // One max over all registers (vectorized) instead of a test per register.
    uint8_t high = 0;
    for (uint8_t v : s.registers_) high = std::max(high, v);
    if (high > 64 - p + 1) return bad("bad register");
  } else if (mode == kModeSparse) {
    uint64_t n = 0;
    if (!r.Varint(&n) || n > s.SparseLimit() || n > r.remaining()) return bad("bad sparse length");
    s.sparse_.reserve(static_cast<size_t>(n));
    uint64_t prev = 0;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t d = 0;
      if (!r.Varint(&d)) return bad("truncated sparse list");
      uint64_t e = prev + d;
      if (e >= (uint64_t{1} << (kSp + 6))) return bad("sparse entry out of range");
      uint32_t e32 = static_cast<uint32_t>(e);
      uint8_t rank = SparseRank(e32);
      if (rank < 1 || rank > 64 - kSp + 1) return bad("bad sparse rank");
      if (i > 0 && SparseIdx(e32) <= SparseIdx(static_cast<uint32_t>(prev))) return bad("sparse list not increasing");
      s.sparse_.push_back(e32);
      prev = e;
    }
  } else {
    return bad("unknown mode");
  }
  if (!r.done()) return bad("trailing bytes");
  return s;
}

}  // namespace vigil

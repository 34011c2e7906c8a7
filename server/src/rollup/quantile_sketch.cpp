#include "rollup/quantile_sketch.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rollup/varint.h"

namespace vigil {

namespace {
constexpr uint8_t kVersion = 1;
constexpr uint32_t kMinAlphaPpm = 100, kMaxAlphaPpm = 200000;
constexpr uint32_t kMinBuckets = 16, kMaxBuckets = 65536;
// |index| bound: log_gamma(DBL_MAX) at the finest accuracy (1e-4) is ~3.6e6.
constexpr int64_t kMaxAbsIndex = int64_t{1} << 23;
}  // namespace

QuantileSketch::QuantileSketch(double relative_accuracy, int max_buckets) {
  double ppm = std::round(relative_accuracy * 1e6);
  if (!(ppm >= kMinAlphaPpm)) ppm = kMinAlphaPpm;  // also NaN
  if (ppm > kMaxAlphaPpm) ppm = kMaxAlphaPpm;
  alpha_ppm_ = static_cast<uint32_t>(ppm);
  alpha_ = alpha_ppm_ / 1e6;
  gamma_ = (1 + alpha_) / (1 - alpha_);
  inv_log_gamma_ = 1.0 / std::log(gamma_);
  max_buckets_ = static_cast<uint32_t>(std::clamp<int64_t>(max_buckets, kMinBuckets, kMaxBuckets));
}

int32_t QuantileSketch::IndexOf(double abs_value) const {
  return static_cast<int32_t>(std::ceil(std::log(abs_value) * inv_log_gamma_));
}

double QuantileSketch::ValueOf(int32_t index) const {
  return 2.0 * std::pow(gamma_, index) / (gamma_ + 1.0);
}

void QuantileSketch::Store::Extend(int32_t lo, int32_t hi, size_t max_buckets) {
  int64_t cur_lo = offset, cur_hi = offset + static_cast<int64_t>(counts.size()) - 1;
  int64_t new_lo = counts.empty() ? lo : std::min<int64_t>(lo, cur_lo);
  int64_t new_hi = counts.empty() ? hi : std::max<int64_t>(hi, cur_hi);
  if (new_hi - new_lo + 1 > static_cast<int64_t>(max_buckets)) {
    new_lo = new_hi - static_cast<int64_t>(max_buckets) + 1;
    collapsed = true;
  }
  if (!counts.empty() && new_lo == cur_lo && new_hi == cur_hi) return;
  std::vector<uint64_t> grown(static_cast<size_t>(new_hi - new_lo + 1), 0);
  for (size_t j = 0; j < counts.size(); ++j) {
    int64_t idx = std::max<int64_t>(cur_lo + static_cast<int64_t>(j), new_lo);
    grown[static_cast<size_t>(idx - new_lo)] += counts[j];
  }
  counts.swap(grown);
  offset = static_cast<int32_t>(new_lo);
}

void QuantileSketch::Store::Add(int32_t index, uint64_t n, size_t max_buckets) {
  int64_t rel = static_cast<int64_t>(index) - offset;
  if (rel >= 0 && rel < static_cast<int64_t>(counts.size())) {
    counts[static_cast<size_t>(rel)] += n;
    return;
  }
  Extend(index, index, max_buckets);
  // After a collapse the index may sit below the kept range: it joins the lowest bucket.
  int64_t at = std::max<int64_t>(static_cast<int64_t>(index) - offset, 0);
  counts[static_cast<size_t>(at)] += n;
}

void QuantileSketch::Store::MergeFrom(const Store& o, size_t max_buckets) {
  if (o.counts.empty()) return;
  collapsed = collapsed || o.collapsed;
  Extend(o.offset, o.offset + static_cast<int32_t>(o.counts.size()) - 1, max_buckets);
  for (size_t j = 0; j < o.counts.size(); ++j) {
    int64_t at = std::max<int64_t>(static_cast<int64_t>(o.offset) + static_cast<int64_t>(j) - offset, 0);
    counts[static_cast<size_t>(at)] += o.counts[j];
  }
}

void QuantileSketch::Add(double v, uint64_t n) {
  if (n == 0 || !std::isfinite(v)) return;
  if (v >= kMinIndexable) {
    pos_.Add(IndexOf(v), n, max_buckets_);
  } else if (v <= -kMinIndexable) {
    neg_.Add(IndexOf(-v), n, max_buckets_);
  } else {
    zero_ += n;
  }
  if (count_ == 0) {
    min_ = max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  count_ += n;
  sum_ += v * static_cast<double>(n);
}

Status QuantileSketch::Merge(const QuantileSketch& o) {
  if (o.alpha_ppm_ != alpha_ppm_) {
    return Status::Error("sketch_mismatch", "relative accuracy " + std::to_string(alpha_) + " vs " + std::to_string(o.alpha_));
  }
  if (o.count_ == 0) return Status::Ok();
  pos_.MergeFrom(o.pos_, max_buckets_);
  neg_.MergeFrom(o.neg_, max_buckets_);
  zero_ += o.zero_;
  if (count_ == 0) {
    min_ = o.min_;
    max_ = o.max_;
  } else {
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
  }
  count_ += o.count_;
  sum_ += o.sum_;
  return Status::Ok();
}

void QuantileSketch::Clear() {
  pos_ = Store();
  neg_ = Store();
  zero_ = count_ = 0;
  sum_ = min_ = max_ = 0;
}

double QuantileSketch::Min() const { return count_ ? min_ : std::numeric_limits<double>::quiet_NaN(); }
double QuantileSketch::Max() const { return count_ ? max_ : std::numeric_limits<double>::quiet_NaN(); }

double QuantileSketch::Quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  if (!(q >= 0)) q = 0;
  if (q > 1) q = 1;
  // The element of rank floor(q·(n-1)) (0-based) lies in the first bucket whose cumulative count
  // exceeds that rank, walking values in ascending order: negatives (largest |x| first), zero,
  // positives.
  double rank = std::floor(q * static_cast<double>(count_ - 1));
  double result = max_;
  double cum = 0;
  bool found = false;
  for (size_t j = neg_.counts.size(); j-- > 0 && !found;) {
    cum += static_cast<double>(neg_.counts[j]);
    if (cum > rank) {
      result = -ValueOf(neg_.offset + static_cast<int32_t>(j));
      found = true;
    }
  }
  if (!found) {
    cum += static_cast<double>(zero_);
    if (cum > rank) {
      result = 0;
      found = true;
    }
  }
  for (size_t j = 0; j < pos_.counts.size() && !found; ++j) {
    cum += static_cast<double>(pos_.counts[j]);
    if (cum > rank) {
      result = ValueOf(pos_.offset + static_cast<int32_t>(j));
      found = true;
    }
  }
  return std::clamp(result, min_, max_);
}

std::vector<uint64_t> QuantileSketch::Histogram(const std::vector<double>& edges) const {
  if (edges.size() < 2) return {};
  std::vector<uint64_t> bins(edges.size() - 1, 0);
  auto place = [&](double v, uint64_t n) {
    if (n == 0) return;
    v = std::clamp(v, min_, max_);
    auto it = std::upper_bound(edges.begin(), edges.end(), v);
    size_t bin = it == edges.begin() ? 0 : static_cast<size_t>(it - edges.begin()) - 1;
    bins[std::min(bin, bins.size() - 1)] += n;
  };
  for (size_t j = 0; j < neg_.counts.size(); ++j) place(-ValueOf(neg_.offset + static_cast<int32_t>(j)), neg_.counts[j]);
  place(0, zero_);
  for (size_t j = 0; j < pos_.counts.size(); ++j) place(ValueOf(pos_.offset + static_cast<int32_t>(j)), pos_.counts[j]);
  return bins;
}

std::vector<double> QuantileSketch::SuggestEdges(int bins) const {
  if (count_ == 0 || bins < 1) return {};
  std::vector<double> edges(static_cast<size_t>(bins) + 1);
  double lo = min_, hi = max_;
  if (hi <= lo) hi = lo + 1;
  bool log_spaced = lo > 0;
  for (int i = 0; i <= bins; ++i) {
    double t = static_cast<double>(i) / bins;
    edges[static_cast<size_t>(i)] = log_spaced ? lo * std::pow(hi / lo, t) : lo + (hi - lo) * t;
  }
  edges.back() = std::nextafter(hi, std::numeric_limits<double>::infinity());  // Max falls in the last bin
  return edges;
}

// Layout (version 1):
//   u8 version, varint alpha_ppm, varint max_buckets, varint zero_count,
//   positive store, negative store (each: zigzag varint offset, varint n, n varint counts),
//   then, only when the total count > 0: f64 sum, f64 min, f64 max (little-endian).
void QuantileSketch::Serialize(std::string* out) const {
  using namespace rollup_codec;
  out->push_back(static_cast<char>(kVersion));
  PutVarint(out, alpha_ppm_);
  PutVarint(out, max_buckets_);
  PutVarint(out, zero_);
  for (const Store* s : {&pos_, &neg_}) {
    // Trim empty buckets at both ends (a collapse can leave none, but merges of empty stores can).
    size_t b = 0, e = s->counts.size();
    while (b < e && s->counts[b] == 0) ++b;
    while (e > b && s->counts[e - 1] == 0) --e;
    PutVarint(out, ZigZag(b < e ? static_cast<int64_t>(s->offset) + static_cast<int64_t>(b) : 0));
    PutVarint(out, e - b);
    for (size_t j = b; j < e; ++j) PutVarint(out, s->counts[j]);
  }
  if (count_ > 0) {
    PutDouble(out, sum_);
    PutDouble(out, min_);
    PutDouble(out, max_);
  }
}

Result<QuantileSketch> QuantileSketch::Deserialize(std::string_view bytes) {
  using namespace rollup_codec;
  auto bad = [](const char* what) { return Status::Error("corrupt_sketch", std::string("quantile sketch: ") + what); };
  Reader r(bytes);
  uint8_t version = 0;
  if (!r.Byte(&version)) return bad("empty");
  if (version != kVersion) return bad("unknown version");
  uint64_t ppm = 0, max_buckets = 0, zero = 0;
  if (!r.Varint(&ppm) || ppm < kMinAlphaPpm || ppm > kMaxAlphaPpm) return bad("bad relative accuracy");
  if (!r.Varint(&max_buckets) || max_buckets < kMinBuckets || max_buckets > kMaxBuckets) return bad("bad bucket limit");
  if (!r.Varint(&zero)) return bad("truncated");
  QuantileSketch s(static_cast<double>(ppm) / 1e6, static_cast<int>(max_buckets));
  if (s.alpha_ppm_ != ppm) return bad("bad relative accuracy");
  uint64_t total = zero;
  for (Store* st : {&s.pos_, &s.neg_}) {
    uint64_t zz = 0, n = 0;
    if (!r.Varint(&zz) || !r.Varint(&n)) return bad("truncated store");
    int64_t offset = UnZigZag(zz);
    // Each count takes at least one byte: a length beyond the remaining bytes is corrupt.
    if (n > max_buckets || n > r.remaining()) return bad("bad store length");
    if (offset < -kMaxAbsIndex || offset + static_cast<int64_t>(n) > kMaxAbsIndex) return bad("bad store offset");
    st->offset = static_cast<int32_t>(offset);
    st->counts.resize(static_cast<size_t>(n));
    for (uint64_t j = 0; j < n; ++j) {
      uint64_t c = 0;
      if (!r.Varint(&c)) return bad("truncated counts");
      if (c > std::numeric_limits<uint64_t>::max() - total) return bad("count overflow");
      total += c;
      st->counts[j] = c;
    }
  }
  s.zero_ = zero;
  s.count_ = total;
  if (total > 0) {
    if (!r.Double(&s.sum_) || !r.Double(&s.min_) || !r.Double(&s.max_)) return bad("truncated summary");
    // The sum may legitimately overflow to ±inf (or NaN); min and max are always finite.
    if (!std::isfinite(s.min_) || !std::isfinite(s.max_) || s.min_ > s.max_) {
      return bad("bad summary");
    }
  }
  if (!r.done()) return bad("trailing bytes");
  return s;
}

}  // namespace vigil

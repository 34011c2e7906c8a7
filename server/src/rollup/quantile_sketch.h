// QuantileSketch: a mergeable quantile sketch with a relative-error guarantee, in the DDSketch
// family (Masson, Rim, Lee: "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
// Relative-Error Guarantees", VLDB 2019). Written from the paper; see docs/rollups.md.
//
// A positive value x goes to bucket i = ceil(log_gamma(x)), gamma = (1+a)/(1-a), and a bucket is
// read back as 2·gamma^i/(gamma+1); every x in (gamma^(i-1), gamma^i] is within relative error `a`
// of that. So Quantile(q) is within relative error `a` (default 1%) of the exact q-quantile
// (the element of rank floor(q·(n-1)) of the sorted input), whatever the distribution, and
// merging sketches gives exactly the sketch of the union (bucket counts add).
//
// - Zero and |x| < kMinIndexable (1e-9) are counted in a zero bucket and read back as 0.
// - Negative values have their own mirrored bucket store (read back with the same guarantee).
// - NaN and ±inf are ignored (not counted).
// - Each store keeps at most `max_buckets` buckets (default 2048, i.e. a dynamic range of
//   gamma^2048 ≈ 6e17 at a = 1%: never reached by durations in ms). Past that the lowest buckets
//   (smallest |x|) are collapsed into one; quantiles that land there lose the guarantee, the
//   others keep it. collapsed() says whether that ever happened.
// - Count/Sum/Min/Max are exact; quantiles are clamped to [Min, Max].
//
// Not thread-safe: one thread at a time per sketch (callers own synchronization). Copyable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil {

class QuantileSketch {
 public:
  static constexpr double kDefaultRelativeAccuracy = 0.01;
  static constexpr int kDefaultMaxBuckets = 2048;
  static constexpr double kMinIndexable = 1e-9;

  // relative_accuracy in [0.0001, 0.2] (stored in millionths), max_buckets in [16, 65536];
  // out-of-range arguments are clamped into range.
  explicit QuantileSketch(double relative_accuracy = kDefaultRelativeAccuracy, int max_buckets = kDefaultMaxBuckets);

  void Add(double v) { Add(v, 1); }
  void Add(double v, uint64_t count);
  // Adds `other` into this sketch. Fails (and changes nothing) when the relative accuracies differ.
  Status Merge(const QuantileSketch& other);
  void Clear();

  // The q-quantile (q in [0, 1], clamped), NaN when empty.
  double Quantile(double q) const;
  uint64_t Count() const { return count_; }
  double Sum() const { return sum_; }
  double Min() const;  // NaN when empty
  double Max() const;  // NaN when empty
  bool empty() const { return count_ == 0; }
  bool collapsed() const { return pos_.collapsed || neg_.collapsed; }
  double relative_accuracy() const { return alpha_; }
  // Buckets in use (both signs), for memory accounting and tests.
  size_t BucketSpan() const { return pos_.counts.size() + neg_.counts.size(); }

  // Distribution-chart helper: counts per bin [edges[i], edges[i+1]) for ascending `edges`
  // (size n+1 gives n bins). Each bucket is placed by its representative value; values below
  // edges[0] count in the first bin, values at or above the last edge in the last bin.
  std::vector<uint64_t> Histogram(const std::vector<double>& edges) const;
  // `bins`+1 log-spaced edges from Min to Max (linear when Min <= 0), for Histogram().
  std::vector<double> SuggestEdges(int bins) const;

  // Compact binary form (version byte, varints). Deserialize validates everything and returns
  // an error on malformed bytes; it never reads out of bounds.
  void Serialize(std::string* out) const;
  std::string Serialize() const {
    std::string s;
    Serialize(&s);
    return s;
  }
  static Result<QuantileSketch> Deserialize(std::string_view bytes);

 private:
  // Dense counts for bucket indexes [offset, offset + counts.size()).
  struct Store {
    int32_t offset = 0;
    std::vector<uint64_t> counts;
    bool collapsed = false;
    void Add(int32_t index, uint64_t n, size_t max_buckets);
    void MergeFrom(const Store& o, size_t max_buckets);
    // Makes room for [lo, hi], collapsing the lowest indexes if the span exceeds max_buckets.
    void Extend(int32_t lo, int32_t hi, size_t max_buckets);
  };
  int32_t IndexOf(double abs_value) const;
  double ValueOf(int32_t index) const;

  double alpha_;
  double gamma_;
  double inv_log_gamma_;
  uint32_t alpha_ppm_;
  uint32_t max_buckets_;
  Store pos_, neg_;
  uint64_t zero_ = 0;
  uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0, max_ = 0;  // valid when count_ > 0
};

}  // namespace vigil

// The rollup sketches: QuantileSketch percentiles against exact percentiles on generated data
// (every case must stay within the 1% relative-error bound), merges equal to the sketch of the
// union, serialization round trips, corrupt bytes rejected without crashing; DistinctSketch
// (HyperLogLog) within its error bound from 10 to 1,000,000 distinct values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "rollup/distinct_sketch.h"
#include "rollup/hash.h"
#include "rollup/quantile_sketch.h"

namespace vigil {
namespace {

constexpr double kQuantiles[] = {0.5, 0.75, 0.9, 0.95, 0.99};

// The exact q-quantile under the sketch's definition: the element of rank floor(q·(n-1)).
double Exact(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<size_t>(std::floor(q * static_cast<double>(sorted.size() - 1)))];
}

double RelErr(double got, double want) {
  if (want == 0) return got == 0 ? 0 : std::numeric_limits<double>::infinity();
  return std::fabs(got - want) / std::fabs(want);
}

struct Dataset {
  const char* name;
  std::function<std::vector<double>(std::mt19937_64&)> make;
};

std::vector<Dataset> Datasets() {
  auto gen = [](size_t n, auto dist) {
    return [n, dist](std::mt19937_64& rng) mutable {
      std::vector<double> v(n);
      for (double& x : v) x = dist(rng);
      return v;
    };
  };
  return {
      {"uniform 0..1000 ms", gen(200000, std::uniform_real_distribution<double>(0, 1000))},
      {"lognormal LCP (median 2.5 s)", gen(200000, std::lognormal_distribution<double>(std::log(2500), 0.6))},
      {"lognormal TTFB, wide", gen(200000, std::lognormal_distribution<double>(std::log(300), 1.5))},
      {"pareto heavy tail (a=1.1)",
       gen(200000, [u = std::uniform_real_distribution<double>(0, 1)](std::mt19937_64& r) mutable {
         return 10.0 / std::pow(1.0 - u(r), 1.0 / 1.1);
       })},
      {"constant 42", gen(50000, [](std::mt19937_64&) { return 42.0; })},
      {"CLS: 60% zeros, rest exp(0.05)",
       gen(100000, [u = std::uniform_real_distribution<double>(0, 1),
                    e = std::exponential_distribution<double>(20)](std::mt19937_64& r) mutable {
         return u(r) < 0.6 ? 0.0 : e(r);
       })},
      {"mixed signs normal(0, 100)", gen(100000, std::normal_distribution<double>(0, 100))},
      {"integers 0..5 (durations)", gen(100000, std::uniform_int_distribution<int>(0, 5))},
      {"single value", gen(1, [](std::mt19937_64&) { return 1234.5; })},
      {"two values", [](std::mt19937_64&) { return std::vector<double>{3, 3000}; }},
      // 1e-6..1e10 spans ~1,840 buckets at 1%: within the 2,048-bucket limit, no collapse.
      {"tiny and huge", [](std::mt19937_64&) {
         return std::vector<double>{1e-12, 1e-6, 0.5, 1, 1e6, 1e9, 1e10};
       }},
  };
}

TEST(QuantileSketchTest, WithinOnePercentOfExactPercentiles) {
  std::mt19937_64 rng(7);
  printf("%-32s %8s %6s %14s %14s %9s\n", "dataset", "n", "q", "exact", "sketch", "rel.err");
  double worst = 0;
  for (const Dataset& d : Datasets()) {
    std::vector<double> values = d.make(rng);
    QuantileSketch s;
    for (double v : values) s.Add(v);
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(s.Count(), values.size()) << d.name;
    EXPECT_EQ(s.Min(), sorted.front()) << d.name;
    EXPECT_EQ(s.Max(), sorted.back()) << d.name;
    for (double q : kQuantiles) {
      double want = Exact(sorted, q), got = s.Quantile(q);
      double err = RelErr(got, want);
      // Values below kMinIndexable are read back as 0: absolute error under 1e-9.
      if (std::fabs(want) < QuantileSketch::kMinIndexable) err = std::fabs(got - want) < 1e-9 ? 0 : err;
      worst = std::max(worst, err);
      printf("%-32s %8zu %6.2f %14.6g %14.6g %8.4f%%\n", d.name, values.size(), q, want, got, err * 100);
      EXPECT_LE(err, 0.01 + 1e-12) << d.name << " q=" << q << " exact=" << want << " sketch=" << got;
    }
    // Every quantile in between as well (not only the five the dashboard shows).
    for (int i = 0; i <= 100; ++i) {
      double q = i / 100.0;
      double want = Exact(sorted, q), got = s.Quantile(q);
      if (std::fabs(want) < QuantileSketch::kMinIndexable) {
        EXPECT_LT(std::fabs(got - want), 1e-9) << d.name << " q=" << q;
      } else {
        EXPECT_LE(RelErr(got, want), 0.01 + 1e-12) << d.name << " q=" << q << " exact=" << want << " sketch=" << got;
      }
    }
  }
  printf("worst relative error: %.4f%%\n", worst * 100);
}

TEST(QuantileSketchTest, MergeEqualsSketchOfUnion) {
  std::mt19937_64 rng(11);
  for (const Dataset& d : Datasets()) {
    std::vector<double> values = d.make(rng);
    QuantileSketch whole;
    std::vector<QuantileSketch> parts(5);
    for (size_t i = 0; i < values.size(); ++i) {
      whole.Add(values[i]);
      parts[(i * 7919) % parts.size()].Add(values[i]);
    }
    QuantileSketch merged;
    for (const auto& p : parts) ASSERT_TRUE(merged.Merge(p).ok());
    EXPECT_EQ(merged.Count(), whole.Count()) << d.name;
    EXPECT_EQ(merged.Min(), whole.Min()) << d.name;
    EXPECT_EQ(merged.Max(), whole.Max()) << d.name;
    EXPECT_NEAR(merged.Sum(), whole.Sum(), 1e-9 * std::max(1.0, std::fabs(whole.Sum()))) << d.name;
    for (int i = 0; i <= 1000; ++i) {
      ASSERT_EQ(merged.Quantile(i / 1000.0), whole.Quantile(i / 1000.0)) << d.name << " q=" << i / 1000.0;
    }
  }
  QuantileSketch a(0.01), b(0.02);
  b.Add(1);
  Status st = a.Merge(b);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), "sketch_mismatch");
  EXPECT_TRUE(a.empty());
}

TEST(QuantileSketchTest, SerializationRoundTrip) {
  std::mt19937_64 rng(3);
  for (const Dataset& d : Datasets()) {
    QuantileSketch s;
    for (double v : d.make(rng)) s.Add(v);
    std::string bytes = s.Serialize();
    auto back = QuantileSketch::Deserialize(bytes);
    ASSERT_TRUE(back.ok()) << d.name << ": " << back.status().ToString();
    EXPECT_EQ(back->Serialize(), bytes) << d.name;
    EXPECT_EQ(back->Count(), s.Count()) << d.name;
    EXPECT_EQ(back->Sum(), s.Sum()) << d.name;
    for (double q : kQuantiles) EXPECT_EQ(back->Quantile(q), s.Quantile(q)) << d.name << " q=" << q;
  }
  QuantileSketch empty;
  auto back = QuantileSketch::Deserialize(empty.Serialize());
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->empty());
  EXPECT_TRUE(std::isnan(back->Quantile(0.5)));
  // A typical per-minute LCP row stays small: ~100 values, a few hundred bytes.
  QuantileSketch lcp;
  std::lognormal_distribution<double> dist(std::log(2500), 0.6);
  for (int i = 0; i < 100; ++i) lcp.Add(dist(rng));
  printf("100 LCP values serialize to %zu bytes\n", lcp.Serialize().size());
  EXPECT_LT(lcp.Serialize().size(), 400u);
}

TEST(QuantileSketchTest, CorruptBytesAreRejectedNotCrashing) {
  std::mt19937_64 rng(99);
  QuantileSketch s;
  std::lognormal_distribution<double> dist(std::log(300), 1.5);
  for (int i = 0; i < 1000; ++i) s.Add(dist(rng) * (i % 10 == 0 ? -1 : 1));
  s.Add(0);
  const std::string valid = s.Serialize();
  // Every truncation of a valid encoding is rejected.
  for (size_t n = 0; n < valid.size(); ++n) {
    EXPECT_FALSE(QuantileSketch::Deserialize(valid.substr(0, n)).ok()) << "truncated to " << n;
  }
  EXPECT_FALSE(QuantileSketch::Deserialize(valid + "x").ok());
  // Random bytes and random mutations of a valid encoding: never a crash; whatever is accepted
  // is usable.
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string b;
    if (i % 2 == 0) {
      b.resize(rng() % 64);
      for (char& c : b) c = static_cast<char>(rng());
      if (!b.empty() && i % 4 == 0) b[0] = 1;  // get past the version check
    } else {
      b = valid;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) b[rng() % b.size()] = static_cast<char>(rng());
      if (rng() % 3 == 0) b.resize(rng() % (b.size() + 1));
    }
    auto r = QuantileSketch::Deserialize(b);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), "corrupt_sketch");
      continue;
    }
    ++accepted;
    for (double q : kQuantiles) {
      double v = r->Quantile(q);
      if (!r->empty()) {
        EXPECT_TRUE(v >= r->Min() && v <= r->Max()) << "q=" << q;
      }
    }
    QuantileSketch m;
    EXPECT_TRUE(m.Merge(*r).ok() || r->relative_accuracy() != m.relative_accuracy());
    std::string again = r->Serialize();
    EXPECT_TRUE(QuantileSketch::Deserialize(again).ok());
  }
  printf("random/mutated inputs accepted as valid sketches: %d of 200000\n", accepted);
}

TEST(QuantileSketchTest, CollapsesLowestBucketsPastTheLimit) {
  // 16 buckets at 1% cover a range of ~1.38x: values 1..1e6 must collapse.
  QuantileSketch s(0.01, 16);
  std::vector<double> values;
  for (int i = 1; i <= 1000000; i *= 2) values.push_back(i);
  for (int k = 0; k < 100; ++k) values.push_back(1e6);  // p90+ land in the top bucket
  for (double v : values) s.Add(v);
  EXPECT_TRUE(s.collapsed());
  EXPECT_LE(s.BucketSpan(), 16u);
  std::sort(values.begin(), values.end());
  for (double q : {0.9, 0.95, 0.99, 1.0}) {
    EXPECT_LE(RelErr(s.Quantile(q), Exact(values, q)), 0.01) << "q=" << q;
  }
  EXPECT_EQ(s.Count(), values.size());
  QuantileSketch plain;
  plain.Add(5);
  EXPECT_FALSE(plain.collapsed());
}

TEST(QuantileSketchTest, IgnoresNonFiniteAndHistogramCountsEverything) {
  QuantileSketch s;
  s.Add(std::nan(""));
  s.Add(std::numeric_limits<double>::infinity());
  EXPECT_TRUE(s.empty());
  for (int i = 1; i <= 1000; ++i) s.Add(i);
  s.Add(0);
  std::vector<double> edges = s.SuggestEdges(10);
  ASSERT_EQ(edges.size(), 11u);
  std::vector<uint64_t> bins = s.Histogram(edges);
  uint64_t total = 0;
  for (uint64_t b : bins) total += b;
  EXPECT_EQ(total, s.Count());
  // Linear edges (Min is 0): each bin of width ~100 holds ~100 values; values within the 1%
  // bucket blur of an edge (±1% of it, on either side) may land in the neighbouring bin.
  for (size_t i = 0; i < bins.size(); ++i) {
    double exact = 0;
    for (int v = 0; v <= 1000; ++v) exact += v >= edges[i] && v < edges[i + 1];
    double blur = 0.01 * (edges[i] + edges[i + 1]) + 2;
    EXPECT_NEAR(static_cast<double>(bins[i]), exact, blur) << "bin " << i << " [" << edges[i] << ", " << edges[i + 1] << ")";
  }
}

// --- DistinctSketch ---------------------------------------------------------------------------

TEST(DistinctSketchTest, EstimateWithinErrorBound) {
  const double sigma = 1.04 / std::sqrt(16384.0);
  printf("%10s %12s %9s %9s %7s\n", "distinct", "estimate", "rel.err", "bound", "mode");
  for (uint64_t n : {1ull, 10ull, 100ull, 1000ull, 2000ull, 3000ull, 10000ull, 50000ull, 100000ull, 1000000ull}) {
    DistinctSketch s;
    for (uint64_t i = 0; i < n; ++i) {
      std::string id = "user-" + std::to_string(i * 2654435761ull % 1000000007ull);
      s.Add(id);
      s.Add(id);  // repeats change nothing
    }
    double est = s.Estimate();
    double err = std::fabs(est - static_cast<double>(n)) / static_cast<double>(n);
    // Sparse mode is nearly exact; dense mode is held to 3 standard errors.
    double bound = s.dense() ? 3 * sigma : 0.005;
    printf("%10llu %12.1f %8.3f%% %8.3f%% %7s\n", (unsigned long long)n, est, err * 100, bound * 100,
           s.dense() ? "dense" : "sparse");
    EXPECT_LE(err, bound) << "n=" << n << " estimate=" << est;
    auto back = DistinctSketch::Deserialize(s.Serialize());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->Estimate(), est) << "n=" << n;
  }
  EXPECT_EQ(DistinctSketch().Estimate(), 0);
}

TEST(DistinctSketchTest, MergeEqualsSketchOfUnion) {
  struct Case {
    uint64_t a_lo, a_hi, b_lo, b_hi;  // id ranges; they may overlap
  } cases[] = {
      {0, 100, 50, 150},            // sparse + sparse
      {0, 1500, 1000, 2500},        // sparse + sparse -> dense
      {0, 100, 0, 200000},          // sparse + dense
      {0, 300000, 100000, 500000},  // dense + dense
  };
  for (const Case& c : cases) {
    DistinctSketch a, b, both;
    for (uint64_t i = c.a_lo; i < c.a_hi; ++i) a.AddHash(Mix64(i));
    for (uint64_t i = c.b_lo; i < c.b_hi; ++i) b.AddHash(Mix64(i));
    for (uint64_t i = std::min(c.a_lo, c.b_lo); i < std::max(c.a_hi, c.b_hi); ++i) both.AddHash(Mix64(i));
    DistinctSketch ab = a, ba = b;
    ASSERT_TRUE(ab.Merge(b).ok());
    ASSERT_TRUE(ba.Merge(a).ok());
    EXPECT_EQ(ab.Serialize(), both.Serialize()) << c.a_lo << ".." << c.a_hi << " + " << c.b_lo << ".." << c.b_hi;
    EXPECT_EQ(ba.Serialize(), both.Serialize()) << c.a_lo << ".." << c.a_hi << " + " << c.b_lo << ".." << c.b_hi;
  }
  DistinctSketch p12(12), p14(14);
  p12.Add("x");
  EXPECT_EQ(p14.Merge(p12).code(), "sketch_mismatch");
  EXPECT_TRUE(p14.empty());
}

// `s` with registers 7, 1000 and 16383 at rank 50 (past a 4-bit register: exceptions when packed).
DistinctSketch WithHighRegisters(DistinctSketch s) {
  for (uint64_t idx : {7ull, 1000ull, 16383ull}) s.AddHash(idx << 50 | 1);
  return s;
}

// The one-byte-per-register form (mode 1) of a packed dense p = 14 sketch, decoded here
// independently of the sketch's code.
std::string LegacyDense(const std::string& packed) {
  std::string out = packed.substr(0, 3);
  out[2] = 1;
  std::vector<uint8_t> regs(16384);
  for (size_t i = 0; i < 16384; ++i) {
    uint8_t b = static_cast<uint8_t>(packed[3 + i / 2]);
    regs[i] = i % 2 ? b >> 4 : b & 15;
  }
  size_t at = 3 + 8192;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t b = static_cast<uint8_t>(packed.at(at++));
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
  };
  uint64_t n = varint(), next = 0;
  for (uint64_t i = 0; i < n; ++i) {
    next += varint();
    regs.at(next) = static_cast<uint8_t>(packed.at(at++));
    ++next;
  }
  out.append(regs.begin(), regs.end());
  return out;
}

// MergeSerialized (rollup queries) must give what Deserialize + Merge give, for every mode of
// either side, and reject what Deserialize rejects without changing the target.
TEST(DistinctSketchTest, MergeSerializedEqualsDeserializeThenMerge) {
  auto make = [](uint64_t lo, uint64_t hi) {
    DistinctSketch s;
    for (uint64_t i = lo; i < hi; ++i) s.AddHash(Mix64(i));
    return s;
  };
  const std::pair<uint64_t, uint64_t> ranges[] = {{0, 0}, {0, 100}, {50, 1900}, {0, 200000}, {100000, 400000}};
  for (auto [alo, ahi] : ranges) {
    for (auto [blo, bhi] : ranges) {
      DistinctSketch via_bytes = make(alo, ahi), via_sketch = make(alo, ahi);
      const DistinctSketch b = make(blo, bhi);
      const std::string bytes = b.Serialize();
      ASSERT_TRUE(via_bytes.MergeSerialized(bytes).ok()) << alo << ".." << ahi << " + " << blo << ".." << bhi;
      ASSERT_TRUE(via_sketch.Merge(*DistinctSketch::Deserialize(bytes)).ok());
      DistinctSketch both = make(alo, ahi);
      for (uint64_t i = blo; i < bhi; ++i) both.AddHash(Mix64(i));
      // Compared as bytes (EXPECT_TRUE: a dense mismatch would print 16 KB twice).
      EXPECT_TRUE(via_bytes.Serialize() == via_sketch.Serialize()) << alo << ".." << ahi << " + " << blo << ".." << bhi;
      EXPECT_TRUE(via_bytes.Serialize() == both.Serialize()) << "sketch of the union, " << alo << ".." << ahi << " + " << blo << ".." << bhi;
    }
  }
  const DistinctSketch sparse = make(0, 300), dense = WithHighRegisters(make(0, 100000));
  const std::string packed = dense.Serialize(), legacy = LegacyDense(packed);
  std::vector<std::string> bad = {packed.substr(0, packed.size() - 1), packed + "x", legacy.substr(0, legacy.size() - 1),
                                  legacy + "x", "", "\x01"};
  auto with = [](std::string b, size_t at, char c) {
    b[at] = c;
    return b;
  };
  bad.push_back(with(legacy, 100, 64 - 14 + 2));  // a rank no 64-bit hash gives at p = 14
  bad.push_back(with(legacy, 1, 19));              // precision out of range
  bad.push_back(with(packed, 1, 19));
  bad.push_back(with(packed, packed.size() - 1, 14));         // an exception below 15
  bad.push_back(with(packed, packed.size() - 1, 64 - 14 + 2));  // an exception above the highest rank
  bad.push_back(with(packed, 3 + 20, static_cast<char>(0xFF)));  // saturated nibbles without exceptions
  std::string low = packed;
  const size_t first = 3 + 16384 / 2 + 1;  // the first exception's gap (after the one-byte count)
  low[first] = static_cast<char>(static_cast<uint8_t>(low[first]) - 1);  // points at a small register
  bad.push_back(low);
  const std::string sparse_bytes = sparse.Serialize();
  bad.push_back(sparse_bytes.substr(0, sparse_bytes.size() - 1));
  bad.push_back(sparse_bytes + "x");
  bad.push_back(with(sparse_bytes, 5, static_cast<char>(0x40)));  // an entry with rank 0
  for (const DistinctSketch& target : {sparse, dense}) {
    const std::string before = target.Serialize();
    for (const std::string& b : bad) {
      DistinctSketch t = target;
      EXPECT_FALSE(DistinctSketch::Deserialize(b).ok()) << "size " << b.size();
      EXPECT_EQ(t.MergeSerialized(b).code(), "corrupt_sketch") << "size " << b.size();
      EXPECT_TRUE(t.Serialize() == before) << "size " << b.size();
    }
    DistinctSketch p12(12);
    for (uint64_t i = 0; i < 50000; ++i) p12.AddHash(Mix64(i));
    DistinctSketch t = target;
    EXPECT_EQ(t.MergeSerialized(p12.Serialize()).code(), "sketch_mismatch");
    EXPECT_TRUE(t.Serialize() == before);
  }
}

// Dense sketches are written packed (4-bit registers and exceptions: rollups migration 7); the
// one-byte-per-register form written before stays readable and means the same sketch.
TEST(DistinctSketchTest, PackedDenseEncodingIsLosslessAndLegacyDenseStillReads) {
  for (uint64_t n : {3000ull, 20000ull, 100000ull, 3000000ull}) {
    DistinctSketch s;
    for (uint64_t i = 0; i < n; ++i) s.AddHash(Mix64(i * 7 + 1));
    for (bool high : {false, true}) {
      const DistinctSketch d = high ? WithHighRegisters(s) : s;
      ASSERT_TRUE(d.dense());
      const std::string packed = d.Serialize(), legacy = LegacyDense(packed);
      // Half the 16 KB of the legacy form, plus ~3 bytes per register of 15 or more (~1 % of them
      // at 3 M distinct).
      EXPECT_LT(packed.size(), 3 + 16384 / 2 + 1024) << "n=" << n;
      if (high) printf("n=%llu: dense sketch %zu bytes packed, %zu legacy\n", (unsigned long long)n, packed.size(), legacy.size());
      for (const std::string& bytes : {packed, legacy}) {
        auto back = DistinctSketch::Deserialize(bytes);
        ASSERT_TRUE(back.ok()) << back.status().ToString();
        EXPECT_EQ(back->Estimate(), d.Estimate()) << "n=" << n << (bytes == legacy ? " legacy" : " packed");
        EXPECT_TRUE(back->Serialize() == packed) << "n=" << n;
        DistinctSketch merged;
        ASSERT_TRUE(merged.MergeSerialized(bytes).ok());
        EXPECT_TRUE(merged.Serialize() == packed) << "n=" << n;
      }
    }
  }
}

TEST(DistinctSketchTest, CorruptBytesAreRejectedNotCrashing) {
  std::mt19937_64 rng(5);
  DistinctSketch sparse, dense;
  for (uint64_t i = 0; i < 300; ++i) sparse.AddHash(Mix64(i));
  for (uint64_t i = 0; i < 100000; ++i) dense.AddHash(Mix64(i));
  for (const std::string& valid : {sparse.Serialize(), dense.Serialize()}) {
    for (size_t n = 0; n < valid.size(); n += 1 + n / 64) {
      EXPECT_FALSE(DistinctSketch::Deserialize(valid.substr(0, n)).ok()) << "truncated to " << n;
    }
  }
  const std::string valid = sparse.Serialize();
  for (int i = 0; i < 100000; ++i) {
    std::string b;
    if (i % 2 == 0) {
      b.resize(rng() % 48);
      for (char& ch : b) ch = static_cast<char>(rng());
      if (b.size() > 3 && i % 4 == 0) {
        b[0] = 1;
        b[1] = 14;
        b[2] = 0;
      }
    } else {
      b = valid;
      b[rng() % b.size()] = static_cast<char>(rng());
    }
    auto r = DistinctSketch::Deserialize(b);
    if (!r.ok()) continue;
    double e = r->Estimate();
    EXPECT_TRUE(e >= 0 && std::isfinite(e));
    DistinctSketch m(r->precision());
    EXPECT_TRUE(m.Merge(*r).ok());
  }
}

TEST(Hash64Test, StableAndSpread) {
  // Pinned outputs: the hash is stored inside sketches, so it must never change.
  EXPECT_EQ(Hash64(""), 16852473371444490038ull);
  EXPECT_EQ(Hash64("user-42"), 13507082169103346965ull);
  EXPECT_EQ(Hash64("0123456789abcdef-session"), 8491736209405550180ull);
  EXPECT_NE(Hash64("a"), Hash64("b"));
  EXPECT_NE(Hash64("abcdefgh"), Hash64("abcdefgh", 1));
  EXPECT_NE(Hash64(std::string("a\0", 2)), Hash64("a"));
  // Top bits are balanced over sequential ids (HyperLogLog takes its index from them).
  int ones[8] = {};
  for (int i = 0; i < 80000; ++i) {
    uint64_t h = Hash64("session-" + std::to_string(i));
    for (int b = 0; b < 8; ++b) ones[b] += (h >> (63 - b)) & 1;
  }
  for (int b = 0; b < 8; ++b) EXPECT_NEAR(ones[b], 40000, 600) << "bit " << 63 - b;
}

}  // namespace
}  // namespace vigil

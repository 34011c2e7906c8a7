#include "rollup/rollup_step.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/clock.h"
#include "common/json_dom.h"
#include "common/log.h"
#include "grouping/fingerprint.h"
#include "rollup/hash.h"
#include "rollup/rollup_views.h"

namespace vigil {

namespace {

using DimViews = std::array<std::string_view, kRollupDimCount>;

// A series key by reference, with the hash of each dimension's value and of the whole key, so an
// event's four views and its derived series hash each string once (DimHash) and then only combine
// eight words per key (KeyHashFrom), instead of hashing every string again per lookup.
struct KeyView {
  int64_t project_id;
  int64_t minute;
  DimViews dims;
  std::array<uint64_t, kRollupDimCount> dim_hash;
  uint64_t hash;
};

// The aggregation map's hash: one multiply-rotate per 8-byte word, finalized once. Cheaper than
// Hash64 per field and good enough for a hash table (the sketches use Hash64).
inline uint64_t FoldBytes(uint64_t h, std::string_view s) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h = (h << 31) | (h >> 33);
    p += 8;
    n -= 8;
  }
  uint64_t w = static_cast<uint64_t>(s.size()) << 56;
  if (n) {
    uint64_t t = 0;
    std::memcpy(&t, p, n);
    w ^= t;
  }
  h = (h ^ w) * kMul;
  return (h << 31) | (h >> 33);
}

inline uint64_t DimHash(std::string_view s) { return FoldBytes(0x243F6A8885A308D3ULL, s); }

uint64_t KeyHashFrom(int64_t project_id, int64_t minute, const std::array<uint64_t, kRollupDimCount>& dim_hash) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  uint64_t h = static_cast<uint64_t>(project_id) * kMul ^ static_cast<uint64_t>(minute);
  for (uint64_t d : dim_hash) {
    h = (h ^ d) * kMul;
    h = (h << 29) | (h >> 35);
  }
  return Mix64(h);
}

// Sets one dimension of `k` (its hash too); call Rehash() after the last change.
void SetDim(KeyView* k, RollupDim d, std::string_view value, uint64_t value_hash) {
  k->dims[static_cast<size_t>(d)] = value;
  k->dim_hash[static_cast<size_t>(d)] = value_hash;
}
void SetDim(KeyView* k, RollupDim d, std::string_view value) { SetDim(k, d, value, DimHash(value)); }
void Rehash(KeyView* k) { k->hash = KeyHashFrom(k->project_id, k->minute, k->dim_hash); }

struct KeyHash {
  using is_transparent = void;
  size_t operator()(const RollupKey& k) const {
    std::array<uint64_t, kRollupDimCount> dh;
    for (size_t i = 0; i < kRollupDimCount; ++i) dh[i] = DimHash(k.dims[i]);
    return KeyHashFrom(k.project_id, k.minute, dh);
  }
  size_t operator()(const KeyView& k) const { return k.hash; }
};

struct KeyEq {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.project_id != b.project_id || a.minute != b.minute) return false;
    for (size_t i = 0; i < kRollupDimCount; ++i) {
      if (std::string_view(a.dims[i]) != std::string_view(b.dims[i])) return false;
    }
    return true;
  }
};

// An open-addressing index over the pending aggregates: (key hash, entry) pairs in one flat array.
// A lookup reads one slot, then the entry only when the hashes match, where the map's own find
// walks its bucket list through entries of other series (with 20,000+ pending series, cache misses
// there were the step's largest cost). Entries are the map's nodes, which stay put until extracted;
// the owner rebuilds the index after extracting (Rebuild).
template <typename Map>
class SeriesIndex {
 public:
  using Entry = typename Map::value_type;
  Entry* Find(const KeyView& k) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = k.hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.entry == nullptr) return nullptr;
      if (s.hash == k.hash && KeyEq{}(s.entry->first, k)) return s.entry;
    }
  }
  void Insert(uint64_t hash, Entry* e) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    Place(hash, e);
    ++size_;
  }
  void Rebuild(Map& map) {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    size_ = 0;
    for (Entry& e : map) Insert(KeyHash{}(e.first), &e);
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    Entry* entry = nullptr;
  };
  void Place(uint64_t hash, Entry* e) {
    size_t i = hash & mask_;
    while (slots_[i].entry != nullptr) i = (i + 1) & mask_;
    slots_[i] = Slot{hash, e};
  }
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, old.size() * 2), Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.entry != nullptr) Place(s.hash, s.entry);
    }
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
};

struct PairHash {
  size_t operator()(const std::pair<int64_t, int64_t>& p) const {
    return Mix64(static_cast<uint64_t>(p.first) * 0x9E3779B97F4A7C15ULL ^ static_cast<uint64_t>(p.second));
  }
};

// Transparent string set, so a lookup by string_view allocates nothing.
struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return Mix64(FoldBytes(0, s)); }
};
using StringSet = std::unordered_set<std::string, SvHash, std::equal_to<>>;

// Distinct paths and names admitted for one project-minute (the cardinality caps).
constexpr size_t kEventTypeCount = static_cast<size_t>(EventType::kSession) + 1;

struct MinuteCaps {
  StringSet paths;
  StringSet names[kEventTypeCount + kDerivedSeriesCount];  // per EventType, then per derived series type
};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

constexpr std::string_view kNavigationParts[] = {"dns", "tcp", "tls", "request", "response", "domReady", "load", "ttfb"};

// Minutes of cap state kept behind the newest minute seen; older state is dropped at a flush.
constexpr int64_t kCapHorizonMinutes = 10;
constexpr size_t kCapStateMax = 20000;  // project-minutes

}  // namespace

std::string_view DerivedSeriesType(DerivedSeries d) {
  static constexpr std::string_view kTypes[kDerivedSeriesCount] = {
      "navigation.timing", "resource.url", "route.dwell", "route.flow", "click.text", "custom.prop", "http.endpoint"};
  return kTypes[static_cast<size_t>(d)];
}

std::string JoinKey(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) out += kKeySeparator;
    first = false;
    for (char c : p) out += c == kKeySeparator ? ' ' : c;
  }
  return out;
}

std::vector<std::string> SplitKey(std::string_view key) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t sep = key.find(kKeySeparator, start);
    out.emplace_back(key.substr(start, sep == std::string_view::npos ? std::string_view::npos : sep - start));
    if (sep == std::string_view::npos) return out;
    start = sep + 1;
  }
}

struct RollupStep::Impl {
  Impl(RollupStore* s, RollupOptions o) : store(s), opt(std::move(o)) {}
  RollupStore* store;
  RollupOptions opt;
  mutable std::mutex mu;
  using PendingMap = std::unordered_map<RollupKey, RollupAggregate, KeyHash, KeyEq>;
  PendingMap pending;
  SeriesIndex<PendingMap> index;  // over `pending`; lookups go through it
  std::unordered_map<std::pair<int64_t, int64_t>, MinuteCaps, PairHash> caps;
  int64_t newest_minute = 0;
  int64_t last_flush_ms = 0;
  bool last_flush_failed = false;
  std::map<int64_t, size_t> rows_per_minute;  // pending rows by minute
  // Queue offsets (exactly once across crashes; rollup_step.h): rows stored through this offset,
  // the highest offset aggregated, and the oldest offset aggregated but not yet stored (0: none).
  uint64_t stored_through = 0, seen_through = 0, pending_from = 0;
  uint64_t replayed_skipped = 0;
  std::string last_uid, last_sid;  // copies (not views): batches are freed between calls
  simdjson::dom::parser parser;    // the JSON tails read by derived series
  uint64_t last_uid_hash = 0, last_sid_hash = 0;
  RollupStepStats stats;

  // Whether `value` may have its own series in this project-minute; admits it if under the cap.
  static bool Admit(StringSet* set, std::string_view value, size_t cap) {
    if (set->find(value) != set->end()) return true;
    if (set->size() >= cap) return false;
    set->emplace(value);
    return true;
  }

  // The pending aggregate of `view`, which the caller found missing.
  RollupAggregate& Insert(const KeyView& view) {
    RollupKey key;
    key.project_id = view.project_id;
    key.minute = view.minute;
    for (size_t i = 0; i < kRollupDimCount; ++i) key.dims[i] = view.dims[i];
    ++rows_per_minute[view.minute];
    auto& entry = *pending.emplace(std::move(key), RollupAggregate()).first;
    index.Insert(view.hash, &entry);
    return entry.second;
  }

  void Add(int64_t project_id, const Event& e) {
    // Events of a batch mostly share uid and sid: hash each distinct run once.
    if (!e.uid.empty() && e.uid != last_uid) last_uid = e.uid, last_uid_hash = Hash64(e.uid);
    if (!e.sid.empty() && e.sid != last_sid) last_sid = e.sid, last_sid_hash = Hash64(e.sid);
    KeyView full;
    full.project_id = project_id;
    full.minute = FloorDiv(e.ts, 60000);
    SetDim(&full, RollupDim::kType, EventTypeName(e.type));
    SetDim(&full, RollupDim::kName, e.name);
    SetDim(&full, RollupDim::kPath, e.path);
    SetDim(&full, RollupDim::kRelease, e.release);
    SetDim(&full, RollupDim::kEnvironment, e.environment);
    SetDim(&full, RollupDim::kBrowser, e.browser);
    SetDim(&full, RollupDim::kOs, e.os);
    SetDim(&full, RollupDim::kCountry, e.country);
    if (full.minute > newest_minute) newest_minute = full.minute;
    Contribution own;
    own.error = e.type == EventType::kError ||
                ((e.type == EventType::kHttp || e.type == EventType::kResource) && e.status && (*e.status == 0 || *e.status >= 400));
    own.uid = !e.uid.empty();
    own.sid = !e.sid.empty();
    if (e.type == EventType::kVital) {
      own.value = e.value;
    } else {
      own.value = e.duration ? e.duration : e.value;
    }
    AddSeries(full, static_cast<size_t>(e.type), own);
    AddDerived(full, e);
    ++stats.events;
  }

  // What one event adds to a series.
  struct Contribution {
    bool error = false;
    bool uid = false, sid = false;  // feed the distinct sketches (hashes in last_uid_hash/sid)
    std::optional<double> value;
  };

  // Adds to the series `full` in every view. `cap_slot` selects the name cap (the event type, or
  // kEventTypeCount + a derived series index). One hash lookup per view when the series exist.
  void AddSeries(KeyView full, size_t cap_slot, const Contribution& c) {
    const std::vector<RollupView>& views = RollupViews();
    const std::vector<uint64_t>& all_hash = ViewMarkerHashes();
    auto project = [&](size_t vi) {
      KeyView v = full;
      for (size_t i = 0; i < kRollupDimCount; ++i) {
        if (!views[vi].keeps[i]) SetDim(&v, static_cast<RollupDim>(i), views[vi].all_values, all_hash[vi]);
      }
      Rehash(&v);
      return v;
    };
    // The first view keeps only type and name: its series exists iff the name was admitted in this
    // project-minute. The name cap applies to every view alike, so a folded name is "(other)" everywhere.
    KeyView first = project(0);
    auto* first_it = index.Find(first);
    if (first_it == nullptr) {
      MinuteCaps& mc = caps[{full.project_id, full.minute}];
      if (!Admit(&mc.names[cap_slot], full.dims[static_cast<size_t>(RollupDim::kName)], opt.max_names_per_minute)) {
        SetDim(&full, RollupDim::kName, kOther, OtherHash());
        ++stats.folded_names;
        first = project(0);
        first_it = index.Find(first);
      }
    }
    for (size_t vi = 0; vi < views.size(); ++vi) {
      KeyView v = vi == 0 ? first : project(vi);
      auto* it = vi == 0 ? first_it : index.Find(v);
      if (it == nullptr && views[vi].keeps[static_cast<size_t>(RollupDim::kPath)]) {
        MinuteCaps& mc = caps[{full.project_id, v.minute}];
        if (!Admit(&mc.paths, full.dims[static_cast<size_t>(RollupDim::kPath)], opt.max_paths_per_minute)) {
          SetDim(&v, RollupDim::kPath, kOther, OtherHash());
          Rehash(&v);
          ++stats.folded_paths;
          it = index.Find(v);
        }
      }
      RollupAggregate& a = it != nullptr ? it->second : Insert(v);
      ++a.count;
      if (c.error) ++a.errors;
      if (c.uid) a.users.AddHash(last_uid_hash);
      if (c.sid) a.sessions.AddHash(last_sid_hash);
      if (c.value) a.values.Add(*c.value);
    }
  }

  static const std::vector<uint64_t>& ViewMarkerHashes() {
    static const std::vector<uint64_t> hashes = [] {
      // AddSeries relies on the first view keeping exactly type and name (the name-cap probe).
      const auto& keeps = RollupViews().front().keeps;
      for (size_t i = 0; i < kRollupDimCount; ++i) {
        bool type_or_name = i == static_cast<size_t>(RollupDim::kType) || i == static_cast<size_t>(RollupDim::kName);
        if (keeps[i] != type_or_name) throw std::logic_error("the first rollup view must keep exactly type and name");
      }
      std::vector<uint64_t> h;
      for (const RollupView& v : RollupViews()) h.push_back(DimHash(v.all_values));
      return h;
    }();
    return hashes;
  }
  static uint64_t OtherHash() {
    static const uint64_t h = DimHash(kOther);
    return h;
  }

  // The derived series of `e` (rollup_step.h): breakdowns that need a field of the JSON tail or a
  // second key. `full` holds the event's own series key.
  void AddDerived(const KeyView& full, const Event& e) {
    auto derived = [&](DerivedSeries d, std::string_view name, std::optional<double> value, bool error) {
      KeyView k = full;
      SetDim(&k, RollupDim::kType, DerivedSeriesType(d));
      SetDim(&k, RollupDim::kName, name);
      Contribution c;
      c.value = value;
      c.error = error;
      AddSeries(k, kEventTypeCount + static_cast<size_t>(d), c);
    };
    simdjson::dom::element root;
    auto data = [&]() -> bool {
      return !e.data.empty() && e.data != "{}" && parser.parse(e.data).get(root) == simdjson::SUCCESS && root.is_object();
    };
    switch (e.type) {
      case EventType::kVital: {
        if (e.name != "navigation" || !data()) return;
        simdjson::dom::object timing;
        if (root["timing"].get(timing) != simdjson::SUCCESS) return;
        for (auto [k, v] : timing) {
          double x;
          if (v.get(x) != simdjson::SUCCESS || !std::isfinite(x) || x < 0) continue;
          for (std::string_view part : kNavigationParts) {
            if (k == part) derived(DerivedSeries::kNavigationTiming, part, x, false);
          }
        }
        return;
      }
      case EventType::kResource: {
        bool failed = false;
        if (data() && root["failed"].get(failed) != simdjson::SUCCESS) failed = false;
        derived(DerivedSeries::kResourceUrl, JoinKey({e.name, e.url}), e.duration, failed);
        return;
      }
      case EventType::kRoute: {
        // The route event's url is the route entered; its duration is the dwell on the route left.
        if (e.duration) derived(DerivedSeries::kRouteDwell, UrlPath(e.referrer.empty() ? e.url : e.referrer), e.duration, false);
        std::string from;
        bool exit = false;
        if (data()) {
          std::string_view f;
          if (root["from"].get(f) == simdjson::SUCCESS && !f.empty()) from = UrlPath(f);
          if (root["exit"].get(exit) != simdjson::SUCCESS) exit = false;
        }
        derived(DerivedSeries::kRouteFlow, JoinKey({from.empty() ? "(entry)" : from, exit ? "(exit)" : e.path}), std::nullopt, false);
        return;
      }
      case EventType::kClick: {
        std::string_view text;
        if (!data() || root["text"].get(text) != simdjson::SUCCESS) text = {};
        derived(DerivedSeries::kClickText, JoinKey({e.name, text}), std::nullopt, false);
        return;
      }
      case EventType::kCustom: {
        simdjson::dom::object props;
        if (!data() || root["props"].get(props) != simdjson::SUCCESS) return;
        for (auto [k, v] : props) {
          std::string_view sv;
          std::string value = v.get(sv) == simdjson::SUCCESS ? std::string(sv) : ElementJson(v);
          derived(DerivedSeries::kCustomProp, JoinKey({e.name, k, value}), std::nullopt, false);
        }
        return;
      }
      case EventType::kHttp: {
        std::string host;
        size_t sch = e.url.find("://");
        if (sch != std::string::npos) host = e.url.substr(sch + 3, e.url.find_first_of("/?#", sch + 3) - sch - 3);
        int st = e.status.value_or(0);
        derived(DerivedSeries::kHttpEndpoint,
                JoinKey({e.name.empty() ? "GET" : std::string_view(e.name), host + NormalizeUrlPattern(e.url), std::to_string(st)}),
                e.duration, st == 0 || st >= 400);
        return;
      }
      default:
        return;
    }
  }

  // Flushes when the interval has passed or the row bound is exceeded; `force` flushes now. Over
  // the bound everything is written, unless the last attempt failed under a second ago (a failing
  // store is retried once a second, not on every cycle).
  void MaybeFlush(bool force) {
    int64_t now = opt.now_ms();
    int64_t since = now - last_flush_ms;
    bool over = pending.size() > opt.max_pending_rows && (!last_flush_failed || since >= 1000);
    if (!force && !over && since < opt.flush_interval_ms) return;
    Status st = FlushLocked(now, force || over || opt.write_partial_minutes);
    if (!st.ok()) {
      LogError("rollup flush failed; will retry",
               {{"error", st.ToString()}, {"pending_rows", static_cast<int64_t>(pending.size())}});
    }
  }

  // Writes pending rows to the store: all of them, or (`all` false) those of minutes before the
  // previous one, so a minute still receiving events is usually written once, when complete.
  Status FlushLocked(int64_t now, bool all) {
    last_flush_ms = now;
    last_flush_failed = false;
    if (pending.empty()) return Status::Ok();
    // Nothing complete yet: skip the scan of the pending map.
    if (!all && rows_per_minute.begin()->first >= newest_minute - 1) return Status::Ok();
    std::vector<RollupRow> rows;
    rows.reserve(all ? pending.size() : pending.size() / 2);
    for (auto it = pending.begin(); it != pending.end();) {
      if (!all && it->first.minute >= newest_minute - 1) {
        ++it;
        continue;
      }
      auto node = pending.extract(it++);
      auto m = rows_per_minute.find(node.key().minute);
      if (--m->second == 0) rows_per_minute.erase(m);
      rows.push_back(RollupRow{std::move(node.key()), std::move(node.mapped())});
    }
    if (rows.empty()) return Status::Ok();
    index.Rebuild(pending);
    // Everything pending goes out: the stored rows now hold every event seen, so the store records
    // the offset with them. A partial flush leaves the mark where it was. Minutes from the previous
    // one on may still receive events: the store keeps them open (minute rows only) and merges
    // them into their hours and days once a flush finds them complete.
    const bool everything = pending.empty();
    Status st = store->AddThrough(rows, everything ? seen_through : 0, newest_minute - 1);
    if (!st.ok()) {
      ++stats.flush_failures;
      last_flush_failed = true;
      for (RollupRow& r : rows) {
        ++rows_per_minute[r.key.minute];
        pending.emplace(std::move(r.key), std::move(r.agg));
      }
      index.Rebuild(pending);
      return st;
    }
    ++stats.flushes;
    stats.rows_flushed += rows.size();
    if (everything) {
      stored_through = std::max(stored_through, seen_through);
      pending_from = 0;
    }
    // Forget cap state of minutes well behind the newest (late events there start afresh).
    for (auto it = caps.begin(); it != caps.end();) {
      if (it->first.second < newest_minute - kCapHorizonMinutes || caps.size() > kCapStateMax) {
        it = caps.erase(it);
      } else {
        ++it;
      }
    }
    return Status::Ok();
  }
};

RollupStep::RollupStep(RollupStore* store, RollupOptions options) : impl_(new Impl(store, std::move(options))) {
  if (!impl_->opt.now_ms) impl_->opt.now_ms = NowMs;
  impl_->last_flush_ms = impl_->opt.now_ms();
  auto mark = store->AddedThrough();
  if (mark.ok()) {
    impl_->stored_through = impl_->seen_through = mark.value();
  } else {
    LogError("reading the rollups' queue mark failed; replayed records may count twice", {{"error", mark.status().ToString()}});
  }
}

RollupStep::~RollupStep() = default;

void RollupStep::Process(NormalizedBatch* batch) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (batch->offset > 0) {
    if (batch->offset <= impl_->stored_through) {  // a replayed record already in the stored rows
      impl_->replayed_skipped += batch->events.size();
      return;
    }
    impl_->seen_through = std::max(impl_->seen_through, batch->offset);
    if (impl_->pending_from == 0 && !batch->events.empty()) impl_->pending_from = batch->offset;
  }
  for (const Event& e : batch->events) impl_->Add(e.project_id ? e.project_id : batch->project_id, e);
  // Flushes wait for FinishCycle(), except past a hard memory bound inside a very large cycle.
  if (impl_->pending.size() > 4 * impl_->opt.max_pending_rows) impl_->MaybeFlush(true);
}

void RollupStep::FinishCycle() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->MaybeFlush(false);
}

Status RollupStep::Flush() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->FlushLocked(impl_->opt.now_ms(), true);
}

uint64_t RollupStep::PendingFrom() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->pending_from;
}

RollupStepStats RollupStep::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  RollupStepStats s = impl_->stats;
  s.replayed_skipped = impl_->replayed_skipped;
  s.pending_rows = impl_->pending.size();
  return s;
}

}  // namespace vigil

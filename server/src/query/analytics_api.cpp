#include "query/analytics_api.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <map>
#include <tuple>

#include "common/clock.h"
#include "common/json_writer.h"
#include "grouping/fingerprint.h"
#include "query/api_common.h"
#include "rollup/quantile_sketch.h"
#include "rollup/rollup_step.h"
#include "rollup/sqlite_rollup_store.h"
#include "rollup/rollup_views.h"

namespace vigil {
namespace {

// At most this many raw events (newest first) go into rollups built for one request (OpenRollups).
constexpr int kScanLimit = 200000;

struct Range {
  int64_t from = 0, to = 0, interval = 0;
};

struct Filters {
  std::map<std::string, std::string> values;  // release, environment, browser, os, device, country, path
};

bool ParseRange(const HttpRequest& req, Range* r, Responder& respond) {
  int64_t now = NowMs();
  r->to = now;
  r->from = now - 24 * 3600 * 1000LL;
  for (const char* k : {"from", "to", "interval"}) {
    std::string v = req.QueryParam(k);
    if (v.empty()) continue;
    int64_t n;
    if (!ParseInt64(v, &n) || n < 0) {
      respond(JsonError(400, "invalid_parameter", std::string(k) + " must be a non-negative integer (ms)"));
      return false;
    }
    if (std::string_view(k) == "from") r->from = n;
    else if (std::string_view(k) == "to") r->to = n;
    else r->interval = n;
  }
  if (r->to <= r->from) {
    respond(JsonError(400, "invalid_parameter", "to must be after from"));
    return false;
  }
  int64_t span = r->to - r->from;
  if (r->interval == 0) {
    r->interval = span <= 6 * 3600000LL ? 60000 : span <= 24 * 3600000LL ? 300000 : span <= 7 * 86400000LL ? 3600000 : 86400000;
  }
  r->interval = std::max<int64_t>(60000, r->interval / 60000 * 60000);
  if (span / r->interval > 2000) r->interval = (span / 2000 / 60000 + 1) * 60000;
  return true;
}

Filters ParseFilters(const HttpRequest& req) {
  Filters f;
  for (const char* k : {"release", "environment", "browser", "os", "device", "country", "path"}) {
    std::string v = req.QueryParam(k);
    if (!v.empty()) f.values[k] = v;
  }
  return f;
}

void ApplyFilters(const Filters& f, EventQuery* q) {
  for (const auto& [k, v] : f.values) {
    if (k == "release") q->release = v;
    else if (k == "environment") q->environment = v;
    else if (k == "browser") q->browser = v;
    else if (k == "os") q->os = v;
    else if (k == "device") q->device = v;
    else if (k == "country") q->country = v;
    else if (k == "path") q->path = v;
  }
}

// The request's range and filters as a rollup query. Filters on what is not a rollup dimension
// (device) never reach it: OpenRollups answers those from rollups built from raw events, and hands
// on only the filters left to apply.
RollupQuery BaseQuery(int64_t pid, const Range& r, const Filters& f) {
  RollupQuery q;
  q.project_id = pid;
  q.from_minute = r.from / 60000;
  q.to_minute = (r.to + 59999) / 60000;
  for (const auto& [k, v] : f.values) {
    RollupDim d;
    if (ParseRollupDim(k, &d)) q.filters.push_back(RollupFilter{d, {v}});
  }
  return q;
}

void Num(JsonWriter& w, std::string_view k, double v) {
  w.Key(k);
  std::isfinite(v) ? w.Double(std::round(v * 1000) / 1000) : w.Null();
}

// Runs a rollup query on the view that fits its filters and group-by (rollup/rollup_views.h).
Result<RollupQueryResult> RunRollup(RollupStore* store, RollupQuery q) {
  Status s = SelectRollupView(&q);
  if (!s.ok()) return s;
  return store->Query(q);
}

void RespondRollupError(const Status& s, Responder& respond) {
  if (s.code() == "unsupported_filters") return respond(JsonError(400, s.code(), s.detail()));
  respond(JsonError(500, "internal", s.detail()));
}

// Where an answer comes from: the stored rollups, or rollups built for the request from raw events
// (the newest kScanLimit events of the range that match every filter) when the request filters by
// what the stored rollups lack (device, or a combination of dimensions no view keeps) or asks for
// it (`source=events`). Both are answered by the same code.
enum class Source { kRollups, kEvents };

const char* SourceName(Source s) { return s == Source::kRollups ? "rollups" : "events"; }

struct RequestRollups {
  Source source = Source::kRollups;
  RollupStore* store = nullptr;
  std::unique_ptr<SqliteRollupStore> built;
  Filters filters;  // what queries still filter by (nothing for built rollups: the scan applied them)
};

bool OpenRollups(const HttpRequest& req, EventStore* events, RollupStore* stored, int64_t pid, int64_t from_ms,
                 int64_t to_ms, const Filters& f, RequestRollups* out, Responder& respond) {
  std::string s = req.QueryParam("source");
  if (!s.empty() && s != "rollups" && s != "events") {
    respond(JsonError(400, "invalid_parameter", "source must be rollups or events"));
    return false;
  }
  bool from_events = s == "events" || f.values.count("device");
  if (!from_events) {
    RollupQuery probe = BaseQuery(pid, Range{from_ms, to_ms, 0}, f);
    probe.group_by = {RollupDim::kName};
    from_events = !SelectRollupView(&probe).ok();
  }
  if (!from_events) {
    out->source = Source::kRollups;
    out->store = stored;
    out->filters = f;
    return true;
  }
  auto built = SqliteRollupStore::Open(":memory:");
  if (!built.ok()) {
    respond(JsonError(500, "internal", built.status().detail()));
    return false;
  }
  RollupOptions opt;
  opt.flush_interval_ms = std::numeric_limits<int64_t>::max() / 2;  // one flush, at the end
  opt.max_pending_rows = size_t{1} << 22;
  RollupStep step(built->get(), opt);
  EventQuery q;
  q.project_id = pid;
  q.since = from_ms;
  q.until = to_ms;
  q.limit = kScanLimit;
  ApplyFilters(f, &q);
  NormalizedBatch batch;
  batch.project_id = pid;
  Status st = events->Scan(q, [&](const Event& e) {
    batch.events.push_back(e);
    if (batch.events.size() >= 1000) {
      step.Process(&batch);
      batch.events.clear();
    }
    return true;
  });
  if (st.ok()) {
    step.Process(&batch);
    st = step.Flush();
  }
  if (!st.ok()) {
    respond(JsonError(500, "internal", st.detail()));
    return false;
  }
  out->source = Source::kEvents;
  out->built = std::move(built.value());
  out->store = out->built.get();
  out->filters = Filters();
  return true;
}

// The derived series `d` grouped by name (one row per name, keys split), over the request's range
// and filters.
Result<RollupQueryResult> Derived(RollupStore* store, int64_t pid, const Range& r, const Filters& f, DerivedSeries d,
                                  bool with_values) {
  RollupQuery q = BaseQuery(pid, r, f);
  q.filters.push_back(RollupFilter{RollupDim::kType, {std::string(DerivedSeriesType(d))}});
  q.group_by = {RollupDim::kName};
  q.with_distinct = false;
  q.with_values = with_values;
  return RunRollup(store, q);
}

// A derived series name split into `n` keys; a name folded into "(other)" by the cardinality cap
// gives "(other)" for every key.
std::vector<std::string> Keys(const std::string& name, size_t n) {
  std::vector<std::string> k = SplitKey(name);
  if (k.size() != n) k.assign(n, name == RollupStep::kOther ? std::string(RollupStep::kOther) : name);
  return k;
}

struct Totals {
  double pageviews = 0, users = 0, sessions = 0, errors = 0, error_sessions = 0;
  std::map<std::string, RollupResultRow> vitals;
};

Status LoadTotals(RollupStore* store, const RollupQuery& base, Totals* t) {
  // One read of the rows with distinct sketches: by type, and the types' sketches merged for the
  // distinct users and sessions of all events (the same rows a query without group-by reads).
  RollupQuery by_type = base;
  by_type.group_by = {RollupDim::kType};
  by_type.with_values = false;
  auto r = RunRollup(store, by_type);
  if (!r.ok()) return r.status();
  DistinctSketch users, sessions;
  for (const auto& row : r->rows) {
    if (row.group[0] == "pageview") t->pageviews = static_cast<double>(row.count);
    if (row.group[0] == "error") {
      t->errors = static_cast<double>(row.count);
      t->error_sessions = row.sessions;
    }
    Status st = users.Merge(row.users_sketch);
    if (st.ok()) st = sessions.Merge(row.sessions_sketch);
    if (!st.ok()) return st;
  }
  t->users = users.Estimate();
  t->sessions = sessions.Estimate();
  RollupQuery vitals = base;
  vitals.filters.push_back(RollupFilter{RollupDim::kType, {"vital"}});
  vitals.group_by = {RollupDim::kName};
  vitals.with_distinct = false;
  r = RunRollup(store, vitals);
  if (!r.ok()) return r.status();
  for (auto& row : r->rows) t->vitals[row.group[0]] = std::move(row);
  return Status::Ok();
}

void WriteTotals(JsonWriter& w, const Totals& t) {
  w.Field("pageviews", static_cast<int64_t>(t.pageviews))
      .Field("users", static_cast<int64_t>(std::llround(t.users)))
      .Field("sessions", static_cast<int64_t>(std::llround(t.sessions)))
      .Field("errors", static_cast<int64_t>(t.errors));
  Num(w, "error_rate", t.pageviews > 0 ? t.errors / t.pageviews : NAN);
  Num(w, "crash_free_sessions", t.sessions > 0 ? std::clamp(1.0 - t.error_sessions / t.sessions, 0.0, 1.0) : NAN);
}

const char* kWebVitals[] = {"LCP", "INP", "CLS", "FCP", "TTFB", "FP", "TBT"};

void SendJson(Responder& respond, std::string body) { respond(JsonOk(200, std::move(body))); }

// The `n` entries with the largest counts, largest first.
template <typename K>
std::vector<std::pair<K, int64_t>> TopByCount(const std::map<K, int64_t>& counts, size_t n) {
  std::vector<std::pair<K, int64_t>> v(counts.begin(), counts.end());
  n = std::min(n, v.size());
  std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), v.end(),
                    [](const auto& a, const auto& b) { return a.second > b.second; });
  v.resize(n);
  return v;
}

// {"<array>": [{"<k1>": first, "<k2>": second, "count": n}, …]} for counts keyed by two strings.
std::string PairCountsJson(Source src, const char* array, const char* k1, const char* k2,
                           const std::map<std::pair<std::string, std::string>, int64_t>& counts) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Field("source", SourceName(src)).Key(array).BeginArray();
  for (const auto& [key, n] : TopByCount(counts, 100)) {
    w.BeginObject().Field(k1, key.first).Field(k2, key.second).Field("count", n).EndObject();
  }
  w.EndArray().EndObject();
  return body;
}

}  // namespace

std::string AnalyticsApi::Rating(const std::string& m, double p) {
  struct T {
    const char* name;
    double good, poor;
  } static const kThresholds[] = {{"LCP", 2500, 4000}, {"INP", 200, 500}, {"CLS", 0.1, 0.25}, {"FCP", 1800, 3000},
                                  {"TTFB", 800, 1800}, {"FP", 1800, 3000}, {"TBT", 200, 600}};
  if (!std::isfinite(p)) return "";
  for (const auto& t : kThresholds) {
    if (m == t.name) return p <= t.good ? "good" : p <= t.poor ? "needs-improvement" : "poor";
  }
  return "";
}

void AnalyticsApi::Register(Router* router) {
  auto add = [&](const char* path, auto fn) {
    router->Add("GET", std::string("/api/v1/projects/:project") + path,
                [this, fn](const HttpRequest& req, const RouteParams& params, Responder respond) {
                  int64_t pid = 0;
                  if (!AuthorizeProject(req, params, meta_, respond, &pid)) return;
                  Range range;
                  if (!ParseRange(req, &range, respond)) return;
                  fn(req, params, pid, range, ParseFilters(req), respond);
                });
  };

  add("/overview", [this](const HttpRequest& req, const RouteParams&, int64_t pid, const Range& r, const Filters& f, Responder& respond) {
    Range pr{r.from - (r.to - r.from), r.from, r.interval};
    RequestRollups rr;
    if (!OpenRollups(req, events_, rollups_, pid, pr.from, r.to, f, &rr, respond)) return;
    RollupQuery base = BaseQuery(pid, r, rr.filters);
    Totals now, prev;
    Status s = LoadTotals(rr.store, base, &now);
    if (s.ok()) s = LoadTotals(rr.store, BaseQuery(pid, pr, rr.filters), &prev);
    if (!s.ok()) return RespondRollupError(s, respond);
    RollupQuery series = base;
    series.filters.push_back(RollupFilter{RollupDim::kType, {"pageview", "error"}});
    series.group_by = {RollupDim::kType};
    series.bucket_minutes = r.interval / 60000;
    series.with_distinct = series.with_values = false;
    auto sr = RunRollup(rr.store, series);
    if (!sr.ok()) return RespondRollupError(sr.status(), respond);
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Field("source", SourceName(rr.source));
    w.Key("range").BeginObject().Field("from", r.from).Field("to", r.to).Field("interval", r.interval).EndObject();
    WriteTotals(w, now);
    w.Key("vitals").BeginObject();
    for (const char* v : kWebVitals) {
      auto it = now.vitals.find(v);
      if (it == now.vitals.end()) continue;
      w.Key(v).BeginObject();
      Num(w, "p75", it->second.p75);
      w.Field("rating", Rating(v, it->second.p75)).Field("count", static_cast<int64_t>(it->second.count));
      auto pv = prev.vitals.find(v);
      Num(w, "previous_p75", pv == prev.vitals.end() ? NAN : pv->second.p75);
      w.EndObject();
    }
    w.EndObject();
    w.Key("previous").BeginObject();
    WriteTotals(w, prev);
    w.EndObject();
    w.Key("series").BeginObject();
    for (const char* type : {"pageview", "error"}) {
      w.Key(std::string(type) + "s").BeginArray();
      for (const auto& row : sr->rows) {
        if (row.group[0] != type) continue;
        w.BeginArray().Int(row.bucket_start * 60000).Int(static_cast<int64_t>(row.count)).EndArray();
      }
      w.EndArray();
    }
    w.EndObject().EndObject();
    SendJson(respond, std::move(body));
  });

  add("/performance", [this](const HttpRequest& req, const RouteParams&, int64_t pid, const Range& r, const Filters& f, Responder& respond) {
    std::string metric = req.QueryParam("metric");
    if (metric.empty()) metric = "LCP";
    RequestRollups rr;
    if (!OpenRollups(req, events_, rollups_, pid, r.from, r.to, f, &rr, respond)) return;
    RollupQuery base = BaseQuery(pid, r, rr.filters);
    base.filters.push_back(RollupFilter{RollupDim::kType, {"vital"}});
    base.filters.push_back(RollupFilter{RollupDim::kName, {metric}});
    base.with_distinct = false;
    auto total = RunRollup(rr.store, base);
    RollupQuery series = base;
    series.bucket_minutes = r.interval / 60000;
    auto sr = RunRollup(rr.store, series);
    if (!total.ok()) return RespondRollupError(total.status(), respond);
    if (!sr.ok()) return RespondRollupError(sr.status(), respond);
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Field("source", SourceName(rr.source)).Field("metric", metric);
    const RollupResultRow* t = total->rows.empty() ? nullptr : &total->rows[0];
    w.Field("count", static_cast<int64_t>(t ? t->count : 0));
    w.Key("percentiles").BeginObject();
    Num(w, "p50", t ? t->p50 : NAN);
    Num(w, "p75", t ? t->p75 : NAN);
    Num(w, "p90", t ? t->p90 : NAN);
    Num(w, "p95", t ? t->p95 : NAN);
    Num(w, "p99", t ? t->p99 : NAN);
    w.EndObject().Field("rating", t ? Rating(metric, t->p75) : "");
    w.Key("series").BeginArray();
    for (const auto& row : sr->rows) {
      w.BeginArray().Int(row.bucket_start * 60000);
      for (double v : {row.p50, row.p75, row.p90, row.p95, row.p99}) std::isfinite(v) ? w.Double(v) : w.Null();
      w.Int(static_cast<int64_t>(row.count)).EndArray();
    }
    w.EndArray();
    w.Key("histogram").BeginArray();
    if (t && t->count > 0) {
      auto edges = t->values.SuggestEdges(20);
      auto counts = t->values.Histogram(edges);
      for (size_t i = 0; i + 1 < edges.size() && i < counts.size(); ++i) {
        w.BeginObject();
        Num(w, "from", edges[i]);
        Num(w, "to", edges[i + 1]);
        w.Field("count", static_cast<int64_t>(counts[i])).EndObject();
      }
    }
    w.EndArray();
    for (auto [key, dim, label] : {std::tuple{"by_page", RollupDim::kPath, "path"},
                                   std::tuple{"by_browser", RollupDim::kBrowser, "browser"},
                                   std::tuple{"by_country", RollupDim::kCountry, "country"}}) {
      RollupQuery g = base;
      g.group_by = {dim};
      auto gr = RunRollup(rr.store, g);
      w.Key(key).BeginArray();
      if (gr.ok()) {
        std::sort(gr->rows.begin(), gr->rows.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
        for (size_t i = 0; i < gr->rows.size() && i < 50; ++i) {
          const auto& row = gr->rows[i];
          w.BeginObject().Field(label, row.group[0]).Field("count", static_cast<int64_t>(row.count));
          Num(w, "p75", row.p75);
          w.EndObject();
        }
      }
      w.EndArray();
    }
    w.EndObject();
    SendJson(respond, std::move(body));
  });

  add("/performance/navigation", [this](const HttpRequest& req, const RouteParams&, int64_t pid, const Range& r, const Filters& f, Responder& respond) {
    RequestRollups rr;
    if (!OpenRollups(req, events_, rollups_, pid, r.from, r.to, f, &rr, respond)) return;
    auto parts = Derived(rr.store, pid, r, rr.filters, DerivedSeries::kNavigationTiming, true);
    if (!parts.ok()) return RespondRollupError(parts.status(), respond);
    std::map<std::string, QuantileSketch> sk;
    for (auto& row : parts->rows) sk[row.group[0]] = std::move(row.values);
    RollupQuery navs = BaseQuery(pid, r, rr.filters);
    navs.filters.push_back(RollupFilter{RollupDim::kType, {"vital"}});
    navs.filters.push_back(RollupFilter{RollupDim::kName, {"navigation"}});
    navs.with_distinct = navs.with_values = false;
    auto nr = RunRollup(rr.store, navs);
    if (!nr.ok()) return RespondRollupError(nr.status(), respond);
    int64_t n = 0;
    for (const auto& row : nr->rows) n += static_cast<int64_t>(row.count);
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Field("source", SourceName(rr.source)).Field("count", n);
    for (const char* k : {"dns", "tcp", "tls", "request", "response", "domReady", "load", "ttfb"}) {
      Num(w, std::string_view(k) == "domReady" ? "dom_ready" : k, sk[k].Count() ? sk[k].Quantile(0.5) : NAN);
    }
    w.EndObject();
    SendJson(respond, std::move(body));
  });

  add("/performance/resources", [this](const HttpRequest& req, const RouteParams&, int64_t pid, const Range& r, const Filters& f, Responder& respond) {
    RequestRollups rr;
    if (!OpenRollups(req, events_, rollups_, pid, r.from, r.to, f, &rr, respond)) return;
    auto rows = Derived(rr.store, pid, r, rr.filters, DerivedSeries::kResourceUrl, true);
    if (!rows.ok()) return RespondRollupError(rows.status(), respond);
    struct Resource {
      std::string type, url;
      const RollupResultRow* row;
      double p75;
    };
    std::vector<Resource> list;
    for (const auto& row : rows->rows) {
      auto k = Keys(row.group[0], 2);
      list.push_back({k[0], k[1], &row, row.values.Count() ? row.values.Quantile(0.75) : NAN});
    }
    std::sort(list.begin(), list.end(), [](const Resource& a, const Resource& b) {
      double pa = std::isfinite(a.p75) ? a.p75 : 0, pb = std::isfinite(b.p75) ? b.p75 : 0;
      if (pa != pb) return pa > pb;
      if (a.row->count != b.row->count) return a.row->count > b.row->count;
      return std::tie(a.url, a.type) < std::tie(b.url, b.type);
    });
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Field("source", SourceName(rr.source)).Key("slowest").BeginArray();
    for (size_t i = 0; i < list.size() && i < 50; ++i) {
      const Resource& res = list[i];
      w.BeginObject().Field("url", res.url).Field("type", res.type).Field("count", static_cast<int64_t>(res.row->count));
      Num(w, "p75", res.p75);
      w.Field("failed", static_cast<int64_t>(res.row->errors)).EndObject();
    }
    w.EndArray().EndObject();
    SendJson(respond, std::move(body));
  });

  add("/performance/long-tasks", [this](const HttpRequest& req, const RouteParams&, int64_t pid, const Range& r, const Filters& f, Responder& respond) {
    RequestRollups rr;
    if (!OpenRollups(req, events_, rollups_, pid, r.from, r.to, f, &rr, respond)) return;
    RollupQuery base = BaseQuery(pid, r, rr.filters);
    base.filters.push_back(RollupFilter{RollupDim::kType, {"vital"}});
    base.with_distinct = false;
    RollupQuery tasks = base;
    tasks.with_values = false;
    tasks.filters.push_back(RollupFilter{RollupDim::kName, {"longtask"}});
    tasks.bucket_minutes = r.interval / 60000;
    RollupQuery tbt = base;
    tbt.filters.push_back(RollupFilter{RollupDim::kName, {"TBT"}});
    auto tr = RunRollup(rr.store, tasks);
    auto br = RunRollup(rr.store, tbt);
    if (!tr.ok()) return RespondRollupError(tr.status(), respond);
    if (!br.ok()) return RespondRollupError(br.status(), respond);
    int64_t count = 0;
    for (const auto& row : tr->rows) count += static_cast<int64_t>(row.count);
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Field("source", SourceName(rr.source)).Field("count", count).Key("tbt").BeginObject();
    Num(w, "p75", br->rows.empty() ? NAN : br->rows[0].p75);
    w.Field("count", static_cast<int64_t>(br->rows.empty() ? 0 : br->rows[0].count)).EndObject();
    w.Key("series").BeginArray();
    for (const auto& row : tr->rows) w.BeginArray().Int(row.bucket_start * 60000).Int(static_cast<int64_t>(row.count)).EndArray();
    w.EndArray().EndObject();
    SendJson(respond, std::move(body));
  });

  add("/issues/:issue/events", [this](const HttpRequest& req, const RouteParams& params, int64_t pid, const Range&, const Filters&, Responder& respond) {
    EventQuery q;
    q.project_id = pid;
    if (!ParseInt64(std::string(params.Get("issue")), &q.issue_id)) return respond(JsonError(404, "not_found", "no such issue"));
    q.limit = 20;
    std::string l = req.QueryParam("limit");
    int64_t n;
    if (!l.empty() && ParseInt64(l, &n)) q.limit = static_cast<int>(std::clamp<int64_t>(n, 1, 200));
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Key("events").BeginArray();
    Status s = events_->Scan(q, [&](const Event& e) {
      WriteEventJson(w, e);
      return true;
    });
    if (!s.ok()) return respond(JsonError(500, "internal", s.detail()));
    w.EndArray().EndObject();
    SendJson(respond, std::move(body));
  });

  add("/issues/:issue/tags", [this](const HttpRequest&, const RouteParams& params, int64_t pid, const Range&, const Filters&, Responder& respond) {
    EventQuery q;
    q.project_id = pid;
    if (!ParseInt64(std::string(params.Get("issue")), &q.issue_id)) return respond(JsonError(404, "not_found", "no such issue"));
    q.limit = 10000;
    std::map<std::string, std::map<std::string, int64_t>> tags;
    Status s = events_->Scan(q, [&](const Event& e) {
      tags["browser"][e.browser.empty() ? "(unknown)" : e.browser + (e.browser_version.empty() ? "" : " " + e.browser_version.substr(0, e.browser_version.find('.')))]++;
      tags["os"][e.os.empty() ? "(unknown)" : e.os]++;
      tags["release"][e.release.empty() ? "(none)" : e.release]++;
      tags["country"][e.country.empty() ? "(unknown)" : e.country]++;
      tags["path"][e.path.empty() ? "/" : e.path]++;
      tags["environment"][e.environment.empty() ? "(none)" : e.environment]++;
      return true;
    });
    if (!s.ok()) return respond(JsonError(500, "internal", s.detail()));
    std::string body;
    JsonWriter w(&body);
    w.BeginObject();
    for (const char* k : {"browser", "os", "release", "country", "path", "environment"}) {
      w.Key(k).BeginArray();
      for (const auto& [value, n] : TopByCount(tags[k], 20)) w.BeginObject().Field("value", value).Field("count", n).EndObject();
      w.EndArray();
    }
    w.EndObject();
    SendJson(respond, std::move(body));
  });

  add("/behaviour/pages", [this](const HttpRequest& req, const RouteParams&, int64_t pid, const Range& r, const Filters& f, Responder& respond) {
    RequestRollups rr;
    if (!OpenRollups(req, events_, rollups_, pid, r.from, r.to, f, &rr, respond)) return;
    RollupQuery views = BaseQuery(pid, r, rr.filters);
    views.filters.push_back(RollupFilter{RollupDim::kType, {"pageview", "route"}});
    views.group_by = {RollupDim::kPath};
    views.with_values = false;
    auto vr = RunRollup(rr.store, views);
    if (!vr.ok()) return RespondRollupError(vr.status(), respond);
    // Dwell: route events carry the time spent on the route they leave (`duration`).
    std::map<std::string, QuantileSketch> dwell;
    auto dr = Derived(rr.store, pid, r, rr.filters, DerivedSeries::kRouteDwell, true);
    if (!dr.ok()) return RespondRollupError(dr.status(), respond);
    for (auto& row : dr->rows) dwell[row.group[0]] = std::move(row.values);
    std::sort(vr->rows.begin(), vr->rows.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Field("source", SourceName(rr.source)).Key("pages").BeginArray();
    for (size_t i = 0; i < vr->rows.size() && i < 100; ++i) {
      const auto& row = vr->rows[i];
      w.BeginObject().Field("path", row.group[0]).Field("views", static_cast<int64_t>(row.count))
          .Field("users", static_cast<int64_t>(std::llround(row.users)));
      auto d = dwell.find(row.group[0]);
      Num(w, "median_dwell_ms", d != dwell.end() && d->second.Count() ? d->second.Quantile(0.5) : NAN);
      w.EndObject();
    }
    w.EndArray().EndObject();
    SendJson(respond, std::move(body));
  });

  // Pair counts of a two-key derived series: route flows, click texts.
  auto pairs = [this](DerivedSeries d, const char* array, const char* k1, const char* k2) {
    return [this, d, array, k1, k2](const HttpRequest& req, const RouteParams&, int64_t pid, const Range& r, const Filters& f,
                                    Responder& respond) {
      RequestRollups rr;
      if (!OpenRollups(req, events_, rollups_, pid, r.from, r.to, f, &rr, respond)) return;
      auto rows = Derived(rr.store, pid, r, rr.filters, d, false);
      if (!rows.ok()) return RespondRollupError(rows.status(), respond);
      std::map<std::pair<std::string, std::string>, int64_t> counts;
      for (const auto& row : rows->rows) {
        auto k = Keys(row.group[0], 2);
        counts[{k[0], k[1]}] += static_cast<int64_t>(row.count);
      }
      SendJson(respond, PairCountsJson(rr.source, array, k1, k2, counts));
    };
  };
  add("/behaviour/flows", pairs(DerivedSeries::kRouteFlow, "flows", "from", "to"));
  add("/behaviour/clicks", pairs(DerivedSeries::kClickText, "clicks", "selector", "text"));

  add("/behaviour/custom", [this](const HttpRequest& req, const RouteParams&, int64_t pid, const Range& r, const Filters& f, Responder& respond) {
    RequestRollups rr;
    if (!OpenRollups(req, events_, rollups_, pid, r.from, r.to, f, &rr, respond)) return;
    RollupQuery q = BaseQuery(pid, r, rr.filters);
    q.filters.push_back(RollupFilter{RollupDim::kType, {"custom"}});
    q.group_by = {RollupDim::kName};
    q.with_values = false;
    auto rows = RunRollup(rr.store, q);
    if (!rows.ok()) return RespondRollupError(rows.status(), respond);
    auto props = Derived(rr.store, pid, r, rr.filters, DerivedSeries::kCustomProp, false);
    if (!props.ok()) return RespondRollupError(props.status(), respond);
    std::map<std::string, std::map<std::string, std::map<std::string, int64_t>>> by_name;  // name -> key -> value -> n
    for (const auto& row : props->rows) {
      auto k = Keys(row.group[0], 3);
      by_name[k[0]][k[1]][k[2]] += static_cast<int64_t>(row.count);
    }
    std::sort(rows->rows.begin(), rows->rows.end(), [](const auto& a, const auto& b) {
      return a.count != b.count ? a.count > b.count : a.group < b.group;
    });
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Field("source", SourceName(rr.source)).Key("events").BeginArray();
    for (size_t i = 0; i < rows->rows.size() && i < 100; ++i) {
      const auto& row = rows->rows[i];
      w.BeginObject().Field("name", row.group[0]).Field("count", static_cast<int64_t>(row.count))
          .Field("users", static_cast<int64_t>(std::llround(row.users)));
      w.Key("props").BeginObject();
      for (const auto& [k, values] : by_name[row.group[0]]) {
        w.Key(k).BeginArray();
        for (const auto& [value, n] : TopByCount(values, 10)) w.BeginObject().Field("value", value).Field("count", n).EndObject();
        w.EndArray();
      }
      w.EndObject().EndObject();
    }
    w.EndArray().EndObject();
    SendJson(respond, std::move(body));
  });

  add("/behaviour/timeline", [this](const HttpRequest& req, const RouteParams&, int64_t pid, const Range& r, const Filters&, Responder& respond) {
    EventQuery q;
    q.project_id = pid;
    q.uid = req.QueryParam("uid");
    q.sid = req.QueryParam("sid");
    if (q.uid.empty() && q.sid.empty()) return respond(JsonError(400, "invalid_parameter", "give uid or sid"));
    if (!req.QueryParam("from").empty()) q.since = r.from;
    if (!req.QueryParam("to").empty()) q.until = r.to;
    q.oldest_first = true;
    q.limit = 500;
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Key("events").BeginArray();
    Status s = events_->Scan(q, [&](const Event& e) {
      WriteEventJson(w, e);
      return true;
    });
    if (!s.ok()) return respond(JsonError(500, "internal", s.detail()));
    w.EndArray().EndObject();
    SendJson(respond, std::move(body));
  });

  add("/api-health", [this](const HttpRequest& req, const RouteParams&, int64_t pid, const Range& r, const Filters& f, Responder& respond) {
    RequestRollups rr;
    if (!OpenRollups(req, events_, rollups_, pid, r.from, r.to, f, &rr, respond)) return;
    auto rows = Derived(rr.store, pid, r, rr.filters, DerivedSeries::kHttpEndpoint, true);
    if (!rows.ok()) return RespondRollupError(rows.status(), respond);
    struct Agg {
      int64_t count = 0, errors = 0;
      QuantileSketch d;
      std::map<std::string, int64_t> statuses;
    };
    std::map<std::pair<std::string, std::string>, Agg> eps;  // (method, host + pattern)
    for (const auto& row : rows->rows) {
      auto k = Keys(row.group[0], 3);
      Agg& a = eps[{k[0], k[1]}];
      a.count += static_cast<int64_t>(row.count);
      a.errors += static_cast<int64_t>(row.errors);
      a.statuses[k[2]] += static_cast<int64_t>(row.count);
      Status ms = a.d.Merge(row.values);
      if (!ms.ok()) return respond(JsonError(500, "internal", ms.detail()));
    }
    std::vector<std::pair<std::pair<std::string, std::string>, Agg*>> v;
    for (auto& [k, a] : eps) v.emplace_back(k, &a);
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) {
      double ra = double(a.second->errors) / a.second->count, rb = double(b.second->errors) / b.second->count;
      if (ra != rb) return ra > rb;
      if (a.second->count != b.second->count) return a.second->count > b.second->count;
      return a.first < b.first;
    });
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Field("source", SourceName(rr.source)).Key("endpoints").BeginArray();
    for (size_t i = 0; i < v.size() && i < 200; ++i) {
      const Agg& a = *v[i].second;
      w.BeginObject().Field("method", v[i].first.first).Field("pattern", v[i].first.second).Field("count", a.count);
      Num(w, "error_rate", double(a.errors) / a.count);
      Num(w, "p75", a.d.Count() ? a.d.Quantile(0.75) : NAN);
      Num(w, "p95", a.d.Count() ? a.d.Quantile(0.95) : NAN);
      w.Key("statuses").BeginObject();
      // Numeric order ("(other)", a folded key, last).
      std::vector<std::pair<std::string, int64_t>> st(a.statuses.begin(), a.statuses.end());
      std::sort(st.begin(), st.end(), [](const auto& x, const auto& y) {
        int64_t nx = 0, ny = 0;
        bool ix = ParseInt64(x.first, &nx), iy = ParseInt64(y.first, &ny);
        return ix != iy ? ix : ix ? nx < ny : x.first < y.first;
      });
      for (const auto& [code, n] : st) w.Field(code, n);
      w.EndObject().EndObject();
    }
    w.EndArray().EndObject();
    SendJson(respond, std::move(body));
  });
}

}  // namespace vigil

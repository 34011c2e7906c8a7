// Rollups end to end: NormalizedBatch objects through RollupStep into SqliteRollupStore, then
// queries across minutes and hours compared with exact figures computed from the same events
// (counts exact; distinct users/sessions within the HyperLogLog bound; percentiles within 1%).
// Also: filters, group-by, level choice, late events merging into stored minutes, open minutes
// (answers before and after their merge; the merge's atomicity with the queue mark), the
// cardinality caps, a failing store, reopening the file and a corrupt stored sketch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "rollup/rollup_step.h"
#include "rollup/rollup_views.h"
#include "rollup/sqlite_rollup_store.h"
#include "test_support.h"

namespace vigil {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000 / 3'600'000 * 3'600'000 + 30 * 60'000;  // hh:30:00
constexpr int64_t kM0 = kT0 / 60'000;

double Exact(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::floor(q * static_cast<double>(v.size() - 1)))];
}

// A small synthetic site: pageviews, LCP vitals, fetches (some failing) and errors.
struct Site {
  std::mt19937_64 rng{2024};
  std::vector<Event> Make(size_t n, int64_t from_ts, int64_t span_ms) {
    const char* browsers[] = {"Chrome", "Chrome", "Chrome", "Safari", "Firefox", "Edge"};
    const char* oses[] = {"Windows", "Mac OS X", "Android", "iOS", "Linux"};
    const char* countries[] = {"US", "DE", "FR", "BR", "JP", "IN", ""};
    const char* paths[] = {"/", "/products/:id", "/cart", "/checkout", "/search", "/account"};
    const char* releases[] = {"1.2.0", "1.3.0"};
    std::lognormal_distribution<double> lcp(std::log(2200), 0.55), fetch(std::log(180), 0.9);
    std::vector<Event> out(n);
    for (size_t i = 0; i < n; ++i) {
      Event& e = out[i];
      e.project_id = 1;
      e.event_id = "ev" + std::to_string(rng());
      e.ts = from_ts + static_cast<int64_t>(rng() % static_cast<uint64_t>(span_ms));
      e.browser = browsers[rng() % 6];
      e.os = oses[rng() % 5];
      e.country = countries[rng() % 7];
      e.path = paths[rng() % 6];
      e.release = releases[rng() % 2];
      e.environment = "production";
      uint64_t user = rng() % 3000;
      e.uid = "user-" + std::to_string(user);
      e.sid = "s-" + std::to_string(user) + "-" + std::to_string(rng() % 3);
      switch (rng() % 10) {
        case 0: case 1: case 2:
          e.type = EventType::kPageview;
          break;
        case 3: case 4: case 5:
          e.type = EventType::kVital;
          e.name = "LCP";
          e.value = lcp(rng);
          break;
        case 6: case 7: case 8:
          e.type = EventType::kHttp;
          e.name = "GET";
          e.duration = fetch(rng);
          e.status = rng() % 20 == 0 ? 503 : 200;
          break;
        default:
          e.type = EventType::kError;
          e.name = "js";
          break;
      }
    }
    return out;
  }
};

class RollupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::MakeTempDir("vigil-rollup");
    ASSERT_FALSE(dir_.empty());
    Open();
  }
  void TearDown() override {
    step_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    step_.reset();
    store_.reset();
    auto s = SqliteRollupStore::Open(dir_ + "/rollups.db");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s.value());
    RollupOptions opt;
    opt.flush_interval_ms = 1000;
    opt.now_ms = [this] { return now_; };
    opt.max_paths_per_minute = max_paths_;
    step_ = std::make_unique<RollupStep>(store_.get(), opt);
  }
  // Feeds events in batches of 40, one per processor cycle, advancing the clock so the step
  // flushes (complete minutes) every ~25 cycles.
  void Feed(const std::vector<Event>& events) {
    for (size_t i = 0; i < events.size(); i += 40) {
      NormalizedBatch b;
      b.project_id = 1;
      b.events.assign(events.begin() + static_cast<long>(i), events.begin() + static_cast<long>(std::min(events.size(), i + 40)));
      step_->Process(&b);
      step_->FinishCycle();  // one batch per processor cycle
      now_ += 40;
    }
  }
  // Queries go through the view selection, as the analytics API's do (rollup/rollup_views.h).
  RollupQueryResult Query(RollupQuery q) {
    q.project_id = 1;
    Status v = SelectRollupView(&q);
    EXPECT_TRUE(v.ok()) << v.ToString();
    auto r = store_->Query(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : RollupQueryResult{};
  }

  std::string dir_;
  int64_t now_ = 1'000'000;
  size_t max_paths_ = 500;
  std::unique_ptr<SqliteRollupStore> store_;
  std::unique_ptr<RollupStep> step_;
};

void Row(const char* what, double exact, double rollup, double bound) {
  double err = exact == 0 ? std::fabs(rollup) : std::fabs(rollup - exact) / std::fabs(exact);
  printf("%-44s %12.2f %12.2f %8.3f%% %7.2f%%\n", what, exact, rollup, err * 100, bound * 100);
  EXPECT_LE(err, bound) << what << ": exact " << exact << ", rollup " << rollup;
}

TEST_F(RollupTest, EndToEndMatchesExactFigures) {
  Site site;
  // 150 minutes from hh:30: half an hour, two whole hours, and nothing after.
  std::vector<Event> events = site.Make(120000, kT0, 150 * 60'000);
  Feed(events);
  ASSERT_TRUE(step_->Flush().ok());
  RollupStepStats st = step_->stats();
  EXPECT_EQ(st.events, events.size());
  EXPECT_EQ(st.pending_rows, 0u);
  EXPECT_GT(st.flushes, 10u);

  printf("%-44s %12s %12s %9s %8s\n", "figure", "exact", "rollup", "rel.err", "bound");
  auto all = [&](auto pred) {
    std::vector<const Event*> out;
    for (const Event& e : events) if (pred(e)) out.push_back(&e);
    return out;
  };
  // Whole range: hour rows for the two whole hours, minute rows for the first half hour.
  RollupQuery q;
  q.from_minute = kM0;
  q.to_minute = kM0 + 150;
  RollupQueryResult r = Query(q);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_GT(r.hour_rows_read, 0u);
  EXPECT_GT(r.minute_rows_read, 0u);
  Row("count, 150 min", events.size(), r.rows[0].count, 0);
  std::set<std::string> users, sessions;
  for (const Event& e : events) users.insert(e.uid), sessions.insert(e.sid);
  Row("distinct users, 150 min", users.size(), r.rows[0].users, 0.025);
  Row("distinct sessions, 150 min", sessions.size(), r.rows[0].sessions, 0.025);
  uint64_t errors = all([](const Event& e) {
                      return e.type == EventType::kError || (e.type == EventType::kHttp && *e.status >= 400);
                    }).size();
  Row("errors (js + http 5xx)", errors, r.rows[0].errors, 0);

  // LCP percentiles over everything, then for one browser in one country (filters).
  for (auto [label, filters] : std::vector<std::pair<std::string, std::vector<RollupFilter>>>{
           {"LCP", {{RollupDim::kType, {"vital"}}, {RollupDim::kName, {"LCP"}}}},
           {"LCP Safari", {{RollupDim::kName, {"LCP"}}, {RollupDim::kBrowser, {"Safari"}}}},
           {"LCP in DE|FR", {{RollupDim::kName, {"LCP"}}, {RollupDim::kCountry, {"DE", "FR"}}}}}) {
    RollupQuery fq = q;
    fq.filters = filters;
    RollupQueryResult fr = Query(fq);
    ASSERT_EQ(fr.rows.size(), 1u) << label;
    bool safari = label == "LCP Safari", de_fr = label == "LCP in DE|FR";
    std::vector<double> lcp;
    for (const Event& e : events) {
      if (e.type != EventType::kVital) continue;
      if (safari && e.browser != "Safari") continue;
      if (de_fr && e.country != "DE" && e.country != "FR") continue;
      lcp.push_back(*e.value);
    }
    Row((label + " count").c_str(), lcp.size(), fr.rows[0].count, 0);
    const std::pair<const char*, double> qs[] = {{"p50", fr.rows[0].p50}, {"p75", fr.rows[0].p75}, {"p90", fr.rows[0].p90},
                                                 {"p95", fr.rows[0].p95}, {"p99", fr.rows[0].p99}};
    const double qv[] = {0.5, 0.75, 0.9, 0.95, 0.99};
    for (int i = 0; i < 5; ++i) Row((label + " " + qs[i].first).c_str(), Exact(lcp, qv[i]), qs[i].second, 0.01);
  }

  // Group by browser, and by (browser, os): exact counts per group.
  RollupQuery gq = q;
  gq.group_by = {RollupDim::kBrowser};
  RollupQueryResult gr = Query(gq);
  std::map<std::string, uint64_t> by_browser;
  for (const Event& e : events) by_browser[e.browser]++;
  ASSERT_EQ(gr.rows.size(), by_browser.size());
  for (const auto& row : gr.rows) EXPECT_EQ(row.count, by_browser[row.group.at(0)]) << row.group[0];
  gq.group_by = {RollupDim::kBrowser, RollupDim::kOs};
  gr = Query(gq);
  std::map<std::pair<std::string, std::string>, uint64_t> by_bo;
  for (const Event& e : events) by_bo[{e.browser, e.os}]++;
  ASSERT_EQ(gr.rows.size(), by_bo.size());
  for (const auto& row : gr.rows) EXPECT_EQ(row.count, (by_bo[{row.group.at(0), row.group.at(1)}])) << row.group[0] << "/" << row.group[1];

  // Hourly buckets read hour rows only for whole hours; 5-minute buckets read minute rows only.
  RollupQuery hq = q;
  hq.bucket_minutes = 60;
  RollupQueryResult hr = Query(hq);
  ASSERT_EQ(hr.rows.size(), 3u);
  std::map<int64_t, uint64_t> by_hour;
  for (const Event& e : events) by_hour[e.ts / 3'600'000 * 60]++;
  for (const auto& row : hr.rows) EXPECT_EQ(row.count, by_hour[row.bucket_start]) << "hour " << row.bucket_start;
  RollupQuery mq = q;
  mq.bucket_minutes = 5;
  RollupQueryResult mr = Query(mq);
  EXPECT_EQ(mr.hour_rows_read, 0u);
  EXPECT_EQ(mr.rows.size(), 30u);
  uint64_t sum = 0;
  for (const auto& row : mr.rows) sum += row.count;
  EXPECT_EQ(sum, events.size());

  // Both levels hold the same data: the two whole hours from hour rows and from minute rows
  // (1-minute buckets) merge to identical sketches. The last two minutes are still open (the
  // newest event's minute and the one before: rollup_store.h), so they come from their minute rows.
  RollupQuery h2 = q;
  h2.from_minute = kM0 + 30;
  h2.filters = {{RollupDim::kName, {"LCP"}}};
  RollupQueryResult from_hours = Query(h2);
  EXPECT_EQ(from_hours.minute_rows_read, 2u);
  h2.bucket_minutes = 1;
  RollupQueryResult from_minutes = Query(h2);
  EXPECT_EQ(from_minutes.hour_rows_read, 0u);
  QuantileSketch merged;
  uint64_t minute_count = 0;
  for (const auto& row : from_minutes.rows) {
    ASSERT_TRUE(merged.Merge(row.values).ok());
    minute_count += row.count;
  }
  ASSERT_EQ(from_hours.rows.size(), 1u);
  EXPECT_EQ(from_hours.rows[0].count, minute_count);
  EXPECT_EQ(from_hours.rows[0].values.Serialize().size(), merged.Serialize().size());
  for (double qq : {0.5, 0.75, 0.9, 0.95, 0.99}) EXPECT_EQ(from_hours.rows[0].values.Quantile(qq), merged.Quantile(qq)) << qq;
  printf("rows read: whole range %llu minute + %llu hour; 5-min buckets %llu minute rows\n",
         (unsigned long long)r.minute_rows_read, (unsigned long long)r.hour_rows_read, (unsigned long long)mr.minute_rows_read);
}

// Day rows (UTC days) answer the whole days of a long range; hour and minute rows the ragged
// ends. Whatever the level, the figures are the same.
TEST_F(RollupTest, DayRowsAnswerWholeDaysLikeHours) {
  Site site;
  const int64_t d0 = (kT0 / 86'400'000 + 1) * 86'400'000;  // a UTC midnight after kT0
  // From 18:00 the day before d0 to 06:00 three days after: three whole days and two ragged ends.
  std::vector<Event> events = site.Make(9000, d0 - 6 * 3'600'000, 84 * 3'600'000);
  Feed(events);
  ASSERT_TRUE(step_->Flush().ok());
  RollupQuery q;
  q.from_minute = (d0 - 6 * 3'600'000) / 60'000;
  q.to_minute = q.from_minute + 84 * 60;
  q.filters = {{RollupDim::kName, {"LCP"}}};
  RollupQueryResult whole = Query(q);
  EXPECT_GT(whole.day_rows_read, 0u);
  EXPECT_GT(whole.hour_rows_read, 0u);
  // Hourly buckets cannot use day rows; merged, they give the same sketch.
  RollupQuery hq = q;
  hq.bucket_minutes = 60;
  RollupQueryResult hours = Query(hq);
  EXPECT_EQ(hours.day_rows_read, 0u);
  QuantileSketch merged;
  uint64_t count = 0;
  for (const auto& row : hours.rows) {
    ASSERT_TRUE(merged.Merge(row.values).ok());
    count += row.count;
  }
  ASSERT_EQ(whole.rows.size(), 1u);
  EXPECT_EQ(whole.rows[0].count, count);
  for (double qq : {0.5, 0.75, 0.99}) EXPECT_EQ(whole.rows[0].values.Quantile(qq), merged.Quantile(qq)) << qq;
  // Daily buckets: one per UTC day, exact counts; the whole days come from day rows alone.
  RollupQuery dq;
  dq.from_minute = d0 / 60'000;
  dq.to_minute = dq.from_minute + 3 * 1440;
  dq.bucket_minutes = 1440;
  RollupQueryResult days = Query(dq);
  EXPECT_EQ(days.hour_rows_read + days.minute_rows_read, 0u);
  std::map<int64_t, uint64_t> by_day;
  for (const Event& e : events) {
    if (e.ts >= d0 && e.ts < d0 + 3 * 86'400'000) by_day[e.ts / 86'400'000 * 1440]++;
  }
  ASSERT_EQ(days.rows.size(), 3u);
  for (const auto& row : days.rows) EXPECT_EQ(row.count, by_day[row.bucket_start]) << "day " << row.bucket_start;

  // A store created before the day level (schema 2) gets its day rows built from the hour rows.
  RollupQuery all_users;
  all_users.from_minute = q.from_minute;
  all_users.to_minute = q.to_minute;
  const double users_before = Query(all_users).rows.at(0).users;
  ASSERT_TRUE(store_->Add({}).ok());  // merges the open minutes: a schema-2 store had none
  step_.reset();
  store_.reset();
  {
    SqliteDb db;
    ASSERT_TRUE(db.Open(dir_ + "/rollups.db").ok());
    // Undo migrations 3 to 8 (7 made the hour rows a rowid table: back to schema 2's WITHOUT ROWID).
    ASSERT_TRUE(db.Exec("DROP TABLE rollup_day; DROP TABLE rollup_marks; DROP TABLE rollup_open_minutes; "
                        "CREATE TABLE hour2(project_id INTEGER NOT NULL, minute INTEGER NOT NULL, type TEXT NOT NULL, "
                        "name TEXT NOT NULL, path TEXT NOT NULL, release TEXT NOT NULL, environment TEXT NOT NULL, "
                        "browser TEXT NOT NULL, os TEXT NOT NULL, country TEXT NOT NULL, count INTEGER NOT NULL, "
                        "errors INTEGER NOT NULL, users BLOB, sessions BLOB, vals BLOB, PRIMARY KEY(project_id, minute, "
                        "type, name, path, release, environment, browser, os, country)) WITHOUT ROWID; "
                        "INSERT INTO hour2 SELECT project_id, minute, type, name, path, release, environment, browser, os, "
                        "country, count, errors, users, sessions, vals FROM rollup_hour; "
                        "DROP TABLE rollup_hour; ALTER TABLE hour2 RENAME TO rollup_hour; "
                        "CREATE INDEX rollup_hour_by_country ON rollup_hour(project_id, country, minute); "
                        "CREATE INDEX rollup_hour_by_path ON rollup_hour(project_id, path, minute); "
                        "PRAGMA user_version=2")
                    .ok());
  }
  Open();
  RollupQueryResult migrated = Query(q);
  EXPECT_EQ(migrated.day_rows_read, whole.day_rows_read);
  ASSERT_EQ(migrated.rows.size(), 1u);
  EXPECT_EQ(migrated.rows[0].count, whole.rows[0].count);
  EXPECT_EQ(migrated.rows[0].values.Serialize(), whole.rows[0].values.Serialize());
  RollupQuery uq;
  uq.from_minute = q.from_minute;
  uq.to_minute = q.to_minute;
  EXPECT_EQ(Query(uq).rows.at(0).users, users_before) << "distinct sketches merged by the migration";
}

// Minute rows without a name filter are read by the names their hour rows hold (a few names: one
// seek per minute and name; many: the type's rows of each minute). Both give exact counts.
TEST_F(RollupTest, MinuteBucketsWithoutNameFilterCountEveryEvent) {
  Site site;
  std::vector<Event> events = site.Make(4000, kT0, 3 * 3'600'000);
  for (int i = 0; i < 600; ++i) {  // 30 custom event names: more than the name seeks take
    Event e = events[static_cast<size_t>(i)];
    e.event_id = "custom" + std::to_string(i);
    e.type = EventType::kCustom;
    e.name = "evt-" + std::to_string(i % 30);
    e.value.reset();
    e.duration.reset();
    events.push_back(e);
  }
  Feed(events);
  ASSERT_TRUE(step_->Flush().ok());
  struct Case {
    std::vector<std::string> types;  // empty: every event type
  } cases[] = {{{"pageview", "error"}}, {{"custom"}}, {{}}};
  for (const Case& c : cases) {
    RollupQuery q;
    q.from_minute = kM0 + 7;  // ragged: not on an hour
    q.to_minute = kM0 + 173;
    q.bucket_minutes = 5;
    q.group_by = {RollupDim::kType};
    if (!c.types.empty()) q.filters = {{RollupDim::kType, c.types}};
    std::map<std::pair<int64_t, std::string>, uint64_t> want;
    for (const Event& e : events) {
      int64_t m = e.ts / 60'000;
      std::string type(EventTypeName(e.type));
      if (m < q.from_minute || m >= q.to_minute) continue;
      if (!c.types.empty() && std::find(c.types.begin(), c.types.end(), type) == c.types.end()) continue;
      want[{m / 5 * 5, type}]++;
    }
    std::map<std::pair<int64_t, std::string>, uint64_t> got;
    RollupQueryResult r = Query(q);
    EXPECT_GT(r.minute_rows_read, 0u);
    for (const auto& row : r.rows) got[{row.bucket_start, row.group[0]}] = row.count;
    EXPECT_EQ(got, want) << (c.types.empty() ? "all types" : c.types[0]);
  }
  RollupQuery empty;  // hours without rows: nothing, not an error
  empty.from_minute = kM0 + 10 * 60 + 7;
  empty.to_minute = kM0 + 11 * 60 + 3;
  empty.bucket_minutes = 1;
  EXPECT_TRUE(Query(empty).rows.empty());
}

// Derived series (rollup_step.h) answer breakdowns by a second key and never count in totals.
TEST_F(RollupTest, DerivedSeriesAnswerBreakdownsAndStayOutOfTotals) {
  std::vector<Event> events;
  auto add = [&](EventType type, std::string name, std::string url, std::string data, std::optional<double> duration,
                 std::optional<int> status = std::nullopt) {
    Event e;
    e.project_id = 1;
    e.type = type;
    e.ts = kT0 + static_cast<int64_t>(events.size()) * 1000;
    e.name = std::move(name);
    e.url = std::move(url);
    e.path = UrlPath(e.url);
    e.data = std::move(data);
    e.duration = duration;
    e.status = status;
    e.uid = "u1";
    events.push_back(e);
  };
  for (int i = 0; i < 3; ++i) add(EventType::kHttp, "GET", "https://api.example.com/items/" + std::to_string(i), "{}", 100 + i, 200);
  add(EventType::kHttp, "GET", "https://api.example.com/items/99", "{}", 900, 503);
  add(EventType::kResource, "img", "https://cdn.example.com/a.png", R"({"failed":true})", 0.0);
  add(EventType::kRoute, "", "https://shop.example.com/cart", R"({"from":"https://shop.example.com/p?x=1"})", 4000);
  add(EventType::kClick, "button.buy", "https://shop.example.com/p", R"({"text":"Buy \u001f now"})", std::nullopt);
  add(EventType::kCustom, "signup", "https://shop.example.com/", R"({"props":{"plan":"pro","seats":3}})", std::nullopt);
  Event nav;
  nav.project_id = 1;
  nav.type = EventType::kVital;
  nav.name = "navigation";
  nav.ts = kT0;
  nav.value = 800;
  nav.data = R"({"timing":{"dns":12,"tcp":-1,"bogus":5,"load":800}})";
  events.push_back(nav);
  Feed(events);
  ASSERT_TRUE(step_->Flush().ok());

  RollupQuery all;
  all.from_minute = kM0;
  all.to_minute = kM0 + 60;
  EXPECT_EQ(Query(all).rows.at(0).count, events.size()) << "derived series must not count in totals";

  auto breakdown = [&](DerivedSeries d) {
    RollupQuery q = all;
    q.filters = {{RollupDim::kType, {std::string(DerivedSeriesType(d))}}};
    q.group_by = {RollupDim::kName};
    std::map<std::vector<std::string>, RollupResultRow> out;
    for (auto& row : Query(q).rows) out[SplitKey(row.group.at(0))] = row;
    return out;
  };
  auto http = breakdown(DerivedSeries::kHttpEndpoint);
  ASSERT_EQ(http.size(), 2u);
  const auto& ok = http.at({"GET", "api.example.com/items/:id", "200"});
  EXPECT_EQ(ok.count, 3u);
  EXPECT_EQ(ok.errors, 0u);
  EXPECT_NEAR(ok.p50, 101, 1.01);
  EXPECT_EQ(http.at({"GET", "api.example.com/items/:id", "503"}).errors, 1u);
  auto res = breakdown(DerivedSeries::kResourceUrl);
  EXPECT_EQ(res.at({"img", "https://cdn.example.com/a.png"}).errors, 1u);
  auto flow = breakdown(DerivedSeries::kRouteFlow);
  EXPECT_EQ(flow.at({"/p", "/cart"}).count, 1u);
  auto dwell = breakdown(DerivedSeries::kRouteDwell);
  EXPECT_NEAR(dwell.at({"/cart"}).p50, 4000, 40) << "no referrer: the dwell is the url's path";
  auto clicks = breakdown(DerivedSeries::kClickText);
  EXPECT_EQ(clicks.at({"button.buy", "Buy   now"}).count, 1u) << "a separator inside a key becomes a space";
  auto props = breakdown(DerivedSeries::kCustomProp);
  EXPECT_EQ(props.at({"signup", "plan", "pro"}).count, 1u);
  EXPECT_EQ(props.at({"signup", "seats", "3"}).count, 1u);
  auto parts = breakdown(DerivedSeries::kNavigationTiming);
  ASSERT_EQ(parts.size(), 2u) << "negative and unknown parts are skipped";
  EXPECT_NEAR(parts.at({"dns"}).p50, 12, 0.12);
  EXPECT_NEAR(parts.at({"load"}).p50, 800, 8);
}

TEST_F(RollupTest, LateEventsMergeIntoStoredMinutesAndHours) {
  Site site;
  std::vector<Event> first = site.Make(5000, kT0, 10 * 60'000);
  Feed(first);
  ASSERT_TRUE(step_->Flush().ok());
  // Late events for the same minutes, and the first 1000 again (counted again: batches without a
  // queue offset are always aggregated; replays from the queue are covered by processor_test).
  std::vector<Event> late = site.Make(3000, kT0, 10 * 60'000);
  std::vector<Event> replay(first.begin(), first.begin() + 1000);
  now_ += 5000;
  Feed(late);
  Feed(replay);
  ASSERT_TRUE(step_->Flush().ok());
  std::vector<double> lcp;
  for (const auto* v : {&first, &late, &replay}) {
    for (const Event& e : *v) if (e.type == EventType::kVital) lcp.push_back(*e.value);
  }
  RollupQuery q;
  q.from_minute = kM0;
  q.to_minute = kM0 + 10;
  q.filters = {{RollupDim::kName, {"LCP"}}};
  RollupQueryResult r = Query(q);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].count, lcp.size());
  EXPECT_LE(std::fabs(r.rows[0].p75 - Exact(lcp, 0.75)) / Exact(lcp, 0.75), 0.01);
  EXPECT_LE(std::fabs(r.rows[0].p99 - Exact(lcp, 0.99)) / Exact(lcp, 0.99), 0.01);
  // The hour row got the same merges: query the whole hour (the hour row, and the minute rows of
  // the two minutes still open); then again once every minute is merged (the hour row only).
  q.from_minute = kM0 - 30;
  q.to_minute = kM0 + 30;
  RollupQueryResult h = Query(q);
  EXPECT_EQ(h.minute_rows_read, 2u);
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(h.rows[0].count, lcp.size());
  EXPECT_EQ(h.rows[0].p75, r.rows[0].p75);
  ASSERT_TRUE(store_->Add({}).ok());
  h = Query(q);
  EXPECT_EQ(h.minute_rows_read, 0u);
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(h.rows[0].count, lcp.size());
  EXPECT_EQ(h.rows[0].p75, r.rows[0].p75);
}

int64_t OpenMinuteCount(const std::string& path) {
  SqliteDb db;
  if (!db.Open(path).ok()) return -1;
  auto st = db.Prepare("SELECT COUNT(*) FROM rollup_open_minutes");
  if (!st.ok()) return -1;
  auto row = st->Step();
  return row.ok() && row.value() ? st->Int(0) : -1;
}

// Minutes still receiving events stay at the minute level ("open", rollup_store.h) until a later
// write finds them complete. Queries over ranges holding open minutes, at every level and bucket
// size, answer exactly as after the minutes are merged into their hours and days.
TEST_F(RollupTest, OpenMinutesAnswerLikeMergedOnes) {
  Site site;
  // hh:30 to hh+1:20: the newest minute and the one before stay open, in the middle of an hour.
  std::vector<Event> events = site.Make(8000, kT0, 50 * 60'000);
  Feed(events);
  ASSERT_TRUE(step_->Flush().ok());
  ASSERT_EQ(OpenMinuteCount(dir_ + "/rollups.db"), 2);
  const int64_t day = kM0 / 1440 * 1440, last = (kT0 + 50 * 60'000) / 60'000;  // `last`: one past the data
  struct Case {
    const char* what;
    RollupQuery q;
  };
  auto query = [](int64_t from, int64_t to, int64_t bucket, std::vector<RollupDim> group_by,
                  std::vector<RollupFilter> filters = {}) {
    RollupQuery q;
    q.from_minute = from;
    q.to_minute = to;
    q.bucket_minutes = bucket;
    q.group_by = std::move(group_by);
    q.filters = std::move(filters);
    return q;
  };
  const std::vector<Case> cases = {
      {"the day, one bucket", query(day, day + 1440, 0, {})},
      {"the day by type", query(day, day + 1440, 0, {RollupDim::kType})},
      {"two hours, hourly", query(kM0 - 30, kM0 + 90, 60, {})},
      {"two hours, hourly by browser", query(kM0 - 30, kM0 + 90, 60, {RollupDim::kBrowser})},
      {"ragged, by type", query(kM0 + 7, last, 0, {RollupDim::kType})},
      {"the last minutes, 1-minute buckets", query(last - 5, last + 3, 1, {})},
      {"the last minutes by path", query(last - 5, last, 0, {RollupDim::kPath})},
      {"vitals by name, daily", query(day, day + 1440, 1440, {RollupDim::kName}, {{RollupDim::kType, {"vital"}}})},
      {"LCP in DE, 5-minute buckets", query(kM0 + 40, last, 5, {}, {{RollupDim::kName, {"LCP"}}, {RollupDim::kCountry, {"DE"}}})},
  };
  std::vector<RollupQueryResult> open;
  for (const Case& c : cases) open.push_back(Query(c.q));
  EXPECT_GT(open[0].minute_rows_read, 0u) << "the open minutes come from their minute rows";
  EXPECT_GT(open[0].day_rows_read, 0u);
  uint64_t total = 0;
  for (const auto& row : open[0].rows) total += row.count;
  EXPECT_EQ(total, events.size());
  ASSERT_TRUE(store_->Add({}).ok());  // merges every open minute
  EXPECT_EQ(OpenMinuteCount(dir_ + "/rollups.db"), 0);
  EXPECT_EQ(Query(cases[0].q).minute_rows_read, 0u);
  for (size_t i = 0; i < cases.size(); ++i) {
    RollupQueryResult merged = Query(cases[i].q);
    ASSERT_EQ(merged.rows.size(), open[i].rows.size()) << cases[i].what;
    EXPECT_FALSE(merged.rows.empty()) << cases[i].what;
    for (size_t j = 0; j < merged.rows.size(); ++j) {
      const RollupResultRow &a = open[i].rows[j], &b = merged.rows[j];
      SCOPED_TRACE(std::string(cases[i].what) + ", row " + std::to_string(j));
      EXPECT_EQ(a.bucket_start, b.bucket_start);
      EXPECT_EQ(a.group, b.group);
      EXPECT_EQ(a.count, b.count);
      EXPECT_EQ(a.errors, b.errors);
      EXPECT_EQ(a.users, b.users);
      EXPECT_EQ(a.sessions, b.sessions);
      EXPECT_EQ(a.users_sketch.Serialize(), b.users_sketch.Serialize());
      EXPECT_EQ(a.values.Count(), b.values.Count());
      for (auto [x, y] : {std::pair{a.p50, b.p50}, {a.p75, b.p75}, {a.p90, b.p90}, {a.p95, b.p95}, {a.p99, b.p99}}) {
        if (!std::isnan(x) || !std::isnan(y)) EXPECT_EQ(x, y);
      }
    }
  }
}

// An open minute is merged into its hour and day in the transaction of the write that finds it
// complete, together with the queue mark: a failure there (or a crash before it) leaves the minute
// open and the mark where it was, so nothing is lost or counted twice, across reopens too.
TEST_F(RollupTest, MergingAnOpenMinuteIsAtomicWithTheQueueMark) {
  Site site;
  const std::vector<Event> a = site.Make(700, kT0, 60'000), b = site.Make(500, kT0 + 2 * 60'000, 60'000);
  auto feed = [&](const std::vector<Event>& events, uint64_t offset) {
    NormalizedBatch batch;
    batch.project_id = 1;
    batch.offset = offset;
    batch.events = events;
    step_->Process(&batch);
  };
  RollupQuery hour;  // the whole hour kM0 is in: the hour row plus open minutes
  hour.from_minute = kM0 - 30;
  hour.to_minute = kM0 + 30;
  const std::string path = dir_ + "/rollups.db";
  feed(a, 1);
  ASSERT_TRUE(step_->Flush().ok());
  EXPECT_EQ(OpenMinuteCount(path), 1);
  Open();  // a crash after that write: the minute is still open, the mark says record 1 is stored
  EXPECT_EQ(store_->AddedThrough().value(), 1u);
  RollupQueryResult r = Query(hour);
  EXPECT_EQ(r.hour_rows_read, 0u);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].count, a.size());
  feed(a, 1);  // replayed: skipped
  EXPECT_EQ(step_->stats().replayed_skipped, a.size());
  {
    SqliteDb db;
    ASSERT_TRUE(db.Open(path).ok());
    ASSERT_TRUE(db.Exec("CREATE TRIGGER fail_day BEFORE INSERT ON rollup_day BEGIN SELECT RAISE(ABORT, 'injected'); END").ok());
  }
  feed(b, 2);  // two minutes later: minute kM0 is complete and its merge fails
  EXPECT_FALSE(step_->Flush().ok());
  EXPECT_EQ(store_->AddedThrough().value(), 1u);
  EXPECT_EQ(OpenMinuteCount(path), 1);
  EXPECT_EQ(step_->PendingFrom(), 2u) << "record 2 must not be committed in the queue";
  r = Query(hour);
  EXPECT_EQ(r.hour_rows_read, 0u) << "the hour merge rolled back with the day's";
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].count, a.size());
  Open();  // a crash: record 2 only in memory, so the queue replays records 1 and 2
  {
    SqliteDb db;
    ASSERT_TRUE(db.Open(path).ok());
    ASSERT_TRUE(db.Exec("DROP TRIGGER fail_day").ok());
  }
  feed(a, 1);
  feed(b, 2);
  ASSERT_TRUE(step_->Flush().ok());
  EXPECT_EQ(store_->AddedThrough().value(), 2u);
  EXPECT_EQ(OpenMinuteCount(path), 1) << "minute kM0 merged, kM0 + 2 open";
  r = Query(hour);
  EXPECT_GT(r.hour_rows_read, 0u);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].count, a.size() + b.size());
  RollupQuery first = hour;
  first.from_minute = kM0;
  first.to_minute = kM0 + 1;
  EXPECT_EQ(Query(first).rows.at(0).count, a.size());
  RollupQuery days;
  days.from_minute = kM0 / 1440 * 1440;
  days.to_minute = days.from_minute + 1440;
  r = Query(days);
  EXPECT_GT(r.day_rows_read, 0u);
  EXPECT_EQ(r.rows.at(0).count, a.size() + b.size());
}

TEST_F(RollupTest, CapsFoldExcessPathsIntoOther) {
  max_paths_ = 3;
  Open();
  std::vector<Event> events;
  for (int i = 0; i < 100; ++i) {
    Event e;
    e.project_id = 1;
    e.type = EventType::kPageview;
    e.ts = kT0 + i;
    e.path = "/p" + std::to_string(i % 10);
    events.push_back(e);
  }
  Feed(events);
  ASSERT_TRUE(step_->Flush().ok());
  RollupQuery q;
  q.from_minute = kM0;
  q.to_minute = kM0 + 1;
  q.group_by = {RollupDim::kPath};
  RollupQueryResult r = Query(q);
  std::map<std::string, uint64_t> got;
  for (const auto& row : r.rows) got[row.group[0]] = row.count;
  std::map<std::string, uint64_t> want = {{"/p0", 10}, {"/p1", 10}, {"/p2", 10}, {"(other)", 70}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(step_->stats().folded_paths, 70u);
  // The next minute has its own allowance.
  Event e = events[9];
  e.ts += 60'000;
  Feed({e});
  ASSERT_TRUE(step_->Flush().ok());
  q.from_minute = kM0 + 1;
  q.to_minute = kM0 + 2;
  r = Query(q);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].group[0], "/p9");
}

// A store that fails its first `failures` writes.
class FlakyStore : public RollupStore {
 public:
  explicit FlakyStore(RollupStore* real, int failures) : real_(real), failures_(failures) {}
  Status Add(const std::vector<RollupRow>& rows) override {
    if (failures_-- > 0) return Status::Error("sqlite", "disk I/O error (injected)");
    return real_->Add(rows);
  }
  Result<RollupQueryResult> Query(const RollupQuery& q) override { return real_->Query(q); }

 private:
  RollupStore* real_;
  int failures_;
};

TEST_F(RollupTest, FailedFlushKeepsRowsPending) {
  FlakyStore flaky(store_.get(), 2);
  RollupOptions opt;
  opt.now_ms = [this] { return now_; };
  RollupStep step(&flaky, opt);
  Site site;
  std::vector<Event> a = site.Make(500, kT0, 60'000), b = site.Make(500, kT0, 60'000);
  NormalizedBatch ba, bb;
  ba.events = a;
  bb.events = b;
  step.Process(&ba);
  EXPECT_FALSE(step.Flush().ok());
  step.Process(&bb);
  EXPECT_FALSE(step.Flush().ok());
  EXPECT_GT(step.stats().pending_rows, 0u);
  EXPECT_EQ(step.stats().flush_failures, 2u);
  ASSERT_TRUE(step.Flush().ok());
  RollupQuery q;
  q.project_id = 1;
  q.from_minute = kM0;
  q.to_minute = kM0 + 1;
  ASSERT_TRUE(SelectRollupView(&q).ok());
  auto r = store_->Query(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0].count, 1000u);
}

TEST_F(RollupTest, PersistsAcrossReopenAndSurvivesCorruptBlobs) {
  Site site;
  std::vector<Event> events = site.Make(2000, kT0, 60'000);
  Feed(events);
  ASSERT_TRUE(step_->Flush().ok());
  Open();
  RollupQuery q;
  q.from_minute = kM0;
  q.to_minute = kM0 + 1;
  RollupQueryResult r = Query(q);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].count, events.size());
  // Corrupt every stored value sketch of the minute: queries fail loudly; the next write to
  // those rows replaces the unreadable BLOBs (counted) and queries work again.
  {
    SqliteDb db;
    ASSERT_TRUE(db.Open(dir_ + "/rollups.db").ok());
    ASSERT_TRUE(db.Exec("UPDATE rollup_minute SET vals = x'01ff' WHERE vals IS NOT NULL").ok());
    ASSERT_GT(db.Changes(), 0);
  }
  RollupQuery bad = q;
  bad.project_id = 1;
  ASSERT_TRUE(SelectRollupView(&bad).ok());
  EXPECT_FALSE(store_->Query(bad).ok());
  Feed(events);
  ASSERT_TRUE(step_->Flush().ok());
  EXPECT_GT(store_->corrupt_blobs_replaced(), 0u);
  r = Query(q);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].count, 2 * events.size());
}

TEST_F(RollupTest, RejectsBadQueries) {
  struct Case {
    const char* why;
    RollupQuery q;
  } cases[] = {
      {"empty range", {1, 10, 10, {}, {}, 0}},
      {"three group-by dims", {1, 0, 10, {}, {RollupDim::kOs, RollupDim::kBrowser, RollupDim::kPath}, 0}},
      {"negative bucket", {1, 0, 10, {}, {}, -5}},
      {"filter without values", {1, 0, 10, {{RollupDim::kOs, {}}}, {}, 0}},
  };
  for (const Case& c : cases) {
    auto r = store_->Query(c.q);
    ASSERT_FALSE(r.ok()) << c.why;
    EXPECT_EQ(r.status().code(), "bad_query") << c.why;
  }
  RollupDim d;
  EXPECT_TRUE(ParseRollupDim("country", &d));
  EXPECT_EQ(d, RollupDim::kCountry);
  EXPECT_FALSE(ParseRollupDim("city", &d));
}

}  // namespace
}  // namespace vigil

namespace vigil {
namespace {

TEST_F(RollupTest, QueriesCanSkipSketchesTheyDoNotNeed) {
  Site site;
  std::vector<Event> events = site.Make(3000, kT0, 60'000);
  Feed(events);
  ASSERT_TRUE(step_->Flush().ok());
  RollupQuery q;
  q.from_minute = kM0;
  q.to_minute = kM0 + 1;
  RollupQueryResult full = Query(q);
  q.with_distinct = false;
  q.with_values = false;
  RollupQueryResult lean = Query(q);
  ASSERT_EQ(full.rows.size(), 1u);
  ASSERT_EQ(lean.rows.size(), 1u);
  EXPECT_EQ(lean.rows[0].count, full.rows[0].count);
  EXPECT_EQ(lean.rows[0].errors, full.rows[0].errors);
  EXPECT_GT(full.rows[0].users, 0);
  EXPECT_EQ(lean.rows[0].users, 0);
  EXPECT_TRUE(std::isnan(lean.rows[0].p50));
  EXPECT_FALSE(std::isnan(full.rows[0].p50));
}

}  // namespace
}  // namespace vigil

// Rollup step throughput and rollup query latency.
//
//   rollup_bench [events_per_pass=100000] [passes=10] [simulated_events_per_s=2000]
//
// Traffic model (fixed seed): batches of 1–30 events from one page session (uid, sid, browser, OS,
// country, release and page path shared within a batch, as the SDK sends them); 200 paths and
// 40 countries Zipf-distributed, 6 browsers, 5 OSes, 3 releases, 2 environments; 30% pageviews,
// 30% vitals (LCP, FCP, TTFB, INP, CLS), 22% http, 5% resource, 5% errors, 8% clicks; 50,000
// users. The simulated clock runs at 2,000 events/s, so a pass of 100,000 events covers ~50 s
// and every minute sees the realistic number of distinct series. Passes replay the same events
// with later timestamps. Prints:
//   1. the step alone (aggregation in memory, flushes into a store that discards rows);
//   2. the step flushing into SqliteRollupStore every 10 simulated seconds (production default);
//   3. rollup query latency over 7 days of stored rows, hour level vs minute level.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "rollup/rollup_step.h"
#include "rollup/sqlite_rollup_store.h"

namespace vigil {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// CPU time of this thread: the figure per core, unaffected by other processes on a shared machine.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Zipf(s) over [0, n): rank r has weight 1/(r+1)^s.
class Zipf {
 public:
  Zipf(size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / std::pow(i + 1.0, s));
    for (double& c : cdf_) c /= sum;
  }
  size_t operator()(std::mt19937_64& rng) {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin()) % cdf_.size();
  }

 private:
  std::vector<double> cdf_;
};

std::vector<NormalizedBatch> MakeTraffic(size_t events, int64_t t0, double events_per_s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* browsers[] = {"Chrome", "Safari", "Edge", "Firefox", "Samsung Internet", "Opera"};
  const double browser_w[] = {0.62, 0.2, 0.08, 0.05, 0.03, 0.02};
  const char* oses[] = {"Windows", "Android", "iOS", "Mac OS X", "Linux"};
  const char* releases[] = {"web@4.1.0", "web@4.2.0", "web@4.2.1"};
  const char* vitals[] = {"LCP", "FCP", "TTFB", "INP", "CLS"};
  std::discrete_distribution<int> browser_d(std::begin(browser_w), std::end(browser_w));
  Zipf path_z(200, 1.1), country_z(40, 1.2), user_z(50000, 0.8);
  std::lognormal_distribution<double> lcp(std::log(2200), 0.55), fcp(std::log(1200), 0.5), ttfb(std::log(300), 0.9),
      inp(std::log(120), 0.8), fetch(std::log(180), 0.9), res(std::log(60), 1.2);
  std::exponential_distribution<double> cls(20);
  std::vector<NormalizedBatch> batches;
  size_t made = 0;
  while (made < events) {
    NormalizedBatch b;
    b.project_id = 1 + static_cast<int64_t>(rng() % 3);
    size_t n = std::min<size_t>(1 + rng() % 30, events - made);
    uint64_t user = user_z(rng);
    std::string uid = "u" + std::to_string(user * 2654435761u % 1000003u);
    std::string sid = uid + "-s" + std::to_string(rng() % 4);
    std::string browser = browsers[browser_d(rng)], os = oses[rng() % 5], release = releases[rng() % 3];
    std::string country = "C" + std::to_string(country_z(rng)), env = rng() % 10 ? "production" : "staging";
    std::string path = "/section" + std::to_string(path_z(rng) % 20) + "/page" + std::to_string(path_z(rng));
    for (size_t i = 0; i < n; ++i, ++made) {
      Event e;
      e.project_id = b.project_id;
      e.event_id = "e" + std::to_string(made);
      e.ts = t0 + static_cast<int64_t>(static_cast<double>(made) * 1000.0 / events_per_s);
      e.uid = uid;
      e.sid = sid;
      e.browser = browser;
      e.os = os;
      e.release = release;
      e.environment = env;
      e.country = country;
      e.path = path;
      int kind = static_cast<int>(rng() % 100);
      if (kind < 30) {
        e.type = EventType::kPageview;
      } else if (kind < 60) {
        e.type = EventType::kVital;
        int v = static_cast<int>(rng() % 5);
        e.name = vitals[v];
        e.value = v == 0 ? lcp(rng) : v == 1 ? fcp(rng) : v == 2 ? ttfb(rng) : v == 3 ? inp(rng) : cls(rng);
      } else if (kind < 82) {
        e.type = EventType::kHttp;
        e.name = rng() % 4 ? "GET" : "POST";
        e.duration = fetch(rng);
        e.status = rng() % 25 ? 200 : 502;
      } else if (kind < 87) {
        e.type = EventType::kResource;
        e.name = rng() % 2 ? "script" : "img";
        e.duration = res(rng);
      } else if (kind < 92) {
        e.type = EventType::kError;
        e.name = rng() % 3 ? "js" : "promise";
      } else {
        e.type = EventType::kClick;
      }
      b.events.push_back(std::move(e));
    }
    batches.push_back(std::move(b));
  }
  return batches;
}

void Shift(std::vector<NormalizedBatch>* batches, int64_t ms) {
  for (auto& b : *batches)
    for (auto& e : b.events) e.ts += ms;
}

class DiscardStore : public RollupStore {
 public:
  Status Add(const std::vector<RollupRow>& rows) override {
    rows_ += rows.size();
    return Status::Ok();
  }
  Result<RollupQueryResult> Query(const RollupQuery&) override { return RollupQueryResult{}; }
  uint64_t rows_ = 0;
};

// Runs `passes` passes over `batches` through `step`, the simulated clock following event time.
// Returns the thread CPU seconds spent in Process and the final Flush.
double Run(RollupStep* step, std::vector<NormalizedBatch> batches, int passes, int64_t pass_ms, int64_t* sim_now,
           size_t* events) {
  double busy = 0;
  for (int p = 0; p < passes; ++p) {
    double start = ThreadCpuSeconds();
    size_t in_cycle = 0;
    for (auto& b : batches) {
      *sim_now = b.events.back().ts;
      step->Process(&b);
      *events += b.events.size();
      if (++in_cycle == 64) {  // a processor cycle of 64 batches (it polls up to 256)
        step->FinishCycle();
        in_cycle = 0;
      }
    }
    step->FinishCycle();
    busy += ThreadCpuSeconds() - start;
    Shift(&batches, pass_ms);
  }
  double start = ThreadCpuSeconds();
  Status st = step->Flush();
  busy += ThreadCpuSeconds() - start;
  if (!st.ok()) fprintf(stderr, "flush failed: %s\n", st.ToString().c_str());
  return busy;
}

}  // namespace
}  // namespace vigil

int main(int argc, char** argv) {
  using namespace vigil;
  size_t per_pass = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  int passes = argc > 2 ? std::atoi(argv[2]) : 10;
  const double rate = argc > 3 ? std::atof(argv[3]) : 2000;  // simulated events/s
  const int64_t t0 = 1'735'689'600'000;  // 2025-01-01T00:00Z
  auto gen_start = Clock::now();
  std::vector<NormalizedBatch> batches = MakeTraffic(per_pass, t0, rate, 42);
  const int64_t pass_ms = static_cast<int64_t>(static_cast<double>(per_pass) * 1000.0 / rate) + 1;
  printf("traffic: %zu events in %zu batches per pass, %d passes, %.0f simulated events/s (generated in %.1f s)\n",
         per_pass, batches.size(), passes, rate, Seconds(gen_start, Clock::now()));

  {
    DiscardStore discard;
    int64_t sim_now = t0;
    RollupOptions opt;
    opt.now_ms = [&sim_now] { return sim_now; };
    RollupStep step(&discard, opt);
    size_t events = 0;
    double s = Run(&step, batches, passes, pass_ms, &sim_now, &events);
    RollupStepStats st = step.stats();
    printf("\n1. step alone (store discards rows):\n");
    printf("   %zu events in %.3f CPU s = %.0f events/s on one core (%.0f ns/event); %llu rows flushed in %llu flushes "
           "(%.1f events per row)\n",
           events, s, events / s, s * 1e9 / events, (unsigned long long)st.rows_flushed, (unsigned long long)st.flushes,
           static_cast<double>(events) / static_cast<double>(st.rows_flushed));
  }

  std::string dir = (std::filesystem::temp_directory_path() / "vigil-rollup-bench").string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    auto store = SqliteRollupStore::Open(dir + "/rollups.db");
    if (!store.ok()) {
      fprintf(stderr, "%s\n", store.status().ToString().c_str());
      return 1;
    }
    int64_t sim_now = t0;
    RollupOptions opt;
    opt.now_ms = [&sim_now] { return sim_now; };
    RollupStep step(store->get(), opt);
    size_t events = 0;
    double s = Run(&step, batches, passes, pass_ms, &sim_now, &events);
    RollupStepStats st = step.stats();
    printf("\n2. step + SqliteRollupStore (flush every 10 simulated s):\n");
    printf("   %zu events in %.3f CPU s = %.0f events/s on one core (%.0f ns/event); %llu rows in %llu flushes; "
           "rollups.db %.1f MB\n",
           events, s, events / s, s * 1e9 / events, (unsigned long long)st.rows_flushed, (unsigned long long)st.flushes,
           std::filesystem::file_size(dir + "/rollups.db") / 1e6);
  }
  batches.clear();
  batches.shrink_to_fit();

  {
    // 7 days at 20 events/minute for the query benchmark.
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto store = SqliteRollupStore::Open(dir + "/rollups.db");
    if (!store.ok()) return 1;
    const double slow_rate = 20.0 / 60.0;
    const size_t week_events = 7 * 24 * 60 * 20;
    int64_t sim_now = t0;
    RollupOptions opt;
    opt.now_ms = [&sim_now] { return sim_now; };
    opt.flush_interval_ms = 3'600'000;
    RollupStep step(store->get(), opt);
    auto fill_start = Clock::now();
    std::vector<NormalizedBatch> week = MakeTraffic(week_events, t0, slow_rate, 7);
    size_t events = 0;
    Run(&step, std::move(week), 1, 0, &sim_now, &events);
    printf("\n3. queries over 7 days (%zu events, filled in %.1f s):\n", events, Seconds(fill_start, Clock::now()));
    struct Q {
      const char* what;
      RollupQuery q;
    } queries[] = {
        {"p75 LCP, 7 days, one bucket (hour rows + ragged minutes)", {}},
        {"p75 LCP by browser, 7 days", {}},
        {"p75 LCP, 7 days, daily buckets", {}},
        {"p75 LCP, 7 days, 1-minute buckets (minute rows only)", {}},
    };
    const int64_t from = t0 / 60000 + 7, to = t0 / 60000 + 7 * 24 * 60 - 5;  // ragged ends
    for (int i = 0; i < 4; ++i) {
      RollupQuery& q = queries[i].q;
      q.project_id = 1;
      q.from_minute = from;
      q.to_minute = to;
      q.filters = {{RollupDim::kName, {"LCP"}}};
      if (i == 1) q.group_by = {RollupDim::kBrowser};
      if (i == 2) q.bucket_minutes = 1440;
      if (i == 3) q.bucket_minutes = 1;
      auto start = Clock::now();
      auto r = (*store)->Query(q);
      double s = Seconds(start, Clock::now());
      if (!r.ok()) {
        fprintf(stderr, "query failed: %s\n", r.status().ToString().c_str());
        return 1;
      }
      printf("   %-58s %8.1f ms  %6llu hour + %7llu minute rows read, %zu result rows\n", queries[i].what, s * 1e3,
             (unsigned long long)r->hour_rows_read, (unsigned long long)r->minute_rows_read, r->rows.size());
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}

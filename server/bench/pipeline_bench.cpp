// Pipeline throughput: events/s through the process-stage steps (enrich with uap-core + geo,
// inbound filters, scrubbing, grouping into issues, rollups when present) on ONE thread, with warm
// caches and realistic user-agent diversity (the uap-core test corpus). Prints events/s and the
// cost of each step; then, as the Processor does once per cycle, the insert of the cycle's events
// into the embedded event store (events.db), and the throughput of the whole process stage.
//
// Time: the batches arrive on a simulated clock at --rate events/s (default 200,000, the target
// per core), event timestamps just before their batch's arrival, and the rollup step flushes on
// that clock, as it does in `vigil serve` where timestamps are arrival times: how often the step
// flushes no longer depends on how fast the machine (or valgrind) runs. The warm-up ends with a
// flush, so the timed window is what follows one flush of the current minute (its rows already
// stored) up to and including the next flush.
//
//   pipeline_bench [--batches N] [--geo DIR_WITH_MMDB] [--uas N] [--store true|false] [--rate EVENTS_PER_S]
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "common/clock.h"
#include "common/json_writer.h"
#include "geo/geo_locator.h"
#include "grouping/grouping_step.h"
#include "ingest/project_cache.h"
#include "pipeline/enrich_step.h"
#include "pipeline/filter_step.h"
#include "pipeline/scrub_step.h"
#include "rollup/rollup_step.h"
#include "rollup/sqlite_rollup_store.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_meta_store.h"
#include "ua/user_agent.h"
#include "ua/user_agent_cache.h"

using namespace vigil;

namespace {

std::vector<std::string> LoadUserAgents(size_t max) {
  std::vector<std::string> out;
  std::string path = std::string(VIGIL_SOURCE_DIR_BENCH) + "/../shared/testdata/uap-core/test_ua.yaml";
  YAML::Node doc = YAML::LoadFile(path);
  for (const auto& c : doc["test_cases"]) {
    out.push_back(c["user_agent_string"].as<std::string>());
    if (out.size() >= max) break;
  }
  return out;
}

NormalizedBatch MakeBatch(std::mt19937& rng, const std::vector<std::string>& uas, int64_t pid, int seq, int64_t arrival_ms) {
  NormalizedBatch b;
  b.project_id = pid;
  b.received_at = arrival_ms;
  b.user_agent = uas[rng() % uas.size()];
  b.client_ip = std::to_string(rng() % 223 + 1) + "." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) +
                "." + std::to_string(rng() % 256);
  static const char* kVitals[] = {"LCP", "FCP", "TTFB", "INP", "CLS"};
  static const char* kErrors[] = {"Cannot read properties of undefined (reading 'price')", "x is not a function",
                                  "Network request failed", "Failed to fetch user 42", "Script load timeout"};
  static const char* kFns[] = {"render", "onClick", "submit", "load", "update"};
  for (int i = 0; i < 20; ++i) {
    Event e;
    e.project_id = pid;
    e.event_id = "b" + std::to_string(seq) + "e" + std::to_string(i);
    e.ts = b.received_at - i;
    e.received_at = b.received_at;
    e.uid = "u" + std::to_string(rng() % 5000);
    e.sid = "s" + std::to_string(rng() % 20000);
    e.release = "shop@2.14." + std::to_string(rng() % 3);
    e.environment = "production";
    e.url = "https://shop.example.com/products/" + std::to_string(rng() % 100);
    e.path = "/products/" + std::to_string(rng() % 100);
    switch (i % 7) {
      case 1:
      case 2:
        e.type = EventType::kVital;
        e.name = kVitals[rng() % 5];
        e.value = static_cast<double>(rng() % 4000);
        e.data = R"({"rating":"good","attribution":{"element":"img.hero","url":"https://cdn.example.com/hero.avif"}})";
        break;
      case 3:
        e.type = EventType::kHttp;
        e.name = "GET";
        e.status = 200;
        e.duration = static_cast<double>(rng() % 900);
        e.data = R"({"initiator":"fetch","response_size":18423})";
        break;
      case 4:
        e.type = EventType::kClick;
        e.name = "main > button.add-to-cart";
        e.data = R"({"text":"Add to cart"})";
        break;
      case 5:
        e.type = EventType::kCustom;
        e.name = "add_to_cart";
        e.data = R"({"props":{"sku":"SKU-1","price":49.9}})";
        break;
      case 6: {
        e.type = EventType::kError;
        e.name = "js";
        int k = rng() % 5;
        e.message = std::string("TypeError: ") + kErrors[k];
        std::string d;
        JsonWriter w(&d);
        w.BeginObject().Key("exception").BeginObject().Field("type", "TypeError").Field("value", kErrors[k]).EndObject();
        w.Key("frames").BeginArray();
        w.BeginObject().Field("url", "https://shop.example.com/assets/app.3f2a1c9b.js").Field("fn", kFns[k]).Field("line", 1).Field("col", 4821).EndObject();
        w.BeginObject().Field("url", "https://shop.example.com/assets/vendor.1a2b.js").Field("fn", "commitRoot").Field("line", 2).Field("col", 1042).EndObject();
        w.EndArray().EndObject();
        e.data = d;
        break;
      }
      default:
        e.type = EventType::kPageview;
        e.data = R"({"navigation_type":"navigate","title":"Products"})";
    }
    b.events.push_back(std::move(e));
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  int batches = 20000;
  size_t nuas = 2000;
  std::string geo_dir;
  bool with_store = true;
  double rate = 200000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--batches") batches = std::atoi(argv[i + 1]);
    else if (a == "--geo") geo_dir = argv[i + 1];
    else if (a == "--uas") nuas = static_cast<size_t>(std::atoi(argv[i + 1]));
    else if (a == "--store") with_store = std::string(argv[i + 1]) != "false";
    else if (a == "--rate") rate = std::atof(argv[i + 1]);
  }
  std::string dir = std::filesystem::temp_directory_path() / ("vigil-pipeline-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto meta = SqliteMetaStore::Open(dir + "/meta.db");
  if (!meta.ok()) return 1;
  auto project = (*meta)->CreateProject("bench");
  ProjectCache projects(meta->get());
  std::string regexes = std::string(VIGIL_SOURCE_DIR_BENCH) + "/node_modules/uap-core/regexes.yaml";
  auto parser = ua::UserAgentParser::LoadFile(regexes);
  ua::UserAgentCache cache(*parser, 100000);
  std::unique_ptr<geo::GeoLocator> geo;
  if (!geo_dir.empty()) {
    geo::GeoDatabasePaths paths;
    for (const auto& e : std::filesystem::directory_iterator(geo_dir)) {
      if (e.path().extension() == ".mmdb") paths.city.push_back(e.path().string());
    }
    std::sort(paths.city.begin(), paths.city.end());
    geo = geo::GeoLocator::Open(paths);
  }
  EnrichStep enrich(&cache, geo.get(), &projects);
  FilterStep filter(&projects, meta->get(), nullptr);
  ScrubStep scrub(&projects);
  GroupingStep grouping(meta->get());
  auto rollup_store = SqliteRollupStore::Open(dir + "/rollups.db");
  if (!rollup_store.ok()) return 1;
  // 20 s into the current minute: the warm-up and the timed batches (2.4 s at the default rate)
  // stay in one minute, as almost every 2 s window of serve does.
  const int64_t sim_t0 = NowMs() / 60000 * 60000 + 20000;
  int64_t sim_now = sim_t0;
  RollupOptions rollup_options;
  rollup_options.now_ms = [&sim_now] { return sim_now; };
  RollupStep rollup(rollup_store->get(), rollup_options);
  auto event_store = SqliteEventStore::Open(dir + "/events.db");
  if (!event_store.ok()) return 1;
  std::vector<std::pair<const char*, PipelineStep*>> steps = {
      {"enrich", &enrich}, {"filter", &filter}, {"scrub", &scrub}, {"group", &grouping}, {"rollup", &rollup}};

  std::vector<std::string> uas = LoadUserAgents(nuas);
  std::mt19937 rng(7);
  std::vector<NormalizedBatch> input;
  input.reserve(batches);
  for (int i = 0; i < batches; ++i) {
    input.push_back(MakeBatch(rng, uas, project->id, i, sim_t0 + static_cast<int64_t>(i * 20 * 1000.0 / rate)));
  }
  // Warm the caches (every UA parsed once, issues created) on copies.
  for (int i = 0; i < std::min<int>(batches, 4000); ++i) {
    NormalizedBatch b = input[i];
    sim_now = b.received_at;
    for (auto& [name, step] : steps) step->Process(&b);
    if (i % 64 == 63) {
      for (auto& [name, step] : steps) step->FinishCycle();
    }
  }
  // The flush that ends the previous interval: the timed batches' rows are then merged into
  // stored ones, as in a running server.
  if (!rollup.Flush().ok()) return 1;
  const RollupStepStats warm = rollup.stats();
  std::vector<double> step_ns(steps.size(), 0);
  size_t events = 0;
  auto t0 = std::chrono::steady_clock::now();
  // The processor flushes once per cycle; under load a cycle holds up to 256 batches. Use 64.
  int n = 0;
  double store_ns = 0, final_flush_ns = 0;
  std::vector<Event> cycle;
  for (auto& b : input) {
    events += b.events.size();
    bool end_of_cycle = ++n % 64 == 0 || &b == &input.back();
    sim_now = b.received_at;
    for (size_t s = 0; s < steps.size(); ++s) {
      auto a = std::chrono::steady_clock::now();
      steps[s].second->Process(&b);
      if (end_of_cycle) steps[s].second->FinishCycle();
      step_ns[s] += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - a).count();
    }
    if (!with_store) continue;
    auto a = std::chrono::steady_clock::now();
    for (auto& e : b.events) cycle.push_back(std::move(e));
    if (end_of_cycle) {
      if (!(*event_store)->Insert(cycle).ok()) return 1;
      cycle.clear();
    }
    store_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - a).count();
  }
  {
    // The rollup step writes on a timer; include its final write in the measurement.
    auto a = std::chrono::steady_clock::now();
    if (!rollup.Flush().ok()) return 1;
    final_flush_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - a).count();
    step_ns.back() += final_flush_ns;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() - store_ns / 1e9;
  printf("pipeline, one thread, warm caches: %zu events (%d batches of 20, %zu distinct UAs%s)\n", events, batches,
         uas.size(), geo ? ", geo on" : ", geo off");
  printf("  throughput %10.0f events/s\n", events / secs);
  for (size_t s = 0; s < steps.size(); ++s) printf("  %-8s %8.0f ns/event\n", steps[s].first, step_ns[s] / events);
  if (with_store) {
    printf("  store    %8.0f ns/event  (events.db insert, once per cycle of 64 batches)\n", store_ns / events);
    printf("  throughput with the event store %10.0f events/s\n", events / (secs + store_ns / 1e9));
  }
  const RollupStepStats rs = rollup.stats();
  printf("  rollup: %llu flushes of %llu rows in the timed window (the last %.0f ms)\n",
         (unsigned long long)(rs.flushes - warm.flushes), (unsigned long long)(rs.rows_flushed - warm.rows_flushed),
         final_flush_ns / 1e6);
  {
    // Not in the throughput: once a minute, the first flush that finds it complete merges its
    // stored rows into their hour and day rows (open minutes, docs/rollups.md). A batch two
    // minutes later makes this one complete; the flush then merges it (and writes that batch).
    NormalizedBatch later = input.front();
    later.events.clear();
    Event e;
    e.project_id = project->id;
    e.type = EventType::kPageview;
    e.ts = sim_now = sim_t0 + 120000;
    later.events.push_back(e);
    rollup.Process(&later);
    auto a = std::chrono::steady_clock::now();
    if (!rollup.Flush().ok()) return 1;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count();
    printf("  rollup minute merge (once a minute, not in the figures above): %.0f ms for the minute's %llu rows = %.0f ns/event "
           "over a minute at %.0f events/s\n",
           ms, (unsigned long long)(rs.rows_flushed - warm.rows_flushed), ms * 1e6 / (rate * 60), rate);
  }
  auto stats = cache.stats();
  printf("  UA cache: %llu hits, %llu misses\n", (unsigned long long)stats.hits, (unsigned long long)stats.misses);
  std::filesystem::remove_all(dir);
  return 0;
}

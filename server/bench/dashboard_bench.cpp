// Dashboard query benchmark: seeds N events (default 10 million) spread over the last 30 days into
// an embedded data directory — through the grouping and rollup steps, like the process stage —
// then starts `vigil serve` on it and prints p50/p95 of every dashboard endpoint over 24 h and
// 30 d ranges.
//
//   dashboard_bench [--events 10000000] [--data DIR] [--runs 10]
// A DIR that already holds the seeded events is reused (seeding 10 M takes minutes). VIGIL_BIN
// names the `vigil` binary to serve with (default: the one built beside this bench).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "../tests/test_support.h"
#include "common/clock.h"
#include "common/json_writer.h"
#include "grouping/grouping_step.h"
#include "rollup/rollup_step.h"
#include "rollup/sqlite_rollup_store.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_meta_store.h"

using namespace vigil;

namespace {

double Seconds(std::chrono::steady_clock::time_point a) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
}

Event MakeEvent(std::mt19937_64& rng, int64_t pid, int64_t ts, uint64_t seq) {
  static const char* kPaths[] = {"/", "/products", "/products/:id", "/cart", "/checkout", "/account", "/search",
                                 "/blog", "/blog/post", "/help"};
  static const char* kBrowsers[] = {"Chrome", "Chrome Mobile", "Safari", "Mobile Safari", "Firefox", "Edge", "Samsung Internet", "Opera"};
  static const char* kOs[] = {"Windows", "Mac OS X", "iOS", "Android", "Linux"};
  static const char* kCountries[] = {"US", "DE", "GB", "FR", "CN", "JP", "IN", "BR", "CA", "NL", "ES", "IT"};
  static const char* kVitals[] = {"LCP", "FCP", "TTFB", "INP", "CLS"};
  Event e;
  e.project_id = pid;
  char id[32];
  snprintf(id, sizeof id, "seed%016llx", static_cast<unsigned long long>(seq));
  e.event_id = id;
  e.ts = ts;
  e.received_at = ts;
  uint64_t r = rng();
  uint64_t user = r % 20000;
  e.uid = "u" + std::to_string(user);
  e.sid = "s" + std::to_string(user * 5 + (ts / 3600000) % 5);
  e.release = std::string("shop@2.") + std::to_string(14 + (ts / 864000000) % 3) + ".0";
  e.environment = "production";
  e.path = kPaths[(r >> 16) % 10];
  e.url = "https://shop.example.com" + e.path;
  e.browser = kBrowsers[(r >> 20) % 8];
  e.browser_version = "131.0";
  e.os = kOs[(r >> 24) % 5];
  e.country = kCountries[(r >> 28) % 12];
  e.device = "Other";
  switch ((r >> 32) % 20) {
    case 0: case 1: case 2: case 3: case 4:
      e.type = EventType::kPageview;
      e.data = R"({"navigation_type":"navigate"})";
      break;
    case 5: case 6: case 7: case 8: {
      e.type = EventType::kVital;
      e.name = kVitals[(r >> 40) % 5];
      double base = e.name == "CLS" ? 0.05 : e.name == "INP" ? 120 : e.name == "TTFB" ? 300 : 1500;
      std::lognormal_distribution<double> d(std::log(base), 0.6);
      e.value = d(rng);
      e.data = R"({"rating":"good"})";
      break;
    }
    case 9: case 10: case 11:
      e.type = EventType::kHttp;
      e.name = (r >> 44) % 4 ? "GET" : "POST";
      e.url = "https://api.example.com/v2/items/" + std::to_string((r >> 46) % 1000);
      e.status = (r >> 50) % 50 == 0 ? 500 : 200;
      e.duration = 20.0 + static_cast<double>((r >> 52) % 800);
      e.data = R"({"kind":"fetch"})";
      break;
    case 12: case 13:
      e.type = EventType::kClick;
      e.name = "main > button.add-to-cart";
      e.data = (r >> 40) % 3 ? R"({"text":"Add to cart"})" : R"({"text":"Buy now"})";
      break;
    case 14:
      e.type = EventType::kCustom;
      e.name = (r >> 40) % 2 ? "add_to_cart" : "checkout";
      e.data = (r >> 42) % 4 ? R"({"props":{"plan":"pro","source":"search"}})" : R"({"props":{"plan":"free","source":"home"}})";
      break;
    case 15: {
      e.type = EventType::kRoute;
      e.duration = static_cast<double>((r >> 40) % 60000);
      e.referrer = std::string("https://shop.example.com") + kPaths[(r >> 44) % 10];
      e.data = R"({"from":")" + e.referrer + "\"}";
      break;
    }
    case 16: {
      e.type = EventType::kVital;
      e.name = "navigation";
      double dns = static_cast<double>((r >> 40) % 40), ttfb = 80.0 + static_cast<double>((r >> 46) % 600);
      e.value = ttfb * 4;
      e.data = R"({"timing":{"dns":)" + std::to_string(dns) + R"(,"tcp":20,"tls":15,"request":)" +
               std::to_string(ttfb - dns - 35) + R"(,"response":30,"domReady":)" + std::to_string(ttfb * 2.5) +
               R"(,"load":)" + std::to_string(ttfb * 4) + R"(,"ttfb":)" + std::to_string(ttfb) + "}}";
      break;
    }
    case 17: {
      e.type = EventType::kError;
      e.name = "js";
      int k = static_cast<int>((r >> 40) % 20);
      e.message = "TypeError: failure number " + std::string(1, char('A' + k));
      std::string d;
      JsonWriter w(&d);
      w.BeginObject().Key("exception").BeginObject().Field("type", "TypeError").EndObject();
      w.Key("frames").BeginArray().BeginObject().Field("url", "https://shop.example.com/app.js")
          .Field("fn", std::string("handler") + char('A' + k)).EndObject().EndArray().EndObject();
      e.data = d;
      e.level = "error";
      break;
    }
    default:
      e.type = EventType::kResource;
      e.name = "img";
      e.url = "https://cdn.example.com/img/" + std::to_string((r >> 40) % 200) + ".jpg";
      e.duration = static_cast<double>((r >> 48) % 3000);
      e.data = (r >> 60) % 100 ? R"({"size":48000})" : R"({"size":0,"failed":true})";
  }
  return e;
}

int64_t CountEvents(const std::string& dir) {
  SqliteDb db;
  if (!db.Open(dir + "/events.db").ok()) return 0;
  auto st = db.Prepare("SELECT COUNT(*) FROM events");
  if (!st.ok()) return 0;
  auto row = st->Step();
  return row.ok() && row.value() ? st->Int(0) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 10000000;
  int runs = 10;
  std::string dir = (std::filesystem::temp_directory_path() / "vigil-dashboard-bench").string();
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    // Anything else (--help, a typo, a flag without its value) prints the usage instead of seeding
    // 10 M events into the default directory.
    if (i + 1 >= argc || (a != "--events" && a != "--data" && a != "--runs")) {
      fprintf(stderr,
              "usage: dashboard_bench [--events N (10000000)] [--data DIR (%s)] [--runs R (10)]\n"
              "Seeds N events over the last 30 days into DIR (reused while its seed-version matches), serves it\n"
              "with `vigil serve` (VIGIL_BIN, else the build's) and prints p50/p95 of every dashboard endpoint\n"
              "over 24 h and 30 d, R requests each.\n",
              dir.c_str());
      return a == "--help" || a == "-h" ? 0 : 2;
    }
    if (a == "--events") n = std::atoll(argv[i + 1]);
    else if (a == "--data") dir = argv[i + 1];
    else runs = std::atoi(argv[i + 1]);
  }
  if (n <= 0 || runs <= 0) {
    fprintf(stderr, "--events and --runs must be positive\n");
    return 2;
  }
  std::filesystem::create_directories(dir);
  int64_t now = NowMs();
  // The seed's shape (bump when MakeEvent or the stores' schemas change, so a stale directory is
  // seeded again rather than measured).
  const std::string kSeedVersion = "2";
  std::string seed_version;
  if (FILE* f = fopen((dir + "/seed-version").c_str(), "r")) {
    char buf[16] = {};
    seed_version = fgets(buf, sizeof buf, f) ? buf : "";
    fclose(f);
  }
  int64_t have = seed_version == kSeedVersion ? CountEvents(dir) : 0;
  if (have < n) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto meta = SqliteMetaStore::Open(dir + "/meta.db");
    auto events = SqliteEventStore::Open(dir + "/events.db");
    auto rollups = SqliteRollupStore::Open(dir + "/rollups.db");
    if (!meta.ok() || !events.ok() || !rollups.ok()) {
      fprintf(stderr, "cannot open stores in %s\n", dir.c_str());
      return 1;
    }
    auto project = (*meta)->CreateProject("bench");
    GroupingStep grouping(meta->get());
    RollupOptions ropt;
    ropt.write_partial_minutes = false;
    ropt.flush_interval_ms = 1LL << 60;  // size-bound flushes only, plus the final one
    ropt.max_pending_rows = 200000;
    RollupStep rollup(rollups->get(), ropt);
    std::mt19937_64 rng(42);
    auto t0 = std::chrono::steady_clock::now();
    const int64_t span = 30LL * 86400000;
    const int64_t batch = 5000;
    for (int64_t done = 0; done < n; done += batch) {
      NormalizedBatch b;
      b.project_id = project->id;
      int64_t m = std::min(batch, n - done);
      for (int64_t i = 0; i < m; ++i) {
        int64_t ts = now - span + (done + i) * span / n;
        b.events.push_back(MakeEvent(rng, project->id, ts, static_cast<uint64_t>(done + i)));
      }
      b.received_at = b.events.back().ts;
      grouping.Process(&b);
      rollup.Process(&b);
      grouping.FinishCycle();
      rollup.FinishCycle();
      auto st = (*events)->Insert(b.events);
      if (!st.ok()) {
        fprintf(stderr, "insert failed: %s\n", st.status().ToString().c_str());
        return 1;
      }
      if ((done / batch) % 200 == 0) {
        fprintf(stderr, "\rseeded %lld / %lld events (%.0f events/s)", (long long)done + m, (long long)n, (done + m) / Seconds(t0));
      }
    }
    rollup.Flush();
    if (FILE* f = fopen((dir + "/seed-version").c_str(), "w")) {
      fputs(kSeedVersion.c_str(), f);
      fclose(f);
    }
    fprintf(stderr, "\n");
    printf("seeded %lld events over 30 days in %.0f s (%.0f events/s through grouping + rollups + event store)\n",
           (long long)n, Seconds(t0), n / Seconds(t0));
  } else {
    printf("reusing %lld seeded events in %s\n", (long long)have, dir.c_str());
  }

  test::ServerProcess server(dir);
  server.KeepDir();
  if (!server.Start({"--rate-limit", "0"}, 0, 600000)) {
    fprintf(stderr, "server did not start\n%s", server.Log().c_str());
    return 1;
  }
  std::string token = server.CreateToken();
  test::HttpClient client(server.port());
  const char* endpoints[] = {"/overview", "/performance?metric=LCP", "/performance/navigation", "/performance/resources",
                             "/performance/long-tasks", "/issues?sort=count", "/behaviour/pages", "/behaviour/flows",
                             "/behaviour/clicks", "/behaviour/custom", "/api-health", "/events?limit=100"};
  printf("%-28s %-6s %10s %10s  %s\n", "endpoint", "range", "p50 ms", "p95 ms", "");
  for (int64_t range : {86400000LL, 30LL * 86400000}) {
    for (const char* ep : endpoints) {
      std::vector<double> ms;
      int status = 0;
      for (int i = 0; i < runs; ++i) {
        std::string path = std::string("/api/v1/projects/1") + ep;
        path += (path.find('?') == std::string::npos ? "?" : "&");
        path += "from=" + std::to_string(now - range) + "&to=" + std::to_string(now);
        if (std::string(ep).rfind("/events", 0) == 0) path += "&since=" + std::to_string(now - range);
        auto t = std::chrono::steady_clock::now();
        auto r = client.Request("GET", path, "", {{"Authorization", "Bearer " + token}});
        ms.push_back(Seconds(t) * 1000);
        status = r.status;
      }
      std::sort(ms.begin(), ms.end());
      double p50 = ms[ms.size() / 2], p95 = ms[std::min(ms.size() - 1, static_cast<size_t>(ms.size() * 0.95))];
      printf("%-28s %-6s %10.1f %10.1f  %s%s\n", ep, range == 86400000LL ? "24h" : "30d", p50, p95,
             p95 <= 100 ? "ok" : "over 100 ms", status == 200 ? "" : (" (HTTP " + std::to_string(status) + ")").c_str());
    }
  }
  server.Kill(SIGTERM);
  return 0;
}

// `vigil serve`: the embedded deployment in one process — HTTP ingest and API, the durable SQLite
// queue, the process stage and the SQLite stores.
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <thread>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/instance.h"
#include "common/log.h"
#include "common/metrics.h"
#include "http/server.h"
#include "ingest/ingest_handler.h"
#include "ingest/project_cache.h"
#include "pipeline/processor.h"
#include "geo/client_ip.h"
#include "geo/geo_locator.h"
#include "grouping/grouping_step.h"
#include "pipeline/enrich_step.h"
#include "pipeline/filter_step.h"
#include "pipeline/scrub_step.h"
#include "http/static_files.h"
#include "query/analytics_api.h"
#include "query/auth_api.h"
#include "rollup/rollup_step.h"
#include "rollup/sqlite_rollup_store.h"
#include "query/projects_api.h"
#include "ua/user_agent.h"
#include "ua/user_agent_cache.h"
#include "query/events_api.h"
#include "query/issues_api.h"
#include "store/memory/token_bucket_limiter.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_queue.h"

namespace vigil {

namespace {

std::vector<FlagSpec> ServeFlags() {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return {
      {"listen", "VIGIL_LISTEN", "127.0.0.1:8080", "HOST:PORT", "address to listen on (port 0: any free port)"},
      {"data", "VIGIL_DATA", "./vigil-data", "DIR", "data directory (created on first start)"},
      {"public-url", "VIGIL_PUBLIC_URL", "", "URL", "base URL browsers use to reach this server, for DSNs (default: http://LISTEN)"},
      {"threads", "VIGIL_THREADS", std::to_string(cores), "N", "HTTP I/O threads"},
      {"max-body", "VIGIL_MAX_BODY", "1048576", "BYTES", "largest request body accepted as sent"},
      {"max-decompressed", "VIGIL_MAX_DECOMPRESSED", "4194304", "BYTES", "largest body after gzip decompression"},
      {"read-timeout", "VIGIL_READ_TIMEOUT", "30", "SECONDS", "a request must arrive whole within this; also the keep-alive idle limit"},
      {"rate-limit", "VIGIL_RATE_LIMIT", "20000", "EVENTS/S", "per-project sustained event rate (0: unlimited)"},
      {"rate-burst", "VIGIL_RATE_BURST", "200000", "EVENTS", "per-project burst size"},
      {"global-rate-limit", "VIGIL_GLOBAL_RATE_LIMIT", "0", "EVENTS/S", "per-node cap over all projects (0: none)"},
      {"global-rate-burst", "VIGIL_GLOBAL_RATE_BURST", "0", "EVENTS", "per-node burst (0: 10 x the global rate)"},
      {"trusted-proxies", "VIGIL_TRUSTED_PROXIES", "", "CIDRS", "comma-separated proxies whose X-Forwarded-For / X-Real-IP are believed"},
      {"ua-regexes", "VIGIL_UA_REGEXES", "", "PATH", "uap-core regexes.yaml (default: node_modules/uap-core/regexes.yaml next to the binary's checkout or the working directory)"},
      {"geo-db", "VIGIL_GEO_DB", "", "PATHS", "comma-separated city .mmdb files (default: every *.mmdb in DATA/geo except *asn*)"},
      {"geo-asn-db", "VIGIL_GEO_ASN_DB", "", "PATH", "optional ASN/ISP .mmdb file"},
      {"queue-max-depth", "VIGIL_QUEUE_MAX_DEPTH", "200000", "BATCHES", "unprocessed batches before ingest answers 503"},
      {"queue-segment-mb", "VIGIL_QUEUE_SEGMENT_MB", "64", "MIB", "queue segment size: a new segment file starts after this much WAL; processed segments are deleted"},
      {"sync", "VIGIL_SYNC", "normal", "normal|full", "SQLite synchronous mode of the queue: normal survives process crashes, full also power loss"},
      {"process", "VIGIL_PROCESS", "true", "true|false", "run the process stage in this process (false: only ingest into the durable queue)"},
      {"drain-timeout", "VIGIL_DRAIN_TIMEOUT", "10", "SECONDS", "on SIGTERM/SIGINT, how long in-flight work may take"},
      {"dashboard-dir", "VIGIL_DASHBOARD_DIR", "", "DIR", "built dashboard to serve at / (default: dashboard/dist of the checkout)"},
      {"log-level", "VIGIL_LOG_LEVEL", "info", "LEVEL", "debug, info, warn or error"},
  };
}

const char* kServeUsage =
    "Usage: vigil serve [flags]\n"
    "Runs Vigil in one process with embedded storage (SQLite in --data). The first start creates the\n"
    "admin user (password from VIGIL_ADMIN_PASSWORD, else generated and printed once; email from\n"
    "VIGIL_ADMIN_EMAIL, default admin@localhost) and a project named \"demo\" whose DSN is printed.\n\n";

// The uap-core rules: the flag, else node_modules/uap-core/regexes.yaml in the working directory or
// above the binary (build/bin/vigil -> repo root).
std::string FindUaRegexes(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::vector<std::string> candidates = {"node_modules/uap-core/regexes.yaml", "/usr/share/vigil/uap-core/regexes.yaml"};
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto dir = exe.parent_path();
    for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
      candidates.push_back((dir / "node_modules/uap-core/regexes.yaml").string());
    }
  }
  for (const auto& c : candidates) {
    if (std::filesystem::exists(c, ec)) return c;
  }
  return {};
}

std::string FindDashboardDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::error_code ec;
  std::vector<std::string> candidates = {"dashboard/dist", "/usr/share/vigil/dashboard"};
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto dir = exe.parent_path();
    for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) candidates.push_back((dir / "dashboard/dist").string());
  }
  for (const auto& c : candidates) {
    if (std::filesystem::exists(std::filesystem::path(c) / "index.html", ec)) return c;
  }
  return "dashboard/dist";
}

geo::GeoDatabasePaths FindGeoDatabases(const std::string& flag, const std::string& data_dir) {
  geo::GeoDatabasePaths p;
  if (!flag.empty()) {
    for (size_t i = 0; i < flag.size();) {
      size_t c = flag.find(',', i);
      if (c == std::string::npos) c = flag.size();
      if (c > i) p.city.push_back(flag.substr(i, c - i));
      i = c + 1;
    }
    return p;
  }
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::path(data_dir) / "geo";
  if (!std::filesystem::is_directory(dir, ec)) return p;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".mmdb" && name.find("asn") == std::string::npos) p.city.push_back(entry.path().string());
  }
  std::sort(p.city.begin(), p.city.end());
  return p;
}

}  // namespace

int ServeCommand(const std::vector<std::string>& args) {
  Flags flags(ServeFlags());
  Status s = flags.Parse(args);
  if (!s.ok()) {
    fprintf(stderr, "vigil serve: %s\n", s.detail().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    fputs(kServeUsage, stdout);
    fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  LogLevel level;
  if (!ParseLogLevel(flags.Get("log-level"), &level)) {
    fprintf(stderr, "vigil serve: --log-level must be debug, info, warn or error\n");
    return 2;
  }
  SetLogLevel(level);

  // Parse numeric flags up front so mistakes fail before anything starts.
  HttpServerOptions http_opt;
  std::string listen = flags.Get("listen");
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    fprintf(stderr, "vigil serve: --listen must be HOST:PORT\n");
    return 2;
  }
  http_opt.host = listen.substr(0, colon);
  if (http_opt.host.size() > 2 && http_opt.host.front() == '[') http_opt.host = http_opt.host.substr(1, http_opt.host.size() - 2);
  int64_t port = 0, threads = 0, max_body = 0, max_decomp = 0, read_timeout = 0, rate = 0, burst = 0, depth = 0,
          drain = 0, global_rate = 0, global_burst = 0, segment_mb = 0;
  struct IntFlag {
    const char* name;
    int64_t* out;
    int64_t min, max;
  } ints[] = {{"threads", &threads, 1, 256},         {"max-body", &max_body, 1024, 1LL << 30},
              {"max-decompressed", &max_decomp, 1024, 1LL << 32}, {"read-timeout", &read_timeout, 1, 3600},
              {"rate-limit", &rate, 0, 1LL << 40},  {"rate-burst", &burst, 1, 1LL << 40},
              {"global-rate-limit", &global_rate, 0, 1LL << 40}, {"global-rate-burst", &global_burst, 0, 1LL << 40},
              {"queue-max-depth", &depth, 1, 1LL << 40}, {"drain-timeout", &drain, 0, 3600},
              {"queue-segment-mb", &segment_mb, 1, 1 << 16}};
  {
    std::string p = listen.substr(colon + 1);
    auto r = std::from_chars(p.data(), p.data() + p.size(), port);
    if (p.empty() || r.ec != std::errc() || port < 0 || port > 65535) {
      fprintf(stderr, "vigil serve: bad port in --listen '%s'\n", listen.c_str());
      return 2;
    }
  }
  for (auto& f : ints) {
    auto v = flags.GetInt(f.name);
    if (!v.ok() || v.value() < f.min || v.value() > f.max) {
      fprintf(stderr, "vigil serve: --%s must be an integer in [%lld, %lld]\n", f.name, (long long)f.min, (long long)f.max);
      return 2;
    }
    *f.out = v.value();
  }
  std::string process_flag = flags.Get("process");
  if (process_flag != "true" && process_flag != "false") {
    fprintf(stderr, "vigil serve: --process must be true or false\n");
    return 2;
  }
  std::string sync = flags.Get("sync");
  if (sync != "normal" && sync != "full") {
    fprintf(stderr, "vigil serve: --sync must be normal or full\n");
    return 2;
  }

  std::optional<geo::TrustedProxies> trusted;
  {
    std::vector<std::string> cidrs;
    std::string list = flags.Get("trusted-proxies");
    for (size_t i = 0; i < list.size();) {
      size_t c = list.find(',', i);
      if (c == std::string::npos) c = list.size();
      std::string item = list.substr(i, c - i);
      if (!item.empty()) cidrs.push_back(item);
      i = c + 1;
    }
    std::string error;
    trusted = geo::TrustedProxies::Parse(cidrs, &error);
    if (!trusted) {
      fprintf(stderr, "vigil serve: --trusted-proxies: bad entry %s\n", error.c_str());
      return 2;
    }
  }

  auto paths = PrepareDataDir(flags.Get("data"));
  if (!paths.ok()) {
    LogError("cannot use data directory", {{"error", paths.status().ToString()}});
    return 1;
  }
  auto meta = SqliteMetaStore::Open(paths->meta);
  if (!meta.ok()) {
    LogError("cannot open meta store", {{"error", meta.status().ToString()}});
    return 1;
  }
  auto boot = Bootstrap(meta->get(), true);
  if (!boot.ok()) {
    LogError("first-start setup failed", {{"error", boot.status().ToString()}});
    return 1;
  }

  MetricsRegistry metrics;
  CounterFamily& requests = metrics.AddCounterFamily("vigil_http_requests_total", "HTTP requests by route and status.",
                                                     {"route", "status"});
  Counter& accepted = metrics.AddCounter("vigil_events_accepted_total", "Events durably accepted by ingest.");
  CounterFamily& rejected = metrics.AddCounterFamily("vigil_events_rejected_total",
                                                     "Events rejected inside well-formed batches, by reason.", {"reason"});
  CounterFamily& refused = metrics.AddCounterFamily("vigil_batches_refused_total",
                                                    "Whole batches refused by ingest, by error code.", {"reason"});
  Gauge& queue_depth = metrics.AddGauge("vigil_queue_depth", "Batches accepted but not yet processed.");
  Histogram& commit_seconds = metrics.AddHistogram(
      "vigil_queue_commit_seconds", "Latency of one group commit of the durable queue.",
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1});
  Counter& processed = metrics.AddCounter("vigil_events_processed_total", "Events stored by the process stage.");
  Counter& corrupt = metrics.AddCounter("vigil_queue_corrupt_records_total", "Queue records that could not be decoded.");
  Gauge& lag = metrics.AddGauge("vigil_process_lag_ms", "Age of the last processed batch when it was stored.");

  SqliteQueueOptions qopt;
  qopt.path = paths->queue;
  qopt.synchronous = sync == "full" ? "FULL" : "NORMAL";
  qopt.max_depth = depth;
  qopt.segment_bytes = segment_mb << 20;
  qopt.commit_seconds = &commit_seconds;
  auto queue = SqliteQueue::Open(qopt);
  if (!queue.ok()) {
    LogError("cannot open queue", {{"error", queue.status().ToString()}});
    return 1;
  }
  auto events = SqliteEventStore::Open(paths->events);
  if (!events.ok()) {
    LogError("cannot open event store", {{"error", events.status().ToString()}});
    return 1;
  }

  auto rollups = SqliteRollupStore::Open(paths->rollups);
  if (!rollups.ok()) {
    LogError("cannot open rollup store", {{"error", rollups.status().ToString()}});
    return 1;
  }

  ProjectCache projects(meta->get());
  TokenBucketLimiter limiter(
      [rate, burst, &projects](int64_t pid) {
        auto s = projects.SettingsFor(pid);
        BucketSpec spec{static_cast<double>(rate), static_cast<double>(burst), s->quotas.daily};
        if (s->quotas.rate > 0) spec.rate = s->quotas.rate;
        if (s->quotas.burst > 0) spec.burst = s->quotas.burst;
        return spec;
      },
      nullptr,
      BucketSpec{static_cast<double>(global_rate),
                 static_cast<double>(global_burst ? global_burst : global_rate * 10), 0});
  IngestOptions iopt;
  iopt.max_decompressed_bytes = static_cast<size_t>(max_decomp);
  iopt.trusted_proxies = &*trusted;

  // Enrichment sources: both optional; a missing one leaves its columns empty (logged).
  std::unique_ptr<ua::UserAgentParser> ua_parser;
  std::unique_ptr<ua::UserAgentCache> ua_cache;
  std::string regexes = FindUaRegexes(flags.Get("ua-regexes"));
  if (!regexes.empty()) {
    try {
      ua_parser = ua::UserAgentParser::LoadFile(regexes);
      ua_cache = std::make_unique<ua::UserAgentCache>(*ua_parser, 100000);
      LogInfo("user-agent rules loaded", {{"path", regexes}, {"rules", ua_parser->load_report().rules_compiled}});
    } catch (const std::exception& e) {
      LogError("cannot load user-agent rules", {{"path", regexes}, {"error", e.what()}});
      return 1;
    }
  } else {
    LogWarn("no uap-core regexes.yaml found: browser/OS/device stay empty (see --ua-regexes)");
  }
  std::unique_ptr<geo::GeoLocator> geo_locator;
  geo::GeoDatabasePaths geo_paths = FindGeoDatabases(flags.Get("geo-db"), paths->dir);
  geo_paths.asn = flags.Get("geo-asn-db");
  if (!geo_paths.city.empty()) {
    try {
      geo_locator = geo::GeoLocator::Open(geo_paths);
      for (const auto& d : geo_locator->Describe()) LogInfo("geo database", {{"db", d}});
    } catch (const std::exception& e) {
      LogError("cannot open geo database", {{"error", e.what()}});
      return 1;
    }
  } else {
    LogWarn("no geo database: country/region/city stay empty (see --geo-db; scripts/install-geo.sh)");
  }
  CounterFamily& rate_limited = metrics.AddCounterFamily(
      "vigil_events_rate_limited_total", "Events refused by quotas, by limit (global, project, daily).", {"limit"});
  IngestHandler ingest(&projects, &limiter, queue->get(), IngestMetrics{&accepted, &rate_limited, &rejected, &refused},
                       iopt);
  EventsApi events_api(meta->get(), events->get());
  Counter& grouped = metrics.AddCounter("vigil_events_grouped_total", "Error events recorded on issues.");
  CounterFamily& filtered = metrics.AddCounterFamily("vigil_events_filtered_total",
                                                     "Events dropped by inbound filters, by reason.", {"reason"});
  Counter& scrubbed = metrics.AddCounter("vigil_values_scrubbed_total", "Secret-looking values replaced before storage.");
  EnrichStep enrich(ua_cache.get(), geo_locator.get(), &projects);
  FilterStep filter(&projects, meta->get(), &filtered);
  ScrubStep scrub(&projects, &scrubbed);
  GroupingStep grouping(meta->get(), &grouped);
  IssuesApi issues_api(meta->get());
  // The public URL is known once the port is; DSNs in the API use it.
  std::string public_url = flags.Get("public-url");
  std::string host_for_url = http_opt.host == "0.0.0.0" || http_opt.host == "::" ? "127.0.0.1" : http_opt.host;
  if (host_for_url.find(':') != std::string::npos) host_for_url = "[" + host_for_url + "]";
  ProjectsApi projects_api(meta->get(), &projects, public_url);
  projects_api.OnDelete([&events](int64_t pid) { (*events)->DeleteProject(pid); });
  AuthApiOptions auth_opt;
  auth_opt.secure_cookies = public_url.rfind("https://", 0) == 0;
  AuthApi auth_api(meta->get(), auth_opt);
  StaticFiles dashboard(FindDashboardDir(flags.Get("dashboard-dir")));
  RollupStep rollup_step(rollups->get());  // last: counts enriched, filtered, grouped events
  AnalyticsApi analytics_api(meta->get(), events->get(), rollups->get());
  Processor processor(queue->get(), events->get(), {&enrich, &filter, &scrub, &grouping, &rollup_step},
                      ProcessorMetrics{&processed, &corrupt, &lag});

  Router router;
  ingest.Register(&router);
  events_api.Register(&router);
  issues_api.Register(&router);
  projects_api.Register(&router);
  auth_api.Register(&router);
  analytics_api.Register(&router);
  router.SetFallback([&dashboard](const HttpRequest& q, const RouteParams&, Responder r) { dashboard.Handle(q, std::move(r)); });
  router.Add("GET", "/healthz", [](const HttpRequest&, const RouteParams&, Responder respond) {
    respond(JsonOk(200, "{\"status\":\"ok\"}"));
  });
  SqliteQueue* q = queue->get();
  router.Add("GET", "/metrics", [&metrics, &queue_depth, q](const HttpRequest&, const RouteParams&, Responder respond) {
    queue_depth.Set(q->Depth());
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.Render();
    respond(std::move(r));
  });

  http_opt.port = static_cast<uint16_t>(port);
  http_opt.threads = static_cast<int>(threads);
  http_opt.max_body_bytes = static_cast<size_t>(max_body);
  http_opt.read_timeout = std::chrono::seconds(read_timeout);
  http_opt.on_response = [&requests](const std::string& route, int status) {
    requests.With({route.empty() ? "unmatched" : route, std::to_string(status)}).Add();
  };
  HttpServer server(http_opt, &router);
  s = server.Start();
  if (!s.ok()) {
    LogError("cannot listen", {{"error", s.ToString()}});
    return 1;
  }
  if (public_url.empty()) public_url = "http://" + host_for_url + ":" + std::to_string(server.port());
  (*meta)->SetSetting("public_url", public_url);
  if (process_flag == "true") processor.Start();

  LogInfo("listening", {{"addr", http_opt.host + ":" + std::to_string(server.port())},
                        {"data", paths->dir},
                        {"threads", threads}});
  // The banner goes to stdout for people and scripts (make run); logs stay on stderr.
  printf("Vigil is running at %s/\n", public_url.c_str());
  printf("  login:    %s\n", boot->admin_email.c_str());
  if (!boot->admin_password.empty()) {
    printf("  password: %s   (shown once: keep it, or set VIGIL_ADMIN_PASSWORD before the first start)\n",
           boot->admin_password.c_str());
  } else if (boot->created_admin) {
    printf("  password: from VIGIL_ADMIN_PASSWORD\n");
  } else {
    printf("  password: the one printed at the first start (reset: vigil user set-password --email %s)\n",
           boot->admin_email.c_str());
  }
  if (boot->demo.id) printf("  DSN (%s): %s\n", boot->demo.name.c_str(), DsnFor(boot->demo, public_url).c_str());
  fflush(stdout);

  // Signals were blocked in main() before any thread started; wait for one here.
  std::thread signal_thread([&server, drain] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    LogInfo("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    server.Stop(std::chrono::seconds(drain));
  });
  server.Run();
  signal_thread.join();
  processor.Stop(std::chrono::seconds(drain));
  if (Status rs = rollup_step.Flush(); !rs.ok()) LogError("rollup flush at shutdown failed", {{"error", rs.ToString()}});
  (*queue)->Close();
  LogInfo("stopped", {{"events_accepted", static_cast<int64_t>(accepted.Get())},
                      {"queue_depth", (*queue)->Depth()}});
  return 0;
}

}  // namespace vigil

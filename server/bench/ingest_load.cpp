// Load generator for the ingest API: keep-alive connections posting batches of 20 realistic events
// (~500 bytes each). Two phases: closed-loop maximum throughput, then an open-loop fixed rate at
// half that throughput (latency measured from each request's scheduled time, so a stalled server
// is not hidden by coordinated omission). Prints events/s, requests/s, p50/p99 and the server's RSS.
//
//   ingest_load --port P --project ID --key KEY [--server-pid PID] [--connections 8]
//               [--seconds 10] [--rate-fraction 0.5]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../tests/test_support.h"

namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Placeholder for the per-request unique part of event ids (12 characters).
constexpr const char* kIdMark = "IDMARK000000";

// Where a pre-built body is rewritten before each send: the id placeholders and the 13 digits of
// each event's "ts" (in event order).
struct StampOffsets {
  std::vector<size_t> ids, ts;
};

StampOffsets FindStampOffsets(const std::string& body) {
  StampOffsets out;
  for (size_t p = body.find(kIdMark); p != std::string::npos; p = body.find(kIdMark, p + 1)) out.ids.push_back(p);
  constexpr std::string_view kTs = "\"ts\":";
  for (size_t p = body.find(kTs); p != std::string::npos; p = body.find(kTs, p + 1)) out.ts.push_back(p + kTs.size());
  return out;
}

// Overwrites every id placeholder in `body` with a unique 12-character stamp, and the events'
// timestamps with the send time (event i of n at now - (n - i) * 37 ms, as MakeBatch spaced them):
// a browser sends events of the last moments, so the store sees timestamps close to now, not the
// same few thousand values again and again (which would make every index insert a random one).
void Stamp(std::string* body, const StampOffsets& offsets, uint64_t unique) {
  char stamp[24];
  snprintf(stamp, sizeof stamp, "%012llx", static_cast<unsigned long long>(unique));
  for (size_t off : offsets.ids) memcpy(body->data() + off, stamp, 12);
  const int64_t now = NowMs();
  const int64_t n = static_cast<int64_t>(offsets.ts.size());
  for (int64_t i = 0; i < n; ++i) {
    snprintf(stamp, sizeof stamp, "%013lld", static_cast<long long>(now - (n - i) * 37));
    memcpy(body->data() + offsets.ts[static_cast<size_t>(i)], stamp, 13);
  }
}

// A batch of 20 events shaped like what @vigil/browser sends: page views, vitals, HTTP timings,
// clicks, a custom event and an error with a stack.
std::string MakeBatch(std::mt19937& rng, int seq) {
  static const char* kPages[] = {"/", "/products", "/products/42", "/cart", "/checkout", "/account/orders"};
  static const char* kVitals[] = {"LCP", "FCP", "TTFB", "INP", "CLS"};
  std::uniform_int_distribution<int> pick(0, 5), pv(0, 4), ms(20, 4000);
  int64_t ts = NowMs();
  std::string page = kPages[pick(rng)];
  std::string b =
      "{\"sdk\":{\"name\":\"@vigil/browser\",\"version\":\"0.1.0\"},\"context\":{\"release\":\"shop@2.14.0\","
      "\"environment\":\"production\",\"uid\":\"u_" + std::to_string(rng() % 50000) + "\",\"sid\":\"s_" +
      std::to_string(rng() % 200000) + "\",\"url\":\"https://shop.example.com" + page +
      "?utm_source=news\",\"referrer\":\"https://www.google.com/\",\"viewport\":{\"w\":1440,\"h\":900},"
      "\"tags\":{\"plan\":\"pro\",\"ab\":\"checkout-v2\"}},\"events\":[";
  for (int i = 0; i < 20; ++i) {
    if (i) b += ",";
    // The id's first 12 characters are rewritten before every send (see Stamp), so ids stay unique.
    char idbuf[48];
    snprintf(idbuf, sizeof idbuf, "%s%02d%06u", kIdMark, i, static_cast<unsigned>(rng() % 1000000));
    std::string common = "\"ts\":" + std::to_string(ts - (20 - i) * 37) + ",\"id\":\"" + idbuf +
                         "\",\"page\":{\"url\":\"https://shop.example.com" + page +
                         "?utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale\",\"title\":\"Example Shop — " +
                         "Products\",\"visible\":true,\"seq\":" + std::to_string(seq * 20 + i) +
                         "},\"net\":{\"type\":\"4g\",\"rtt\":50,\"downlink\":9.6}";
    switch (i % 7) {
      case 0:
        b += "{\"type\":\"pageview\"," + common +
             ",\"navigation_type\":\"navigate\",\"title\":\"Products — Example Shop\",\"load_ms\":" + std::to_string(ms(rng)) +
             ",\"dom\":{\"dns\":12.4,\"tcp\":31.2,\"tls\":28.9,\"request\":120.3,\"response\":45.1,\"dom_ready\":812.5}}";
        break;
      case 1:
      case 2: {
        const char* v = kVitals[pv(rng)];
        b += "{\"type\":\"vital\"," + common + ",\"name\":\"" + v + "\",\"value\":" + std::to_string(ms(rng)) +
             ".25,\"rating\":\"needs-improvement\",\"navigation_type\":\"navigate\",\"attribution\":{\"element\":"
             "\"main > div.hero > img.banner\",\"url\":\"https://cdn.example.com/img/hero-1440.avif\","
             "\"time_to_first_byte\":182.4,\"resource_load_delay\":41.7,\"resource_load_duration\":690.2}}";
        break;
      }
      case 3:
        b += "{\"type\":\"http\"," + common +
             ",\"name\":\"GET\",\"url\":\"https://api.example.com/v2/products/" + std::to_string(rng() % 1000) +
             "/reviews\",\"status\":200,\"duration\":" + std::to_string(ms(rng) / 10) +
             ",\"initiator\":\"fetch\",\"request_size\":0,\"response_size\":18423,\"slow\":false}";
        break;
      case 4:
        b += "{\"type\":\"click\"," + common +
             ",\"name\":\"main > section.products > ul > li:nth-child(3) > button.add-to-cart\",\"text\":\"Add to "
             "cart\",\"x\":812,\"y\":644,\"page\":\"" + page + "\",\"dwell_ms\":5321}";
        break;
      case 5:
        b += "{\"type\":\"custom\"," + common +
             ",\"name\":\"add_to_cart\",\"props\":{\"sku\":\"SKU-" + std::to_string(rng() % 9999) +
             "\",\"price\":49.9,\"currency\":\"EUR\",\"quantity\":1,\"list\":\"recommended\"}}";
        break;
      default:
        b += "{\"type\":\"error\"," + common +
             ",\"name\":\"js\",\"message\":\"TypeError: Cannot read properties of undefined (reading 'price')\","
             "\"exception\":{\"type\":\"TypeError\",\"value\":\"Cannot read properties of undefined (reading 'price')\"},"
             "\"frames\":[{\"url\":\"https://shop.example.com/assets/app.3f2a1c9b.js\",\"fn\":\"renderCart\",\"line\":1,"
             "\"col\":48211},{\"url\":\"https://shop.example.com/assets/vendor.9c1e.js\",\"fn\":\"commitRoot\",\"line\":2,"
             "\"col\":10422}]}";
        break;
    }
  }
  b += "]}";
  return b;
}

struct PhaseResult {
  double seconds = 0;
  int64_t requests = 0, errors = 0, events = 0;
  std::vector<double> latencies_ms;
};

long RssKb(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

double Pct(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * (v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

// rate_per_conn <= 0: closed loop.
PhaseResult RunPhase(int port, const std::string& target, int conns, double seconds, double rate_per_conn) {
  static std::atomic<int> phases{0};
  int phase_id = ++phases;
  std::vector<PhaseResult> per(conns);
  std::vector<std::thread> threads;
  auto start = Clock::now();
  auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int c = 0; c < conns; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937 rng(1234 + c);
      vigil::test::HttpClient client(port);
      PhaseResult& r = per[c];
      // Pre-build a pool of bodies so the generator spends its time on I/O, not formatting.
      std::vector<std::string> bodies;
      std::vector<StampOffsets> marks;
      for (int i = 0; i < 64; ++i) {
        bodies.push_back(MakeBatch(rng, c * 100000 + i));
        marks.push_back(FindStampOffsets(bodies.back()));
      }
      auto next = start + std::chrono::microseconds(static_cast<int64_t>(c * 1000));
      int64_t n = 0;
      while (true) {
        Clock::time_point scheduled = Clock::now();
        if (rate_per_conn > 0) {
          scheduled = next;
          if (scheduled >= end) break;
          std::this_thread::sleep_until(scheduled);
          next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate_per_conn));
        } else if (scheduled >= end) {
          break;
        }
        size_t slot = n % bodies.size();
        std::string& body = bodies[slot];
        Stamp(&body, marks[slot], (static_cast<uint64_t>(phase_id) << 40) | (static_cast<uint64_t>(c) << 32) | static_cast<uint64_t>(n));
        ++n;
        auto resp = client.Request("POST", target, body,
                                   {{"Content-Type", "text/plain;charset=UTF-8"},
                                    {"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}});
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count();
        r.requests++;
        if (resp.status == 204) {
          r.events += 20;
          r.latencies_ms.push_back(ms);
        } else {
          r.errors++;
          if (r.errors < 3) fprintf(stderr, "status %d: %s\n", resp.status, resp.body.substr(0, 200).c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  PhaseResult total;
  total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& r : per) {
    total.requests += r.requests;
    total.errors += r.errors;
    total.events += r.events;
    total.latencies_ms.insert(total.latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
  }
  return total;
}

void Print(const char* name, PhaseResult& r, int server_pid) {
  double p50 = Pct(r.latencies_ms, 0.50), p99 = Pct(r.latencies_ms, 0.99), p999 = Pct(r.latencies_ms, 0.999);
  printf("%-22s %10.0f events/s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  p99.9 %6.2f ms  errors %lld  server RSS %ld MB\n",
         name, r.events / r.seconds, r.requests / r.seconds, p50, p99, p999, static_cast<long long>(r.errors),
         RssKb(server_pid) / 1024);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, pid = 0, conns = 8, server_pid = 0;
  double seconds = 10, fraction = 0.5;
  std::string key;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--port") port = std::atoi(argv[i + 1]);
    else if (a == "--project") pid = std::atoi(argv[i + 1]);
    else if (a == "--key") key = argv[i + 1];
    else if (a == "--server-pid") server_pid = std::atoi(argv[i + 1]);
    else if (a == "--connections") conns = std::atoi(argv[i + 1]);
    else if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (a == "--rate-fraction") fraction = std::atof(argv[i + 1]);
    else {
      fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  if (!port || !pid || key.empty()) {
    fprintf(stderr, "usage: ingest_load --port P --project ID --key KEY [--server-pid PID] [--connections N] [--seconds S] [--rate-fraction F]\n");
    return 2;
  }
  std::string target = "/api/" + std::to_string(pid) + "/events?key=" + key;
  std::mt19937 rng(1);
  size_t bytes = 0;
  for (int i = 0; i < 20; ++i) bytes += MakeBatch(rng, i).size();
  printf("batch: 20 events, %.0f bytes per event on average; %d keep-alive connections; %.0f s per phase\n",
         bytes / 20.0 / 20.0, conns, seconds);
  RunPhase(port, target, conns, 1.0, 0);  // warm-up
  PhaseResult max = RunPhase(port, target, conns, seconds, 0);
  Print("max throughput", max, server_pid);
  double rate = max.requests / max.seconds * fraction;
  PhaseResult fixed = RunPhase(port, target, conns, seconds, rate / conns);
  char name[64];
  snprintf(name, sizeof name, "fixed %.0f%% (%.0f ev/s)", fraction * 100, rate * 20);
  Print(name, fixed, server_pid);
  return max.errors + fixed.errors > 0 ? 1 : 0;
}

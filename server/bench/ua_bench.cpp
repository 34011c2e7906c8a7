// User-agent parse latency and cache throughput.
//
//   ua_bench [regexes.yaml] [uap-core testdata dir]     (defaults: run from the repo root;
//                                                      VIGIL_TESTDATA overrides the testdata root)
// Inputs are the distinct User-Agent strings of uap-core's test files (browsers, OSes, devices,
// bots: a realistic, diverse mix), read at run time. Prints:
//   - parser load time;
//   - uncached Parse() latency p50/p90/p99/max in microseconds on User-Agents the parser has not
//     seen, after warming it on the other half of the inputs (the steady state of a server: a
//     cache miss is a new string, RE2's lazily built DFAs are warm); plus the very first parses
//     of a fresh parser and re-parses of seen strings, for comparison; mean CPU time per parse
//     (less sensitive than wall time to other load on the machine);
//   - the same per rule section (browser / OS / device) on the unseen half;
//   - cached lookups per second through UserAgentCache, on 1 and 2 threads.
// Instructions per parse, which do not depend on other load: under
//   valgrind --tool=callgrind --collect-atstart=no build/bin/ua_bench
// only the parses of the unseen pass are counted (UA_BENCH_COLLECT=seen: the re-parse pass);
// divide the total by the number of parses printed.
#include <yaml-cpp/yaml.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define VIGIL_TOGGLE_COLLECT() CALLGRIND_TOGGLE_COLLECT
#else
#define VIGIL_TOGGLE_COLLECT() ((void)0)
#endif

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ua/user_agent.h"
#include "ua/user_agent_cache.h"

namespace {

using Clock = std::chrono::steady_clock;

// Paths default to the repo layout; without a VIGIL_SOURCE_DIR definition, run from the repo root.
#ifdef VIGIL_SOURCE_DIR
const std::string kSourceDir = VIGIL_SOURCE_DIR;
#else
const std::string kSourceDir = ".";
#endif

std::string DefaultTestdataDir() {
  // VIGIL_TESTDATA names the shared testdata root (or the uap-core folder itself).
  if (const char* root = std::getenv("VIGIL_TESTDATA")) {
    std::string dir = std::string(root) + "/uap-core";
    return std::filesystem::exists(dir + "/test_ua.yaml") ? dir : std::string(root);
  }
  return kSourceDir + "/../shared/testdata/uap-core";
}

std::vector<std::string> LoadUserAgents(const std::string& dir) {
  std::set<std::string> distinct;
  for (const char* file : {"test_ua.yaml", "test_os.yaml", "test_device.yaml"}) {
    YAML::Node root = YAML::LoadFile(dir + "/" + file);
    for (const YAML::Node& c : root["test_cases"]) distinct.insert(c["user_agent_string"].as<std::string>(""));
  }
  std::vector<std::string> uas(distinct.begin(), distinct.end());
  std::mt19937 rng(42);  // fixed order: runs are comparable
  std::shuffle(uas.begin(), uas.end(), rng);
  return uas;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

void PrintLatency(const char* label, std::vector<double> micros) {
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  double sum = 0;
  for (double m : micros) sum += m;
  std::printf("%-28s n=%zu  p50=%.2f us  p90=%.2f us  p99=%.2f us  max=%.1f us  mean=%.2f us\n", label,
              micros.size(), at(0.5), at(0.9), at(0.99), micros.back(), sum / micros.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::string regexes = argc > 1 ? argv[1] : kSourceDir + "/node_modules/uap-core/regexes.yaml";
  std::string testdata = argc > 2 ? argv[2] : DefaultTestdataDir();

  auto load_start = Clock::now();
  auto parser = vigil::ua::UserAgentParser::LoadFile(regexes);
  double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();
  std::vector<std::string> uas = LoadUserAgents(testdata);
  std::printf("parser load: %.0f ms (%d rules); inputs: %zu distinct user agents, mean length %.0f bytes\n",
              load_ms, parser->load_report().rules_compiled, uas.size(), [&] {
                double total = 0;
                for (const auto& ua : uas) total += ua.size();
                return total / uas.size();
              }());

  size_t checksum = 0;  // keeps the optimizer from dropping parses
  // A cache miss in production is a User-Agent the server has not seen recently, parsed by an
  // engine that has seen many others. So: warm the engine on one half of the inputs, measure on
  // the other half. The very first parses (empty lazy DFAs) and re-parses of already seen
  // strings are printed for comparison.
  const size_t half = uas.size() / 2;
  const std::vector<std::string> warmup(uas.begin(), uas.begin() + half);
  const std::vector<std::string> unseen(uas.begin() + half, uas.end());
  const char* collect_env = std::getenv("UA_BENCH_COLLECT");
  const bool collect_seen = collect_env && std::string(collect_env) == "seen";
  // `collect`: the parses (only them) are what callgrind counts when run as said at the top.
  auto timed_pass = [&](const char* label, const std::vector<std::string>& inputs, size_t limit, bool collect = false) {
    std::vector<double> micros;
    micros.reserve(std::min(limit, inputs.size()));
    double cpu_start = ThreadCpuSeconds();
    for (size_t i = 0; i < inputs.size() && i < limit; ++i) {
      auto start = Clock::now();
      if (collect) VIGIL_TOGGLE_COLLECT();
      vigil::ua::UserAgent parsed = parser->Parse(inputs[i]);
      if (collect) VIGIL_TOGGLE_COLLECT();
      micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      checksum += parsed.browser.family.size() + parsed.device.model.size();
    }
    double cpu_us = (ThreadCpuSeconds() - cpu_start) * 1e6 / micros.size();
    PrintLatency(label, std::move(micros));
    std::printf("%-28s cpu time per parse %.2f us\n", "", cpu_us);
  };
  timed_pass("first parses, cold engine", warmup, 2000);
  for (size_t i = 2000; i < warmup.size(); ++i) checksum += parser->Parse(warmup[i]).os.family.size();
  timed_pass("uncached parse (unseen UA)", unseen, unseen.size(), !collect_seen);
  timed_pass("re-parse of seen UA", unseen, unseen.size(), collect_seen);

  // Where the time goes (warm): each section of the rule set on its own.
  {
    std::vector<double> browser, os, device;
    for (const std::string& ua : unseen) {
      auto t0 = Clock::now();
      checksum += parser->ParseBrowser(ua).family.size();
      auto t1 = Clock::now();
      checksum += parser->ParseOs(ua).family.size();
      auto t2 = Clock::now();
      checksum += parser->ParseDevice(ua).family.size();
      auto t3 = Clock::now();
      browser.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      os.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
      device.push_back(std::chrono::duration<double, std::micro>(t3 - t2).count());
    }
    PrintLatency("  browser rules only", std::move(browser));
    PrintLatency("  os rules only", std::move(os));
    PrintLatency("  device rules only", std::move(device));
  }

  for (int threads : {1, 2}) {
    vigil::ua::UserAgentCache cache(*parser, uas.size() * 2);
    for (const std::string& ua : uas) cache.Lookup(ua);  // fill
    constexpr size_t kLookupsPerThread = 2'000'000;
    auto start = Clock::now();
    std::vector<std::thread> workers;
    std::vector<size_t> sums(threads);
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        // A skewed mix, as in real traffic: most events come from a few hundred browsers.
        std::mt19937 rng(t + 1);
        std::geometric_distribution<size_t> pick(0.01);
        for (size_t i = 0; i < kLookupsPerThread; ++i)
          sums[t] += cache.Lookup(uas[pick(rng) % uas.size()])->browser.family.size();
      });
    }
    for (auto& w : workers) w.join();
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    for (size_t s : sums) checksum += s;
    std::printf("cached lookups, %d thread(s):  %.2f M lookups/s (%.0f ns per lookup per thread)\n", threads,
                threads * kLookupsPerThread / seconds / 1e6, seconds * 1e9 / kLookupsPerThread);
  }
  std::printf("checksum %zu\n", checksum);
  return 0;
}

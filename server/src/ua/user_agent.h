// User-agent parsing with the uap-core rule set (regexes.yaml from the `uap-core` package).
//
// A UserAgentParser is built once at start-up from regexes.yaml and is immutable afterwards:
// Parse() is const and safe to call from any number of threads at once.
// For per-event use, put a UserAgentCache (ua/user_agent_cache.h) in front of it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::ua {

// Fields follow the uap-core output model. An empty string means "not known"; a family is
// "Other" when no rule matched.
struct BrowserInfo {
  std::string family = "Other";
  std::string major, minor, patch;
};

struct OsInfo {
  std::string family = "Other";
  std::string major, minor, patch, patch_minor;
};

struct DeviceInfo {
  std::string family = "Other";
  std::string brand, model;
};

struct UserAgent {
  BrowserInfo browser;
  OsInfo os;
  DeviceInfo device;
  // Crawlers, monitors and headless automation: device family "Spider" or a known automation
  // token (HeadlessChrome, Lighthouse, PhantomJS, ...). The pipeline may drop or tag these.
  bool is_bot = false;
};

// What happened to the rules of regexes.yaml while compiling them for RE2.
struct RuleLoadReport {
  int rules_total = 0;
  int rules_compiled = 0;    // usable, including translated ones
  int rules_translated = 0;  // PCRE-only syntax rewritten into an RE2 equivalent
  // Rules that RE2 cannot run even after translation, as "section[index]: pattern (error)".
  // They are left out; the rest of the section still works.
  std::vector<std::string> rules_skipped;
};

class UserAgentParser {
 public:
  // Loads regexes.yaml. Throws std::runtime_error if the file cannot be read, is not valid
  // YAML, or yields no usable rule (start-up only; never called on the hot path).
  static std::unique_ptr<UserAgentParser> LoadFile(const std::string& regexes_yaml_path);
  static std::unique_ptr<UserAgentParser> LoadYaml(std::string_view regexes_yaml_text);

  ~UserAgentParser();
  UserAgentParser(const UserAgentParser&) = delete;
  UserAgentParser& operator=(const UserAgentParser&) = delete;

  // Thread-safe: nothing changes after loading except RE2's lazily built DFA states, which RE2
  // shares and locks internally; the candidate filter's per-call scratch is per thread. On the
  // 2-core VM: ~4.1 us p50 for strings never seen (p90 ~8 us; ~4.1-4.6 us p50 with both cores
  // busy), ~3.9 us for strings seen before (docs/enrichment.md). Put a UserAgentCache in front.
  UserAgent Parse(std::string_view user_agent) const;
  // The same answer as Parse, worked out the way uap-core specifies it: every rule in order, each
  // searched anywhere in the string with its own regex. None of Parse's shortcuts (candidate
  // filter, match starts and heads, anchored runs, widened forms), so it checks them (tests, fuzz
  // target); ~100 times slower.
  UserAgent ParsePlainly(std::string_view user_agent) const;
  BrowserInfo ParseBrowser(std::string_view user_agent) const;
  OsInfo ParseOs(std::string_view user_agent) const;
  DeviceInfo ParseDevice(std::string_view user_agent) const;

  const RuleLoadReport& load_report() const;

  struct Rules;  // compiled rule set; opaque, defined in user_agent.cpp

 private:
  explicit UserAgentParser(std::unique_ptr<Rules> rules);
  std::unique_ptr<Rules> rules_;
};

}  // namespace vigil::ua

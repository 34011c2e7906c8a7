#include "ua/user_agent.h"

#include "ua/regex_rewrite.h"

#include <re2/re2.h>
#include <re2/set.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vigil::ua {
namespace {

// uap-core uses at most $1..$9 in replacements; RE2 captures beyond that are never read.
constexpr int kMaxGroups = 10;  // group 0 (whole match) + $1..$9

// The replacement fields a rule may carry, per section. Slot i corresponds to output field i.
constexpr std::array<const char*, 5> kBrowserFields = {"family_replacement", "v1_replacement",
                                                       "v2_replacement", "v3_replacement", ""};
constexpr std::array<const char*, 5> kOsFields = {"os_replacement", "os_v1_replacement",
                                                  "os_v2_replacement", "os_v3_replacement",
                                                  "os_v4_replacement"};
constexpr std::array<const char*, 5> kDeviceFields = {"device_replacement", "brand_replacement",
                                                      "model_replacement", "", ""};
// The capture group each output field falls back to without a replacement (0 = none).
constexpr std::array<int, 5> kBrowserDefaultGroups = {1, 2, 3, 4, 0};
constexpr std::array<int, 5> kOsDefaultGroups = {1, 2, 3, 4, 5};
constexpr std::array<int, 5> kDeviceDefaultGroups = {1, 0, 1, 0, 0};

// A widened repetition of the capture form and the longest run of its atom it stays exact for.
struct RunLimit {
  std::array<bool, 256> is_member{};  // bytes >= 0x80 always count: UTF-8 runs are never undercounted
  size_t max_run = 0;
};

struct Rule {
  std::unique_ptr<RE2> regex;
  // Same rule with large single-character bounds widened (ShortRunForm): a much smaller program,
  // so captures run on RE2's fast engines. Its answer is used only when it provably equals the
  // original's; see FirstMatch.
  std::unique_ptr<RE2> short_run_regex;
  std::vector<RunLimit> run_limits;
  // The smallest bound that was widened. A match of the widened form no longer than this used
  // no more iterations than the original allows anywhere, so it is the original's match too
  // (the original's paths are the widened form's, restricted, in the same preference order).
  size_t min_widened_bound = 0;
  std::array<std::string, 5> replacement;
  std::array<bool, 5> has_replacement{};
  // Highest capture group the outputs read; 0 lets RE2 answer from its DFA alone, with no
  // submatch engine (e.g. the big case-insensitive bot rule whose outputs are all literals).
  int groups_needed = 0;
};

// One of user_agent_parsers / os_parsers / device_parsers. Rule i's prefilter pattern sits in
// `prefilter` (shared by the browser and OS sections) at index first_prefilter_index + i.
struct Section {
  std::vector<Rule> rules;
  RE2::Set* prefilter = nullptr;
  int first_prefilter_index = 0;
};

bool RunLimitsHold(const std::vector<RunLimit>& limits, std::string_view text) {
  for (const RunLimit& limit : limits) {
    size_t run = 0;
    for (unsigned char c : text) {
      run = limit.is_member[c] ? run + 1 : 0;
      if (run > limit.max_run) return false;
    }
  }
  return true;
}

// Removes leading/trailing ASCII whitespace in place (uap: results are trimmed).
void TrimInPlace(std::string& s) {
  size_t begin = 0, end = s.size();
  while (begin < end && (s[begin] == ' ' || s[begin] == '\t' || s[begin] == '\r' || s[begin] == '\n'))
    ++begin;
  while (end > begin && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r' || s[end - 1] == '\n'))
    --end;
  if (begin != 0 || end != s.size()) s = s.substr(begin, end - begin);
}

// Expands $1..$9 in a replacement template with the captured groups (absent groups expand to
// nothing), then trims.
std::string Expand(const std::string& tmpl, const re2::StringPiece* groups, int group_count) {
  std::string out;
  out.reserve(tmpl.size() + 16);
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c == '$' && i + 1 < tmpl.size() && tmpl[i + 1] >= '1' && tmpl[i + 1] <= '9') {
      int g = tmpl[i + 1] - '0';
      if (g < group_count && groups[g].data() != nullptr) out.append(groups[g].data(), groups[g].size());
      ++i;
    } else {
      out.push_back(c);
    }
  }
  TrimInPlace(out);
  return out;
}

std::string Group(const re2::StringPiece* groups, int group_count, int g) {
  if (g >= group_count || groups[g].data() == nullptr) return {};
  std::string out(groups[g].data(), groups[g].size());
  TrimInPlace(out);
  return out;
}

}  // namespace

// Two RE2::Sets: browser + OS rules + the automation pattern, and device rules. A lazily built
// DFA over the union of all rules has roughly the product of the parts' states, so strings it
// had not met kept creating states; two DFAs have the sum and stay warm far sooner, for one
// extra pass over the string (see docs/enrichment.md).
struct UserAgentParser::Rules {
  Section browser, os, device;
  std::unique_ptr<RE2::Set> browser_os_prefilter, device_prefilter;
  int automation_prefilter_index = -1;  // in browser_os_prefilter
  std::unique_ptr<RE2> automation;  // used only when the prefilter cannot answer
  // How often the prefilter's DFA ran out of memory and rules were tried one by one instead.
  mutable std::atomic<uint64_t> prefilter_fallbacks{0};
  RuleLoadReport report;
};

namespace {

void AddShortRunForm(Rule& rule, const std::string& pattern, const RE2::Options& options) {
  // Inline flags past the start would change what an atom matches on its own: keep it simple.
  for (size_t at = pattern.find("(?", 1); at != std::string::npos; at = pattern.find("(?", at + 1))
    if (pattern.compare(at, 3, "(?:") != 0) return;
  ShortRunForm form = WidenForShortRuns(pattern);
  if (form.widened.empty()) return;
  auto short_run = std::make_unique<RE2>(form.pattern, options);
  if (!short_run->ok() || short_run->NumberOfCapturingGroups() != rule.regex->NumberOfCapturingGroups()) return;
  const std::string flags = pattern.rfind("(?i)", 0) == 0 ? "(?i)" : "";
  std::vector<RunLimit> limits;
  for (const ShortRunForm::Widened& w : form.widened) {
    RE2 atom(flags + "(?:" + w.atom + ")", options);
    if (!atom.ok()) return;
    RunLimit limit;
    limit.max_run = static_cast<size_t>(w.max_run);
    for (int c = 0; c < 256; ++c) {
      const char byte = static_cast<char>(c);
      limit.is_member[c] = c >= 0x80 || RE2::FullMatch(re2::StringPiece(&byte, 1), atom);
    }
    limits.push_back(limit);
  }
  rule.min_widened_bound = limits.front().max_run;
  for (const RunLimit& limit : limits) rule.min_widened_bound = std::min(rule.min_widened_bound, limit.max_run);
  rule.short_run_regex = std::move(short_run);
  rule.run_limits = std::move(limits);
}

void LoadSection(const YAML::Node& list, const char* section_name,
                 const std::array<const char*, 5>& fields, const std::array<int, 5>& default_group,
                 Section& section, RuleLoadReport& report) {
  if (!list || !list.IsSequence())
    throw std::runtime_error(std::string("regexes.yaml: missing list '") + section_name + "'");
  RE2::Options options;
  options.set_log_errors(false);
  int index = -1;
  for (const YAML::Node& entry : list) {
    ++index;
    ++report.rules_total;
    std::string pattern = entry["regex"].as<std::string>("");
    std::string translated = TranslatePcreToRe2(pattern);
    const YAML::Node flag = entry["regex_flag"];
    if (flag && flag.as<std::string>("") == "i") translated = "(?i)" + translated;

    Rule rule;
    rule.regex = std::make_unique<RE2>(translated, options);
    if (!rule.regex->ok()) {
      report.rules_skipped.push_back(std::string(section_name) + "[" + std::to_string(index) + "]: " +
                                     pattern + " (" + rule.regex->error() + ")");
      continue;
    }
    std::string set_error;
    RE2::Set& prefilter = *section.prefilter;
    int prefilter_index = prefilter.Add(PrefilterSetPattern(translated), &set_error);
    if (prefilter_index < 0) prefilter_index = prefilter.Add(translated, &set_error);  // exact, slower
    if (prefilter_index < 0) {
      report.rules_skipped.push_back(std::string(section_name) + "[" + std::to_string(index) + "]: " +
                                     pattern + " (prefilter: " + set_error + ")");
      continue;
    }
    if (section.rules.empty()) section.first_prefilter_index = prefilter_index;
    if (translated != pattern && translated != "(?i)" + pattern) ++report.rules_translated;
    AddShortRunForm(rule, translated, options);
    for (size_t f = 0; f < fields.size(); ++f) {
      if (fields[f][0] == '\0') continue;
      const YAML::Node value = entry[fields[f]];
      if (value && !value.IsNull()) {
        const std::string& tmpl = rule.replacement[f] = value.as<std::string>();
        rule.has_replacement[f] = true;
        for (size_t at = tmpl.find('$'); at != std::string::npos; at = tmpl.find('$', at + 1))
          if (at + 1 < tmpl.size() && tmpl[at + 1] >= '1' && tmpl[at + 1] <= '9')
            rule.groups_needed = std::max(rule.groups_needed, tmpl[at + 1] - '0');
      } else if (default_group[f] > 0) {
        rule.groups_needed = std::max(rule.groups_needed, default_group[f]);
      }
    }
    section.rules.push_back(std::move(rule));
    ++report.rules_compiled;
  }
}

// Matches Chrome's and others' automation builds and common monitoring/preview agents that uap
// does not classify as "Spider".
constexpr const char* kAutomationPattern =
    "(?i)(?:HeadlessChrome|PhantomJS|Chrome-Lighthouse|Lighthouse|PTST/|Pingdom|"
    "GTmetrix|Google-InspectionTool|Googlebot|bingbot|Slurp|DuckDuckBot|Baiduspider|"
    "YandexBot|facebookexternalhit|Bytespider|GPTBot|ClaudeBot|python-requests|curl/|Wget/|"
    "Go-http-client|okhttp/|node-fetch|axios/)";

// The prefilter's answer for one User-Agent: sorted candidate indexes, or "try everything" when
// its DFA ran out of memory.
struct Candidates {
  const std::vector<int>* sorted = nullptr;  // null: no answer, try every rule
  bool Contains(int index) const { return std::binary_search(sorted->begin(), sorted->end(), index); }
};

// Finds the first rule (in yaml order) of `section` that matches, filling `groups`.
const Rule* FirstMatch(const Section& section, const Candidates& candidates, std::string_view text,
                       std::array<re2::StringPiece, kMaxGroups>& groups, int& group_count) {
  re2::StringPiece input(text.data(), text.size());
  auto try_rule = [&](const Rule& rule) {
    const int wanted = rule.groups_needed == 0 ? 0 : std::min(rule.groups_needed, rule.regex->NumberOfCapturingGroups()) + 1;
    if (rule.short_run_regex && wanted > 0) {
      // The widened form accepts a superset, so no match means no match; a match no longer than
      // the smallest widened bound is the original's match (see ShortRunForm); a longer one is
      // still exact when no run of a widened atom exceeds its bound.
      group_count = wanted;
      if (!rule.short_run_regex->Match(input, 0, input.size(), RE2::UNANCHORED, groups.data(), group_count))
        return false;
      if (groups[0].size() <= rule.min_widened_bound || RunLimitsHold(rule.run_limits, text)) return true;
    } else if (rule.short_run_regex && RunLimitsHold(rule.run_limits, text)) {
      group_count = 0;  // outputs need no capture: a DFA-only yes/no
      return rule.short_run_regex->Match(input, 0, input.size(), RE2::UNANCHORED, nullptr, 0);
    }
    group_count = wanted;
    return rule.regex->Match(input, 0, input.size(), RE2::UNANCHORED, groups.data(), group_count);
  };

  if (!candidates.sorted) {
    for (const Rule& rule : section.rules)
      if (try_rule(rule)) return &rule;
    return nullptr;
  }
  const int first = section.first_prefilter_index;
  const int end = first + static_cast<int>(section.rules.size());
  for (auto it = std::lower_bound(candidates.sorted->begin(), candidates.sorted->end(), first);
       it != candidates.sorted->end() && *it < end; ++it) {
    const Rule& rule = section.rules[*it - first];
    if (try_rule(rule)) return &rule;
  }
  return nullptr;
}

BrowserInfo BrowserFrom(const Section& section, const Candidates& candidates, std::string_view ua) {
  BrowserInfo out;
  std::array<re2::StringPiece, kMaxGroups> g;
  int n = 0;
  const Rule* rule = FirstMatch(section, candidates, ua, g, n);
  if (!rule) return out;
  // Field i defaults to capture group i+1; a replacement template overrides it.
  std::string* fields[4] = {&out.family, &out.major, &out.minor, &out.patch};
  for (int f = 0; f < 4; ++f)
    *fields[f] = rule->has_replacement[f] ? Expand(rule->replacement[f], g.data(), n) : Group(g.data(), n, f + 1);
  if (out.family.empty()) out.family = "Other";
  return out;
}

OsInfo OsFrom(const Section& section, const Candidates& candidates, std::string_view ua) {
  OsInfo out;
  std::array<re2::StringPiece, kMaxGroups> g;
  int n = 0;
  const Rule* rule = FirstMatch(section, candidates, ua, g, n);
  if (!rule) return out;
  std::string* fields[5] = {&out.family, &out.major, &out.minor, &out.patch, &out.patch_minor};
  for (int f = 0; f < 5; ++f)
    *fields[f] = rule->has_replacement[f] ? Expand(rule->replacement[f], g.data(), n) : Group(g.data(), n, f + 1);
  if (out.family.empty()) out.family = "Other";
  return out;
}

DeviceInfo DeviceFrom(const Section& section, const Candidates& candidates, std::string_view ua) {
  DeviceInfo out;
  std::array<re2::StringPiece, kMaxGroups> g;
  int n = 0;
  const Rule* rule = FirstMatch(section, candidates, ua, g, n);
  if (!rule) return out;
  // Device: family and model both default to group 1; brand has no default.
  out.family = rule->has_replacement[0] ? Expand(rule->replacement[0], g.data(), n) : Group(g.data(), n, 1);
  out.brand = rule->has_replacement[1] ? Expand(rule->replacement[1], g.data(), n) : std::string();
  out.model = rule->has_replacement[2] ? Expand(rule->replacement[2], g.data(), n) : Group(g.data(), n, 1);
  if (out.family.empty()) out.family = "Other";
  return out;
}

// Runs a section's prefilter; the candidate list lives in a per-thread buffer so a parse
// allocates nothing for it. Valid until the next call on the same thread.
Candidates RunPrefilter(const UserAgentParser::Rules& rules, const Section& section, std::string_view ua);

}  // namespace

UserAgentParser::UserAgentParser(std::unique_ptr<Rules> rules) : rules_(std::move(rules)) {}
UserAgentParser::~UserAgentParser() = default;

std::unique_ptr<UserAgentParser> UserAgentParser::LoadYaml(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(std::string("regexes.yaml: invalid YAML: ") + e.what());
  }
  auto rules = std::make_unique<Rules>();
  RE2::Options set_options;
  set_options.set_log_errors(false);
  // Room for each prefilter's lazily built DFA states. The prefilter patterns hold no long-lived
  // partial matches, so states stay few; if a budget is ever exhausted, RE2 reports it and the
  // parse falls back to trying that section's rules in order (slower, same answer).
  set_options.set_max_mem(int64_t{64} << 20);
  rules->browser_os_prefilter = std::make_unique<RE2::Set>(set_options, RE2::UNANCHORED);
  rules->device_prefilter = std::make_unique<RE2::Set>(set_options, RE2::UNANCHORED);
  rules->browser.prefilter = rules->os.prefilter = rules->browser_os_prefilter.get();
  rules->device.prefilter = rules->device_prefilter.get();
  LoadSection(root["user_agent_parsers"], "user_agent_parsers", kBrowserFields, kBrowserDefaultGroups,
              rules->browser, rules->report);
  LoadSection(root["os_parsers"], "os_parsers", kOsFields, kOsDefaultGroups, rules->os, rules->report);
  LoadSection(root["device_parsers"], "device_parsers", kDeviceFields, kDeviceDefaultGroups, rules->device,
              rules->report);
  rules->automation_prefilter_index = rules->browser_os_prefilter->Add(kAutomationPattern, nullptr);
  rules->automation = std::make_unique<RE2>(kAutomationPattern);
  for (RE2::Set* set : {rules->browser_os_prefilter.get(), rules->device_prefilter.get()})
    if (!set->Compile()) throw std::runtime_error("regexes.yaml: cannot compile the prefilter");
  if (rules->report.rules_compiled == 0) throw std::runtime_error("regexes.yaml: no usable rule");
  return std::unique_ptr<UserAgentParser>(new UserAgentParser(std::move(rules)));
}

std::unique_ptr<UserAgentParser> UserAgentParser::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open regexes file: " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return LoadYaml(buffer.str());
}

const RuleLoadReport& UserAgentParser::load_report() const { return rules_->report; }

namespace {

Candidates RunPrefilter(const UserAgentParser::Rules& rules, const Section& section, std::string_view ua) {
  thread_local std::vector<int> hits;
  hits.clear();
  RE2::Set::ErrorInfo error{};
  if (!section.prefilter->Match(re2::StringPiece(ua.data(), ua.size()), &hits, &error) &&
      error.kind != RE2::Set::kNoError) {
    rules.prefilter_fallbacks.fetch_add(1, std::memory_order_relaxed);
    return Candidates{nullptr};
  }
  std::sort(hits.begin(), hits.end());
  return Candidates{&hits};
}

}  // namespace

BrowserInfo UserAgentParser::ParseBrowser(std::string_view ua) const {
  return BrowserFrom(rules_->browser, RunPrefilter(*rules_, rules_->browser, ua), ua);
}

OsInfo UserAgentParser::ParseOs(std::string_view ua) const {
  return OsFrom(rules_->os, RunPrefilter(*rules_, rules_->os, ua), ua);
}

DeviceInfo UserAgentParser::ParseDevice(std::string_view ua) const {
  return DeviceFrom(rules_->device, RunPrefilter(*rules_, rules_->device, ua), ua);
}

UserAgent UserAgentParser::Parse(std::string_view ua) const {
  UserAgent out;
  Candidates candidates = RunPrefilter(*rules_, rules_->browser, ua);  // browser and OS rules
  out.browser = BrowserFrom(rules_->browser, candidates, ua);
  out.os = OsFrom(rules_->os, candidates, ua);
  bool automation = candidates.sorted
                        ? candidates.Contains(rules_->automation_prefilter_index)
                        : RE2::PartialMatch(re2::StringPiece(ua.data(), ua.size()), *rules_->automation);
  out.device = ParseDevice(ua);
  out.is_bot = out.device.family == "Spider" || automation;
  return out;
}

uint64_t UserAgentParser::prefilter_fallbacks() const {
  return rules_->prefilter_fallbacks.load(std::memory_order_relaxed);
}

}  // namespace vigil::ua

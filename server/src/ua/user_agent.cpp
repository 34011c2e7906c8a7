#include "ua/user_agent.h"

#include "ua/literal_matcher.h"
#include "ua/regex_rewrite.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

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
  // Where a match can begin (MatchStartsOf): see TryRule. `anchored_starts`: the rule's captures
  // come from an anchored match at those places (RE2's backtracker, the program being small
  // enough) instead of three passes.
  bool starts_known = false;
  bool anchored_starts = false;
  bool match_at_text_start = false;  // a leading `^`
  std::array<bool, 256> first_byte{};
  std::string prefix;  // when not empty, what every match begins with
  // What the first bytes of a match can be (MatchHeadsOf): a start where they do not fit is
  // ruled out before RE2 runs.
  MatchHead head;
};

// One of user_agent_parsers / os_parsers / device_parsers. Rule i of the section has the
// parser-wide rule id first_rule_id + i.
struct Section {
  std::vector<Rule> rules;
  int first_rule_id = 0;
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

// The candidate filter. Every rule has a literal condition: clauses, each a set of literals of
// which at least one occurs in every string the rule matches; a rule is a candidate for a string
// only when all its clauses hold. Literals are matched case-insensitively (lowercase, `folded`) or
// byte for byte (`exact`), both kinds by one LiteralMatcher pass. A rule is listed under one
// literal clause, its trigger; when a trigger literal occurs, the rule's other clauses are checked
// against the literals found. Rules without clauses are candidates for every string. Candidates
// are tried in rule order (see docs/enrichment.md).
struct UserAgentParser::Rules {
  Section browser, os, device;
  std::unique_ptr<LiteralMatcher> literals;
  // Literal id -> rule ids it triggers: trigger_rules[trigger_begin[id] .. trigger_begin[id + 1]).
  std::vector<uint32_t> trigger_begin, trigger_rules;
  // Rule id -> its other clauses: clause c of rule r is check_literals[check_clause_begin[c] ..
  // check_clause_begin[c + 1]) for c in [rule_check_begin[r], rule_check_begin[r + 1]).
  std::vector<uint32_t> rule_check_begin, check_clause_begin, check_literals;
  std::vector<int> unconditional_rules;  // rule ids, ascending
  int first_automation_literal = 0;      // literal ids from here on are automation tokens
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

// FilteredRE2's atoms shorter than this count as "matches anything". Measured on uap-core 0.18.0
// (see docs/enrichment.md): 2 leaves the fewest candidates.
constexpr int kMinAtomLength = 2;
// A rule with more atoms than this gets a single FilteredRE2 clause (any of them): the clause
// search below costs rule checks quadratic in the atom count, and such rules are plain
// alternations anyway.
constexpr size_t kMaxAtomsToAnalyze = 48;

struct Literal {
  bool folded = true;  // matched ASCII case-insensitively (then lowercase)
  std::string text;
  bool operator==(const Literal& other) const { return folded == other.folded && text == other.text; }
};
using LiteralClause = std::vector<Literal>;

// FilteredRE2 answers "can the rule match a string containing exactly these atoms?" (a monotone
// function of the atom set; "no" is guaranteed right), but keeps its AND/OR tree private, and
// asking it per parse cost more than the rest of the filter together. So it is read back at load
// time as clauses: a set C of atoms is a clause when the rule cannot match with every atom of C
// absent. Each clause is shrunk to a minimal one, once per atom (that atom removed last).
std::vector<LiteralClause> FilteredRe2Clauses(const std::string& pattern, const RE2::Options& options) {
  std::vector<LiteralClause> out;
  re2::FilteredRE2 filter(kMinAtomLength);
  int id = 0;
  std::vector<std::string> atoms;
  if (filter.Add(pattern, options, &id) != RE2::NoError) return out;
  filter.Compile(&atoms);
  const size_t n = atoms.size();
  std::vector<int> present, potentials;
  auto may_match_without = [&](const std::vector<bool>& absent) {
    present.clear();
    for (size_t i = 0; i < n; ++i)
      if (!absent[i]) present.push_back(static_cast<int>(i));
    filter.AllPotentials(present, &potentials);
    return !potentials.empty();
  };
  // Atoms are lowercased by Unicode rules; the literal matcher folds ASCII only.
  for (const std::string& atom : atoms)
    for (unsigned char c : atom)
      if (c >= 0x80) return out;
  if (n == 0 || may_match_without(std::vector<bool>(n, true))) return out;
  auto clause_of = [&](const std::vector<bool>& in_clause) {
    LiteralClause clause;
    for (size_t i = 0; i < n; ++i)
      if (in_clause[i]) clause.push_back(Literal{true, atoms[i]});
    return clause;
  };
  if (n > kMaxAtomsToAnalyze) {
    out.push_back(clause_of(std::vector<bool>(n, true)));
    return out;
  }
  for (size_t last = 0; last < n; ++last) {
    std::vector<bool> in_clause(n, true);
    for (size_t k = 0; k < n; ++k) {
      const size_t i = (last + 1 + k) % n;  // `last` comes last
      in_clause[i] = false;
      if (may_match_without(in_clause)) in_clause[i] = true;  // needed: the rule could match without C
    }
    LiteralClause clause = clause_of(in_clause);
    if (std::find(out.begin(), out.end(), clause) == out.end()) out.push_back(std::move(clause));
  }
  return out;
}

// How selective a clause is likely to be: as its least selective literal; matching case counts.
double ClauseScore(const LiteralClause& clause) {
  double score = 1e9;
  for (const Literal& literal : clause)
    score = std::min(score, LiteralSelectivity(literal.text) + (literal.folded ? 0 : 0.5));
  return score;
}

// All clauses known for a rule: its required literals (exact unless the rule is `(?i)`) and
// FilteredRE2's.
std::vector<LiteralClause> LiteralConditionOf(const std::string& pattern, const RE2::Options& options) {
  std::vector<LiteralClause> out;
  RequiredLiterals required = RequiredLiteralsOf(pattern);
  for (std::vector<std::string>& clause : required.clauses) {
    out.emplace_back();
    for (std::string& text : clause) out.back().push_back(Literal{required.case_insensitive, std::move(text)});
  }
  for (LiteralClause& clause : FilteredRe2Clauses(pattern, options)) out.push_back(std::move(clause));
  return out;
}

// RE2 runs its backtracker (BitState) only on programs up to this size; past it an anchored
// match falls to the NFA, slower than the DFA passes it saves.
constexpr int kMaxBacktrackProgram = 512;

// Builds a section's rules; their literal conditions go to `conditions`, indexed by rule id.
void LoadSection(const YAML::Node& list, const char* section_name,
                 const std::array<const char*, 5>& fields, const std::array<int, 5>& default_group,
                 Section& section, std::vector<std::vector<LiteralClause>>& conditions, RuleLoadReport& report) {
  if (!list || !list.IsSequence())
    throw std::runtime_error(std::string("regexes.yaml: missing list '") + section_name + "'");
  RE2::Options options;
  options.set_log_errors(false);
  section.first_rule_id = static_cast<int>(conditions.size());
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
    if (const MatchStarts starts = MatchStartsOf(translated); starts.known) {
      const RE2& used = rule.short_run_regex ? *rule.short_run_regex : *rule.regex;
      rule.starts_known = true;
      rule.anchored_starts = rule.groups_needed > 0 && used.ProgramSize() <= kMaxBacktrackProgram;
      rule.match_at_text_start = starts.at_text_start;
      rule.first_byte = starts.first_byte;
      rule.prefix = starts.prefix;
      rule.head = MatchHead(MatchHeadsOf(translated));
    }
    conditions.push_back(LiteralConditionOf(translated, options));
    section.rules.push_back(std::move(rule));
    ++report.rules_compiled;
  }
}

// Chrome's and others' automation builds and common monitoring/preview agents that uap does not
// classify as "Spider"; matched as case-insensitive substrings.
constexpr const char* kAutomationTokens[] = {
    "headlesschrome", "phantomjs", "lighthouse", "ptst/", "pingdom", "gtmetrix",
    "google-inspectiontool", "googlebot", "bingbot", "slurp", "duckduckbot", "baiduspider",
    "yandexbot", "facebookexternalhit", "bytespider", "gptbot", "claudebot", "python-requests",
    "curl/", "wget/", "go-http-client", "okhttp/", "node-fetch", "axios/",
};

// Whether one of kAutomationTokens occurs, ASCII case-insensitively (what the literal matcher's
// folded literals find).
bool HasAutomationToken(std::string_view ua) {
  auto same_folded = [](char text, char token) {
    return std::tolower(static_cast<unsigned char>(text)) == static_cast<unsigned char>(token);
  };
  for (std::string_view token : kAutomationTokens)
    if (std::search(ua.begin(), ua.end(), token.begin(), token.end(), same_folded) != ua.end()) return true;
  return false;
}

// The candidate rules for one User-Agent, a bit per rule id, plus whether an automation token
// occurs. Lives in a per-thread buffer (nothing allocated per parse once warm); valid until the
// next call on the same thread.
struct Candidates {
  const std::vector<uint64_t>* rule_bits = nullptr;
  bool automation = false;
};

// Per-thread scratch of FindCandidates. A stamp equal to `generation` marks "seen in this call",
// so nothing needs clearing between calls.
struct CandidateScratch {
  uint32_t generation = 0;
  std::vector<uint32_t> literal_stamp, rule_stamp;
  std::vector<int> triggered;
  std::vector<uint64_t> rule_bits;
  std::string folded_text;
};

// RE2 folds case by Unicode: (?i)k also matches U+212A KELVIN SIGN and (?i)s U+017F LATIN SMALL
// LETTER LONG S. The literal matcher folds ASCII only, so those are rewritten first (only for
// User-Agents holding these bytes); an added literal occurrence can only add candidates.
std::string_view FoldForLiterals(std::string_view ua, std::string& buffer) {
  if (ua.find("\xE2\x84\xAA") == std::string_view::npos && ua.find("\xC5\xBF") == std::string_view::npos)
    return ua;
  buffer.assign(ua);
  for (size_t at; (at = buffer.find("\xE2\x84\xAA")) != std::string::npos;) buffer.replace(at, 3, "k");
  for (size_t at; (at = buffer.find("\xC5\xBF")) != std::string::npos;) buffer.replace(at, 2, "s");
  return buffer;
}

Candidates FindCandidates(const UserAgentParser::Rules& rules, std::string_view ua) {
  thread_local CandidateScratch scratch;
  CandidateScratch& s = scratch;
  if (++s.generation == 0) {  // wrapped: old stamps could look current
    for (auto* stamps : {&s.literal_stamp, &s.rule_stamp}) std::fill(stamps->begin(), stamps->end(), 0);
    s.generation = 1;
  }
  const uint32_t generation = s.generation;
  // Sized for the largest parser this thread has used.
  auto fit = [](std::vector<uint32_t>& stamps, size_t size) {
    if (stamps.size() < size) stamps.resize(size);
  };
  fit(s.literal_stamp, rules.trigger_begin.size());
  fit(s.rule_stamp, rules.rule_check_begin.size());
  s.triggered.clear();
  bool automation = false;
  auto on_literal = [&](int literal, size_t /*end*/) __attribute__((always_inline)) {
    if (s.literal_stamp[literal] == generation) return;
    s.literal_stamp[literal] = generation;
    if (literal >= rules.first_automation_literal) automation = true;
    for (uint32_t i = rules.trigger_begin[literal]; i < rules.trigger_begin[literal + 1]; ++i) {
      const uint32_t rule = rules.trigger_rules[i];
      if (s.rule_stamp[rule] == generation) continue;
      s.rule_stamp[rule] = generation;
      s.triggered.push_back(static_cast<int>(rule));
    }
  };
  const std::string_view folded_text = FoldForLiterals(ua, s.folded_text);
  if (folded_text.data() == ua.data()) {
    rules.literals->Scan(ua, on_literal);
  } else {  // the case-insensitive literals on the rewritten text, the others on the original
    rules.literals->Scan(folded_text, on_literal, LiteralMatcher::Kinds::kFoldedOnly);
    rules.literals->Scan(ua, on_literal, LiteralMatcher::Kinds::kExactOnly);
  }
  s.rule_bits.assign((rules.rule_check_begin.size() + 63) / 64, 0);
  for (int rule : s.triggered) {
    bool holds = true;
    for (uint32_t c = rules.rule_check_begin[rule]; holds && c < rules.rule_check_begin[rule + 1]; ++c) {
      holds = false;
      for (uint32_t i = rules.check_clause_begin[c]; !holds && i < rules.check_clause_begin[c + 1]; ++i)
        holds = s.literal_stamp[rules.check_literals[i]] == generation;
    }
    if (holds) s.rule_bits[rule / 64] |= uint64_t{1} << (rule % 64);
  }
  for (int rule : rules.unconditional_rules) s.rule_bits[rule / 64] |= uint64_t{1} << (rule % 64);
  return Candidates{&s.rule_bits, automation};
}

// Runs one rule on `text` from `start` (UNANCHORED: anywhere from there; ANCHOR_START: a match
// beginning exactly there), filling `groups`; the widened short-run form is used when its answer
// is provably the original's (see ShortRunForm).
// `limits_hold` caches RunLimitsHold(rule.run_limits, text) across calls for one rule and text:
// -1 not known yet, else 0 / 1.
bool MatchRule(const Rule& rule, std::string_view text, size_t start, RE2::Anchor anchor,
               std::array<re2::StringPiece, kMaxGroups>& groups, int& group_count, int& limits_hold,
               bool captures = true) {
  const re2::StringPiece input(text.data(), text.size());
  auto limits = [&] {
    if (limits_hold < 0) limits_hold = RunLimitsHold(rule.run_limits, text) ? 1 : 0;
    return limits_hold == 1;
  };
  const int wanted = rule.groups_needed == 0 || !captures ? 0 : std::min(rule.groups_needed, rule.regex->NumberOfCapturingGroups()) + 1;
  if (rule.short_run_regex && wanted > 0) {
    // The widened form accepts a superset, so no match means no match; a match no longer than
    // the smallest widened bound is the original's match (see ShortRunForm); a longer one is
    // still exact when no run of a widened atom exceeds its bound.
    group_count = wanted;
    if (!rule.short_run_regex->Match(input, start, input.size(), anchor, groups.data(), group_count)) return false;
    if (groups[0].size() <= rule.min_widened_bound || limits()) return true;
  } else if (rule.short_run_regex) {
    // Outputs need no capture: a DFA-only yes/no. The widened form's "no" is final; so is its
    // "yes" where no run exceeds a bound. Its DFA stays small where the original's does not
    // (`^.{0,100}(bot|crawl|...)` counts every position up to 100 in every state, so its lazily
    // built DFA has far more, and larger, states to build on strings it has not seen).
    group_count = 0;
    if (!rule.short_run_regex->Match(input, start, input.size(), anchor, nullptr, 0)) return false;
    if (limits()) return true;
  }
  group_count = wanted;
  return rule.regex->Match(input, start, input.size(), anchor, groups.data(), group_count);
}

// At most this many positions where a match can begin are tried one by one, anchored (RE2 then
// runs its backtracker or one-pass engine on them directly, with no DFA pass); with more, one
// unanchored search is cheaper.
constexpr int kMaxAnchoredStarts = 8;

// Runs a rule the cheapest exact way. Where a match can begin is known for most rules
// (MatchStartsOf), and MatchHead rules out most of those places by their next few bytes, so a
// rule is often rejected without running RE2 at all. With at most kMaxAnchoredStarts places left,
// the rule is matched anchored at each of them in text order: the first that matches is the
// leftmost match, so its captures are the unanchored search's, and RE2 runs OnePass or BitState
// there directly, without the DFA passes (whose lazily built states are what a never-seen string
// costs most). Otherwise one unanchored search (forward DFA, reverse DFA, then captures on the
// span), from the first place left: no match begins before it.
bool TryRule(const Rule& rule, std::string_view text, std::array<re2::StringPiece, kMaxGroups>& groups,
             int& group_count) {
  int limits_hold = -1;
  if (!rule.starts_known) return MatchRule(rule, text, 0, RE2::UNANCHORED, groups, group_count, limits_hold);
  if (rule.match_at_text_start) {
    if (!rule.head.MayBeginAt(text, 0)) return false;
    return MatchRule(rule, text, 0, rule.anchored_starts ? RE2::ANCHOR_START : RE2::UNANCHORED, groups,
                     group_count, limits_hold);
  }
  size_t starts[kMaxAnchoredStarts];
  int count = 0;
  auto add = [&](size_t at) {
    if (!rule.head.MayBeginAt(text, at)) return;
    if (count < kMaxAnchoredStarts) starts[count] = at;
    ++count;
  };
  if (!rule.prefix.empty()) {
    for (size_t at = text.find(rule.prefix); at != std::string_view::npos && count <= kMaxAnchoredStarts;
         at = text.find(rule.prefix, at + 1))
      add(at);
  } else {
    for (size_t at = 0; at < text.size() && count <= kMaxAnchoredStarts; ++at)
      if (rule.first_byte[static_cast<unsigned char>(text[at])]) add(at);
  }
  if (count == 0) return false;
  if (rule.anchored_starts && count <= kMaxAnchoredStarts) {
    for (int i = 0; i < count; ++i)
      if (MatchRule(rule, text, starts[i], RE2::ANCHOR_START, groups, group_count, limits_hold)) return true;
    return false;
  }
  return MatchRule(rule, text, starts[0], RE2::UNANCHORED, groups, group_count, limits_hold);
}

// The rule that matched (null: none) and its capture groups.
struct RuleMatch {
  const Rule* rule = nullptr;
  std::array<re2::StringPiece, kMaxGroups> groups;
  int group_count = 0;
};

// Finds the first rule (in yaml order) of `section` among the candidates that matches.
RuleMatch FirstMatch(const Section& section, const Candidates& candidates, std::string_view text) {
  RuleMatch m;
  const int first = section.first_rule_id;
  const int end = first + static_cast<int>(section.rules.size());
  const std::vector<uint64_t>& bits = *candidates.rule_bits;
  for (int word = first / 64; word * 64 < end; ++word) {
    uint64_t set = bits[word];
    if (word == first / 64) set &= ~uint64_t{0} << (first % 64);
    for (; set != 0; set &= set - 1) {
      const int id = word * 64 + __builtin_ctzll(set);
      if (id >= end) return m;
      const Rule& rule = section.rules[id - first];
      if (TryRule(rule, text, m.groups, m.group_count)) {
        m.rule = &rule;
        return m;
      }
    }
  }
  return m;
}

// uap-core's algorithm as written: every rule of `section` in yaml order, its own regex searched
// anywhere in `text`, the first that matches wins. No candidate filter, starts, heads or widened
// forms: the answer FirstMatch's shortcuts must give.
RuleMatch FirstMatchPlainly(const Section& section, std::string_view text) {
  RuleMatch m;
  const re2::StringPiece input(text.data(), text.size());
  for (const Rule& rule : section.rules) {
    m.group_count = std::min(rule.groups_needed, rule.regex->NumberOfCapturingGroups()) + 1;
    if (rule.regex->Match(input, 0, input.size(), RE2::UNANCHORED, m.groups.data(), m.group_count)) {
      m.rule = &rule;
      return m;
    }
  }
  return m;
}

BrowserInfo BrowserFrom(const RuleMatch& m) {
  BrowserInfo out;
  if (!m.rule) return out;
  // Field i defaults to capture group i+1; a replacement template overrides it.
  const Rule& rule = *m.rule;
  std::string* fields[4] = {&out.family, &out.major, &out.minor, &out.patch};
  for (int f = 0; f < 4; ++f)
    *fields[f] = rule.has_replacement[f] ? Expand(rule.replacement[f], m.groups.data(), m.group_count)
                                         : Group(m.groups.data(), m.group_count, f + 1);
  if (out.family.empty()) out.family = "Other";
  return out;
}

OsInfo OsFrom(const RuleMatch& m) {
  OsInfo out;
  if (!m.rule) return out;
  const Rule& rule = *m.rule;
  std::string* fields[5] = {&out.family, &out.major, &out.minor, &out.patch, &out.patch_minor};
  for (int f = 0; f < 5; ++f)
    *fields[f] = rule.has_replacement[f] ? Expand(rule.replacement[f], m.groups.data(), m.group_count)
                                         : Group(m.groups.data(), m.group_count, f + 1);
  if (out.family.empty()) out.family = "Other";
  return out;
}

DeviceInfo DeviceFrom(const RuleMatch& m) {
  DeviceInfo out;
  if (!m.rule) return out;
  // Device: family and model both default to group 1; brand has no default.
  const Rule& rule = *m.rule;
  const re2::StringPiece* g = m.groups.data();
  const int n = m.group_count;
  out.family = rule.has_replacement[0] ? Expand(rule.replacement[0], g, n) : Group(g, n, 1);
  out.brand = rule.has_replacement[1] ? Expand(rule.replacement[1], g, n) : std::string();
  out.model = rule.has_replacement[2] ? Expand(rule.replacement[2], g, n) : Group(g, n, 1);
  if (out.family.empty()) out.family = "Other";
  return out;
}

// Builds the literal matcher (plus the automation tokens) and the tables FindCandidates walks.
void BuildCandidateFilter(const std::vector<std::vector<LiteralClause>>& conditions, UserAgentParser::Rules& rules) {
  std::vector<LiteralMatcher::Literal> literals;
  std::unordered_map<std::string, uint32_t> ids;  // kind letter + text -> literal id
  std::vector<std::vector<uint32_t>> triggers;    // literal id -> rule ids
  auto id_of = [&](const Literal& literal) {
    auto [it, added] = ids.emplace((literal.folded ? "f" : "e") + literal.text, static_cast<uint32_t>(literals.size()));
    if (added) {
      literals.push_back({literal.text, literal.folded});
      triggers.emplace_back();
    }
    return it->second;
  };
  for (size_t rule = 0; rule < conditions.size(); ++rule) {
    const std::vector<LiteralClause>& clauses = conditions[rule];
    rules.rule_check_begin.push_back(static_cast<uint32_t>(rules.check_clause_begin.size()));
    if (clauses.empty()) {
      rules.unconditional_rules.push_back(static_cast<int>(rule));
      continue;
    }
    size_t trigger = 0;
    for (size_t c = 1; c < clauses.size(); ++c)
      if (ClauseScore(clauses[c]) > ClauseScore(clauses[trigger])) trigger = c;
    for (const Literal& literal : clauses[trigger]) triggers[id_of(literal)].push_back(static_cast<uint32_t>(rule));
    for (size_t c = 0; c < clauses.size(); ++c) {
      if (c == trigger) continue;
      rules.check_clause_begin.push_back(static_cast<uint32_t>(rules.check_literals.size()));
      for (const Literal& literal : clauses[c]) rules.check_literals.push_back(id_of(literal));
    }
  }
  rules.rule_check_begin.push_back(static_cast<uint32_t>(rules.check_clause_begin.size()));
  rules.check_clause_begin.push_back(static_cast<uint32_t>(rules.check_literals.size()));

  rules.first_automation_literal = static_cast<int>(literals.size());
  for (const char* token : kAutomationTokens) {  // trigger nothing
    literals.push_back({token, /*fold_ascii_case=*/true});
    triggers.emplace_back();
  }
  for (const std::vector<uint32_t>& triggered : triggers) {
    rules.trigger_begin.push_back(static_cast<uint32_t>(rules.trigger_rules.size()));
    rules.trigger_rules.insert(rules.trigger_rules.end(), triggered.begin(), triggered.end());
  }
  rules.trigger_begin.push_back(static_cast<uint32_t>(rules.trigger_rules.size()));
  rules.literals = std::make_unique<LiteralMatcher>(literals);
}

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
  std::vector<std::vector<LiteralClause>> conditions;
  LoadSection(root["user_agent_parsers"], "user_agent_parsers", kBrowserFields, kBrowserDefaultGroups,
              rules->browser, conditions, rules->report);
  LoadSection(root["os_parsers"], "os_parsers", kOsFields, kOsDefaultGroups, rules->os, conditions, rules->report);
  LoadSection(root["device_parsers"], "device_parsers", kDeviceFields, kDeviceDefaultGroups, rules->device,
              conditions, rules->report);
  if (rules->report.rules_compiled == 0) throw std::runtime_error("regexes.yaml: no usable rule");
  BuildCandidateFilter(conditions, *rules);
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

BrowserInfo UserAgentParser::ParseBrowser(std::string_view ua) const {
  return BrowserFrom(FirstMatch(rules_->browser, FindCandidates(*rules_, ua), ua));
}

OsInfo UserAgentParser::ParseOs(std::string_view ua) const {
  return OsFrom(FirstMatch(rules_->os, FindCandidates(*rules_, ua), ua));
}

DeviceInfo UserAgentParser::ParseDevice(std::string_view ua) const {
  return DeviceFrom(FirstMatch(rules_->device, FindCandidates(*rules_, ua), ua));
}

UserAgent UserAgentParser::Parse(std::string_view ua) const {
  UserAgent out;
  const Candidates candidates = FindCandidates(*rules_, ua);
  out.browser = BrowserFrom(FirstMatch(rules_->browser, candidates, ua));
  out.os = OsFrom(FirstMatch(rules_->os, candidates, ua));
  out.device = DeviceFrom(FirstMatch(rules_->device, candidates, ua));
  out.is_bot = out.device.family == "Spider" || candidates.automation;
  return out;
}

UserAgent UserAgentParser::ParsePlainly(std::string_view ua) const {
  UserAgent out;
  out.browser = BrowserFrom(FirstMatchPlainly(rules_->browser, ua));
  out.os = OsFrom(FirstMatchPlainly(rules_->os, ua));
  out.device = DeviceFrom(FirstMatchPlainly(rules_->device, ua));
  std::string buffer;
  out.is_bot = out.device.family == "Spider" || HasAutomationToken(FoldForLiterals(ua, buffer));
  return out;
}

}  // namespace vigil::ua

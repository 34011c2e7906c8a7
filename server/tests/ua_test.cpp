// User-agent enrichment: uap-core's own test corpus (read in place from shared/testdata),
// PCRE translation, client hints, bot flag and the LRU cache.
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "ua/client_hints.h"
#include "ua/literal_matcher.h"
#include "ua/regex_rewrite.h"
#include "ua/user_agent.h"
#include "ua/user_agent_cache.h"

namespace vigil::ua {
namespace {

std::string UapTestdataDir() {
  // VIGIL_TESTDATA names the shared testdata root (or the uap-core folder itself).
  if (const char* root = std::getenv("VIGIL_TESTDATA")) {
    std::string dir = std::string(root) + "/uap-core";
    return std::filesystem::exists(dir + "/test_ua.yaml") ? dir : std::string(root);
  }
  return std::string(VIGIL_SOURCE_DIR) + "/../shared/testdata/uap-core";
}

std::string RegexesPath() {
  if (const char* path = std::getenv("VIGIL_UAP_REGEXES")) return path;
  return std::string(VIGIL_SOURCE_DIR) + "/node_modules/uap-core/regexes.yaml";
}

// Loaded once: compiling ~1200 rules takes a while and the parser is immutable.
const UserAgentParser& Parser() {
  static const std::unique_ptr<UserAgentParser> parser = [] {
    std::string path = RegexesPath();
    if (!std::filesystem::exists(path))
      throw std::runtime_error(path + " missing: run `npm install` in the repo root (uap-core)");
    return UserAgentParser::LoadFile(path);
  }();
  return *parser;
}

std::string Field(const YAML::Node& test_case, const char* key) {
  const YAML::Node v = test_case[key];
  return v && !v.IsNull() ? v.as<std::string>() : std::string();
}

// Runs every case of a uap-core test file; `actual` renders the parse of one UA as
// "field=value" pairs in the same order as `expected_fields`. Returns the pass rate.
double RunCorpus(const std::string& file, const std::vector<const char*>& expected_fields,
                 const std::function<std::vector<std::string>(std::string_view)>& actual) {
  std::string path = UapTestdataDir() + "/" + file;
  YAML::Node root = YAML::LoadFile(path);
  const YAML::Node cases = root["test_cases"];
  EXPECT_TRUE(cases && cases.size() > 0) << path;
  size_t passed = 0, total = 0, printed = 0;
  for (const YAML::Node& c : cases) {
    ++total;
    std::string ua = Field(c, "user_agent_string");
    std::vector<std::string> got = actual(ua);
    bool ok = true;
    std::string diff;
    for (size_t i = 0; i < expected_fields.size(); ++i) {
      std::string want = Field(c, expected_fields[i]);
      if (got[i] != want) {
        ok = false;
        diff += std::string(" ") + expected_fields[i] + ": want '" + want + "' got '" + got[i] + "';";
      }
    }
    if (ok) {
      ++passed;
    } else if (printed++ < 15) {
      std::printf("  FAIL %s: %s\n     %s\n", file.c_str(), ua.c_str(), diff.c_str());
    }
  }
  double rate = total ? 100.0 * passed / total : 0;
  std::printf("%s: %zu/%zu passed (%.2f%%)\n", file.c_str(), passed, total, rate);
  return rate;
}

TEST(UaCorpus, BrowserCasesAllPass) {
  double rate = RunCorpus("test_ua.yaml", {"family", "major", "minor", "patch"}, [](std::string_view ua) {
    BrowserInfo b = Parser().ParseBrowser(ua);
    return std::vector<std::string>{b.family, b.major, b.minor, b.patch};
  });
  EXPECT_EQ(rate, 100.0);
}

TEST(UaCorpus, OsCasesAllPass) {
  double rate = RunCorpus("test_os.yaml", {"family", "major", "minor", "patch", "patch_minor"},
                          [](std::string_view ua) {
                            OsInfo o = Parser().ParseOs(ua);
                            return std::vector<std::string>{o.family, o.major, o.minor, o.patch, o.patch_minor};
                          });
  EXPECT_EQ(rate, 100.0);
}

TEST(UaCorpus, DeviceCasesAtLeast995Permille) {
  double rate = RunCorpus("test_device.yaml", {"family", "brand", "model"}, [](std::string_view ua) {
    DeviceInfo d = Parser().ParseDevice(ua);
    return std::vector<std::string>{d.family, d.brand, d.model};
  });
  EXPECT_GE(rate, 99.5);
}

TEST(UaRules, AllRulesCompile) {
  const RuleLoadReport& report = Parser().load_report();
  std::printf("rules: %d total, %d compiled, %d translated, %zu skipped\n", report.rules_total,
              report.rules_compiled, report.rules_translated, report.rules_skipped.size());
  for (const std::string& skipped : report.rules_skipped) std::printf("  skipped %s\n", skipped.c_str());
  EXPECT_GT(report.rules_total, 1000);
  EXPECT_EQ(report.rules_compiled + static_cast<int>(report.rules_skipped.size()), report.rules_total);
  EXPECT_TRUE(report.rules_skipped.empty());
}


TEST(UaTranslate, PcreOnlySyntaxBecomesRe2) {
  struct Case {
    const char* pcre;
    const char* re2;
  } cases[] = {
      {"Chrome/(\\d+)", "Chrome/(\\d+)"},              // nothing to do
      {"a*+b", "a*b"},                                 // possessive star
      {"a++b", "a+b"},                                 // possessive plus
      {"a?+b", "a?b"},                                 // possessive optional
      {"a{2,3}+b", "a{2,3}b"},                         // possessive counted
      {"(?>ab|a)c", "(?:ab|a)c"},                      // atomic group
      {"a+?b", "a+?b"},                                // lazy stays
      {"(?:x)+", "(?:x)+"},                            // `(?` is not a quantifier
      {"\\(?+x", "\\(?x"},                             // escaped paren, then possessive `?+`
      {"[+*]+x", "[+*]+x"},                            // class members are literals
      {"[]+]++", "[]+]+"},                             // `]` first in a class is literal
      {"\\++", "\\++"},                                // escaped plus then a real quantifier
  };
  for (const Case& c : cases) EXPECT_EQ(TranslatePcreToRe2(c.pcre), c.re2) << "input: " << c.pcre;
}

TEST(UaTranslate, RequiredLiteralsFollowRunsAndGroups) {
  using Clauses = std::vector<std::vector<std::string>>;
  struct Case {
    const char* pattern;
    bool case_insensitive;
    Clauses clauses;  // empty: the rule must be tried on every string
  } cases[] = {
      {"(Chrome)/(\\d+)\\.(\\d+)", false, {{"Chrome/"}, {"."}}},
      {"Mozilla.{1,200}Mobile.{1,100}(Instagram)/(\\d+)", false, {{"Mozilla"}, {"Mobile"}, {"Instagram/"}}},
      {"; {0,2}(A651|A701B?|Q80)(?: Build|\\) AppleWebKit)", false,
       {{";"}, {"A651", "A701", "Q80"}, {" Build", ") AppleWebKit"}}},
      {"[;:] {0,2}(L-\\d+[A-Z]|LGL\\d+[A-Z]?)", false, {{"L-", "LGL"}}},
      {"(UC? ?Browser|UCWEB|U3)[ /]?", false, {{"Browser", "U3", "UCWEB"}}},  // `C?`, ` ?` end runs
      {"(?i)(zao|Borg)\\b", true, {{"borg", "zao"}}},
      {"ab+c", false, {{"ab"}, {"c"}}},   // `b+`: what follows is not adjacent to one `b`
      {"x\\.y\\/z", false, {{"x.y/z"}}},  // escaped punctuation is literal
      {"(?:Foo|[a-z]+)Bar", false, {{"Bar"}}},  // an alternative without a literal drops the group
      {"Foo|\\d+", false, {}},
      {"^.{0,200}$", false, {}},
      {"Foo(?i)bar", false, {}},  // flags past the start: not followed
      {"\\x41bc", false, {}},      // multi-character escape: not followed
  };
  for (const Case& c : cases) {
    RequiredLiterals got = RequiredLiteralsOf(c.pattern);
    EXPECT_EQ(got.clauses, c.clauses) << "input: " << c.pattern;
    if (!c.clauses.empty()) {
      EXPECT_EQ(got.case_insensitive, c.case_insensitive) << "input: " << c.pattern;
    }
  }
}

// The User-Agents of the browser and OS corpora and every 8th device case.
std::vector<std::string> SampledCorpusUserAgents() {
  std::vector<std::string> uas;
  for (const char* file : {"test_ua.yaml", "test_os.yaml", "test_device.yaml"}) {
    size_t index = 0;
    for (const YAML::Node& c : YAML::LoadFile(UapTestdataDir() + "/" + file)["test_cases"])
      if (std::string_view(file) != "test_device.yaml" || index++ % 8 == 0) uas.push_back(Field(c, "user_agent_string"));
  }
  return uas;
}

// Every rule of regexes.yaml as the parser compiles it (translated, `(?i)` for regex_flag: 'i').
std::vector<std::string> Re2PatternsOfRules() {
  YAML::Node rules = YAML::LoadFile(RegexesPath());
  std::vector<std::string> patterns;
  for (const char* section : {"user_agent_parsers", "os_parsers", "device_parsers"})
    for (const YAML::Node& entry : rules[section]) {
      std::string pattern = TranslatePcreToRe2(entry["regex"].as<std::string>());
      if (entry["regex_flag"]) pattern = "(?i)" + pattern;
      patterns.push_back(std::move(pattern));
    }
  return patterns;
}

// The candidate filter may only drop rules that cannot match: wherever a rule matches, every one of
// its clauses must have a literal that occurs. Checked for every rule of regexes.yaml against the browser and OS
// corpora and every 8th device case.
TEST(UaTranslate, RequiredLiteralsNeverLoseAMatch) {
  const std::vector<std::string> uas = SampledCorpusUserAgents();
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  size_t pairs = 0, misses = 0, unconditional = 0, rule_count = 0;
  for (const std::string& pattern : Re2PatternsOfRules()) {
    RE2 exact(pattern);
    RequiredLiterals required = RequiredLiteralsOf(pattern);
    ++rule_count;
    if (required.clauses.empty()) ++unconditional;
    for (const std::string& ua : uas) {
      if (required.clauses.empty() || !RE2::PartialMatch(ua, exact)) continue;
      ++pairs;
      const std::string text = required.case_insensitive ? lower(ua) : ua;
      for (const std::vector<std::string>& clause : required.clauses) {
        bool found = false;
        for (const std::string& literal : clause) found = found || text.find(literal) != std::string::npos;
        if (!found && misses++ < 10) ADD_FAILURE() << "no literal of clause " << clause[0] << "... of " << pattern << " in " << ua;
      }
    }
  }
  std::printf("required literals checked on %zu matching (rule, UA) pairs, %zu misses; %zu of %zu rules have none\n",
              pairs, misses, unconditional, rule_count);
  EXPECT_GT(pairs, 5000u);
}

TEST(UaTranslate, LiteralMatcherFindsOverlappingLiterals) {
  LiteralMatcher folded({{"he", true}, {"she", true}, {"his", true}, {"hers", true}, {"e", true}});
  std::vector<int> found;
  std::vector<size_t> ends;
  folded.Scan("uSHErs", [&](int id, size_t end) {
    found.push_back(id);
    ends.push_back(end);
  });
  // "she" and its suffix "he", "hers", then "e" (one byte: once, where it first occurs).
  EXPECT_EQ(found, (std::vector<int>{1, 0, 3, 4}));
  EXPECT_EQ(ends, (std::vector<size_t>{4, 4, 6, 4}));
  // Case-sensitive and case-insensitive literals share the automaton: "SM-" (exact) and "sm-"
  // (folded) have the same lowercase form, "sm" (exact) is a suffix of neither's case.
  LiteralMatcher mixed({{"SM-", false}, {"sm", false}, {"sm-", true}, {"Build", false}, {"x", true}, {"M", false}});
  found.clear();
  mixed.Scan("X sm-SM- build Build", [&](int id, size_t) { found.push_back(id); });
  EXPECT_EQ(found, (std::vector<int>{1, 2, 0, 2, 3, 5, 4}));  // one-byte ones last, by byte value
  // Long literals and long texts: every occurrence, past the fully tabulated shallow states.
  LiteralMatcher deep({{"abcabd", true}, {"bcab", true}, {"cabx", false}});
  found.clear();
  deep.Scan("zabcabcabdzcabxCABX", [&](int id, size_t end) { found.push_back(id * 100 + static_cast<int>(end)); });
  EXPECT_EQ(found, (std::vector<int>{106, 109, 10, 215}));  // id * 100 + end; "CABX" is not "cabx"
  found.clear();
  mixed.Scan("x sm-SM-", [&](int id, size_t) { found.push_back(id); }, LiteralMatcher::Kinds::kFoldedOnly);
  EXPECT_EQ(found, (std::vector<int>{2, 2, 4}));
  found.clear();
  mixed.Scan("x sm-SM-", [&](int id, size_t) { found.push_back(id); }, LiteralMatcher::Kinds::kExactOnly);
  EXPECT_EQ(found, (std::vector<int>{1, 0, 5}));
  // A case-sensitive literal without letters is a case-insensitive one: found by either kind of
  // scan it belongs to, the folded one.
  LiteralMatcher letterless({{"; ", false}, {"4.", false}, {"x", false}});
  found.clear();
  letterless.Scan("a; 4.x", [&](int id, size_t) { found.push_back(id); }, LiteralMatcher::Kinds::kFoldedOnly);
  EXPECT_EQ(found, (std::vector<int>{0, 1}));
  found.clear();
  letterless.Scan("a; 4.x", [&](int id, size_t) { found.push_back(id); }, LiteralMatcher::Kinds::kExactOnly);
  EXPECT_EQ(found, (std::vector<int>{2}));
  EXPECT_THROW(LiteralMatcher({{"Sm", true}}), std::logic_error);
}

TEST(UaTranslate, ShortRunFormWidensOnlyLargeSingleCharacterBounds) {
  ShortRunForm form = WidenForShortRuns("; {0,2}([^;/]{1,100}?)(?: Build|.{0,50}\\))(\\d{1,3}) (?:ab){0,20}");
  EXPECT_EQ(form.pattern, "; {0,2}([^;/]+?)(?: Build|.*\\))(\\d{1,3}) (?:ab){0,20}");
  ASSERT_EQ(form.widened.size(), 2u);
  EXPECT_EQ(form.widened[0].atom, "[^;/]");
  EXPECT_EQ(form.widened[0].max_run, 100);
  EXPECT_EQ(form.widened[1].atom, ".");
  EXPECT_EQ(form.widened[1].max_run, 50);
  EXPECT_TRUE(WidenForShortRuns("Chrome/(\\d+)").widened.empty());
  EXPECT_TRUE(WidenForShortRuns("\\x41{1,20}").widened.empty());  // multi-character escape: kept
}

// The capture form is used only when no run of a widened atom exceeds its bound; past that the
// original rule must decide. A UA with a 150-character model name exercises the fallback.
TEST(UaRules, LongRunsFallBackToTheBoundedRule) {
  auto parser = UserAgentParser::LoadYaml(R"(
user_agent_parsers:
  - regex: '(Foo)'
os_parsers:
  - regex: '(Bar)'
device_parsers:
  - regex: '; ([A-Za-z]{1,20}) Build'
    device_replacement: 'Short $1'
  - regex: '; ([A-Za-z]{1,200}) Build'
    device_replacement: 'Long'
  - regex: '^.{0,20}(?:bot|crawl)'
    device_replacement: 'Spider'
)");
  EXPECT_EQ(parser->ParseDevice("x; Abc Build").family, "Short Abc");
  EXPECT_EQ(parser->ParseDevice("x; " + std::string(20, 'a') + " Build").family, "Short " + std::string(20, 'a'));
  // 21 letters: the first rule's bound excludes it; its widened form alone would accept it.
  EXPECT_EQ(parser->ParseDevice("x; " + std::string(21, 'a') + " Build").family, "Long");
  EXPECT_EQ(parser->ParseDevice("x; " + std::string(150, 'a') + " Build").family, "Long");
  // Outputs without captures: the widened form (`^.*(?:bot|crawl)`) answers when no run is over
  // its bound; otherwise the original decides, either way.
  EXPECT_EQ(parser->ParseDevice(std::string(10, 'x') + "bot").family, "Spider");
  EXPECT_EQ(parser->ParseDevice(std::string(21, 'x') + "bot").family, "Other");
  EXPECT_EQ(parser->ParseDevice(std::string(15, 'x') + "crawl" + std::string(100, 'y')).family, "Spider");
  EXPECT_EQ(parser->ParseDevice(std::string(150, 'y')).family, "Other");
}

TEST(UaTranslate, MatchStartsFollowPatterns) {
  auto starts = [](std::string_view pattern) {
    MatchStarts m = MatchStartsOf(pattern);
    std::string bytes;
    for (int c = 0; c < 0x80; ++c)
      if (m.first_byte[c]) bytes.push_back(static_cast<char>(c));
    if (m.first_byte[0xE2]) bytes += "+utf8";
    return m.known ? (m.at_text_start ? "^" : bytes) : std::string("unknown");
  };
  EXPECT_EQ(starts("; {0,2}(SM-\\w+) Build"), ";");
  EXPECT_EQ(starts("^Foo/(\\d+)"), "^");
  EXPECT_EQ(starts("(?i)kindle"), "Kk+utf8");  // (?i)k also matches U+212A KELVIN SIGN
  EXPECT_EQ(starts("(?:Mobile|Tablet);.*Firefox"), "MT");
  EXPECT_EQ(starts("\\b(Chrome)/(\\d+)"), "C");
  EXPECT_EQ(starts("a?(?:b|c*)d"), "abcd");
  EXPECT_EQ(starts("(?P<name>x)y"), "x");
  EXPECT_EQ(starts("\\d+\\.\\d"), "0123456789");
  EXPECT_EQ(starts("[A-Cx\\d-]z"), "-0123456789ABCx");
  EXPECT_EQ(starts("[]a]z"), "]a");
  EXPECT_EQ(starts("\\.x"), ".");
  EXPECT_EQ(starts("[^;]+x").size(), 127u + 5);  // everything but ';' (and multi-byte characters)
  EXPECT_EQ(starts(".x").find('\n'), std::string::npos);
  EXPECT_EQ(starts("a*"), "unknown");  // can match the empty string anywhere
  EXPECT_EQ(starts("(?:a|)"), "unknown");
  EXPECT_EQ(starts("\\x41b"), "unknown");
  EXPECT_EQ(starts("a(?i)b"), "unknown");
  EXPECT_EQ(starts("x|^y"), "unknown");
  EXPECT_EQ(starts("[[:alpha:]]x"), "unknown");
  EXPECT_EQ(MatchStartsOf("(Android)[ /](\\d+)").prefix, "Android");
  EXPECT_EQ(MatchStartsOf("\\b(?:(Fire)fox|x)").prefix, "");
  EXPECT_EQ(MatchStartsOf("\\b(?P<a>Fire)(fox)/\\d").prefix, "Firefox/");
  EXPECT_EQ(MatchStartsOf("; {0,2}(SM-\\w+)").prefix, ";");
  EXPECT_EQ(MatchStartsOf("ab+c").prefix, "ab");
  EXPECT_EQ(MatchStartsOf("\\.x?y").prefix, ".");
  EXPECT_EQ(MatchStartsOf("(?i)kindle").prefix, "");  // (?i): not worked out
  EXPECT_EQ(MatchStartsOf("a|b").prefix, "");
}

TEST(UaTranslate, MatchHeadsFollowPatterns) {
  auto may_begin = [](std::string_view pattern, std::string_view text, size_t at = 0) {
    return MatchHead(MatchHeadsOf(pattern)).MayBeginAt(text, at);
  };
  const std::string_view device = "; {0,2}([Uu])([89]\\d{3}) Build";
  EXPECT_TRUE(may_begin(device, "; U8123 Build"));
  EXPECT_TRUE(may_begin(device, ";  u9000 Build"));
  EXPECT_FALSE(may_begin(device, "; SM-G973F Build"));  // ruled out at the third byte
  EXPECT_FALSE(may_begin(device, "; U7123 Build"));
  EXPECT_FALSE(may_begin(device, "; U8"));              // the text ends before any match could
  EXPECT_TRUE(may_begin(device, "x; U8123 Build", 1));
  EXPECT_FALSE(may_begin(device, "x; U8123 Build", 0));
  // Alternatives, optional parts and counted repetitions each give their own paths.
  EXPECT_TRUE(may_begin("(?:ab|cd)?e", "e"));
  EXPECT_TRUE(may_begin("(?:ab|cd)?e", "cde"));
  EXPECT_FALSE(may_begin("(?:ab|cd)?e", "ce"));
  EXPECT_TRUE(may_begin("a{2,3}b", "aab"));
  EXPECT_TRUE(may_begin("a{2,3}b", "aaab"));
  EXPECT_FALSE(may_begin("a{2,3}b", "ab"));
  EXPECT_FALSE(may_begin("a{2,3}b", "aaaab"));
  EXPECT_TRUE(may_begin("\\b(?P<v>Fire)fox", "Firefox"));  // zero-width and named groups
  EXPECT_TRUE(may_begin("^Foo", "Foo"));
  EXPECT_TRUE(may_begin("x$", "x"));
  // After a repeated group's first copy, or at `$`, the path is not followed: more may fit.
  EXPECT_TRUE(may_begin("(?:ab)+c", "ababc"));
  EXPECT_FALSE(may_begin("(?:ab)+c", "ac"));
  // `(?i)`: both cases, and k/s may be the multi-byte U+212A / U+017F.
  EXPECT_TRUE(may_begin("(?i)kindle", "KINDLE"));
  EXPECT_TRUE(may_begin("(?i)kindle", "\xE2\x84\xAAindle"));
  EXPECT_FALSE(may_begin("(?i)kindle", "kandle"));
  // A multi-byte character where a class or `.` allows one: not followed further.
  EXPECT_TRUE(may_begin("[^;]x", "\xC3\xA9x"));
  EXPECT_TRUE(may_begin(".{2}x", "\xC3\xA9\xC3\xA9x"));
  EXPECT_FALSE(may_begin("[a-z]x", "\xC3\xA9x"));
  // RE2 reads `{,2}` as literal text; the reading stops there instead of taking it as a bound.
  EXPECT_TRUE(may_begin("a{,2}b", "a{,2}b"));
  // Nothing known: every start stays.
  EXPECT_FALSE(MatchHeadsOf("a*").known);
  EXPECT_FALSE(MatchHeadsOf("\\x41b").known);
  EXPECT_TRUE(may_begin("a*", "zzz"));
  // Too many paths for the mask: shorter paths, still sound.
  const std::string wide = "[ab]?[cd]?[ef]?[gh]?[ij]?[kl]?[mn]?z";
  const MatchHeads heads = MatchHeadsOf(wide);
  EXPECT_TRUE(heads.known);
  EXPECT_LE(heads.paths.size(), MatchHead::kMaxPaths);
  EXPECT_TRUE(may_begin(wide, "acegikmz"));
  EXPECT_TRUE(may_begin(wide, "z"));
  EXPECT_FALSE(may_begin(wide, "y"));
}

// Wherever a rule's anchored match exists, MatchHead must keep that start: checked at every
// position of every sampled corpus User-Agent the rule matches, for every rule of regexes.yaml.
// Prints how many of the starts MatchStartsOf keeps the heads rule out (the point of them).
TEST(UaRules, MatchHeadsNeverRuleOutAMatch) {
  const std::vector<std::string> uas = SampledCorpusUserAgents();
  size_t known = 0, rule_count = 0, matching_starts = 0, starts_seen = 0, ruled_out = 0, failures = 0;
  for (const std::string& pattern : Re2PatternsOfRules()) {
    ++rule_count;
    const MatchHead head(MatchHeadsOf(pattern));
    const MatchStarts starts = MatchStartsOf(pattern);
    if (!head.known()) continue;
    ++known;
    RE2 re(pattern);
    for (const std::string& ua : uas) {
      const re2::StringPiece text(ua);
      const bool matches = re.Match(text, 0, text.size(), RE2::UNANCHORED, nullptr, 0);
      for (size_t at = 0; at < ua.size(); ++at) {
        if (starts.known && (starts.at_text_start ? at != 0 : !starts.first_byte[static_cast<unsigned char>(ua[at])]))
          continue;
        const bool kept = head.MayBeginAt(ua, at);
        ++starts_seen;
        if (!kept) ++ruled_out;
        if (!matches || !re.Match(text, at, text.size(), RE2::ANCHOR_START, nullptr, 0)) continue;
        ++matching_starts;
        if (!kept && failures++ < 10) ADD_FAILURE() << pattern << " matches " << ua << " from " << at;
      }
    }
  }
  std::printf("match heads known for %zu of %zu rules; %zu starts with a match kept, %zu of %zu starts (%.1f%%) ruled out\n",
              known, rule_count, matching_starts, ruled_out, starts_seen, 100.0 * ruled_out / std::max<size_t>(starts_seen, 1));
  EXPECT_GT(matching_starts, 20000u);
  EXPECT_EQ(failures, 0u);
}

// Parse's shortcuts (candidate filter, match starts and heads, anchored runs, widened forms) must
// never change an answer: every field equals ParsePlainly's (each rule in order, searched
// anywhere with its own regex) on a sample of the corpus and on strings made to reach the corners
// (runs past widened bounds, many starts, KELVIN SIGN and LONG S, bytes >= 0x80, empty parts).
TEST(UaRules, ShortcutsGiveThePlainAnswer) {
  const UserAgentParser& parser = Parser();
  std::vector<std::string> uas;
  const std::vector<std::string> sample = SampledCorpusUserAgents();
  uas = sample;
  const std::string android = "Mozilla/5.0 (Linux; Android 4.2.2; ";
  for (const std::string& model : {std::string("GT-I9505"), std::string(120, 'A'), std::string("HTC ") + std::string(210, 'x'),
                                   std::string("T-Mobile ") + std::string(205, 'y'), std::string("\xE2\x84\xAAindle Fire"),
                                   std::string("SM-G973F; ; ; ; ; ; ; ; ; ; U8123"), std::string("\xC3\xA9\xC3\xA9 Build/X")})
    uas.push_back(android + model + " Build/JDQ39) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/30.0.1599.92 Mobile Safari/537.36");
  uas.push_back(std::string(101, 'z') + " crawler");
  uas.push_back("HeadlessChrome/120.0 \xC5\xBFpider");
  uas.push_back("");
  uas.push_back(";;;;;;;;;;;;;;;;;;;;;;;;;;;;; Build");
  auto fields = [](const UserAgent& ua) {
    return std::vector<std::string>{ua.browser.family, ua.browser.major, ua.browser.minor, ua.browser.patch,
                                    ua.os.family, ua.os.major, ua.os.minor, ua.os.patch, ua.os.patch_minor,
                                    ua.device.family, ua.device.brand, ua.device.model, ua.is_bot ? "bot" : "-"};
  };
  size_t failures = 0;
  for (const std::string& ua : uas) {
    const std::vector<std::string> fast = fields(parser.Parse(ua)), plain = fields(parser.ParsePlainly(ua));
    if (fast == plain) continue;
    std::string diff;
    for (size_t f = 0; f < fast.size(); ++f)
      if (fast[f] != plain[f]) diff += " field " + std::to_string(f) + ": '" + fast[f] + "' vs plain '" + plain[f] + "';";
    if (failures++ < 10) ADD_FAILURE() << ua << ":" << diff;
  }
  std::printf("Parse = ParsePlainly on %zu user agents, %zu differ\n", uas.size(), failures);
  EXPECT_EQ(failures, 0u);
}

// Running a rule anchored at each position MatchStartsOf allows, in text order, must give RE2's
// unanchored leftmost-first match with the same captures (and no match where there is none).
// Checked for every rule of regexes.yaml against the browser and OS corpora and every 8th device
// case.
TEST(UaRules, AnchoredStartsGiveTheUnanchoredMatch) {
  const std::vector<std::string> uas = SampledCorpusUserAgents();
  size_t known = 0, rule_count = 0, matches = 0, rejections = 0, failures = 0;
  for (const std::string& pattern : Re2PatternsOfRules()) {
    ++rule_count;
    const MatchStarts starts = MatchStartsOf(pattern);
    if (!starts.known) continue;
    ++known;
    RE2 re(pattern);
    const int groups = re.NumberOfCapturingGroups() + 1;
    std::vector<re2::StringPiece> want(groups), got(groups);
    for (size_t u = 0; u < uas.size(); ++u) {
      const re2::StringPiece text(uas[u]);
      const bool matched = re.Match(text, 0, text.size(), RE2::UNANCHORED, want.data(), groups);
      if (!matched && u % 16 != 0) continue;  // non-matches: a sample (every start is tried)
      bool anchored = false;
      for (size_t at = 0; at < text.size() && !anchored; ++at) {
        if (starts.at_text_start ? at != 0 : !starts.first_byte[static_cast<unsigned char>(text[at])]) continue;
        if (!std::string_view(uas[u]).substr(at).starts_with(starts.prefix)) continue;
        anchored = re.Match(text, at, text.size(), RE2::ANCHOR_START, got.data(), groups);
      }
      ++(matched ? matches : rejections);
      if (anchored == matched && (!matched || got == want)) continue;
      if (failures++ < 10)
        ADD_FAILURE() << pattern << " on " << uas[u] << ": unanchored " << matched << " at "
                      << (matched ? want[0].data() - text.data() : -1) << ", anchored " << anchored;
    }
  }
  std::printf("match starts known for %zu of %zu rules; anchored = unanchored on %zu matches and %zu rejections\n",
              known, rule_count, matches, rejections);
  EXPECT_GT(matches, 5000u);
  EXPECT_EQ(failures, 0u);
}

// A rule is run anchored only where its match can begin; with more such places than the anchored
// path takes, or none, the answer must not change. `\b` at an anchored start still sees the
// byte before it.
TEST(UaRules, AnchoredStartsKeepLeftmostFirstAnswers) {
  auto parser = UserAgentParser::LoadYaml(R"(
user_agent_parsers:
  - regex: '\b(Foo)(\d)'
os_parsers:
  - regex: '^(Bar)/(\d)'
device_parsers:
  - regex: '; ([a-z]+) Build'
    device_replacement: 'Dev $1'
)");
  EXPECT_EQ(parser->ParseBrowser("xFoo1 Foo2").major, "2");
  EXPECT_EQ(parser->ParseBrowser("Foo3 Foo4").major, "3");
  EXPECT_EQ(parser->ParseBrowser("xFoo1").family, "Other");
  EXPECT_EQ(parser->ParseOs("Bar/1 Bar/2").major, "1");
  EXPECT_EQ(parser->ParseOs(" Bar/1").family, "Other");
  std::string many;
  for (int i = 0; i < 20; ++i) many += "; X" + std::to_string(i);
  EXPECT_EQ(parser->ParseDevice(many + "; abc Build").family, "Dev abc");
  EXPECT_EQ(parser->ParseDevice("; ab; cd Build; ef Build").family, "Dev cd");
  EXPECT_EQ(parser->ParseDevice(many).family, "Other");
}

TEST(UaRules, UnsupportedRuleIsSkippedAndReported) {
  // A lookahead cannot run on RE2; the loader must skip it, say so, and keep the other rules.
  auto parser = UserAgentParser::LoadYaml(R"(
user_agent_parsers:
  - regex: 'Foo(?=Bar)'
  - regex: '(Baz)/(\d+)'
os_parsers:
  - regex: '(Qux) (\d+)'
device_parsers:
  - regex: '(?i)(zed)'
    regex_flag: 'i'
    device_replacement: 'Zed $1'
    brand_replacement: 'ZedCo'
)");
  const RuleLoadReport& report = parser->load_report();
  EXPECT_EQ(report.rules_total, 4);
  EXPECT_EQ(report.rules_compiled, 3);
  ASSERT_EQ(report.rules_skipped.size(), 1u);
  EXPECT_NE(report.rules_skipped[0].find("user_agent_parsers[0]"), std::string::npos) << report.rules_skipped[0];
  EXPECT_EQ(parser->ParseBrowser("Baz/7").family, "Baz");
  EXPECT_EQ(parser->ParseBrowser("Baz/7").major, "7");
  EXPECT_EQ(parser->ParseBrowser("FooBar").family, "Other");
  EXPECT_EQ(parser->ParseDevice("a ZED phone").family, "Zed ZED");
  EXPECT_EQ(parser->ParseDevice("a ZED phone").brand, "ZedCo");
  EXPECT_EQ(parser->ParseDevice("a ZED phone").model, "ZED");
}

TEST(UaRules, LoadFailuresThrowAtStartup) {
  EXPECT_THROW(UserAgentParser::LoadFile("/nonexistent/regexes.yaml"), std::runtime_error);
  EXPECT_THROW(UserAgentParser::LoadYaml("user_agent_parsers: [unclosed"), std::runtime_error);
  EXPECT_THROW(UserAgentParser::LoadYaml("user_agent_parsers: []\nos_parsers: []\n"), std::runtime_error);
}

TEST(UaRules, FirstMatchingRuleWinsAndReplacementsExpand) {
  auto parser = UserAgentParser::LoadYaml(R"(
user_agent_parsers:
  - regex: '(Special)/(\d+)\.(\d+)'
    family_replacement: 'Special Browser'
    v2_replacement: '$3x'
  - regex: '(\w+)/(\d+)\.(\d+)'
os_parsers:
  - regex: 'Win(NT|95)'
    os_replacement: 'Windows $1'
device_parsers:
  - regex: '; (\w+) (\w+) Build'
    device_replacement: ' $1 $2 '
    brand_replacement: '$1'
    model_replacement: '$2$9'
)");
  BrowserInfo special = parser->ParseBrowser("x Other/1.2 Special/3.4");
  EXPECT_EQ(special.family, "Special Browser");  // rule 0 beats rule 1 though rule 1 matches earlier
  EXPECT_EQ(special.major, "3");
  EXPECT_EQ(special.minor, "4x");
  EXPECT_EQ(special.patch, "");
  EXPECT_EQ(parser->ParseBrowser("Other/1.2").family, "Other");
  EXPECT_EQ(parser->ParseBrowser("Other/1.2").major, "1");
  EXPECT_EQ(parser->ParseOs("(WinNT)").family, "Windows NT");
  DeviceInfo d = parser->ParseDevice("(Linux; Acme Rocket Build/1)");
  EXPECT_EQ(d.family, "Acme Rocket");  // trimmed
  EXPECT_EQ(d.brand, "Acme");
  EXPECT_EQ(d.model, "Rocket");        // absent $9 expands to nothing
  EXPECT_EQ(parser->ParseDevice("nothing").family, "Other");
}

// The candidate filter: a rule with no literal condition is tried on every string, and among
// candidates the earlier rule wins even when a later one has the rarer literal.
TEST(UaRules, CandidateFilterKeepsRuleOrderAndUnconditionalRules) {
  auto parser = UserAgentParser::LoadYaml(R"(
user_agent_parsers:
  - regex: '([A-Z][a-z]+)Tab/(\d+)'
    family_replacement: 'Tab $1'
  - regex: '(\d+)\.(\d+)'
    family_replacement: 'Numbers'
  - regex: 'RareToken/(\d+)'
    family_replacement: 'Rare'
os_parsers:
  - regex: '(?i)(kelvin)os'
device_parsers:
  - regex: '^(.{1,3})$'
)");
  EXPECT_EQ(parser->ParseBrowser("x FooTab/3").family, "Tab Foo");
  EXPECT_EQ(parser->ParseBrowser("x FooTab/3").major, "3");
  // Rule 1 (no literal at all) matches before rule 2, whose literal is the rarest.
  EXPECT_EQ(parser->ParseBrowser("RareToken/7 1.2").family, "Numbers");
  EXPECT_EQ(parser->ParseBrowser("RareToken/7").family, "Rare");
  EXPECT_EQ(parser->ParseBrowser("nothing").family, "Other");
  // (?i) in RE2 folds U+212A KELVIN SIGN to k: the literal filter must not lose that match.
  EXPECT_EQ(parser->ParseOs("\xE2\x84\xAA" "ELVINOS").family, "\xE2\x84\xAA" "ELVIN");
  EXPECT_EQ(parser->ParseDevice("abc").family, "abc");  // unconditional rule
  EXPECT_EQ(parser->ParseDevice("abcd").family, "Other");
}

TEST(UaBots, SpidersAndAutomationAreFlagged) {
  struct Case {
    const char* ua;
    bool bot;
  } cases[] = {
      {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", true},
      {"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", true},
      {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36", true},
      {"Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse", true},
      {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", false},
      {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", false},
      {"Mozilla/5.0 (Linux; Android 13; Cubot X70) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0 Mobile Safari/537.36", false},
  };
  for (const Case& c : cases) EXPECT_EQ(Parser().Parse(c.ua).is_bot, c.bot) << "input: " << c.ua;
}

// ---- client hints ----

TEST(UaClientHints, BrandListParsingDropsGrease) {
  struct Case {
    const char* header;
    bool valid;
    std::vector<std::string> brands;  // "brand=version"
  } cases[] = {
      {R"("Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99")", true,
       {"Chromium=124", "Google Chrome=124"}},
      {R"(" Not A;Brand";v="99", "Chromium";v="90")", true, {"Chromium=90"}},
      {R"("Not/A)Brand";v="8", "Microsoft Edge";v="126.0.2592.56")", true, {"Microsoft Edge=126.0.2592.56"}},
      {R"("Not_A Brand";v="8","Opera";v="110")", true, {"Opera=110"}},
      {R"("Quote \"in\" brand";v="1")", true, {"Quote \"in\" brand=1"}},
      {R"("Chromium";v="124";extra, "X")", true, {"Chromium=124", "X="}},
      {"", true, {}},
      {R"("Chromium";v="124",)", false, {}},   // trailing comma
      {R"("Chromium;v="124")", false, {}},     // unterminated string
      {R"(Chromium;v="124")", false, {}},      // token, not string
      {R"("Chromium" "Edge")", false, {}},     // missing comma
      {R"("Chromium";V="124")", false, {}},    // keys are lowercase
  };
  for (const Case& c : cases) {
    auto parsed = ParseBrandList(c.header);
    ASSERT_EQ(parsed.has_value(), c.valid) << "input: " << c.header;
    if (!parsed) continue;
    std::vector<std::string> got;
    for (const BrandVersion& b : *parsed) got.push_back(b.brand + "=" + b.version);
    EXPECT_EQ(got, c.brands) << "input: " << c.header;
  }
}

TEST(UaClientHints, SfStringParsing) {
  EXPECT_EQ(ParseSfString(R"("Windows")"), "Windows");
  EXPECT_EQ(ParseSfString(R"( "15.0.0" )"), "15.0.0");
  EXPECT_EQ(ParseSfString(R"("")"), "");
  EXPECT_EQ(ParseSfString("Windows"), std::nullopt);
  EXPECT_EQ(ParseSfString(R"("Windows" x)"), std::nullopt);
}

const char* kWindowsChromeUa =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const char* kReducedAndroidUa =
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";

TEST(UaClientHints, WindowsPlatformVersionMapping) {
  struct Case {
    const char* platform_version;
    const char* major;
    const char* minor;
  } cases[] = {
      {R"("15.0.0")", "11", ""}, {R"("13.0.0")", "11", ""}, {R"("12.0.0")", "10", ""},
      {R"("10.0.0")", "10", ""}, {R"("1.0.0")", "10", ""},  {R"("0.3.0")", "8", "1"},
      {R"("0.2.0")", "8", ""},   {R"("0.1.0")", "7", ""},
      {R"("bogus")", "10", ""},  // malformed: keep what the UA string said
      {R"("0.0.0")", "10", ""},  // undocumented value: keep the UA string's answer
  };
  for (const Case& c : cases) {
    ClientHints hints;
    hints.sec_ch_ua_platform = R"("Windows")";
    hints.sec_ch_ua_platform_version = c.platform_version;
    UserAgent ua = ApplyClientHints(Parser().Parse(kWindowsChromeUa), hints, &Parser());
    EXPECT_EQ(ua.os.family, "Windows") << "input: " << c.platform_version;
    EXPECT_EQ(ua.os.major, c.major) << "input: " << c.platform_version;
    EXPECT_EQ(ua.os.minor, c.minor) << "input: " << c.platform_version;
  }
}

TEST(UaClientHints, HintsWinOverFrozenUserAgent) {
  ClientHints hints;
  hints.sec_ch_ua = R"("Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99")";
  hints.sec_ch_ua_full_version_list =
      R"("Chromium";v="124.0.6367.91", "Google Chrome";v="124.0.6367.91", "Not-A.Brand";v="99.0.0.0")";
  hints.sec_ch_ua_platform = R"("Android")";
  hints.sec_ch_ua_platform_version = R"("14.0.0")";
  hints.sec_ch_ua_model = R"("Pixel 7")";
  hints.sec_ch_ua_mobile = "?1";
  UserAgent ua = ApplyClientHints(Parser().Parse(kReducedAndroidUa), hints, &Parser());
  EXPECT_EQ(ua.browser.family, "Chrome Mobile");  // uap's finer family kept: same product
  EXPECT_EQ(ua.browser.major, "124");
  EXPECT_EQ(ua.browser.minor, "0");
  EXPECT_EQ(ua.browser.patch, "6367");
  EXPECT_EQ(ua.os.family, "Android");
  EXPECT_EQ(ua.os.major, "14");
  EXPECT_EQ(ua.os.minor, "");
  EXPECT_EQ(ua.device.family, "Pixel 7");
  EXPECT_EQ(ua.device.brand, "Google");  // found by uap's device rules
  EXPECT_EQ(ua.device.model, "Pixel 7");
}

TEST(UaClientHints, BrandAndMajorOnly) {
  ClientHints hints;
  hints.sec_ch_ua = R"("Microsoft Edge";v="125", "Chromium";v="125", "Not.A/Brand";v="24")";
  hints.sec_ch_ua_platform = R"("macOS")";
  UserAgent ua = ApplyClientHints(Parser().Parse(kWindowsChromeUa), hints, &Parser());
  EXPECT_EQ(ua.browser.family, "Edge");
  EXPECT_EQ(ua.browser.major, "125");
  EXPECT_EQ(ua.browser.minor, "");  // UA string's "0.0" belonged to version 124
  EXPECT_EQ(ua.os.family, "Mac OS X");
  EXPECT_EQ(ua.os.major, "");       // platform changed, no version hint
}

TEST(UaClientHints, MalformedOrAbsentHintsChangeNothing) {
  UserAgent base = Parser().Parse(kWindowsChromeUa);
  ClientHints hints;
  EXPECT_TRUE(hints.empty());
  hints.sec_ch_ua = R"("Chromium";v="124)";      // unterminated
  hints.sec_ch_ua_platform = "Windows";           // not an sf-string
  hints.sec_ch_ua_platform_version = R"("")";
  hints.sec_ch_ua_model = R"("")";                 // desktops send an empty model
  hints.sec_ch_ua_mobile = "?0";
  UserAgent ua = ApplyClientHints(base, hints, &Parser());
  EXPECT_EQ(ua.browser.family, base.browser.family);
  EXPECT_EQ(ua.browser.patch, base.browser.patch);
  EXPECT_EQ(ua.os.family, base.os.family);
  EXPECT_EQ(ua.os.major, base.os.major);
  EXPECT_EQ(ua.device.family, base.device.family);
}

TEST(UaClientHints, UnknownModelIsKeptVerbatimAndMobileMarksGenericPhone) {
  ClientHints hints;
  hints.sec_ch_ua_platform = R"("Android")";
  hints.sec_ch_ua_model = R"("Zz Unlisted 9")";
  UserAgent with_model = ApplyClientHints(Parser().Parse(kReducedAndroidUa), hints, &Parser());
  EXPECT_EQ(with_model.device.model, "Zz Unlisted 9");

  ClientHints mobile_only;
  mobile_only.sec_ch_ua_mobile = "?1";
  UserAgent other = Parser().Parse("SomethingUnknown/1.0");
  ASSERT_EQ(other.device.family, "Other");
  EXPECT_EQ(ApplyClientHints(other, mobile_only).device.family, "Generic Smartphone");
}

// ---- cache ----

TEST(UaCache, ReturnsParserResultsAndCountsHits) {
  UserAgentCache cache(Parser(), 100, 4);
  auto first = cache.Lookup(kWindowsChromeUa);
  auto second = cache.Lookup(kWindowsChromeUa);
  EXPECT_EQ(first.get(), second.get());  // same shared entry
  EXPECT_EQ(first->browser.family, "Chrome");
  EXPECT_EQ(first->os.family, "Windows");
  UserAgentCacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.entries, 1u);
}

TEST(UaCache, EvictsLeastRecentlyUsedWithinBound) {
  UserAgentCache cache(Parser(), 3, 1);  // one shard: exact LRU order
  ASSERT_EQ(cache.capacity(), 3u);
  cache.Lookup("A/1");
  cache.Lookup("B/1");
  cache.Lookup("C/1");
  cache.Lookup("A/1");  // A is now most recent; B is the eviction victim
  cache.Lookup("D/1");
  EXPECT_EQ(cache.stats().entries, 3u);
  EXPECT_EQ(cache.stats().evictions, 1u);
  uint64_t misses = cache.stats().misses;
  cache.Lookup("A/1");
  cache.Lookup("C/1");
  cache.Lookup("D/1");
  EXPECT_EQ(cache.stats().misses, misses);  // all three still cached
  cache.Lookup("B/1");
  EXPECT_EQ(cache.stats().misses, misses + 1);  // B had been evicted
  EXPECT_EQ(cache.stats().entries, 3u);
}

TEST(UaCache, HintsArePartOfTheKey) {
  UserAgentCache cache(Parser(), 100);
  ClientHints win11;
  win11.sec_ch_ua_platform = R"("Windows")";
  win11.sec_ch_ua_platform_version = R"("15.0.0")";
  ClientHints win10 = win11;
  win10.sec_ch_ua_platform_version = R"("10.0.0")";
  EXPECT_EQ(cache.Lookup(kWindowsChromeUa, win11)->os.major, "11");
  EXPECT_EQ(cache.Lookup(kWindowsChromeUa, win10)->os.major, "10");
  EXPECT_EQ(cache.Lookup(kWindowsChromeUa, win11)->os.major, "11");
  EXPECT_EQ(cache.Lookup(kWindowsChromeUa, ClientHints{})->os.major, "10");
  EXPECT_EQ(cache.stats().misses, 3u);
  EXPECT_EQ(cache.stats().hits, 1u);
}

TEST(UaCache, ConcurrentWorkersSeeCorrectResults) {
  // More distinct UAs than capacity, so threads insert, hit and evict at once.
  std::vector<std::string> uas;
  for (int i = 0; i < 200; ++i) uas.push_back("Firefox/" + std::to_string(i) + ".0");
  UserAgentCache cache(Parser(), 64, 8);
  std::atomic<int> wrong{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      for (int round = 0; round < 2000; ++round) {
        int i = (round * 7 + t * 13) % static_cast<int>(uas.size());
        auto ua = cache.Lookup(uas[i]);
        if (ua->browser.family != "Firefox" || ua->browser.major != std::to_string(i)) ++wrong;
      }
    });
  }
  for (std::thread& w : workers) w.join();
  EXPECT_EQ(wrong.load(), 0);
  UserAgentCacheStats stats = cache.stats();
  EXPECT_LE(stats.entries, cache.capacity());
  EXPECT_EQ(stats.hits + stats.misses, 8000u);
}

}  // namespace
}  // namespace vigil::ua

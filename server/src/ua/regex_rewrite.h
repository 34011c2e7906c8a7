// Pattern rewrites that let uap-core's PCRE-flavoured rules run on RE2. Internal to ua/;
// exposed for tests.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::ua {

// Rewrites PCRE-only syntax into RE2 syntax: possessive quantifiers (`a*+`) and atomic groups
// (`(?>...)`) become their ordinary forms. For uap-core's patterns these accept the same strings
// (none relies on the no-backtracking rule to reject a match). Lookarounds and backreferences
// have no RE2 equivalent and are left as they are (RE2 then rejects the rule and the loader
// reports it). Returns the input unchanged when nothing needs rewriting.
std::string TranslatePcreToRe2(std::string_view pcre_pattern);

// Literal conditions every string `re2_pattern` matches meets, for the candidate filter: clauses,
// each a set of literals of which at least one occurs. Each run of plain characters that must
// appear together is a clause (`(Chrome)/` -> {Chrome/}); so is a group whose alternatives all
// have one (`(A651|A701B?)` -> {A651, A701}); a top-level alternation gives one clause. Compared
// byte for byte, or ASCII case-insensitively (literals lowercase) for a `(?i)` rule. No clause:
// nothing known, the rule must be tried on every string (also for syntax this reading does not
// follow: inline flags past the start, `\x41`, `\pL`).
struct RequiredLiterals {
  bool case_insensitive = false;
  std::vector<std::vector<std::string>> clauses;
};
RequiredLiterals RequiredLiteralsOf(std::string_view re2_pattern);

// How selective a literal is likely to be in a User-Agent: its characters, minus tokens nearly
// every User-Agent holds (`mozilla`, `build`, ...: they select nothing); letters and digits count
// 1, punctuation 0.25. Used to pick the clause a rule is indexed under.
double LiteralSelectivity(std::string_view literal);

// Where a match of `re2_pattern` can begin, so that a rule can be run anchored at those positions
// only (leftmost-first: the first position, in text order, where an anchored match exists gives
// the unanchored match, captures included). `known` is false when the reading cannot tell (the
// pattern may match the empty string, or uses syntax this reading does not follow: inline flags
// past the start, `\x41`, `\pL`, ...). Otherwise every match starts at position 0 when
// `at_text_start` (a leading `^`), else with a byte of `first_byte`; a superset: with `(?i)`, or
// for `.` and negated classes, every byte >= 0x80 counts.
// `prefix`, when not empty, is text every match begins with, byte for byte (not worked out for
// `(?i)` rules).
struct MatchStarts {
  bool known = false;
  bool at_text_start = false;
  std::array<bool, 256> first_byte{};
  std::string prefix;
};
MatchStarts MatchStartsOf(std::string_view re2_pattern);

// A cheaper form of a rule for captures: single-character repetitions with a large bound
// (`[^;/]{1,100}`, `.{0,200}`) are widened (`[^;/]+`, `.*`), leaving a far smaller RE2 program.
// On a text where no run of consecutive characters matching `atom` is longer than `max_run`, for
// every widened (atom, max_run), the bound can never be reached, so the widened form matches and
// captures exactly like the original (same paths, same preference order).
struct ShortRunForm {
  struct Widened {
    std::string atom;  // ".", "[^;/]", "\\d", "x"
    int max_run = 0;
  };
  std::string pattern;
  std::vector<Widened> widened;  // empty: nothing to gain, use the original
};
ShortRunForm WidenForShortRuns(std::string_view re2_pattern);

}  // namespace vigil::ua

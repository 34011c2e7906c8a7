// Pattern rewrites that let uap-core's PCRE-flavoured rules run on RE2. Internal to ua/;
// exposed for tests.
#pragma once

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

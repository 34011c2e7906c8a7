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

// For the RE2::Set prefilter only: widens bounded repetitions (`x{0,200}` -> `x*`, `x{1,100}` ->
// `x+`, `x{3,9}` -> `x{3,}`). The result matches a superset of the original, so it can only add
// candidates, which the exact rule then rejects. uap-core bounds repetitions to protect
// backtracking engines; in a DFA each bound multiplies the states, and one RE2::Set over the
// bounded forms ran ~100x slower than over the widened ones.
std::string WidenBoundedRepetitions(std::string_view re2_pattern);

// The pattern the RE2::Set prefilter runs for a rule: WidenBoundedRepetitions(), then, per
// top-level alternative, only the most selective run of elements between long-lived repetitions
// (`.*`, `[^;]+`): "Mozilla.*Mobile.*(Instagram)/" becomes "(Instagram)/". Any string the rule
// matches contains a match of that run, so the prefilter never loses a rule; it only stops
// tracking partial matches across the whole User-Agent, which is what made one DFA over ~600
// rules explode in states.
std::string PrefilterPattern(std::string_view re2_pattern);

// `pattern` with every capturing group `(...)` made non-capturing `(?:...)`: same strings
// matched. For the prefilter Sets, which never read captures: a leading capture hides a literal
// prefix from RE2's factoring of common prefixes across the Set's patterns.
std::string WithoutCaptures(std::string_view pattern);

// What the RE2::Set prefilter actually holds for a rule: PrefilterPattern(), without captures,
// and with each alternative's loose edges dropped: leading/trailing elements that are optional
// (`x?`, `(?:...|)`), wide classes (`[A-Za-z0-9 ]*`, `[^C]`, `\w*`) or `\b`. Any match of a
// sequence contains a match of each contiguous part of it, so this too only ever adds
// candidates; it keeps the Set's DFA from tracking threads that are alive at nearly every byte
// (`\b\w*favicon\w*\b` inside the big crawler rule cost more new states than the other 300
// browser rules together).
std::string PrefilterSetPattern(std::string_view re2_pattern);

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

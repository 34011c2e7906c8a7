// Pattern rewrites that let uap-core's PCRE-flavoured rules run on RE2. Internal to ua/;
// exposed for tests.
#pragma once

#include <array>
#include <cstdint>
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

// What the first bytes of every match of `re2_pattern` can be, so that a start can be ruled out
// without running the rule. Each path is a sequence of byte sets (up to `max_length` of them):
// every match begins, for at least one path, with a byte of set 0, then a byte of set 1, ... for
// as many bytes as that path has; the match may be longer than its path, never shorter. A byte
// >= 0x80 can begin a multi-byte character, so where a set holds one the text is followed no
// further on that path (see MatchHead). Paths are cut short where the reading cannot follow the
// pattern (repeated groups after their first copy, `$`, unknown escapes) and where they would
// exceed `max_paths` in number (fewer, shorter paths; no path at all means "nothing known").
// With `(?i)`, sets hold both cases, and `k`/`s` every byte >= 0x80 (RE2 folds them onto U+212A
// and U+017F). A superset, like MatchStarts: it can keep starts where no match begins, never drop
// one where a match does.
struct MatchHeads {
  bool known = false;
  std::vector<std::vector<std::array<bool, 256>>> paths;
};
MatchHeads MatchHeadsOf(std::string_view re2_pattern, size_t max_length = 8, size_t max_paths = 32);

// MatchHeads in the form a parse checks: MayBeginAt(text, at) is false only when no path of the
// heads fits `text` from `at` on (a path needs its bytes to be there). The paths run side by side
// as bits of a mask, one table lookup per byte, so a start is usually ruled out after a byte or
// two. Immutable; thread-safe.
class MatchHead {
 public:
  static constexpr size_t kMaxPaths = 32;  // bits of a mask

  MatchHead() = default;  // knows nothing: every start may begin a match
  explicit MatchHead(const MatchHeads& heads);

  bool known() const { return length_ > 0; }
  bool MayBeginAt(std::string_view text, size_t at) const {
    if (length_ == 0) return true;
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(text.data());
    uint32_t alive = ~uint32_t{0};
    for (size_t j = 0;; ++j) {
      if (alive & ends_after_[j]) return true;  // a path whose bytes all fit
      if (j == length_ || at + j >= text.size()) return false;
      const unsigned char byte = bytes[at + j];
      alive &= fits_[j * class_count_ + byte_class_[byte]];
      if (alive == 0) return false;
      if (byte >= 0x80) return true;  // a multi-byte character: not followed further
    }
  }

 private:
  size_t length_ = 0;  // of the longest path; 0: nothing known
  uint32_t class_count_ = 0;
  uint8_t byte_class_[256] = {};   // bytes every set treats alike share a class
  std::vector<uint32_t> fits_;     // [position * class_count_ + class]: paths whose set there holds it
  std::vector<uint32_t> ends_after_;  // [j]: paths of exactly j bytes (length_ + 1 entries)
};

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

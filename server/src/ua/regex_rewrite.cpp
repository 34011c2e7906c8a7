#include "ua/regex_rewrite.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <vector>

namespace vigil::ua {
namespace {

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Copies a character class starting at p[i] == '[' to `out`; returns the index of its `]`.
size_t CopyClass(std::string_view p, size_t i, std::string& out) {
  out.push_back(p[i++]);
  // A `]` (or `^]`) right after the opening bracket is a literal member, not the end.
  if (i < p.size() && p[i] == '^') out.push_back(p[i++]);
  if (i < p.size() && p[i] == ']') out.push_back(p[i++]);
  for (; i < p.size(); ++i) {
    out.push_back(p[i]);
    if (p[i] == '\\' && i + 1 < p.size()) {
      out.push_back(p[++i]);
    } else if (p[i] == ']') {
      return i;
    }
  }
  return p.size() - 1;  // unterminated: RE2 will report it
}

}  // namespace

std::string TranslatePcreToRe2(std::string_view p) {
  std::string out;
  out.reserve(p.size());
  bool in_class = false;
  // True right after a complete quantifier (`*`, `+`, `?`, `{m,n}`): a `+` there is PCRE's
  // possessive marker and a `?` is the lazy marker.
  bool after_quantifier = false;
  bool after_open_paren = false;  // `(?` starts a group construct, not a quantifier
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out.push_back(c);
      out.push_back(p[++i]);
      after_quantifier = after_open_paren = false;
      continue;
    }
    if (in_class) {
      out.push_back(c);
      if (c == ']') in_class = false;
      continue;
    }
    if (after_quantifier && (c == '+' || c == '?')) {
      if (c == '?') out.push_back(c);  // lazy: RE2 has it; possessive `+`: dropped
      after_quantifier = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out.push_back(c);
      // A `]` (or `^]`) right after the opening bracket is a literal member, not the end.
      if (i + 1 < p.size() && p[i + 1] == '^') out.push_back(p[++i]);
      if (i + 1 < p.size() && p[i + 1] == ']') out.push_back(p[++i]);
      after_quantifier = after_open_paren = false;
      continue;
    }
    if (c == '(' && p.substr(i, 3) == "(?>") {  // atomic group -> non-capturing group
      out += "(?:";
      i += 2;
      after_quantifier = after_open_paren = false;
      continue;
    }
    if (c == '{') {
      size_t close = p.find('}', i);
      bool is_counted = close != std::string_view::npos && close > i + 1;
      for (size_t k = i + 1; is_counted && k < close; ++k)
        if (!(std::isdigit(static_cast<unsigned char>(p[k])) || p[k] == ',')) is_counted = false;
      if (is_counted) {
        out.append(p.substr(i, close - i + 1));
        i = close;
        after_quantifier = true;
        after_open_paren = false;
        continue;
      }
    }
    out.push_back(c);
    after_quantifier = c == '*' || c == '+' || (c == '?' && !after_open_paren);
    after_open_paren = c == '(';
  }
  return out;
}

std::string WithoutCaptures(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 16);
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out.push_back(c);
      out.push_back(p[++i]);
    } else if (c == '[') {
      i = CopyClass(p, i, out);
    } else if (c == '(' && (i + 1 >= p.size() || p[i + 1] != '?')) {
      out += "(?:";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string WidenBoundedRepetitions(std::string_view p) {
  std::string out;
  out.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out.push_back(c);
      out.push_back(p[++i]);
    } else if (c == '[') {
      i = CopyClass(p, i, out);
    } else if (c == '{') {
      size_t close = p.find('}', i);
      size_t comma = p.find(',', i);
      std::string_view low = comma < close ? p.substr(i + 1, comma - i - 1) : std::string_view();
      std::string_view high = comma < close ? p.substr(comma + 1, close - comma - 1) : std::string_view();
      if (close == std::string_view::npos || !IsDigits(low) || !IsDigits(high)) {
        out.push_back(c);  // `{n}`, `{n,}` or a literal brace: keep
        continue;
      }
      if (low == "0") out.push_back('*');
      else if (low == "1") out.push_back('+');
      else out.append("{").append(low).append(",}");
      i = close;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

ShortRunForm WidenForShortRuns(std::string_view p) {
  // Small bounds ({0,2}) cost little in the program; widening them would only add conditions.
  constexpr int kMinBoundWorthWidening = 10;
  ShortRunForm out;
  std::string& w = out.pattern;
  std::string last_atom;  // the single-width atom just copied; empty after anything else
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      w.push_back(c);
      w.push_back(e);
      ++i;
      if (e == 'x' || e == 'p' || e == 'P') {  // \x41, \x{263a}, \pL, \p{Greek}: copied, never widened
        size_t end = i + 1;
        if (end < p.size() && p[end] == '{') end = std::min(p.find('}', end), p.size() - 1);
        else end = std::min(end + (e == 'x' ? 1 : 0), p.size() - 1);
        w.append(p.substr(i + 1, end - i));
        i = end;
        last_atom.clear();
        continue;
      }
      bool zero_width = e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Q' || e == 'E';
      last_atom = zero_width ? std::string() : std::string(p.substr(i - 1, 2));
      continue;
    }
    if (c == '[') {
      size_t start = w.size();
      i = CopyClass(p, i, w);
      last_atom = w.substr(start);
      continue;
    }
    if (c == '{' && !last_atom.empty()) {
      size_t close = p.find('}', i);
      size_t comma = p.find(',', i);
      std::string_view low = comma < close ? p.substr(i + 1, comma - i - 1) : std::string_view();
      std::string_view high = comma < close ? p.substr(comma + 1, close - comma - 1) : std::string_view();
      if (close != std::string_view::npos && IsDigits(low) && IsDigits(high) && high.size() < 6 &&
          std::stoi(std::string(high)) >= kMinBoundWorthWidening) {
        if (low == "0") w.push_back('*');
        else if (low == "1") w.push_back('+');
        else w.append("{").append(low).append(",}");
        out.widened.push_back({last_atom, std::stoi(std::string(high))});
        i = close;
        last_atom.clear();
        continue;
      }
    }
    w.push_back(c);
    bool single_width = std::string_view("()|^$*+?{}").find(c) == std::string_view::npos;
    last_atom = single_width ? std::string(1, c) : std::string();
  }
  return out;
}

namespace {

// One top-level element of a pattern: an atom (char, escape, class, group) plus its quantifier.
struct Element {
  std::string_view text;
  bool is_broad_repetition = false;  // `.`/`[^...]` repeated without a small bound: long-lived
  bool contains_broad = false;       // a group with a broad repetition somewhere inside
  bool is_flags = false;             // `(?i)`-style flag group: no width, keep it
};

bool IsBroadAtom(std::string_view atom) {
  return atom == "." || (atom.size() > 2 && atom[0] == '[' && atom[1] == '^') || atom == "\\D" ||
         atom == "\\S" || atom == "\\W";
}

bool IsUnboundedQuantifier(std::string_view q) {
  return !q.empty() && (q[0] == '*' || q[0] == '+' || (q[0] == '{' && q.find(",}") != std::string_view::npos));
}

// Length of the atom at p[i]: escape, class, group (with nested parens) or single char.
size_t AtomLength(std::string_view p, size_t i) {
  if (p[i] == '\\') return std::min<size_t>(2, p.size() - i);
  if (p[i] == '[') {
    std::string scratch;
    return CopyClass(p, i, scratch) - i + 1;
  }
  if (p[i] == '(') {
    int depth = 0;
    for (size_t k = i; k < p.size(); ++k) {
      if (p[k] == '\\') { ++k; continue; }
      if (p[k] == '[') { std::string scratch; k = CopyClass(p, k, scratch); continue; }
      if (p[k] == '(') ++depth;
      if (p[k] == ')' && --depth == 0) return k - i + 1;
    }
    return p.size() - i;
  }
  return 1;
}

size_t QuantifierLength(std::string_view p, size_t i) {
  if (i >= p.size()) return 0;
  size_t n = 0;
  if (p[i] == '*' || p[i] == '+' || p[i] == '?') {
    n = 1;
  } else if (p[i] == '{') {
    size_t close = p.find('}', i);
    if (close == std::string_view::npos) return 0;
    for (size_t k = i + 1; k < close; ++k)
      if (!std::isdigit(static_cast<unsigned char>(p[k])) && p[k] != ',') return 0;
    n = close - i + 1;
  } else {
    return 0;
  }
  if (i + n < p.size() && p[i + n] == '?') ++n;  // lazy
  return n;
}

// Splits one alternative (no top-level `|`) into elements; nested groups are scanned for broad
// repetitions recursively.
std::vector<Element> SplitElements(std::string_view p);

bool HasBroadRepetition(std::string_view p) {
  for (size_t i = 0; i < p.size();) {
    if (p[i] == '|' || p[i] == ')') { ++i; continue; }
    if (p[i] == '(') {
      // Skip the group's opener ("(", "(?:", "(?P<name>") and scan its body.
      size_t len = AtomLength(p, i);
      std::string_view body = p.substr(i + 1, len >= 2 ? len - 2 : 0);
      if (HasBroadRepetition(body)) return true;
      i += len;
      i += QuantifierLength(p, i);
      continue;
    }
    size_t len = AtomLength(p, i);
    size_t q = QuantifierLength(p, i + len);
    if (IsBroadAtom(p.substr(i, len)) && IsUnboundedQuantifier(p.substr(i + len, q))) return true;
    i += len + q;
  }
  return false;
}

std::vector<Element> SplitElements(std::string_view p) {
  std::vector<Element> out;
  for (size_t i = 0; i < p.size();) {
    size_t len = AtomLength(p, i);
    size_t q = QuantifierLength(p, i + len);
    Element e;
    e.text = p.substr(i, len + q);
    std::string_view atom = p.substr(i, len);
    if (atom.size() > 3 && atom[0] == '(' && atom[1] == '?' && atom.back() == ')' &&
        atom.find_first_of(":=!<>P(", 2) == std::string_view::npos) {
      e.is_flags = true;
    } else if (atom[0] == '(') {
      e.contains_broad = HasBroadRepetition(atom.substr(1, len - 2));
    } else {
      e.is_broad_repetition = IsBroadAtom(atom) && IsUnboundedQuantifier(p.substr(i + len, q));
    }
    out.push_back(e);
    i += len + q;
  }
  return out;
}

// Top-level `|` positions of p.
std::vector<std::string_view> SplitAlternatives(std::string_view p) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i < p.size();) {
    if (p[i] == '|') {
      out.push_back(p.substr(start, i - start));
      start = ++i;
      continue;
    }
    i += AtomLength(p, i);
  }
  out.push_back(p.substr(start));
  return out;
}

// The group's opening text ("(", "(?:", "(?i:", "(?P<name>") and its body.
void SplitGroup(std::string_view group_atom, std::string& opener, std::string_view& body) {
  size_t body_start = 1;
  opener = "(?:";
  if (group_atom.size() > 2 && group_atom[1] == '?') {
    size_t colon = group_atom.find_first_of(":>", 2);
    body_start = colon + 1;
    if (group_atom[colon] == ':') opener = std::string(group_atom.substr(0, body_start));  // keeps flags
  }
  body = group_atom.substr(body_start, group_atom.size() - body_start - 1);
}

bool HasTopLevelAlternation(std::string_view p) { return SplitAlternatives(p).size() > 1; }

// How selective a run is likely to be: its literal characters, minus tokens that nearly every
// browser UA contains (they select nothing). Letters and digits count fully, punctuation little.
double RunScore(const std::string& literal) {
  static constexpr std::string_view kCommon[] = {
      "mozilla", "mobile", "android", "linux", "build", "applewebkit", "safari", "version",
      "windows", "iphone", "cpu", "like", "gecko", "khtml", "compatible", "chrome", "wv",
  };
  std::string lower;
  for (char c : literal) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (std::string_view common : kCommon) {
    for (size_t at = lower.find(common); at != std::string::npos; at = lower.find(common, at))
      lower.replace(at, common.size(), " ");
  }
  double score = 0;
  for (char c : lower) score += std::isalnum(static_cast<unsigned char>(c)) ? 1.0 : 0.25;
  return score;
}

// Literal characters a match of `p` must contain, roughly: top-level plain characters, and for a
// group, those of its shortest alternative.
std::string LiteralOf(std::string_view p) {
  std::string shortest;
  bool first = true;
  for (std::string_view alternative : SplitAlternatives(p)) {
    std::string literal;
    for (size_t i = 0; i < alternative.size();) {
      size_t len = AtomLength(alternative, i);
      size_t q = QuantifierLength(alternative, i + len);
      std::string_view atom = alternative.substr(i, len);
      std::string_view quantifier = alternative.substr(i + len, q);
      bool optional = !quantifier.empty() && (quantifier[0] == '*' || quantifier[0] == '?' ||
                                              (quantifier[0] == '{' && quantifier[1] == '0'));
      if (!optional) {
        if (atom.size() == 1 && std::string_view("^$.").find(atom[0]) == std::string_view::npos) {
          literal.push_back(atom[0]);
        } else if (atom.size() == 2 && atom[0] == '\\' && !std::isalnum(static_cast<unsigned char>(atom[1]))) {
          literal.push_back(atom[1]);
        } else if (atom[0] == '(' && len >= 2) {
          std::string opener;
          std::string_view body;
          SplitGroup(atom, opener, body);
          literal += LiteralOf(body);
        }
      }
      i += len + q;
    }
    if (first || literal.size() < shortest.size()) shortest = literal;
    first = false;
  }
  return shortest;
}

struct Run {
  std::string pattern;
  std::string literal;  // its literal characters, for scoring
};

std::string BestRunOfAlternatives(std::string_view p);
std::string LeadingRunsOfAlternatives(std::string_view p);

// Appends the elements of `alternative` to `runs` (the last run is the open one), starting a new
// run at each long-lived repetition. Unquantified plain groups without alternation are inlined
// (grouping changes nothing about which strings match); a mandatory group with alternation that
// contains a long-lived repetition ends the open run with each alternative's leading run and also
// forms a run of its own from each alternative's best run.
void CollectRuns(std::string_view alternative, std::vector<Run>& runs) {
  for (const Element& e : SplitElements(alternative)) {
    size_t atom_len = AtomLength(e.text, 0);
    std::string_view atom = e.text.substr(0, atom_len);
    std::string_view quantifier = e.text.substr(atom_len);
    if (e.is_flags) {
      runs.back().pattern.append(e.text);
      continue;
    }
    if (e.is_broad_repetition) {
      runs.emplace_back();
      continue;
    }
    if (atom[0] == '(' && e.contains_broad) {
      std::string opener;
      std::string_view body;
      SplitGroup(atom, opener, body);
      bool plain_group = opener == "(?:";
      if (quantifier.empty() && plain_group && !HasTopLevelAlternation(body)) {
        CollectRuns(body, runs);  // inline
        continue;
      }
      bool mandatory = quantifier.empty() || quantifier[0] == '+' ||
                       (quantifier[0] == '{' && quantifier[1] != '0' && quantifier[1] != ',');
      if (mandatory) {
        // The current run may continue with each alternative's leading run (what directly
        // follows it in the text), and the group also forms a run of its own from each
        // alternative's best run (adjacent to nothing).
        std::string leading = LeadingRunsOfAlternatives(body);
        if (!leading.empty()) {
          runs.back().pattern += opener + leading + ")";
          runs.back().literal += LiteralOf(leading);
        }
        std::string best = BestRunOfAlternatives(body);
        if (!best.empty()) {
          runs.emplace_back();
          runs.back().pattern = opener + best + ")";
          runs.back().literal = LiteralOf(best);
        }
      }
      runs.emplace_back();
      continue;
    }
    runs.back().pattern.append(e.text);
    // Literal characters of a plain atom with no quantifier allowing zero occurrences.
    bool optional = !quantifier.empty() && (quantifier[0] == '*' || quantifier[0] == '?' ||
                                            (quantifier[0] == '{' && quantifier[1] == '0'));
    if (optional) continue;
    if (atom.size() == 1 && std::string_view("^$.|").find(atom[0]) == std::string_view::npos) {
      runs.back().literal.push_back(atom[0]);
    } else if (atom.size() == 2 && atom[0] == '\\' && !std::isalnum(static_cast<unsigned char>(atom[1]))) {
      runs.back().literal.push_back(atom[1]);
    } else if (atom[0] == '(') {
      runs.back().literal += LiteralOf(atom);
    }
  }
}

// Each alternative's leading run joined by `|`; empty if some alternative has none.
std::string LeadingRunsOfAlternatives(std::string_view p) {
  std::string out;
  std::vector<std::string_view> alternatives = SplitAlternatives(p);
  for (size_t a = 0; a < alternatives.size(); ++a) {
    std::vector<Run> runs(1);
    CollectRuns(alternatives[a], runs);
    if (runs[0].pattern.empty()) return {};
    if (a) out.push_back('|');
    out += runs[0].pattern;
  }
  return out;
}

// The best-scoring run of one alternative; empty if it has none.
std::string BestRunOfSequence(std::string_view alternative) {
  std::vector<Run> runs(1);
  CollectRuns(alternative, runs);
  const Run* best = nullptr;
  double best_score = 0;
  for (const Run& run : runs) {
    if (run.pattern.empty() || run.pattern == "^" || run.pattern == "$") continue;  // match anything
    // Longer patterns constrain more when the literal content ties (e.g. only classes).
    double score = RunScore(run.literal) + 0.01 * static_cast<double>(run.pattern.size());
    if (!best || score > best_score) {
      best = &run;
      best_score = score;
    }
  }
  return best ? best->pattern : std::string();
}

std::string BestRunOfAlternatives(std::string_view p) {
  std::string out;
  std::vector<std::string_view> alternatives = SplitAlternatives(p);
  for (size_t a = 0; a < alternatives.size(); ++a) {
    std::string run = BestRunOfSequence(alternatives[a]);
    if (run.empty()) return {};  // this alternative can match almost anything
    if (a) out.push_back('|');
    out += run;
  }
  return out;
}

// A character class, escape or `.` that matches many different bytes (20 or more ASCII
// characters, or any negated class): a repetition of it stays alive across most User-Agent text.
bool IsWideAtom(std::string_view atom) {
  if (atom == ".") return true;
  if (atom.size() == 2 && atom[0] == '\\') return std::string_view("wWSD").find(atom[1]) != std::string_view::npos;
  if (atom.size() < 2 || atom[0] != '[') return false;
  if (atom[1] == '^') return true;
  int members = 0;
  for (size_t i = 1; i + 1 < atom.size(); ++i) {
    if (atom[i] == '\\' && i + 2 < atom.size()) {
      char e = atom[++i];
      members += e == 'w' || e == 'W' || e == 'S' || e == 'D' ? 64 : e == 'd' ? 10 : 1;
    } else if (i + 2 < atom.size() - 1 && atom[i + 1] == '-' && atom[i + 2] != ']') {
      members += std::abs(atom[i + 2] - atom[i]) + 1;
      i += 2;
    } else {
      ++members;
    }
  }
  return members >= 20;
}

bool IsPlainGroup(std::string_view atom) { return atom.size() >= 4 && atom.substr(0, 3) == "(?:" && atom.back() == ')'; }

// An element at the edge of a prefilter run that costs DFA states and selects (almost) nothing:
// optional (`x?`, `x*`, `x{0,n}`, `(?:...|)`), a wide class or `.` (any quantifier), `\b`/`\B`.
bool IsLooseEdge(std::string_view element) {
  size_t atom_len = AtomLength(element, 0);
  std::string_view atom = element.substr(0, atom_len);
  std::string_view quantifier = element.substr(atom_len);
  if (!quantifier.empty() && (quantifier[0] == '*' || quantifier[0] == '?' ||
                              (quantifier[0] == '{' && quantifier.size() > 1 && quantifier[1] == '0')))
    return true;
  if (atom == "\\b" || atom == "\\B") return true;
  if (IsWideAtom(atom)) return true;
  if (IsPlainGroup(atom)) {
    for (std::string_view alternative : SplitAlternatives(atom.substr(3, atom.size() - 4)))
      if (alternative.empty()) return true;  // (?:x|): optional
  }
  return false;
}

// Elements of a sequence, with plain unquantified groups that have no alternation spliced in
// (`(?:ab)c` is `abc`).
void FlatElements(std::string_view p, std::vector<std::string_view>& out) {
  for (const Element& e : SplitElements(p)) {
    size_t atom_len = AtomLength(e.text, 0);
    std::string_view atom = e.text.substr(0, atom_len);
    if (atom_len == e.text.size() && IsPlainGroup(atom) && !HasTopLevelAlternation(atom.substr(3, atom.size() - 4))) {
      FlatElements(atom.substr(3, atom.size() - 4), out);
    } else {
      out.push_back(e.text);
    }
  }
}

// Drops loose leading and trailing elements of a sequence (a match of the sequence contains a
// match of any contiguous part of it); a plain alternation group left alone is trimmed
// alternative by alternative. Returns the input when nothing selective would remain.
std::string TrimLooseEdges(std::string_view p) {
  std::vector<std::string_view> elements;
  FlatElements(p, elements);
  size_t begin = 0, end = elements.size();
  while (begin < end && IsLooseEdge(elements[begin])) ++begin;
  while (end > begin && IsLooseEdge(elements[end - 1])) --end;
  if (begin == end) return std::string(p);
  if (end - begin == 1 && IsPlainGroup(elements[begin])) {
    std::string_view body = elements[begin].substr(3, elements[begin].size() - 4);
    std::string out = "(?:";
    bool first = true;
    for (std::string_view alternative : SplitAlternatives(body)) {
      if (!first) out.push_back('|');
      first = false;
      out += TrimLooseEdges(alternative);
    }
    return out + ")";
  }
  std::string out;
  for (size_t i = begin; i < end; ++i) out.append(elements[i]);
  return out;
}

}  // namespace

std::string PrefilterSetPattern(std::string_view re2_pattern) {
  std::string pattern = WithoutCaptures(PrefilterPattern(re2_pattern));
  std::string_view p = pattern;
  std::string flags;
  if (p.size() > 4 && p.substr(0, 4) == "(?i)") {
    flags = "(?i)";
    p.remove_prefix(4);
  }
  // Inline flags elsewhere would change what a trimmed piece means on its own: leave those alone.
  for (size_t at = p.find("(?"); at != std::string_view::npos; at = p.find("(?", at + 1))
    if (p.compare(at, 3, "(?:") != 0 && (at == 0 || p[at - 1] != '\\')) return pattern;
  std::string out = flags;
  bool first = true;
  for (std::string_view alternative : SplitAlternatives(p)) {
    if (!first) out.push_back('|');
    first = false;
    out += TrimLooseEdges(alternative);
  }
  return out;
}

std::string PrefilterPattern(std::string_view re2_pattern) {
  std::string widened = WidenBoundedRepetitions(re2_pattern);
  std::string_view p = widened;
  std::string flags;  // a leading `(?i)` applies to every run: keep it in front
  if (p.size() > 4 && p.substr(0, 2) == "(?" && p[2] != ':') {
    size_t close = p.find(')');
    if (close != std::string_view::npos && p.substr(2, close - 2).find_first_of(":=!<>P(") == std::string_view::npos) {
      flags = std::string(p.substr(0, close + 1));
      p.remove_prefix(close + 1);
    }
  }
  std::string best = BestRunOfAlternatives(p);
  return flags + (best.empty() ? std::string("(?:)") : best);
}

}  // namespace vigil::ua

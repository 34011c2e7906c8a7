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

// One element of a sequence: an atom and its quantifier, if any. Advances `i` past it.
struct Element {
  std::string_view atom, quantifier;
  bool optional = false;  // may occur zero times (`*`, `?`, `{0,n}`)
};
Element NextElement(std::string_view p, size_t& i) {
  const size_t len = AtomLength(p, i);
  const size_t q = QuantifierLength(p, i + len);
  Element e{p.substr(i, len), p.substr(i + len, q)};
  i += len + q;
  e.optional = !e.quantifier.empty() && (e.quantifier[0] == '*' || e.quantifier[0] == '?' ||
                                         (e.quantifier[0] == '{' && (e.quantifier[1] == '0' || e.quantifier[1] == ',')));
  return e;
}

// The byte an atom stands for when it is a plain character (`a`, `\\.`), else -1.
int PlainCharacter(std::string_view atom) {
  if (atom.size() == 1 && std::string_view("^$.|()[]{}*+?\\").find(atom[0]) == std::string_view::npos)
    return static_cast<unsigned char>(atom[0]);
  if (atom.size() == 2 && atom[0] == '\\' && !std::isalnum(static_cast<unsigned char>(atom[1])))
    return static_cast<unsigned char>(atom[1]);
  return -1;
}

// Splits one alternative (no top-level `|`) into elements; nested groups are scanned for broad
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

// A set of literals of which at least one occurs in every match of some part of a pattern.
struct Clause {
  bool valid = false;  // false: that part can match without any literal we can name
  std::vector<std::string> literals;
  double score = 0;  // of its least selective literal (LiteralSelectivity)
};

Clause ClauseOfAlternatives(std::string_view p);

// Appends the clauses of a sequence (no top-level `|`) to `out`, leaving its last run open in
// `run`: every maximal run of plain
// characters that must occur one after another is a clause of one literal; a mandatory group with
// alternatives gives the union of its alternatives' best clauses. Anything optional, repeated or
// not a plain character ends a run, so a run never joins characters that are not adjacent in
// every match; a plain unquantified group without alternatives continues the run (`(Chrome)/`).
void CollectClauses(std::string_view p, std::string& run, std::vector<Clause>& out) {
  auto end_run = [&] {
    if (!run.empty()) out.push_back(Clause{true, {run}, LiteralSelectivity(run)});
    run.clear();
  };
  for (size_t i = 0; i < p.size();) {
    const auto [atom, quantifier, optional] = NextElement(p, i);
    if (optional) {
      end_run();
      continue;
    }
    const int literal = PlainCharacter(atom);
    if (literal >= 0) {
      run.push_back(static_cast<char>(literal));
      if (!quantifier.empty()) end_run();  // `a+`, `a{2,5}`: what follows is not adjacent to one `a`
      continue;
    }
    if (atom[0] == '(' && atom.size() >= 2) {
      std::string opener;
      std::string_view body;
      SplitGroup(atom, opener, body);
      if (quantifier.empty() && SplitAlternatives(body).size() == 1) {
        CollectClauses(body, run, out);  // grouping alone changes nothing about adjacency
        continue;
      }
      end_run();
      if (Clause group = ClauseOfAlternatives(body); group.valid) out.push_back(std::move(group));
      continue;
    }
    end_run();
  }
}

// All clauses of a sequence, its last run included.
std::vector<Clause> ClausesOfSequence(std::string_view p) {
  std::string run;
  std::vector<Clause> clauses;
  CollectClauses(p, run, clauses);
  if (!run.empty()) clauses.push_back(Clause{true, {run}, LiteralSelectivity(run)});
  return clauses;
}

Clause BestClauseOfSequence(std::string_view p) {
  Clause best;
  for (Clause& clause : ClausesOfSequence(p))
    if (!best.valid || clause.score > best.score) best = std::move(clause);
  return best;
}

Clause ClauseOfAlternatives(std::string_view p) {
  Clause out{true, {}, 0};
  bool first = true;
  for (std::string_view alternative : SplitAlternatives(p)) {
    Clause clause = BestClauseOfSequence(alternative);
    if (!clause.valid) return Clause{};  // this alternative needs no literal
    out.score = first ? clause.score : std::min(out.score, clause.score);
    first = false;
    out.literals.insert(out.literals.end(), clause.literals.begin(), clause.literals.end());
  }
  return out;
}

// Constructs RequiredLiteralsOf and MatchStartsOf do not follow: flag groups other than a
// leading `(?i)` (which change what a literal means), escapes longer than two characters (\x41,
// \pL, \Q...\E) and octal escapes.
bool HasUnfollowedSyntax(std::string_view p) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      if (std::string_view("xpPQECo0123456789").find(p[i + 1]) != std::string_view::npos) return true;
      ++i;
    } else if (p[i] == '[') {
      std::string scratch;
      i = CopyClass(p, i, scratch);
    } else if (p[i] == '(' && i + 1 < p.size() && p[i + 1] == '?' && (i + 2 >= p.size() || p[i + 2] != ':')) {
      if (p.substr(i, 4) != "(?P<") return true;
    }
  }
  return false;
}

using ByteSet = std::array<bool, 256>;

// Adds what the one-character escape `\e` (outside or inside a class) matches; false for escapes
// that are not a single character or a Perl class.
bool AddEscape(char e, ByteSet& set) {
  auto add_if = [&](auto member, bool negated) {
    for (int c = 0; c < 256; ++c)
      if (member(c) != negated || (negated && c >= 0x80)) set[c] = true;
  };
  auto digit = [](int c) { return c >= '0' && c <= '9'; };
  auto word = [](int c) { return c < 0x80 && (std::isalnum(c) || c == '_'); };
  auto space = [](int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v'; };
  switch (e) {
    case 'd': add_if(digit, false); return true;
    case 'D': add_if(digit, true); return true;
    case 'w': add_if(word, false); return true;
    case 'W': add_if(word, true); return true;
    case 's': add_if(space, false); return true;
    case 'S': add_if(space, true); return true;
    case 't': set['\t'] = true; return true;
    case 'n': set['\n'] = true; return true;
    case 'r': set['\r'] = true; return true;
    case 'f': set['\f'] = true; return true;
    case 'v': set['\v'] = true; return true;
    default:
      if (std::isalnum(static_cast<unsigned char>(e))) return false;
      set[static_cast<unsigned char>(e)] = true;
      return true;
  }
}

// Adds the bytes a character class `[...]` (the whole atom) can start a character with.
bool AddClass(std::string_view atom, ByteSet& set) {
  size_t i = 1;
  const bool negated = atom.size() > 2 && atom[1] == '^';
  if (negated) ++i;
  const size_t end = atom.size() - 1;  // the closing `]`
  ByteSet members{};
  while (i < end) {  // one member: a character, an escape or a Perl class, maybe a range's start
    int low = 0;
    if (atom[i] == '\\') {
      ByteSet escaped{};
      if (i + 1 >= end || !AddEscape(atom[i + 1], escaped)) return false;
      i += 2;
      if (std::count(escaped.begin(), escaped.end(), true) != 1) {  // \d, \w, ...
        for (int c = 0; c < 256; ++c) members[c] = members[c] || escaped[c];
        continue;
      }
      low = static_cast<int>(std::find(escaped.begin(), escaped.end(), true) - escaped.begin());
    } else if (atom[i] == '[' && i + 1 < end && atom[i + 1] == ':') {
      return false;  // [:alpha:]
    } else {
      low = static_cast<unsigned char>(atom[i++]);
    }
    int high = low;
    if (i + 1 < end && atom[i] == '-') {
      if (atom[i + 1] == '\\') return false;
      high = static_cast<unsigned char>(atom[i + 1]);
      i += 2;
    }
    for (int c = low; c <= high; ++c) members[c] = true;
  }
  // A member >= 0x80 belongs to a multi-byte character (ranges of them are in code points, not
  // bytes): any lead byte may start it. A negated class matches every multi-byte character it
  // does not list.
  bool multi_byte = negated;
  for (int c = 0x80; c < 256; ++c) multi_byte = multi_byte || members[c];
  for (int c = 0; c < 256; ++c)
    if (members[c] != negated || (c >= 0x80 && multi_byte)) set[c] = true;
  return true;
}

// Adds the bytes a match of the sequence `p` (no top-level `|`) can start with; `nullable` tells
// whether it can match the empty string. False: not known.
bool AddStartsOfAlternatives(std::string_view p, ByteSet& set, bool& nullable);

bool AddStartsOfSequence(std::string_view p, ByteSet& set, bool& nullable) {
  for (size_t i = 0; i < p.size();) {
    const auto [atom, quantifier, optional] = NextElement(p, i);
    bool atom_nullable = false;
    if (atom == "^") {
      return false;  // only meaningful at the start of the pattern (MatchStartsOf)
    } else if (atom == "$" || atom == "\\b" || atom == "\\B") {
      atom_nullable = true;  // zero-width: the next element starts the match
    } else if (atom == ".") {
      for (int c = 0; c < 256; ++c) set[c] = set[c] || c != '\n';
    } else if (atom[0] == '\\') {
      if (atom.size() < 2 || !AddEscape(atom[1], set)) return false;
    } else if (atom[0] == '[') {
      if (!AddClass(atom, set)) return false;
    } else if (atom[0] == '(') {
      std::string opener;
      std::string_view body;
      SplitGroup(atom, opener, body);
      if (opener != "(?:" && opener.rfind("(?P<", 0) != 0) return false;
      if (!AddStartsOfAlternatives(body, set, atom_nullable)) return false;
    } else if (std::string_view("|)*+?{}").find(atom[0]) != std::string_view::npos) {
      return false;
    } else {
      set[static_cast<unsigned char>(atom[0])] = true;
    }
    if (!atom_nullable && !optional) {
      nullable = false;
      return true;
    }
  }
  nullable = true;
  return true;
}

bool AddStartsOfAlternatives(std::string_view p, ByteSet& set, bool& nullable) {
  nullable = false;
  for (std::string_view alternative : SplitAlternatives(p)) {
    bool alternative_nullable = false;
    if (!AddStartsOfSequence(alternative, set, alternative_nullable)) return false;
    nullable = nullable || alternative_nullable;
  }
  return true;
}

// Appends to `prefix` the literal text every match of the sequence `p` begins with; false when
// the sequence goes on past it (so an enclosing sequence must stop there too).
bool AppendLeadingLiteral(std::string_view p, std::string& prefix) {
  for (size_t i = 0; i < p.size();) {
    const auto [atom, quantifier, optional] = NextElement(p, i);
    if (optional) return false;
    const int literal = PlainCharacter(atom);
    if (literal >= 0) {
      prefix.push_back(static_cast<char>(literal));
      if (!quantifier.empty()) return false;  // `a+`: one `a` for sure, then who knows
      continue;
    }
    if (atom == "\\b" || atom == "\\B") continue;  // zero-width: the match still begins here
    if (atom[0] == '(' && quantifier.empty()) {
      std::string opener;
      std::string_view body;
      SplitGroup(atom, opener, body);
      if ((opener == "(?:" || opener.rfind("(?P<", 0) == 0) && SplitAlternatives(body).size() == 1) {
        if (!AppendLeadingLiteral(body, prefix)) return false;
        continue;
      }
    }
    return false;
  }
  return true;
}

// Quantifier bounds: `*` {0, inf}, `+` {1, inf}, `?` {0, 1}, `{m,n}`, `{m,}`, `{m}`; none {1, 1}.
constexpr int kUnbounded = 1 << 30;
void QuantifierBounds(std::string_view q, int& min, int& max) {
  min = max = 1;
  if (q.empty()) return;
  if (q[0] == '*') { min = 0; max = kUnbounded; return; }
  if (q[0] == '+') { min = 1; max = kUnbounded; return; }
  if (q[0] == '?') { min = 0; max = 1; return; }
  // `{m,n}` (QuantifierLength accepted only digits and commas)
  const size_t close = q.find('}');
  const std::string_view body = q.substr(1, close - 1);
  const size_t comma = body.find(',');
  auto number = [](std::string_view digits, int fallback) {
    if (digits.empty()) return fallback;
    return digits.size() > 6 ? kUnbounded : std::atoi(std::string(digits).c_str());
  };
  min = number(body.substr(0, comma), 0);
  max = comma == std::string_view::npos ? min : number(body.substr(comma + 1), kUnbounded);
}

// Walks the first bytes of a pattern's matches, path by path (see MatchHeadsOf). A frame is the
// rest of a sequence still to match, innermost last; a `stop` frame cuts the path there.
class HeadWalker {
 public:
  HeadWalker(bool case_insensitive, size_t max_length, size_t max_paths)
      : case_insensitive_(case_insensitive), max_length_(max_length), max_paths_(max_paths) {}

  struct Frame {
    std::string_view rest;
    bool stop = false;
  };
  using Path = std::vector<ByteSet>;

  // False when there would be more than max_paths paths.
  bool Walk(std::vector<Frame>& frames, Path& path) {
    if (path.size() >= max_length_) return Emit(path);
    while (!frames.empty() && !frames.back().stop && frames.back().rest.empty()) frames.pop_back();
    if (frames.empty() || frames.back().stop) return Emit(path);  // the match may end (or is not followed) here
    size_t i = 0;
    const std::string_view sequence = frames.back().rest;
    const auto [atom, quantifier, optional] = NextElement(sequence, i);
    if (quantifier.substr(0, 2) == "{,") return Emit(path);  // RE2 reads `{,n}` as literal text
    int min = 1, max = 1;
    QuantifierBounds(quantifier, min, max);
    // Each branch works on copies: the caller's frames and path stay as they were.
    std::vector<Frame> next = frames;
    next.back().rest = sequence.substr(i);
    if (atom == "\\b" || atom == "\\B" || (atom == "^" && path.empty())) return Walk(next, path);
    if (atom[0] == '(') {
      std::string opener;
      std::string_view body;
      SplitGroup(atom, opener, body);
      if (opener != "(?:" && opener.rfind("(?P<", 0) != 0) return Emit(path);
      if (min == 0) {
        std::vector<Frame> skip = next;
        Path same = path;
        if (!Walk(skip, same)) return false;
      }
      if (max == 0) return true;
      if (max > 1) next.push_back(Frame{{}, true});  // more copies may follow: not followed
      for (std::string_view alternative : SplitAlternatives(body)) {
        std::vector<Frame> inner = next;
        inner.push_back(Frame{alternative});
        Path same = path;
        if (!Walk(inner, same)) return false;
      }
      return true;
    }
    ByteSet set{};
    if (!SetOfAtom(atom, set)) return Emit(path);
    for (int copies = min;; ++copies) {
      Path longer = path;
      while (static_cast<int>(longer.size() - path.size()) < copies && longer.size() < max_length_) longer.push_back(set);
      if (longer.size() >= max_length_) return Emit(longer);  // more copies give the same path
      std::vector<Frame> rest = next;
      if (!Walk(rest, longer)) return false;
      if (copies >= max) return true;
    }
  }

  std::vector<Path>& paths() { return paths_; }

 private:
  bool Emit(const Path& path) {
    if (std::find(paths_.begin(), paths_.end(), path) != paths_.end()) return true;
    if (paths_.size() >= max_paths_) return false;
    paths_.push_back(path);
    return true;
  }

  // The bytes one character of `atom` can begin with; false for what is not one character or
  // is not followed (anchors, non-ASCII literals, unknown escapes).
  bool SetOfAtom(std::string_view atom, ByteSet& set) const {
    if (atom == ".") {
      for (int c = 0; c < 256; ++c) set[c] = c != '\n';
    } else if (atom[0] == '\\') {
      if (atom.size() < 2 || !AddEscape(atom[1], set)) return false;
    } else if (atom[0] == '[') {
      if (!AddClass(atom, set)) return false;
    } else if (const int literal = PlainCharacter(atom); literal >= 0 && literal < 0x80) {
      set[literal] = true;
    } else {
      return false;
    }
    if (case_insensitive_) {
      for (int c = 'a'; c <= 'z'; ++c) set[c] = set[c - 'a' + 'A'] = set[c] || set[c - 'a' + 'A'];
      if (set['k'] || set['s'])  // U+212A KELVIN SIGN, U+017F LATIN SMALL LETTER LONG S
        for (int c = 0x80; c < 256; ++c) set[c] = true;
    }
    return true;
  }

  bool case_insensitive_;
  size_t max_length_, max_paths_;
  std::vector<Path> paths_;
};

}  // namespace

MatchHeads MatchHeadsOf(std::string_view re2_pattern, size_t max_length, size_t max_paths) {
  std::string_view p = re2_pattern;
  const bool case_insensitive = p.substr(0, 4) == "(?i)";
  if (case_insensitive) p.remove_prefix(4);
  if (HasUnfollowedSyntax(p)) return {};
  // Shorter paths when the long ones are too many: a path cut short only keeps more starts.
  for (size_t length = max_length; length >= 1; --length) {
    HeadWalker walker(case_insensitive, length, max_paths);
    bool fits = true;
    for (std::string_view alternative : SplitAlternatives(p)) {
      std::vector<HeadWalker::Frame> frames{HeadWalker::Frame{alternative}};
      std::vector<ByteSet> path;
      if (!walker.Walk(frames, path)) {
        fits = false;
        break;
      }
    }
    if (!fits) continue;
    MatchHeads out;
    for (auto& path : walker.paths()) {
      if (path.empty()) return {};  // a match can be empty (or begins with what is not followed)
      out.paths.push_back(std::move(path));
    }
    out.known = true;
    return out;
  }
  return {};
}

MatchHead::MatchHead(const MatchHeads& heads) {
  if (!heads.known || heads.paths.empty() || heads.paths.size() > kMaxPaths) return;
  for (const auto& path : heads.paths) length_ = std::max(length_, path.size());
  // Per byte, per position: the paths whose set there holds the byte. Bytes with the same rows
  // share a class, and the table keeps one row per class.
  std::vector<std::vector<uint32_t>> fits_of_byte(256, std::vector<uint32_t>(length_, 0));
  ends_after_.assign(length_ + 1, 0);
  for (size_t k = 0; k < heads.paths.size(); ++k) {
    const auto& path = heads.paths[k];
    ends_after_[path.size()] |= uint32_t{1} << k;
    for (size_t j = 0; j < path.size(); ++j)
      for (int c = 0; c < 256; ++c)
        if (path[j][c]) fits_of_byte[c][j] |= uint32_t{1} << k;
  }
  std::vector<const std::vector<uint32_t>*> classes;
  for (int c = 0; c < 256; ++c) {
    auto found = std::find_if(classes.begin(), classes.end(), [&](const auto* rows) { return *rows == fits_of_byte[c]; });
    if (found == classes.end()) found = classes.insert(classes.end(), &fits_of_byte[c]);
    byte_class_[c] = static_cast<uint8_t>(found - classes.begin());
  }
  class_count_ = static_cast<uint32_t>(classes.size());
  fits_.assign(length_ * class_count_, 0);
  for (uint32_t k = 0; k < class_count_; ++k)
    for (size_t j = 0; j < length_; ++j) fits_[j * class_count_ + k] = (*classes[k])[j];
}

MatchStarts MatchStartsOf(std::string_view re2_pattern) {
  MatchStarts out;
  std::string_view p = re2_pattern;
  const bool case_insensitive = p.substr(0, 4) == "(?i)";
  if (case_insensitive) p.remove_prefix(4);
  if (HasUnfollowedSyntax(p)) return {};
  if (!p.empty() && p[0] == '^' && SplitAlternatives(p).size() == 1) {
    out.known = out.at_text_start = true;
    return out;
  }
  bool nullable = true;
  if (!AddStartsOfAlternatives(p, out.first_byte, nullable) || nullable) return {};
  if (case_insensitive) {
    // RE2 folds by Unicode rules: (?i)k also matches U+212A, whose first byte is not ASCII.
    for (int c = 'a'; c <= 'z'; ++c)
      if (out.first_byte[c] || out.first_byte[c - 'a' + 'A']) out.first_byte[c] = out.first_byte[c - 'a' + 'A'] = true;
    for (int c = 0x80; c < 256; ++c) out.first_byte[c] = true;
  }
  if (!case_insensitive && SplitAlternatives(p).size() == 1) AppendLeadingLiteral(p, out.prefix);
  out.known = true;
  return out;
}

double LiteralSelectivity(std::string_view literal) {
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

RequiredLiterals RequiredLiteralsOf(std::string_view re2_pattern) {
  RequiredLiterals out;
  std::string_view p = re2_pattern;
  if (p.substr(0, 4) == "(?i)") {
    out.case_insensitive = true;
    p.remove_prefix(4);
  }
  if (HasUnfollowedSyntax(p)) return {};
  std::vector<Clause> clauses;
  if (SplitAlternatives(p).size() == 1) {
    clauses = ClausesOfSequence(p);
  } else if (Clause clause = ClauseOfAlternatives(p); clause.valid) {
    clauses.push_back(std::move(clause));
  }
  for (Clause& clause : clauses) {
    for (std::string& literal : clause.literals) {
      if (literal.empty()) return {};
      if (out.case_insensitive) {
        for (char& c : literal) {
          // RE2 folds non-ASCII letters by Unicode rules, which a byte comparison does not follow.
          if (static_cast<unsigned char>(c) >= 0x80) return {};
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
      }
    }
    std::sort(clause.literals.begin(), clause.literals.end());
    clause.literals.erase(std::unique(clause.literals.begin(), clause.literals.end()), clause.literals.end());
    if (std::find(out.clauses.begin(), out.clauses.end(), clause.literals) == out.clauses.end())
      out.clauses.push_back(std::move(clause.literals));
  }
  return out;
}

}  // namespace vigil::ua

#include "ua/regex_rewrite.h"

#include <algorithm>
#include <cctype>
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

}  // namespace

std::string PrefilterPattern(std::string_view re2_pattern) {
  std::string widened = WidenBoundedRepetitions(re2_pattern);
  std::string_view p = widened;
  std::string flags;
  // A leading flag group applies to every alternative; keep it in front.
  if (p.size() > 4 && p.substr(0, 2) == "(?" && p[2] != ':' && p.find(')') != std::string_view::npos) {
    size_t close = p.find(')');
    std::string_view candidate = p.substr(0, close + 1);
    if (candidate.find_first_of(":=!<>P(", 2) == std::string_view::npos) {
      flags = std::string(candidate);
      p.remove_prefix(close + 1);
    }
  }
  std::string out = flags;
  std::vector<std::string_view> alternatives = SplitAlternatives(p);
  for (size_t a = 0; a < alternatives.size(); ++a) {
    if (a) out.push_back('|');
    std::vector<Element> elements = SplitElements(alternatives[a]);
    size_t i = 0;
    // `^` followed by broad repetitions is the same as an unanchored search: drop both.
    size_t k = 0;
    if (k < elements.size() && elements[k].text == "^") ++k;
    size_t broad_start = k;
    while (k < elements.size() && elements[k].is_broad_repetition) ++k;
    if (k > broad_start) i = k;
    std::string kept;
    for (; i < elements.size(); ++i) {
      if (elements[i].is_broad_repetition || elements[i].contains_broad) break;
      kept.append(elements[i].text);
    }
    out += kept.empty() ? std::string("(?:)") : kept;
  }
  return out;
}

}  // namespace vigil::ua

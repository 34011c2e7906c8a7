#include "ua/regex_rewrite.h"

#include <cctype>

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

}  // namespace vigil::ua

#include "grouping/fingerprint.h"

#include <simdjson.h>

#include <cctype>

#include "common/random.h"

namespace vigil {
namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string_view StripQueryAndFragment(std::string_view url) {
  size_t q = url.find_first_of("?#");
  return q == std::string_view::npos ? url : url.substr(0, q);
}

std::string_view PathOf(std::string_view url) {
  url = StripQueryAndFragment(url);
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    size_t slash = url.find('/', scheme + 3);
    return slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  }
  return url;
}

std::string_view HostOf(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// A segment that is mostly a content hash: >= 7 hex chars with at least one digit, or the
// base36-ish [A-Za-z0-9_-]{8,} chunks bundlers emit that contain both letters and digits.
bool LooksLikeHash(std::string_view s) {
  if (s.size() < 7) return false;
  bool digit = false, alpha = false, all_hex = true;
  for (char c : s) {
    if (IsDigit(c)) digit = true;
    else if (std::isalpha(static_cast<unsigned char>(c))) alpha = true;
    else if (c != '_' && c != '-') return false;
    if (!IsHex(c)) all_hex = false;
  }
  if (all_hex && digit) return true;
  return s.size() >= 8 && digit && alpha;
}

// A file name's stem and extension, with hash-like dot- or dash-separated parts removed:
// app.3f2a1c9b.js -> app.js, chunk-5KQZ3ABC.js -> chunk.js, main-ab12cd34ef.min.js -> main.min.js
std::string StripNameHashes(std::string_view name) {
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find_first_of(".-", start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    bool last = end == name.size();
    if (!LooksLikeHash(part) || (start == 0 && last)) {
      if (!out.empty() && start > 0) out.push_back(name[start - 1]);
      out.append(part);
    }
    if (last) break;
    start = end + 1;
  }
  return out;
}

std::string ParameterizeSegment(std::string_view seg) {
  if (seg.empty()) return std::string(seg);
  bool all_digits = true;
  for (char c : seg) all_digits &= IsDigit(c);
  if (all_digits) return ":id";
  // UUID 8-4-4-4-12
  if (seg.size() == 36 && seg[8] == '-' && seg[13] == '-' && seg[18] == '-' && seg[23] == '-') return ":uuid";
  if (LooksLikeHash(seg)) return ":hash";
  return std::string(seg);
}

}  // namespace

std::string NormalizeFunction(std::string_view fn) {
  for (std::string_view prefix : {"async ", "new ", "Object.", "Module."}) {
    if (fn.substr(0, prefix.size()) == prefix) fn.remove_prefix(prefix.size());
  }
  size_t slash = fn.find('/');  // Firefox: "onClick/<", "outer/inner<"
  if (slash != std::string_view::npos) fn = fn.substr(0, slash);
  while (!fn.empty() && (fn.back() == '<' || fn.back() == '*')) fn.remove_suffix(1);
  size_t bracket = fn.find(" [as ");  // V8: "Foo.bar [as baz]"
  if (bracket != std::string_view::npos) fn = fn.substr(0, bracket);
  size_t dot = fn.rfind('.');  // Chrome says "CartView.render", Firefox and Safari "render"
  if (dot != std::string_view::npos) fn = fn.substr(dot + 1);
  if (fn == "<anonymous>" || fn == "?" || fn == "global code" || fn == "eval code" || fn == "anonymous") return {};
  return std::string(fn);
}

std::string NormalizeFrameFile(std::string_view url) {
  std::string_view path = PathOf(url);
  std::string out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(start, slash - start);
    if (slash == path.size()) {
      out += StripNameHashes(seg);  // the file name
    } else {
      out += LooksLikeHash(seg) ? std::string(":hash") : std::string(seg);
      out.push_back('/');
    }
    start = slash + 1;
  }
  return out;
}

std::string NormalizeUrlPattern(std::string_view url) {
  std::string_view path = PathOf(url);
  std::string out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out += ParameterizeSegment(path.substr(start, slash - start));
    if (slash < path.size()) out.push_back('/');
    start = slash + 1;
  }
  if (out.empty()) out = "/";
  return out;
}

std::string ParameterizeMessage(std::string_view m) {
  std::string out;
  out.reserve(m.size());
  size_t i = 0;
  auto starts_with = [&](std::string_view p) { return m.substr(i, p.size()) == p; };
  while (i < m.size()) {
    char c = m[i];
    // URLs
    if (starts_with("http://") || starts_with("https://") || starts_with("blob:") || starts_with("data:")) {
      while (i < m.size() && !std::isspace(static_cast<unsigned char>(m[i])) && m[i] != '"' && m[i] != '\'' && m[i] != ')')
        ++i;
      out += "<url>";
      continue;
    }
    // Quoted strings: '…' "…" `…` (only when closed on the same line).
    if (c == '\'' || c == '"' || c == '`') {
      size_t close = m.find(c, i + 1);
      size_t nl = m.find('\n', i + 1);
      if (close != std::string_view::npos && (nl == std::string_view::npos || close < nl) && close - i <= 200) {
        out.push_back(c);
        out += "<str>";
        out.push_back(c);
        i = close + 1;
        continue;
      }
    }
    // Tokens of word characters: classify whole tokens (emails, UUIDs, hex, numbers, IPs).
    if (IsAlnum(c) || c == '_' || c == '.' || c == '@' || c == '-' || c == ':') {
      size_t j = i;
      while (j < m.size() && (IsAlnum(m[j]) || m[j] == '_' || m[j] == '.' || m[j] == '@' || m[j] == '-' || m[j] == '+' ||
                              (m[j] == ':' && j + 1 < m.size() && IsHex(m[j + 1]))))
        ++j;
      std::string_view tok = m.substr(i, j - i);
      // Trailing punctuation is not part of the token.
      while (!tok.empty() && (tok.back() == '.' || tok.back() == ':' || tok.back() == '-')) tok.remove_suffix(1);
      if (tok.empty()) {
        out.push_back(c);
        ++i;
        continue;
      }
      size_t at = tok.find('@');
      bool digits = true, hexy = true, has_digit = false;
      size_t dots = 0;
      for (char t : tok) {
        if (t == '.') ++dots;
        else if (!IsDigit(t)) digits = false;
        if (IsDigit(t)) has_digit = true;
        if (!IsHex(t) && t != '-') hexy = false;
      }
      std::string rep;
      if (at != std::string_view::npos && at > 0 && tok.find('.', at) != std::string_view::npos) rep = "<email>";
      else if (tok.size() == 36 && tok[8] == '-' && tok[13] == '-' && tok[18] == '-' && tok[23] == '-' && hexy) rep = "<uuid>";
      else if (dots == 3 && digits) rep = "<ip>";
      else if (digits && has_digit) rep = "<num>";
      else if ((tok.size() > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X'))) rep = "<hex>";
      else if (hexy && has_digit && tok.size() >= 8) rep = "<hex>";
      if (!rep.empty()) {
        out += rep;
        i += tok.size();
        continue;
      }
      // A word with digits inside (e.g. "item42"): parameterize the digit runs.
      for (char t : tok) {
        if (IsDigit(t)) {
          if (out.size() < 5 || out.compare(out.size() - 5, 5, "<num>") != 0) out += "<num>";
        } else {
          out.push_back(t);
        }
      }
      i += tok.size();
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

namespace {

using simdjson::dom::element;

std::string Str(element obj, const char* key) {
  std::string_view v;
  if (obj[key].get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

struct Frame {
  std::string file, fn;
  bool in_app = true;
};

bool NotInApp(std::string_view url) {
  static constexpr std::string_view kNoise[] = {"chrome-extension://", "moz-extension://", "safari-extension://",
                                                "safari-web-extension://", "webkit-masked-url://", "/node_modules/",
                                                "<anonymous>", "native", "[native code]"};
  if (url.empty()) return true;
  for (auto n : kNoise) {
    if (url.find(n) != std::string_view::npos) return true;
  }
  return false;
}

std::string HashComponents(const std::vector<std::string>& parts) {
  std::string joined;
  for (const auto& p : parts) {
    joined += p;
    joined.push_back('\n');
  }
  return Sha256Hex(joined).substr(0, 32);
}

std::string Truncate(std::string s, size_t n) {
  if (s.size() <= n) return s;
  size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
  s.resize(cut);
  s += "…";
  return s;
}

}  // namespace

GroupingResult ComputeFingerprint(const Event& e) {
  GroupingResult r;
  thread_local simdjson::dom::parser parser;
  element data;
  bool have_data = parser.parse(e.data).get(data) == simdjson::SUCCESS && data.is_object();
  std::string exc_type, exc_value;
  std::vector<Frame> frames;
  std::vector<std::string> custom;
  if (have_data) {
    element exc;
    if (data["exception"].get(exc) == simdjson::SUCCESS && exc.is_object()) {
      exc_type = Str(exc, "type");
      exc_value = Str(exc, "value");
    }
    simdjson::dom::array arr;
    if (data["frames"].get(arr) == simdjson::SUCCESS) {
      for (element f : arr) {
        if (!f.is_object()) continue;
        Frame fr;
        std::string url = Str(f, "url");
        if (url.empty()) url = Str(f, "filename");
        fr.file = url;
        std::string fn = Str(f, "fn");
        if (fn.empty()) fn = Str(f, "function");
        fr.fn = NormalizeFunction(fn);
        bool in_app;
        if (f["in_app"].get(in_app) == simdjson::SUCCESS) fr.in_app = in_app && !NotInApp(url);
        else fr.in_app = !NotInApp(url);
        frames.push_back(std::move(fr));
      }
    }
    element fp;
    if (data["fingerprint"].get(fp) == simdjson::SUCCESS) {
      std::string_view s;
      if (fp.get(s) == simdjson::SUCCESS) custom.emplace_back(s);
      simdjson::dom::array parts;
      if (fp.get(parts) == simdjson::SUCCESS) {
        for (element p : parts) {
          if (p.get(s) == simdjson::SUCCESS) custom.emplace_back(s);
        }
      }
    }
  }
  // The message usually starts with "Type: value"; split it when no exception object was sent.
  std::string message = e.message.empty() ? exc_value : e.message;
  if (exc_type.empty()) {
    size_t colon = message.find(": ");
    if (colon != std::string::npos && colon < 64) {
      std::string_view head(message.data(), colon);
      bool ident = !head.empty() && std::all_of(head.begin(), head.end(), [](char c) { return IsAlnum(c) || c == '_' || c == '$' || c == '.'; });
      if (ident && std::isupper(static_cast<unsigned char>(head[0]))) exc_type = std::string(head);
    }
  }
  std::string value = message;
  if (!exc_type.empty() && value.rfind(exc_type + ": ", 0) == 0) value = value.substr(exc_type.size() + 2);

  // Default grouping by error kind.
  std::vector<std::string> parts;
  const std::string& kind = e.name;
  if (kind == "http") {
    std::string url = e.url;
    std::string method = "GET";
    if (have_data) {
      std::string m = Str(data, "method");
      if (!m.empty()) method = m;
      std::string u = Str(data, "request_url");
      if (!u.empty()) url = u;
    }
    int status = e.status.value_or(0);
    std::string cls = status == 0 ? "network" : std::to_string(status / 100) + "xx";
    std::string host(HostOf(url));
    std::string pattern = NormalizeUrlPattern(url);
    parts = {"http", method, host, pattern, cls};
    r.title = (status == 0 ? "Network error: " : "HTTP " + cls + ": ") + method + " " + host + pattern;
    r.culprit = host + pattern;
  } else if (kind == "resource") {
    std::string url = e.url;
    if (have_data) {
      std::string u = Str(data, "resource_url");
      if (u.empty()) u = Str(data, "src");
      if (!u.empty()) url = u;
    }
    std::string tag = have_data ? Str(data, "tag") : "";
    std::string file = NormalizeFrameFile(url);
    parts = {"resource", tag, std::string(HostOf(url)), file};
    r.title = "Failed to load " + (tag.empty() ? std::string("resource") : "<" + tag + ">") + " " + file;
    r.culprit = std::string(HostOf(url)) + file;
  } else {
    std::vector<std::string> frame_parts;
    const Frame* top = nullptr;
    bool any_fn = false;
    for (const Frame& f : frames) {
      if (!f.in_app) continue;
      if (!top) top = &f;
      if (!f.fn.empty()) any_fn = true;
      frame_parts.push_back(NormalizeFrameFile(f.file) + " " + f.fn);
      if (frame_parts.size() == 5) break;
    }
    if (!frame_parts.empty() && any_fn) {
      parts = {"stack", exc_type.empty() ? std::string("Error") : exc_type};
      parts.insert(parts.end(), frame_parts.begin(), frame_parts.end());
    } else {
      parts = {"message", kind, exc_type, ParameterizeMessage(value)};
    }
    r.title = exc_type.empty() ? value : exc_type + ": " + value;
    if (kind == "promise" && exc_type.empty()) r.title = "Unhandled rejection: " + value;
    if (top) r.culprit = (top->fn.empty() ? std::string("?") : top->fn) + " (" + NormalizeFrameFile(top->file) + ")";
    else r.culprit = e.path;
  }
  if (!custom.empty()) {
    std::vector<std::string> expanded = {"custom"};
    for (const auto& c : custom) {
      if (c == "{{ default }}" || c == "{{default}}") expanded.insert(expanded.end(), parts.begin(), parts.end());
      else expanded.push_back(c);
    }
    parts = std::move(expanded);
  }
  r.fingerprint = HashComponents(parts);
  r.components = std::move(parts);
  if (r.title.empty()) r.title = "(no message)";
  r.title = Truncate(r.title, 300);
  r.culprit = Truncate(r.culprit, 200);
  return r;
}

}  // namespace vigil

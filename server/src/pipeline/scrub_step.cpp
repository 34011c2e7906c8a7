#include "pipeline/scrub_step.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/json_dom.h"
#include "common/json_writer.h"

namespace vigil {
namespace {

constexpr std::string_view kFiltered = "[Filtered]";
constexpr std::string_view kSecretSubstrings[] = {"password", "passwd", "secret", "token", "api_key", "apikey",
                                                  "authorization", "cookie", "csrf", "xsrf", "credit_card",
                                                  "card_number", "cardnumber", "cvv", "cvc", "ssn", "private_key"};
constexpr std::string_view kSecretExact[] = {"pwd", "auth", "session", "sessionid"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline unsigned char LowerAscii(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

// Whether `needle`, lowercased, occurs in `lowered` (already lowercase).
bool ContainsLowered(std::string_view lowered, std::string_view needle) {
  if (needle.empty() || needle.size() > lowered.size()) return false;
  for (size_t i = 0; i + needle.size() <= lowered.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && static_cast<unsigned char>(lowered[i + k]) == LowerAscii(static_cast<unsigned char>(needle[k]))) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

bool IsSecretKey(std::string_view key, const ProjectSettings& s) {
  char buffer[128];  // keys are short: lowercase them without allocating
  std::string long_key;
  std::string_view k;
  if (key.size() <= sizeof buffer) {
    for (size_t i = 0; i < key.size(); ++i) buffer[i] = static_cast<char>(LowerAscii(static_cast<unsigned char>(key[i])));
    k = std::string_view(buffer, key.size());
  } else {
    long_key = Lower(key);
    k = long_key;
  }
  if (s.scrub_defaults) {
    for (auto sub : kSecretSubstrings) {
      if (k.find(sub) != std::string_view::npos) return true;
    }
    for (auto ex : kSecretExact) {
      if (k == ex) return true;
    }
  }
  for (const auto& extra : s.scrub_keys) {
    if (ContainsLowered(k, extra)) return true;
  }
  return false;
}

// The default secret words by their first two (lowercase) bytes, so the pre-check below looks at
// each position of the text once and compares only the words that can start there.
struct SecretWordIndex {
  static constexpr int kMaxSlots = 32;
  uint8_t slot_of[65536] = {};  // bigram -> 1 + slot, 0: no word starts with it
  std::vector<std::string_view> slots[kMaxSlots];
  int used = 0;
  static unsigned Bigram(unsigned char a, unsigned char b) { return (static_cast<unsigned>(a) << 8) | b; }
  SecretWordIndex() {
    auto add = [&](std::string_view w) {
      unsigned b = Bigram(static_cast<unsigned char>(w[0]), static_cast<unsigned char>(w[1]));
      if (!slot_of[b]) slot_of[b] = static_cast<uint8_t>(++used);
      slots[slot_of[b] - 1].push_back(w);
    };
    for (auto w : kSecretSubstrings) add(w);
    for (auto w : kSecretExact) add(w);
  }
  // Whether a word starts at t[i], given the lowercase bigram there (ASCII case ignored).
  bool WordAt(const unsigned char* t, size_t n, size_t i, unsigned bigram) const {
    uint8_t slot = slot_of[bigram];
    if (!slot) return false;
    for (std::string_view w : slots[slot - 1]) {
      if (w.size() > n - i) continue;
      size_t k = 2;
      while (k < w.size() && LowerAscii(t[i + k]) == static_cast<unsigned char>(w[k])) ++k;
      if (k == w.size()) return true;
    }
    return false;
  }
};
const SecretWordIndex kWordIndex;
static_assert(std::size(kSecretSubstrings) + std::size(kSecretExact) <= SecretWordIndex::kMaxSlots);

// Cheap pre-check on the raw text, so most events skip the parse: any secret word (ignoring ASCII
// case), any extra key, or a long digit run (a possible card number). One pass over the text.
bool MightNeedScrubbing(std::string_view text, const ProjectSettings& s) {
  if (s.scrub_defaults && text.size() >= 2) {
    const auto* t = reinterpret_cast<const unsigned char*>(text.data());
    size_t n = text.size();
    int run = 0;
    unsigned char cur = LowerAscii(t[0]);
    for (size_t i = 0; i < n; ++i) {
      unsigned char c = t[i];
      if (c >= '0' && c <= '9') {
        if (++run >= 13) return true;
      } else if (c != ' ' && c != '-') {
        run = 0;
      }
      if (i + 1 == n) break;
      unsigned char next = LowerAscii(t[i + 1]);
      if (kWordIndex.WordAt(t, n, i, SecretWordIndex::Bigram(cur, next))) return true;
      cur = next;
    }
  }
  if (!s.scrub_keys.empty()) {
    std::string lowered = Lower(text);
    for (const auto& extra : s.scrub_keys) {
      if (extra.empty()) continue;
      std::string needle = Lower(extra);
      if (memmem(lowered.data(), lowered.size(), needle.data(), needle.size()) != nullptr) return true;
    }
  }
  return false;
}

class Scrubber {
 public:
  Scrubber(const ProjectSettings& s) : s_(s) {}
  int replaced = 0;

  void Value(JsonWriter& w, simdjson::dom::element v) {
    switch (v.type()) {
      case simdjson::dom::element_type::OBJECT: {
        w.BeginObject();
        for (auto [k, child] : simdjson::dom::object(v)) {
          w.Key(k);
          if (IsSecretKey(k, s_) && !child.is_null()) {
            w.String(kFiltered);
            ++replaced;
          } else {
            Value(w, child);
          }
        }
        w.EndObject();
        break;
      }
      case simdjson::dom::element_type::ARRAY:
        w.BeginArray();
        for (auto child : simdjson::dom::array(v)) Value(w, child);
        w.EndArray();
        break;
      case simdjson::dom::element_type::STRING: {
        std::string_view str = v.get_string().value_unsafe();
        if (s_.scrub_defaults && ScrubStep::LooksLikeCardNumber(str)) {
          w.String(kFiltered);
          ++replaced;
        } else if (str.find('?') != std::string_view::npos && str.find('=') != std::string_view::npos) {
          w.String(ScrubStep::ScrubUrl(std::string(str), s_, &replaced));
        } else {
          w.String(str);
        }
        break;
      }
      default:
        w.Raw(ElementJson(v));
    }
  }

 private:
  const ProjectSettings& s_;
};

}  // namespace

bool ScrubStep::LooksLikeCardNumber(std::string_view s) {
  int digits[19];
  int n = 0;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (n == 19) return false;
      digits[n++] = c - '0';
    } else if (c != ' ' && c != '-') {
      return false;
    }
  }
  if (n < 13) return false;
  int sum = 0;
  for (int i = 0; i < n; ++i) {
    int d = digits[n - 1 - i];
    if (i % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 == 0;
}

namespace {
// Whether any key of the query url[q + 1, end) is secret (most URLs keep theirs: no copy then).
bool QueryHasSecretKey(std::string_view url, size_t q, size_t end, const ProjectSettings& s) {
  for (size_t i = q + 1; i < end;) {
    size_t amp = url.find('&', i);
    if (amp == std::string_view::npos || amp > end) amp = end;
    std::string_view kv = url.substr(i, amp - i);
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos && IsSecretKey(kv.substr(0, eq), s)) return true;
    i = amp + 1;
  }
  return false;
}
}  // namespace

std::string ScrubStep::ScrubUrl(const std::string& url, const ProjectSettings& s, int* replaced) {
  size_t q = url.find('?');
  if (q == std::string::npos) return url;
  size_t end = url.find('#', q);
  if (end == std::string::npos) end = url.size();
  if (!QueryHasSecretKey(url, q, end, s)) return url;
  std::string out = url.substr(0, q + 1);
  size_t i = q + 1;
  while (i < end) {
    size_t amp = url.find('&', i);
    if (amp == std::string::npos || amp > end) amp = end;
    std::string_view kv(url.data() + i, amp - i);
    size_t eq = kv.find('=');
    std::string_view key = kv.substr(0, eq);
    if (eq != std::string_view::npos && IsSecretKey(key, s)) {
      out.append(key).append("=").append(kFiltered);
      ++*replaced;
    } else {
      out.append(kv);
    }
    if (amp < end) out.push_back('&');
    i = amp + 1;
  }
  out.append(url, end, std::string::npos);
  return out;
}

int ScrubStep::ScrubEvent(Event* e, const ProjectSettings& s) {
  int replaced = 0;
  for (std::string* url : {&e->url, &e->referrer}) {
    const size_t q = url->find('?');
    if (q == std::string::npos) continue;
    const size_t end = std::min(url->find('#', q), url->size());
    if (QueryHasSecretKey(*url, q, end, s)) *url = ScrubUrl(*url, s, &replaced);
  }
  if (e->data.size() > 2 && MightNeedScrubbing(e->data, s)) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(e->data).get(root) == simdjson::SUCCESS) {
      Scrubber sc(s);
      std::string out;
      out.reserve(e->data.size());
      JsonWriter w(&out);
      sc.Value(w, root);
      if (sc.replaced > 0) {
        e->data = std::move(out);
        replaced += sc.replaced;
      }
    }
  }
  return replaced;
}

void ScrubStep::Process(NormalizedBatch* batch) {
  if (batch->events.empty()) return;
  auto settings = projects_->SettingsFor(batch->project_id);
  int total = 0;
  for (Event& e : batch->events) total += ScrubEvent(&e, *settings);
  if (scrubbed_ && total) scrubbed_->Add(static_cast<uint64_t>(total));
}

}  // namespace vigil

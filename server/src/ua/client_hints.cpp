#include "ua/client_hints.h"

#include <array>
#include <cctype>
#include <cstdlib>
#include <utility>

namespace vigil::ua {
namespace {

// Minimal RFC 8941 reader: enough for the list/string/token/boolean/number shapes the Sec-CH-UA
// headers use. Each Read* returns false on malformed input, leaving the position unspecified.
class SfReader {
 public:
  explicit SfReader(std::string_view s) : s_(s) {}

  bool AtEnd() const { return pos_ >= s_.size(); }
  void SkipSpaces() { while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_; }
  void SkipOws() { while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_; }
  bool Consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) { ++pos_; return true; }
    return false;
  }

  bool ReadString(std::string& out) {
    if (!Consume('"')) return false;
    out.clear();
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '\\') {
        if (pos_ >= s_.size()) return false;
        char e = s_[pos_++];
        if (e != '"' && e != '\\') return false;
        out.push_back(e);
      } else if (c == '"') {
        return true;
      } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
        return false;
      } else {
        out.push_back(c);
      }
    }
    return false;  // unterminated
  }

  // Any bare item, returned as text (strings unquoted). Enough to skip or read parameters.
  bool ReadBareItem(std::string& out) {
    if (pos_ >= s_.size()) return false;
    char c = s_[pos_];
    if (c == '"') return ReadString(out);
    size_t start = pos_;
    if (c == '?') {  // boolean
      ++pos_;
      if (!Consume('0') && !Consume('1')) return false;
    } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      ++pos_;
      while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) ++pos_;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '*') {  // token
      ++pos_;
      while (pos_ < s_.size() && IsTokenChar(s_[pos_])) ++pos_;
    } else if (c == ':') {  // byte sequence
      size_t end = s_.find(':', pos_ + 1);
      if (end == std::string_view::npos) return false;
      pos_ = end + 1;
    } else {
      return false;
    }
    out.assign(s_.substr(start, pos_ - start));
    return true;
  }

  // Parameters after an item: *( ";" *SP key [ "=" bare-item ] ). Calls on_param(key, value).
  template <typename F>
  bool ReadParameters(F&& on_param) {
    while (Consume(';')) {
      SkipSpaces();
      size_t start = pos_;
      if (pos_ >= s_.size() || !(std::islower(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '*'))
        return false;
      while (pos_ < s_.size() && (std::islower(static_cast<unsigned char>(s_[pos_])) ||
                                  std::isdigit(static_cast<unsigned char>(s_[pos_])) ||
                                  s_[pos_] == '_' || s_[pos_] == '-' || s_[pos_] == '.' || s_[pos_] == '*'))
        ++pos_;
      std::string_view key = s_.substr(start, pos_ - start);
      std::string value = "?1";  // a parameter without a value is boolean true
      if (Consume('=') && !ReadBareItem(value)) return false;
      on_param(key, value);
    }
    return true;
  }

 private:
  static bool IsTokenChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~:/").find(c) != std::string_view::npos;
  }
  std::string_view s_;
  size_t pos_ = 0;
};

// Chromium's GREASE brands are "Not" + separator + "A" + separator + "Brand" with varying
// punctuation ("Not A;Brand", "Not/A)Brand", "Not_A Brand", ...); only the letters are stable.
bool IsGreaseBrand(std::string_view brand) {
  std::string letters;
  for (char c : brand)
    if (std::isalpha(static_cast<unsigned char>(c))) letters.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return letters == "notabrand";
}

// Brand names from Sec-CH-UA mapped to the family names uap-core gives the same browsers.
std::string BrowserFamilyForBrand(std::string_view brand) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kFamilies = {{
      {"Google Chrome", "Chrome"},
      {"Microsoft Edge", "Edge"},
      {"Android WebView", "Chrome Mobile WebView"},
      {"Opera GX", "Opera"},
      {"YaBrowser", "Yandex Browser"},
      {"Yandex", "Yandex Browser"},
      {"Samsung Internet", "Samsung Internet"},
      {"Brave Browser", "Brave"},
      {"Chromium", "Chromium"},
  }};
  for (const auto& [from, to] : kFamilies)
    if (brand == from) return std::string(to);
  return std::string(brand);
}

std::vector<std::string> SplitVersion(std::string_view version) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= version.size()) {
    size_t dot = version.find('.', start);
    if (dot == std::string_view::npos) dot = version.size();
    parts.emplace_back(version.substr(start, dot - start));
    start = dot + 1;
  }
  return parts;
}

bool IsNumber(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

void ApplyBrowserHints(UserAgent& ua, const ClientHints& hints) {
  std::optional<std::vector<BrandVersion>> full, major_only;
  if (hints.sec_ch_ua_full_version_list) full = ParseBrandList(*hints.sec_ch_ua_full_version_list);
  if (hints.sec_ch_ua) major_only = ParseBrandList(*hints.sec_ch_ua);
  const bool from_full_list = full && !full->empty();
  const std::vector<BrandVersion>* brands = from_full_list                       ? &*full
                                            : major_only && !major_only->empty() ? &*major_only
                                                                                 : nullptr;
  if (!brands) return;

  // The specific product ("Google Chrome", "Microsoft Edge", "Opera") beats the engine brand.
  const BrandVersion* chosen = nullptr;
  for (const BrandVersion& b : *brands)
    if (b.brand != "Chromium") { chosen = &b; break; }
  if (!chosen) chosen = &brands->front();

  // Keep uap's more precise family when it names the same product ("Chrome Mobile" for
  // "Chrome" on Android); otherwise the hint wins.
  std::string family = BrowserFamilyForBrand(chosen->brand);
  if (ua.browser.family.rfind(family, 0) != 0) ua.browser.family = family;

  std::vector<std::string> parts = SplitVersion(chosen->version);
  if (parts.empty() || !IsNumber(parts[0])) return;
  if (from_full_list) {
    ua.browser.major = parts[0];
    ua.browser.minor = parts.size() > 1 ? parts[1] : "";
    ua.browser.patch = parts.size() > 2 ? parts[2] : "";
  } else if (ua.browser.major != parts[0]) {
    // Only the major is known; the UA string's minor/patch belong to another version.
    ua.browser.major = parts[0];
    ua.browser.minor.clear();
    ua.browser.patch.clear();
  }
}

std::string OsFamilyForPlatform(std::string_view platform) {
  if (platform == "macOS") return "Mac OS X";
  if (platform == "Chromium OS" || platform == "Chrome OS") return "Chrome OS";
  return std::string(platform);
}

void ApplyOsHints(UserAgent& ua, const ClientHints& hints) {
  if (!hints.sec_ch_ua_platform) return;
  std::optional<std::string> platform = ParseSfString(*hints.sec_ch_ua_platform);
  if (!platform || platform->empty() || *platform == "Unknown") return;
  std::string family = OsFamilyForPlatform(*platform);
  if (ua.os.family != family) ua.os = OsInfo{family, "", "", "", ""};

  if (!hints.sec_ch_ua_platform_version) return;
  std::optional<std::string> version = ParseSfString(*hints.sec_ch_ua_platform_version);
  if (!version || version->empty()) return;
  std::vector<std::string> parts = SplitVersion(*version);
  if (!IsNumber(parts[0])) return;

  if (family == "Windows") {
    // Microsoft: platform version major >= 13 is Windows 11, 1..12 is Windows 10, and 0.x is
    // Windows 7 (0.1), 8 (0.2) or 8.1 (0.3).
    int major = std::atoi(parts[0].c_str());
    int minor = parts.size() > 1 && IsNumber(parts[1]) ? std::atoi(parts[1].c_str()) : 0;
    OsInfo os{"Windows", "", "", "", ""};
    if (major >= 13) os.major = "11";
    else if (major >= 1) os.major = "10";
    else if (minor == 1) os.major = "7";
    else if (minor == 2) os.major = "8";
    else if (minor == 3) { os.major = "8"; os.minor = "1"; }
    else return;  // not a documented value; keep what the UA string said
    ua.os = os;
    return;
  }
  // Trailing ".0" components carry no information ("14.0.0" is reported as "14").
  while (parts.size() > 1 && parts.back() == "0") parts.pop_back();
  ua.os.major = parts[0];
  ua.os.minor = parts.size() > 1 ? parts[1] : "";
  ua.os.patch = parts.size() > 2 ? parts[2] : "";
  ua.os.patch_minor = parts.size() > 3 ? parts[3] : "";
}

void ApplyDeviceHints(UserAgent& ua, const ClientHints& hints, const UserAgentParser* parser) {
  std::optional<std::string> model;
  if (hints.sec_ch_ua_model) model = ParseSfString(*hints.sec_ch_ua_model);
  if (model && !model->empty()) {
    DeviceInfo device;
    if (parser && ua.os.family == "Android") {
      // uap's device rules know Android build strings; let them find the brand for the model.
      device = parser->ParseDevice("Mozilla/5.0 (Linux; Android 10; " + *model + " Build/0) Mobile");
    }
    if (device.family == "Other" || device.family.rfind("Generic", 0) == 0 || device.model.empty()) {
      device = DeviceInfo{*model, "", *model};
    }
    ua.device = std::move(device);
  }
  if (hints.sec_ch_ua_mobile && ua.device.family == "Other") {
    std::string_view mobile = *hints.sec_ch_ua_mobile;
    while (!mobile.empty() && mobile.front() == ' ') mobile.remove_prefix(1);
    while (!mobile.empty() && mobile.back() == ' ') mobile.remove_suffix(1);
    if (mobile == "?1") ua.device.family = "Generic Smartphone";
  }
}

}  // namespace

std::optional<std::vector<BrandVersion>> ParseBrandList(std::string_view value) {
  std::vector<BrandVersion> brands;
  SfReader r(value);
  r.SkipSpaces();
  if (r.AtEnd()) return brands;  // empty list
  while (true) {
    BrandVersion item;
    if (!r.ReadString(item.brand)) return std::nullopt;
    if (!r.ReadParameters([&](std::string_view key, const std::string& v) {
          if (key == "v") item.version = v;
        }))
      return std::nullopt;
    if (!IsGreaseBrand(item.brand)) brands.push_back(std::move(item));
    r.SkipOws();
    if (r.AtEnd()) return brands;
    if (!r.Consume(',')) return std::nullopt;
    r.SkipOws();
    if (r.AtEnd()) return std::nullopt;  // trailing comma
  }
}

std::optional<std::string> ParseSfString(std::string_view value) {
  SfReader r(value);
  r.SkipSpaces();
  std::string out;
  if (!r.ReadString(out)) return std::nullopt;
  if (!r.ReadParameters([](std::string_view, const std::string&) {})) return std::nullopt;
  r.SkipSpaces();
  if (!r.AtEnd()) return std::nullopt;
  return out;
}

UserAgent ApplyClientHints(UserAgent parsed, const ClientHints& hints, const UserAgentParser* parser) {
  if (hints.empty()) return parsed;
  ApplyBrowserHints(parsed, hints);
  ApplyOsHints(parsed, hints);
  ApplyDeviceHints(parsed, hints, parser);
  return parsed;
}

}  // namespace vigil::ua

// User-Agent Client Hints (Sec-CH-UA-* request headers, RFC 8941 structured-field values).
//
// Chromium freezes most of the User-Agent string (e.g. "Windows NT 10.0" even on Windows 11,
// "Android 10; K" instead of the model); client hints carry the real values. When a hint is
// present it wins over what the User-Agent string said. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ua/user_agent.h"

namespace vigil::ua {

class UserAgentParser;

// Raw header values exactly as received; std::nullopt when the header was absent.
struct ClientHints {
  std::optional<std::string> sec_ch_ua;                    // "Chromium";v="124", ...
  std::optional<std::string> sec_ch_ua_full_version_list;  // "Chromium";v="124.0.6367.91", ...
  std::optional<std::string> sec_ch_ua_platform;           // "Windows"
  std::optional<std::string> sec_ch_ua_platform_version;   // "15.0.0"
  std::optional<std::string> sec_ch_ua_model;              // "Pixel 7"
  std::optional<std::string> sec_ch_ua_mobile;             // ?1

  bool empty() const {
    return !sec_ch_ua && !sec_ch_ua_full_version_list && !sec_ch_ua_platform &&
           !sec_ch_ua_platform_version && !sec_ch_ua_model && !sec_ch_ua_mobile;
  }
};

struct BrandVersion {
  std::string brand;
  std::string version;
};

// Parses a Sec-CH-UA / Sec-CH-UA-Full-Version-List value (an sf-list of strings with a `v`
// parameter). GREASE brands ("Not A;Brand", "Not/A)Brand", ...) are dropped. Returns nullopt
// when the value is not a valid structured-field list.
std::optional<std::vector<BrandVersion>> ParseBrandList(std::string_view header_value);

// Parses an sf-string value such as "\"Windows\"" (Sec-CH-UA-Platform, -Platform-Version, -Model).
std::optional<std::string> ParseSfString(std::string_view header_value);

// Overlays the hints on a result parsed from the User-Agent string:
//  - browser: the most specific non-GREASE brand (e.g. "Google Chrome" over "Chromium"), mapped
//    to uap family names ("Chrome", "Edge", ...), with versions from the full version list when
//    present, otherwise the major version from Sec-CH-UA;
//  - OS: platform and platform version; on Windows a platform version major >= 13 means
//    Windows 11, 1..12 Windows 10, 0.1/0.2/0.3 Windows 7/8/8.1 (Microsoft's documented mapping);
//  - device: the model (run through uap's device rules as an Android build string when `parser`
//    is given, to get the brand) and the mobile flag.
// Malformed hint values are ignored field by field.
UserAgent ApplyClientHints(UserAgent parsed, const ClientHints& hints,
                           const UserAgentParser* parser = nullptr);

}  // namespace vigil::ua

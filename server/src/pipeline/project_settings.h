// ProjectSettings: a project's pipeline configuration (inbound filters, quotas, privacy, IP
// policy), stored as JSON in the meta store and edited through
// GET/PUT /api/v1/projects/<id>/settings. Absent fields keep their defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace vigil {

struct InboundFilters {
  std::vector<std::string> allowed_domains;    // event URL host must match one ("*.x.com" ok); empty: any
  std::vector<std::string> deny_ips;           // client IPs / CIDRs
  std::vector<std::string> deny_releases;      // glob patterns (* and ?)
  std::vector<std::string> deny_environments;  // glob patterns
  std::vector<std::string> deny_messages;      // glob patterns on error messages
  bool browser_extensions = true;  // errors whose stack comes from a browser extension
  bool known_noise = true;         // "Script error." without a stack, ResizeObserver loop messages
  bool bots = true;                // crawlers and bots (by user agent)
  bool localhost = false;          // events from localhost pages (opt-in)
  bool legacy_browsers = false;    // IE, and Chrome/Firefox < 70, Safari < 12 (opt-in)
  bool outliers = true;            // impossible vitals and durations
};

struct ProjectQuotas {
  double rate = 0;     // events/s; 0: the server default (--rate-limit)
  double burst = 0;    // 0: the server default (--rate-burst)
  int64_t daily = 0;   // events per UTC day; 0: unlimited
};

struct ProjectSettings {
  InboundFilters filters;
  ProjectQuotas quotas;
  std::vector<std::string> scrub_keys;  // extra keys whose values are scrubbed (besides the defaults)
  bool scrub_defaults = true;           // scrub password/token/secret/cookie/… and card numbers
  std::string ip_policy = "drop";       // drop | anonymize | keep

  // Parses and validates; unknown members are an error (a typo must not silently do nothing).
  static Result<ProjectSettings> FromJson(std::string_view json);
  std::string ToJson() const;
};

// Glob match with '*' (any run) and '?' (one character), case-insensitive.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace vigil

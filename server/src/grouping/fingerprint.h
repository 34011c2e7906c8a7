// Fingerprinting: which issue an error event belongs to. Deterministic, a pure function of the
// event. docs/grouping.md explains the rules with examples:
//   - an SDK-sent `fingerprint` (string or array; "{{ default }}" expands to the default) wins;
//   - JS errors with in-app frames: exception type + the top in-app frames (file without query,
//     hash or content hash, plus function name);
//   - otherwise: exception type + the message with variable parts parameterized;
//   - resource errors: the failed URL's path without hashes;
//   - HTTP errors: method + URL pattern (ids parameterized) + status class.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"

namespace vigil {

struct GroupingResult {
  std::string fingerprint;              // 32 hex chars (SHA-256 prefix of the components)
  std::vector<std::string> components;  // what was hashed, for debugging and docs
  std::string title;                    // e.g. "TypeError: Cannot read properties of undefined"
  std::string culprit;                  // e.g. "renderCart (assets/app.js)"
};

// Fingerprint of an `error` event (other types are not grouped).
GroupingResult ComputeFingerprint(const Event& e);

// Building blocks, exposed for tests.
// Replaces numbers, hex, UUIDs, URLs, emails, IPs and quoted strings with placeholders.
std::string ParameterizeMessage(std::string_view message);
// "https://cdn.x.com/assets/app.3f2a1c9b.js?v=2#x" -> "/assets/app.js" (path only, hashes removed).
std::string NormalizeFrameFile(std::string_view url);
// "Object.onClick", "CartView.render", "onClick/<", "async load" -> "onClick", "render", "onClick",
// "load": the part browsers agree on.
std::string NormalizeFunction(std::string_view fn);
// "/api/v1/users/42/orders/9f8e7d6c5b4a39281706f5e4d3c2b1a0" -> "/api/v1/users/:id/orders/:hash".
std::string NormalizeUrlPattern(std::string_view url);

}  // namespace vigil

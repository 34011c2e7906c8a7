// Serializing parsed JSON (simdjson DOM elements) back to compact JSON text, faster than
// simdjson::minify: strings are copied in runs between the characters that need escaping, and
// numbers are formatted with std::to_chars (shortest round-trip form for doubles). Strings are
// escaped like JsonWriter does, so the output is also safe inside HTML.
#pragma once

#include <simdjson.h>

#include <string>

namespace vigil {

void AppendElementJson(std::string* out, simdjson::dom::element v);
std::string ElementJson(simdjson::dom::element v);

}  // namespace vigil

// Gzip decompression with a hard cap on the output size (defence against gzip bombs).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil {

// Inflates a gzip (or zlib) stream. Errors: "invalid_gzip" (corrupt or truncated input),
// "body_too_large" (output would exceed `max_output` bytes).
Result<std::string> Gunzip(std::string_view input, size_t max_output);

// Compresses (used by tests and the load generator).
std::string Gzip(std::string_view input, int level = 6);

}  // namespace vigil

// Cryptographically secure random identifiers (libsodium's randombytes).
#pragma once

#include <string>

namespace vigil {

// `bytes` random bytes as lowercase hex (2*bytes characters).
std::string RandomHex(size_t bytes);
// A random UUID v4 as 32 lowercase hex digits without dashes (the event id format).
std::string RandomUuidHex();
// SHA-256 of `s` as lowercase hex (used to store API tokens, never the tokens themselves).
std::string Sha256Hex(const std::string& s);

}  // namespace vigil

// Password hashing with Argon2id (libsodium crypto_pwhash_str, interactive limits).
#pragma once

#include <string>

#include "common/status.h"

namespace vigil {

Result<std::string> HashPassword(const std::string& password);
bool VerifyPassword(const std::string& hash, const std::string& password);
// A random password for the first admin: 20 characters from an unambiguous alphabet.
std::string GeneratePassword();

}  // namespace vigil

// Password hashing with argon2id (libsodium crypto_pwhash_str). Hashes are self-describing
// strings ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"), so the cost can rise later and old
// hashes still verify; needs_rehash() says when to replace one after a successful login.
// Safe to call from several threads at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace quanzu::auth {

inline constexpr size_t kMinPasswordLength = 12;    // characters
inline constexpr size_t kMaxPasswordLength = 1024;  // bytes; bounds the work per attempt

// argon2id work factors.
struct PasswordCost {
  unsigned long long ops = 0;
  size_t mem = 0;  // bytes
  // libsodium's INTERACTIVE limits (2 passes, 64 MiB): what people's passwords get.
  static PasswordCost interactive();
  // The least libsodium allows: for tests only, where hashing must be fast.
  static PasswordCost minimum();
};

// Fails with Code::kInvalid (field "password") when shorter than kMinPasswordLength
// characters or longer than kMaxPasswordLength bytes.
Result<bool> check_password(std::string_view password);

// Hashes a password with a fresh random salt. Fails with kInternal only when libsodium
// cannot (out of memory for the cost asked).
Result<std::string> hash_password(std::string_view password, const PasswordCost& cost);

// True when `password` matches `hash` (constant time in the password); false for a wrong
// password and for a hash that is not an argon2 string.
bool verify_password(std::string_view hash, std::string_view password);

// True when `hash` was made with other work factors than `cost` (or is not one of ours).
bool needs_rehash(std::string_view hash, const PasswordCost& cost);

// Compares two secrets (CSRF tokens, token hashes) in time independent of their content.
bool same_secret(std::string_view a, std::string_view b);

// sodium_init(), once. False when libsodium cannot start (no randomness source).
bool sodium_ready();

}  // namespace quanzu::auth

#include "auth/users/password.h"

#include <sodium.h>

namespace quanzu::auth {

PasswordCost PasswordCost::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordCost PasswordCost::minimum() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

Result<bool> check_password(std::string_view password) {
  if (password.size() > kMaxPasswordLength) {
    return fail_fields({{"password", "must be at most 1024 bytes"}});
  }
  size_t n = 0;
  for (unsigned char c : password) n += (c & 0xC0) != 0x80;
  if (n < kMinPasswordLength) {
    return fail_fields({{"password", "must be at least 12 characters"}});
  }
  return true;
}

Result<std::string> hash_password(std::string_view password, const PasswordCost& cost) {
  if (!sodium_ready()) return fail(Code::kInternal, "libsodium failed to start");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops, cost.mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return fail(Code::kInternal, "password hashing failed (out of memory?)");
  }
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  if (!sodium_ready() || hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  // libsodium reads the hash as a C string.
  const std::string stored(hash);
  return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view hash, const PasswordCost& cost) {
  if (!sodium_ready() || hash.size() >= crypto_pwhash_STRBYTES) return true;
  const std::string stored(hash);
  // 0: current; 1: other limits; -1: not an argon2id string (rehash at the next login).
  return crypto_pwhash_argon2id_str_needs_rehash(stored.c_str(), cost.ops, cost.mem) != 0;
}

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // lengths are not secret here
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace quanzu::auth

#include "base/digest.h"

#include <sodium.h>

namespace quanzu {
namespace {

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, bytes_of(bytes), bytes.size());
  return to_hex(digest, sizeof digest);
}

Sha256 timestamped_hmac(std::string_view key, std::string_view timestamp, std::string_view body) {
  static_assert(crypto_auth_hmacsha256_BYTES == std::tuple_size_v<Sha256>);
  Sha256 mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, bytes_of(key), key.size());
  crypto_auth_hmacsha256_update(&state, bytes_of(timestamp), timestamp.size());
  crypto_auth_hmacsha256_update(&state, bytes_of("."), 1);
  crypto_auth_hmacsha256_update(&state, bytes_of(body), body.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return mac;
}

}  // namespace quanzu

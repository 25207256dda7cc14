// SHA-256 and HMAC-SHA-256 in lower-case hex: content addresses of documents, hashes of
// token and session secrets, the audit chain, and the signature of our webhooks and of the
// banks' callbacks. Its own target (quanzu_digest) so that quanzu_base stays free of libraries.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace quanzu {

using Sha256 = std::array<unsigned char, 32>;

// Lower-case hex of `n` bytes.
std::string to_hex(const unsigned char* bytes, std::size_t n);

// SHA-256 of `bytes`, 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

// HMAC-SHA-256 with `key` of "<timestamp>.<body>": what our webhooks send and the banks'
// callbacks carry (as "sha256=" + hex).
Sha256 timestamped_hmac(std::string_view key, std::string_view timestamp, std::string_view body);

}  // namespace quanzu

// API tokens for machine clients (the upstream feed, banks): a random secret shown once,
// stored only as its SHA-256, with scopes saying what it may do. Pure apart from randomness.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"

namespace quanzu::auth {

// ingest: POST /api/v1/instructions; read: GET cases, stats, stream (personal data masked);
// bank_callback: the banks' stop-payment callbacks; attempts: channel gateways reporting
// the results of SMS and calls (POST /api/v1/attempts).
enum class Scope { kIngest, kRead, kBankCallback, kAttempts };

// Wire names: "ingest", "read", "bank_callback", "attempts".
std::string_view name(Scope scope);
std::optional<Scope> scope_from_name(std::string_view text);
std::string scope_names();  // "ingest, read, bank_callback, attempts"

struct ApiToken {
  std::string id;      // "tok_" + 12 hex digits; public, names the token in lists and revoke
  std::string name;    // who or what holds it, 1-64 characters
  std::string description;
  std::vector<Scope> scopes;  // never empty, no repeats
  std::string hash;    // token_hash() of the secret, 64 lower-case hex digits
  Millis created_at = 0;
  std::optional<Millis> last_used_at;
  std::optional<Millis> revoked_at;

  bool allows(Scope scope) const;
  bool revoked() const { return revoked_at.has_value(); }
};

// The secret (shown to the operator once) and the record to store.
struct NewToken {
  std::string secret;  // "qz_" + 43 characters of URL-safe base64 (32 random bytes)
  ApiToken token;
};

// Makes a token after checking name (field "name"), description (at most 512 bytes) and
// scopes (field "scope": at least one). Fails with Code::kInvalid.
Result<NewToken> generate_token(std::string name, std::string description,
                                std::vector<Scope> scopes, Millis now);

// SHA-256 of the secret in lower-case hex: what the store keeps and looks up.
std::string token_hash(std::string_view secret);

// True when the text has the shape of a secret from generate_token() (cheap pre-check
// before hashing and a store look-up).
bool looks_like_token(std::string_view secret);

}  // namespace quanzu::auth

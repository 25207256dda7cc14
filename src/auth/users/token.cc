#include "auth/users/token.h"

#include <sodium.h>

#include <algorithm>

#include "auth/users/password.h"
#include "auth/users/user.h"
#include "base/digest.h"
#include "base/enum_names.h"

namespace quanzu::auth {
namespace {

constexpr EnumNames<Scope, 4> kScopeNames{{{Scope::kIngest, "ingest"},
                                           {Scope::kRead, "read"},
                                           {Scope::kBankCallback, "bank_callback"},
                                           {Scope::kAttempts, "attempts"}}};

constexpr std::string_view kPrefix = "qz_";
constexpr size_t kSecretBytes = 32;
// Unpadded base64 of 32 bytes.
constexpr size_t kEncodedLength = 43;


}  // namespace

std::string_view name(Scope scope) { return enum_name(kScopeNames, scope); }
std::optional<Scope> scope_from_name(std::string_view text) { return enum_value(kScopeNames, text); }

std::string scope_names() {
  std::string out;
  for (const auto& [scope, text] : kScopeNames) out += (out.empty() ? "" : ", ") + std::string(text);
  return out;
}

bool ApiToken::allows(Scope scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

Result<NewToken> generate_token(std::string name, std::string description,
                                std::vector<Scope> scopes, Millis now) {
  std::vector<FieldError> errors;
  const size_t length = count_characters(name);
  if (length < 1 || length > 64) errors.push_back({"name", "must be 1 to 64 characters"});
  if (description.size() > 512) errors.push_back({"description", "must be at most 512 bytes"});
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  if (scopes.empty()) errors.push_back({"scope", "give at least one of " + scope_names()});
  if (!errors.empty()) return fail_fields(std::move(errors));
  if (!sodium_ready()) return fail(Code::kInternal, "libsodium failed to start");

  unsigned char secret[kSecretBytes];
  randombytes_buf(secret, sizeof secret);
  char encoded[sodium_base64_ENCODED_LEN(kSecretBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(encoded, sizeof encoded, secret, sizeof secret,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(secret, sizeof secret);
  unsigned char id[6];
  randombytes_buf(id, sizeof id);

  NewToken out;
  out.secret = std::string(kPrefix) + encoded;
  sodium_memzero(encoded, sizeof encoded);
  out.token.id = "tok_" + to_hex(id, sizeof id);
  out.token.name = std::move(name);
  out.token.description = std::move(description);
  out.token.scopes = std::move(scopes);
  out.token.hash = token_hash(out.secret);
  out.token.created_at = now;
  return out;
}

std::string token_hash(std::string_view secret) { return sha256_hex(secret); }

bool looks_like_token(std::string_view secret) {
  if (secret.size() != kPrefix.size() + kEncodedLength || !secret.starts_with(kPrefix)) return false;
  for (char c : secret.substr(kPrefix.size())) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace quanzu::auth

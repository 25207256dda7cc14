#include "auth/users/token_check.h"

#include "auth/users/password.h"

namespace quanzu::auth {
namespace {

constexpr Millis kTouchEvery = 60 * 1000;

tl::unexpected<TokenRefusal> refuse(TokenRefusal::Kind kind, std::string message) {
  return tl::unexpected(TokenRefusal{kind, std::move(message)});
}

}  // namespace

tl::expected<ApiToken, TokenRefusal> check_token(UserStore& users, const Clock& clock,
                                                 std::string_view secret, Scope scope) {
  using K = TokenRefusal::Kind;
  const std::string unknown = "invalid or revoked API token";
  if (!looks_like_token(secret)) return refuse(K::kUnknown, unknown);
  const std::string hash = token_hash(secret);
  auto found = users.find_token(hash);
  if (!found) return refuse(K::kUnavailable, "the token store is unavailable; try again later");
  // The look-up is by hash; compare again in constant time so no index quirk can match a
  // near miss.
  if (!found->has_value() || !same_secret((*found)->hash, hash)) return refuse(K::kUnknown, unknown);
  ApiToken token = std::move(**found);
  if (token.revoked()) return refuse(K::kRevoked, unknown);
  if (!token.allows(scope)) {
    return refuse(K::kMissingScope, "this token lacks the " + std::string(name(scope)) + " scope");
  }
  const Millis now = clock.now();
  if (!token.last_used_at || *token.last_used_at <= now - kTouchEvery) {
    if (users.touch_token(token.id, now)) token.last_used_at = now;
  }
  return token;
}

}  // namespace quanzu::auth

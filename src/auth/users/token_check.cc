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

TokenVerifier::TokenVerifier(UserStore& users, const Clock& clock, Millis ttl)
    : users_(users), clock_(clock), ttl_(ttl) {}

tl::expected<ApiToken, TokenRefusal> TokenVerifier::verify(std::string_view secret) {
  using K = TokenRefusal::Kind;
  const std::string unknown = "invalid or revoked API token";
  if (!looks_like_token(secret)) return refuse(K::kUnknown, unknown);
  const std::string hash = token_hash(secret);
  const Millis now = clock_.now();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.checked_at < ttl_) return it->second.token;
  }
  auto found = users_.find_token(hash);
  if (!found) return refuse(K::kUnavailable, "the token store is unavailable; try again later");
  if (!found->has_value() || !same_secret((*found)->hash, hash)) return refuse(K::kUnknown, unknown);
  ApiToken token = std::move(**found);
  std::lock_guard lock(mu_);
  if (token.revoked()) {
    cache_.erase(hash);
    return refuse(K::kRevoked, unknown);
  }
  if (!token.last_used_at || *token.last_used_at <= now - kTouchEvery) {
    if (users_.touch_token(token.id, now)) token.last_used_at = now;
  }
  if (cache_.size() > 10000) cache_.clear();  // bounded; only live tokens are ever added
  cache_[hash] = Entry{token, now};
  return token;
}

}  // namespace quanzu::auth

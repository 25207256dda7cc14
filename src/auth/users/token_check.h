// Authenticates a machine client's "Authorization: Bearer <token>" for one scope.
#pragma once

#include <map>
#include <mutex>

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "auth/users/token.h"
#include "auth/users/user_store.h"
#include "base/clock.h"

namespace quanzu::auth {

struct TokenRefusal {
  // kUnknown and kRevoked -> 401 (same message); kMissingScope -> 403; kUnavailable -> 503.
  enum class Kind { kUnknown, kRevoked, kMissingScope, kUnavailable };
  Kind kind = Kind::kUnknown;
  std::string message;
};

// The stored token when `secret` is a live token that allows `scope`. Records its use
// (last_used_at) at most once a minute.
tl::expected<ApiToken, TokenRefusal> check_token(UserStore& users, const Clock& clock,
                                                 std::string_view secret, Scope scope);

// Recognises live tokens whatever their scopes (the caller checks what they allow), keeping
// each one found for `ttl` so that a busy feed does not cost a store read per request: a
// revocation takes effect within `ttl`. Safe to call from several threads at once.
class TokenVerifier {
 public:
  TokenVerifier(UserStore& users, const Clock& clock, Millis ttl = 30'000);
  tl::expected<ApiToken, TokenRefusal> verify(std::string_view secret);

 private:
  struct Entry {
    ApiToken token;
    Millis checked_at = 0;
  };
  UserStore& users_;
  const Clock& clock_;
  const Millis ttl_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> cache_;  // by hash; guarded by mu_
};

}  // namespace quanzu::auth

// Authenticates a machine client's "Authorization: Bearer <token>" for one scope.
#pragma once

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

}  // namespace quanzu::auth

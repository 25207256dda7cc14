// Durable home of user accounts and API tokens. Adapter: sqlite_user_store.h.
// Safe to call from several threads (and processes: the CLI and the server share the file).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/users/token.h"
#include "auth/users/user.h"
#include "base/result.h"

namespace quanzu::auth {

class UserStore {
 public:
  virtual ~UserStore() = default;

  // Fails with Code::kConflict when a user of that name (ASCII case ignored) exists.
  virtual Result<bool> add_user(const User& user) = 0;
  // The user of that name (ASCII case ignored), or nullopt.
  virtual Result<std::optional<User>> get_user(std::string_view name) = 0;
  // Replaces every field of the stored user named user.name. Fails with kNotFound.
  virtual Result<bool> update_user(const User& user) = 0;
  // Every user, by name.
  virtual Result<std::vector<User>> list_users() = 0;

  // Fails with kConflict when the id or hash is taken (a bug or a 2^-128 event).
  virtual Result<bool> add_token(const ApiToken& token) = 0;
  // The token whose token_hash() is `hash`, revoked or not, or nullopt.
  virtual Result<std::optional<ApiToken>> find_token(std::string_view hash) = 0;
  // Marks the token revoked at `at`; a token already revoked keeps its first time.
  // Fails with kNotFound for an unknown id.
  virtual Result<bool> revoke_token(std::string_view id, Millis at) = 0;
  // Records a use (best effort; callers may throttle how often).
  virtual Result<bool> touch_token(std::string_view id, Millis at) = 0;
  // Every token, oldest first. Hashes are included; secrets were never stored.
  virtual Result<std::vector<ApiToken>> list_tokens() = 0;

  // Login sessions, by the hash of their secret. Fails with kConflict on a taken hash.
  virtual Result<bool> add_session(const Session& session) = 0;
  virtual Result<std::optional<Session>> find_session(std::string_view id_hash) = 0;
  // Records activity (best effort).
  virtual Result<bool> touch_session(std::string_view id_hash, Millis at) = 0;
  // Removes one session (logout); an unknown hash is not an error.
  virtual Result<bool> delete_session(std::string_view id_hash) = 0;
  // Removes sessions last seen before `cutoff`; returns how many.
  virtual Result<std::int64_t> delete_sessions_idle_since(Millis cutoff) = 0;
};

}  // namespace quanzu::auth

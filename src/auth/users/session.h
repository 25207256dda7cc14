// Login sessions of people: an opaque secret in a cookie, kept only as its SHA-256, with a
// CSRF token, an idle time-out and a maximum age. Sessions are stored (they survive a
// restart of the server) and cached in memory; the user behind a session is re-read at
// least every `recheck`, so a disabled account loses its sessions within that time.
// Safe to call from several threads at once.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/users/user.h"
#include "auth/users/user_store.h"
#include "base/clock.h"
#include "base/result.h"

namespace quanzu::auth {

struct SessionOptions {
  Millis idle_timeout = 30 * 60 * 1000;     // no request for this long ends the session
  Millis max_age = 12 * 3600 * 1000;        // a session ends this long after login anyway
  Millis recheck = 60 * 1000;               // how stale the cached user may get
  Millis touch_every = 60 * 1000;           // how often last_seen_at is written to the store
  size_t cache_limit = 20000;               // sessions kept in memory
};

struct LiveSession {
  Session session;
  User user;
};

class SessionManager {
 public:
  SessionManager(UserStore& users, const Clock& clock, SessionOptions options = {});

  // A new session for `user` (who just logged in from `from`): the secret for the cookie,
  // and the stored record (with its CSRF token).
  Result<std::pair<std::string, Session>> open(const User& user, std::string_view from);
  // The session and its user when `secret` names a live session of an enabled user;
  // nullopt when unknown, expired, idle too long, or the user is gone or disabled. Counts
  // as activity (moves the idle time-out).
  Result<std::optional<LiveSession>> check(std::string_view secret);
  // Ends the session (logout). Unknown secrets are not an error.
  Result<bool> close(std::string_view secret);

  const SessionOptions& options() const { return options_; }

 private:
  struct Cached {
    LiveSession live;
    Millis checked_at = 0;  // when the user was last read from the store
    Millis touched_at = 0;  // when last_seen_at was last written to the store
  };

  UserStore& users_;
  const Clock& clock_;
  const SessionOptions options_;
  std::mutex mu_;
  std::map<std::string, Cached, std::less<>> cache_;  // by id hash; guarded by mu_
};

// Constant-time comparison of a client's X-CSRF-Token with the session's.
bool csrf_matches(const Session& session, std::string_view token);

}  // namespace quanzu::auth

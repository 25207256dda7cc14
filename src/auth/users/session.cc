#include "auth/users/session.h"

#include <sodium.h>

#include "auth/users/token.h"

namespace quanzu::auth {
namespace {

// 32 random bytes as URL-safe base64 without padding (43 characters).
std::string random_text() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  std::string out(sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

}  // namespace

SessionManager::SessionManager(UserStore& users, const Clock& clock, SessionOptions options)
    : users_(users), clock_(clock), options_(options) {
  if (sodium_init() < 0) std::abort();
}

Result<std::pair<std::string, Session>> SessionManager::open(const User& user, std::string_view from) {
  const Millis now = clock_.now();
  std::string secret = random_text();
  Session session{token_hash(secret), user.name, random_text(), now, now, std::string(from)};
  auto added = users_.add_session(session);
  if (!added) return tl::unexpected(added.error());
  std::lock_guard lock(mu_);
  if (cache_.size() >= options_.cache_limit) {
    // Drop the longest idle; it is read back from the store when it comes again.
    auto oldest = cache_.begin();
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->second.live.session.last_seen_at < oldest->second.live.session.last_seen_at) oldest = it;
    }
    cache_.erase(oldest);
  }
  cache_[session.id_hash] = Cached{LiveSession{session, user}, now, now};
  return std::make_pair(std::move(secret), std::move(session));
}

Result<std::optional<LiveSession>> SessionManager::check(std::string_view secret) {
  if (secret.empty() || secret.size() > 128) return std::optional<LiveSession>();
  const Millis now = clock_.now();
  const std::string hash = token_hash(secret);
  auto expired = [&](const Session& s) {
    return now - s.last_seen_at > options_.idle_timeout || now - s.created_at > options_.max_age;
  };
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.checked_at < options_.recheck) {
      Cached& c = it->second;
      if (expired(c.live.session)) {
        cache_.erase(it);
        (void)users_.delete_session(hash);
        return std::optional<LiveSession>();
      }
      c.live.session.last_seen_at = now;
      if (now - c.touched_at >= options_.touch_every) {
        c.touched_at = now;
        (void)users_.touch_session(hash, now);  // best effort: only the idle clock is at stake
      }
      return std::optional<LiveSession>(c.live);
    }
  }
  // Not cached, or due for a re-check of the user: read both from the store.
  auto stored = users_.find_session(hash);
  if (!stored) return tl::unexpected(stored.error());
  std::lock_guard lock(mu_);
  if (!*stored) {
    cache_.erase(hash);
    return std::optional<LiveSession>();
  }
  Session session = std::move(**stored);
  if (auto it = cache_.find(hash); it != cache_.end()) {
    session.last_seen_at = std::max(session.last_seen_at, it->second.live.session.last_seen_at);
  }
  auto user = users_.get_user(session.user_name);
  if (!user) return tl::unexpected(user.error());
  if (expired(session) || !*user || (*user)->disabled) {
    cache_.erase(hash);
    (void)users_.delete_session(hash);
    return std::optional<LiveSession>();
  }
  session.last_seen_at = now;
  (void)users_.touch_session(hash, now);
  LiveSession live{std::move(session), std::move(**user)};
  live.user.password_hash.clear();  // not needed past login; keep it out of memory
  cache_[hash] = Cached{live, now, now};
  return std::optional<LiveSession>(std::move(live));
}

Result<bool> SessionManager::close(std::string_view secret) {
  const std::string hash = token_hash(secret);
  {
    std::lock_guard lock(mu_);
    cache_.erase(hash);
  }
  return users_.delete_session(hash);
}

bool csrf_matches(const Session& session, std::string_view token) {
  const std::string& want = session.csrf_token;
  if (want.empty() || token.size() != want.size()) return false;
  return sodium_memcmp(want.data(), token.data(), want.size()) == 0;
}

}  // namespace quanzu::auth

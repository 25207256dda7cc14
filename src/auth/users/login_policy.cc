#include "auth/users/login_policy.h"

#include <cassert>

namespace quanzu::auth {

AddressLimiter::AddressLimiter(int max_failures, Millis window, size_t max_addresses)
    : max_failures_(max_failures), window_(window), max_addresses_(max_addresses) {}

void AddressLimiter::prune(Millis now) {
  for (auto it = failures_.begin(); it != failures_.end();) {
    auto& times = it->second;
    while (!times.empty() && times.front() <= now - window_) times.pop_front();
    it = times.empty() ? failures_.erase(it) : std::next(it);
  }
}

bool AddressLimiter::blocked(std::string_view address, Millis now) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(address);
  if (it == failures_.end()) return false;
  auto& times = it->second;
  while (!times.empty() && times.front() <= now - window_) times.pop_front();
  const bool over = static_cast<int>(times.size()) >= max_failures_;
  if (times.empty()) failures_.erase(it);
  return over;
}

void AddressLimiter::record_failure(std::string_view address, Millis now) {
  std::lock_guard lock(mutex_);
  if (failures_.size() >= max_addresses_ && failures_.find(address) == failures_.end()) {
    prune(now);
    // Still full of live entries (a spread-out attack): forget the first one rather than
    // grow without bound; the per-account lock still holds.
    if (failures_.size() >= max_addresses_) failures_.erase(failures_.begin());
  }
  auto& times = failures_[std::string(address)];
  times.push_back(now);
  // Keep no more than needed to decide.
  while (static_cast<int>(times.size()) > max_failures_) times.pop_front();
}

size_t AddressLimiter::tracked() const {
  std::lock_guard lock(mutex_);
  return failures_.size();
}

std::string_view name(LoginRefusal::Reason reason) {
  using R = LoginRefusal::Reason;
  switch (reason) {
    case R::kUnknownUser: return "unknown_user";
    case R::kWrongPassword: return "wrong_password";
    case R::kLocked: return "locked";
    case R::kDisabled: return "disabled";
    case R::kAddressThrottled: return "address_throttled";
    case R::kStore: return "store";
  }
  return "?";
}

LoginPolicy::LoginPolicy(UserStore& users, const Clock& clock, LoginOptions options)
    : users_(users),
      clock_(clock),
      options_(options),
      limiter_(options.address_max_failures, options.address_window, options.max_addresses) {
  // A hash of a random password: an unknown name costs as much as a known one.
  auto decoy = hash_password("decoy password that nobody knows", options_.cost);
  if (decoy) decoy_hash_ = std::move(*decoy);
}

tl::expected<User, LoginRefusal> LoginPolicy::refuse(LoginRefusal::Reason reason,
                                                     std::string_view address, Millis now) {
  using R = LoginRefusal::Reason;
  LoginRefusal r;
  r.reason = reason;
  if (reason == R::kStore) {
    r.kind = LoginRefusal::Kind::kUnavailable;
    r.message = "the user store is unavailable; try again later";
    return tl::unexpected(std::move(r));
  }
  if (reason == R::kAddressThrottled) {
    r.kind = LoginRefusal::Kind::kThrottled;
    r.message = std::string(kThrottledMessage);
    return tl::unexpected(std::move(r));
  }
  limiter_.record_failure(address, now);
  r.kind = LoginRefusal::Kind::kRefused;
  r.message = std::string(kRefusedMessage);
  return tl::unexpected(std::move(r));
}

tl::expected<User, LoginRefusal> LoginPolicy::login(std::string_view name,
                                                    std::string_view password,
                                                    std::string_view address) {
  using R = LoginRefusal::Reason;
  const Millis now = clock_.now();
  if (limiter_.blocked(address, now)) return refuse(R::kAddressThrottled, address, now);
  if (password.size() > kMaxPasswordLength) password = password.substr(0, kMaxPasswordLength);

  auto found = users_.get_user(name);
  if (!found) return refuse(R::kStore, address, now);
  if (!found->has_value()) {
    (void)verify_password(decoy_hash_, password);
    return refuse(R::kUnknownUser, address, now);
  }
  // The expensive part runs outside the lock, so logins of different people overlap.
  const bool matches = verify_password((*found)->password_hash, password);

  std::lock_guard lock(update_mutex_);
  // Re-read: another attempt may have counted a failure while we hashed.
  auto current = users_.get_user(name);
  if (!current) return refuse(R::kStore, address, now);
  if (!current->has_value()) return refuse(R::kUnknownUser, address, now);
  User user = std::move(**current);
  if (user.disabled) return refuse(R::kDisabled, address, now);
  if (user.locked(now)) return refuse(R::kLocked, address, now);
  // A password changed (reset) while we hashed: judge against the new hash.
  const bool ok = user.password_hash == (*found)->password_hash
                      ? matches
                      : verify_password(user.password_hash, password);
  if (!ok) {
    user.failed_logins += 1;
    if (user.failed_logins >= options_.max_failures) {
      user.locked_until = now + options_.lock_for;
      user.failed_logins = 0;
    }
    user.updated_at = now;
    if (!users_.update_user(user)) return refuse(R::kStore, address, now);
    return refuse(R::kWrongPassword, address, now);
  }
  bool changed = user.failed_logins != 0 || user.locked_until != 0;
  user.failed_logins = 0;
  user.locked_until = 0;
  if (needs_rehash(user.password_hash, options_.cost)) {
    if (auto rehashed = hash_password(password, options_.cost)) {
      user.password_hash = std::move(*rehashed);
      changed = true;
    }
  }
  if (changed) {
    user.updated_at = now;
    (void)users_.update_user(user);  // the login stands even if this bookkeeping fails
  }
  return user;
}

}  // namespace quanzu::auth

// Who may log in: checks a name and password against the UserStore, locks an account
// after repeated failures, and throttles client addresses that keep failing. Answers the
// same for an unknown name, a wrong password, a locked or a disabled account, and spends
// the same argon2id work on each, so a caller cannot learn which names exist.
// Safe to call from several threads at once.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "auth/users/password.h"
#include "auth/users/user.h"
#include "auth/users/user_store.h"
#include "base/clock.h"

namespace quanzu::auth {

struct LoginOptions {
  int max_failures = 5;                 // consecutive failures that lock an account
  Millis lock_for = 15 * 60 * 1000;     // how long it stays locked
  int address_max_failures = 20;        // failures from one address within the window...
  Millis address_window = 10 * 60 * 1000;  // ...that refuse it until they age out
  size_t max_addresses = 100000;        // bound on the limiter's memory
  PasswordCost cost = PasswordCost::interactive();  // for rehashing and the decoy hash
};

// Failures from one client address within a sliding window. Only failures count, so a
// valid login cannot wash away an attack from the same address.
// Safe to call from several threads at once.
class AddressLimiter {
 public:
  AddressLimiter(int max_failures, Millis window, size_t max_addresses);
  // True when the address has had max_failures failures within the window before now.
  bool blocked(std::string_view address, Millis now);
  void record_failure(std::string_view address, Millis now);
  size_t tracked() const;

 private:
  void prune(Millis now);  // needs mutex_

  const int max_failures_;
  const Millis window_;
  const size_t max_addresses_;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<Millis>, std::less<>> failures_;  // guarded by mutex_
};

struct LoginRefusal {
  // What the caller may be told: kRefused -> 401 with kRefusedMessage, whatever the reason;
  // kThrottled -> 429; kUnavailable -> 503.
  enum class Kind { kRefused, kThrottled, kUnavailable };
  // Why, for the audit log and the server log only; never send it to the client.
  enum class Reason { kUnknownUser, kWrongPassword, kLocked, kDisabled, kAddressThrottled, kStore };

  Kind kind = Kind::kRefused;
  Reason reason = Reason::kWrongPassword;
  std::string message;  // safe to show: the same text for every kRefused
};

inline constexpr std::string_view kRefusedMessage =
    "wrong name or password, or the account is locked or disabled";
inline constexpr std::string_view kThrottledMessage =
    "too many failed logins from this address; try again later";

std::string_view name(LoginRefusal::Reason reason);

class LoginPolicy {
 public:
  LoginPolicy(UserStore& users, const Clock& clock, LoginOptions options = {});

  // The user on success: their failure count is cleared and, when the hash was made with
  // other work factors than options.cost, it is replaced (best effort). On a wrong
  // password the account's failure count rises and, at max_failures, the account locks for
  // lock_for. While locked even the right password is refused.
  tl::expected<User, LoginRefusal> login(std::string_view name, std::string_view password,
                                         std::string_view address);

  AddressLimiter& limiter() { return limiter_; }

 private:
  tl::expected<User, LoginRefusal> refuse(LoginRefusal::Reason reason, std::string_view address,
                                          Millis now);

  UserStore& users_;
  const Clock& clock_;
  const LoginOptions options_;
  AddressLimiter limiter_;
  std::string decoy_hash_;  // verified against when the name is unknown
  std::mutex update_mutex_;  // serialises read-modify-write of a user's failure count
};

}  // namespace quanzu::auth

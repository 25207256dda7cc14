// People who log in: their role, the station a station or responder account belongs to, and
// the state the login policy keeps (failures, lock). Pure; the store is user_store.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"

namespace quanzu::auth {

// The roles of SPEC.md "Access and privacy". Scoping by role is the HTTP layer's job.
enum class Role { kAdmin, kCentre, kStation, kResponder, kSupervisor, kAuditor };

// Wire names: "admin", "centre", "station", "responder", "supervisor", "auditor".
std::string_view name(Role role);
std::optional<Role> role_from_name(std::string_view text);
// "admin, centre, ..." for messages.
std::string role_names();

// Station and responder accounts belong to one station; the others must not name one.
bool role_needs_station(Role role);

struct User {
  std::string name;          // unique (ASCII case-insensitively), 1-64 characters
  Role role = Role::kCentre;
  std::string station_code;  // required for kStation and kResponder, empty otherwise
  std::string responder_id;  // optional, kResponder only: the responder this login acts as
  bool disabled = false;
  int failed_logins = 0;     // consecutive failures since the last success or lock
  Millis locked_until = 0;   // refused until then (0: not locked)
  Millis created_at = 0;
  Millis updated_at = 0;
  std::string password_hash;  // argon2id string from password.h; never the password

  bool locked(Millis now) const { return now < locked_until; }
};

// A person's login session (session.h). The secret in the cookie is kept only as its hash.
struct Session {
  std::string id_hash;     // SHA-256 of the cookie's secret, lower-case hex
  std::string user_name;
  std::string csrf_token;  // sent back by the client as X-CSRF-Token on changes
  Millis created_at = 0;
  Millis last_seen_at = 0;
  std::string from;        // client address at login
};

// Checks what an administrator chooses: name, role, station, responder id. Fails with
// Code::kInvalid and one FieldError per problem ("name", "station", "responder_id").
Result<bool> validate_user(const User& user);

// Number of Unicode code points in UTF-8 text (bytes that do not continue a character).
size_t count_characters(std::string_view text);

}  // namespace quanzu::auth

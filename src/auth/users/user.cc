#include "auth/users/user.h"

#include <vector>

#include "base/enum_names.h"

namespace quanzu::auth {
namespace {

constexpr EnumNames<Role, 6> kRoleNames{{{Role::kAdmin, "admin"},
                                         {Role::kCentre, "centre"},
                                         {Role::kStation, "station"},
                                         {Role::kResponder, "responder"},
                                         {Role::kSupervisor, "supervisor"},
                                         {Role::kAuditor, "auditor"}}};

constexpr size_t kMaxName = 64;
constexpr size_t kMaxCode = 32;

// Names appear in logs, the audit log and command lines: no controls, spaces or quotes.
bool name_char_ok(unsigned char c) {
  if (c >= 0x80) return true;  // part of a UTF-8 character, e.g. a Chinese name
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '@';
}

bool code_char_ok(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string_view name(Role role) { return enum_name(kRoleNames, role); }
std::optional<Role> role_from_name(std::string_view text) { return enum_value(kRoleNames, text); }

std::string role_names() {
  std::string out;
  for (const auto& [role, text] : kRoleNames) out += (out.empty() ? "" : ", ") + std::string(text);
  return out;
}

bool role_needs_station(Role role) { return role == Role::kStation || role == Role::kResponder; }

size_t count_characters(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

Result<bool> validate_user(const User& user) {
  std::vector<FieldError> errors;
  const size_t length = count_characters(user.name);
  if (length < 1 || length > kMaxName) {
    errors.push_back({"name", "must be 1 to 64 characters"});
  } else {
    bool ok = user.name.front() != '-';
    for (unsigned char c : user.name) ok = ok && name_char_ok(c);
    if (!ok) {
      errors.push_back({"name", "may hold letters, digits and . _ - @ (not first), nothing else"});
    }
  }
  if (role_needs_station(user.role)) {
    if (user.station_code.empty()) {
      errors.push_back({"station", "is required for the " + std::string(name(user.role)) + " role"});
    }
  } else if (!user.station_code.empty()) {
    errors.push_back(
        {"station", "must be empty for the " + std::string(name(user.role)) + " role (it sees all stations)"});
  }
  if (!user.station_code.empty()) {
    bool ok = user.station_code.size() <= kMaxCode;
    for (unsigned char c : user.station_code) ok = ok && code_char_ok(c);
    if (!ok) errors.push_back({"station", "must be a station code such as 500105-01"});
  }
  if (!user.responder_id.empty()) {
    if (user.role != Role::kResponder) {
      errors.push_back({"responder_id", "is only for the responder role"});
    } else {
      bool ok = user.responder_id.size() <= kMaxCode;
      for (unsigned char c : user.responder_id) ok = ok && code_char_ok(c);
      if (!ok) errors.push_back({"responder_id", "must be a responder id (letters, digits, - and _)"});
    }
  }
  if (!errors.empty()) return fail_fields(std::move(errors));
  return true;
}

}  // namespace quanzu::auth

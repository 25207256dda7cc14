#include "app/demo_logins.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "app/demo_handling.h"

namespace quanzu::app {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kJiangbei = "500105";  // 江北区
constexpr std::string_view kYuzhong = "500103";   // 渝中区, the other district when present
constexpr size_t kPasswordLength = 12;
// No 0/O/o, 1/l/I: passwords are read off a terminal and typed.
constexpr std::string_view kAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

std::string random_password() {
  std::string out;
  for (size_t i = 0; i < kPasswordLength; ++i) {
    out += kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))];
  }
  return out;
}

const geo::StationInfo* first_station(const geo::StationDirectory& stations, std::string_view adcode) {
  for (const auto& s : stations.stations()) {
    if (s.station.district_adcode == adcode) return &s;
  }
  return nullptr;
}

// The accounts to have, without passwords.
std::vector<DemoLogin> planned(const geo::StationDirectory& stations) {
  std::vector<DemoLogin> out;
  auto add = [&](std::string name, auth::Role role, std::string station = {}, std::string responder = {}) {
    DemoLogin l;
    l.name = std::move(name);
    l.role = role;
    l.station_code = std::move(station);
    l.responder_id = std::move(responder);
    out.push_back(std::move(l));
  };
  add("demo.admin", auth::Role::kAdmin);
  add("demo.centre", auth::Role::kCentre);
  add("demo.supervisor", auth::Role::kSupervisor);
  add("demo.auditor", auth::Role::kAuditor);
  const geo::StationInfo* first = first_station(stations, kJiangbei);
  if (!first && !stations.stations().empty()) first = &stations.stations().front();
  if (!first) return out;
  const std::string& code = first->station.code;
  add("demo.station-" + code, auth::Role::kStation, code);
  const geo::StationInfo* second = first_station(stations, kYuzhong);
  if (!second || second->station.district_adcode == first->station.district_adcode) {
    second = nullptr;
    for (const auto& s : stations.stations()) {
      if (s.station.district_adcode != first->station.district_adcode) {
        second = &s;
        break;
      }
    }
  }
  if (second) add("demo.station-" + second->station.code, auth::Role::kStation, second->station.code);
  const std::string responder = demo_responder_id(code, 1);
  add("demo.responder-" + responder, auth::Role::kResponder, code, responder);
  return out;
}

// name -> password, from "name<TAB>password" lines ('#' starts a comment).
Result<std::map<std::string, std::string>> read_file_passwords(const std::string& file) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;
  std::ifstream in(file);
  if (!in) return fail(Code::kInvalid, file + ": cannot read: " + std::strerror(errno));
  // Written 0600; put it back if someone loosened it.
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, ec);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line.front() == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos || tab == 0 || line.find('\t', tab + 1) != std::string::npos ||
        auth::check_password(line.substr(tab + 1)).has_value() == false) {
      return fail(Code::kInvalid, file + " line " + std::to_string(n) +
                                      ": expected name<TAB>password (at least " +
                                      std::to_string(auth::kMinPasswordLength) +
                                      " characters); fix or delete the file");
    }
    out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

Result<bool> write_file_passwords(const std::string& file, const std::map<std::string, std::string>& passwords) {
  std::ostringstream text;
  text << "# Quanzu demo logins, made by `quanzu demo` on this data directory. Keep private.\n"
       << "# name<TAB>password\n";
  for (const auto& [name, password] : passwords) text << name << '\t' << password << '\n';
  const std::string body = text.str();
  const std::string temp = file + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Code::kUnavailable, temp + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0;  // O_CREAT keeps the mode of a leftover temp file
  ok = ok && ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), file.c_str()) != 0) {
    const std::string why = std::strerror(ok ? errno : saved);
    ::unlink(temp.c_str());
    return fail(Code::kUnavailable, file + ": cannot write: " + why);
  }
  return true;
}

}  // namespace

std::string demo_logins_file(const std::string& data_dir) {
  return (fs::path(data_dir) / "demo-logins.txt").string();
}

Result<std::vector<DemoLogin>> ensure_demo_logins(auth::UserStore& users,
                                                  const geo::StationDirectory& stations,
                                                  const std::string& file,
                                                  const auth::PasswordCost& cost, Millis now) {
  if (!auth::sodium_ready()) return fail(Code::kInternal, "libsodium failed to start");
  auto passwords = read_file_passwords(file);
  if (!passwords) return tl::unexpected(passwords.error());
  std::vector<DemoLogin> logins = planned(stations);
  std::vector<DemoLogin*> missing;
  bool new_passwords = false;
  for (DemoLogin& l : logins) {
    auto existing = users.get_user(l.name);
    if (!existing) return fail(existing.error().code, "user store: " + existing.error().message);
    auto known = passwords->find(l.name);
    if (!*existing) {
      // The file may know it already (the store was replaced); else a new password.
      if (known == passwords->end()) {
        (*passwords)[l.name] = random_password();
        new_passwords = true;
      }
      missing.push_back(&l);
      continue;
    }
    // Accounts that exist are shown as they are, never changed.
    const auth::User& u = **existing;
    l.role = u.role;
    l.station_code = u.station_code;
    l.responder_id = u.responder_id;
    if (known == passwords->end()) {
      l.note = "made before; password not known here";
    } else if (!auth::verify_password(u.password_hash, known->second)) {
      l.note = "password changed since it was made";
    } else {
      l.password = known->second;
    }
    if (u.disabled) l.note += std::string(l.note.empty() ? "" : "; ") + "disabled";
  }
  // The file first, so a failure in between leaves no account whose password nobody knows.
  if (new_passwords) {
    if (auto w = write_file_passwords(file, *passwords); !w) return tl::unexpected(w.error());
  }
  for (DemoLogin* l : missing) {
    const std::string& password = passwords->at(l->name);
    auth::User user;
    user.name = l->name;
    user.role = l->role;
    user.station_code = l->station_code;
    user.responder_id = l->responder_id;
    user.created_at = user.updated_at = now;
    if (auto ok = auth::validate_user(user); !ok) {
      std::string text;
      for (const auto& f : ok.error().fields) text += (text.empty() ? "" : "; ") + f.field + ": " + f.message;
      return fail(Code::kInternal, "demo login " + l->name + ": " + text);
    }
    auto hash = auth::hash_password(password, cost);
    if (!hash) return tl::unexpected(hash.error());
    user.password_hash = std::move(*hash);
    if (auto added = users.add_user(user); !added) {
      return fail(added.error().code, "demo login " + l->name + ": " + added.error().message);
    }
    l->password = password;
    l->created = true;
  }
  return logins;
}

std::string format_demo_logins(const std::vector<DemoLogin>& logins, const std::string& indent) {
  std::ostringstream out;
  for (const DemoLogin& l : logins) {
    std::string where = l.station_code.empty() ? "-" : l.station_code;
    if (!l.responder_id.empty()) where += " as " + l.responder_id;
    out << indent << std::left << std::setw(36) << l.name << std::setw(12) << auth::name(l.role)
        << std::setw(28) << where << (l.password.empty() ? "(" + l.note + ")" : l.password);
    if (!l.password.empty() && !l.note.empty()) out << "  (" << l.note << ")";
    out << "\n";
  }
  return out.str();
}

}  // namespace quanzu::app

// The logins `quanzu demo` makes on its data directory, one per role: admin, centre,
// supervisor, auditor, a station account of a Jiangbei station, a station account of another
// district's station, and a responder login acting as one of the demo's simulated responders
// of that Jiangbei station. Their random passwords are made once and kept in
// DATA_DIR/demo-logins.txt (mode 0600), so every later run prints the same ones.
#pragma once

#include <string>
#include <vector>

#include "auth/users/password.h"
#include "auth/users/user.h"
#include "auth/users/user_store.h"
#include "base/result.h"
#include "geo/jurisdictions.h"

namespace quanzu::app {

struct DemoLogin {
  std::string name;
  auth::Role role = auth::Role::kCentre;
  std::string station_code;  // station and responder logins
  std::string responder_id;  // the responder login
  // "" when not known: the account existed before the file had it, or its password was
  // changed since (then `note` says so).
  std::string password;
  std::string note;      // "" or why the password is not shown / the account cannot log in
  bool created = false;  // made by this call
};

// DATA_DIR/demo-logins.txt
std::string demo_logins_file(const std::string& data_dir);

// Creates the demo logins that `users` lacks, with the password the file already holds for
// that name or a new random one (12 characters of an unambiguous alphabet), and writes the
// file (0600, atomically) when it changed. Accounts that exist are left alone; a password
// from the file is shown only while it still verifies against the stored hash. Fails on a
// file that is not ours to read (naming its line) or a store that refuses.
Result<std::vector<DemoLogin>> ensure_demo_logins(auth::UserStore& users,
                                                  const geo::StationDirectory& stations,
                                                  const std::string& file,
                                                  const auth::PasswordCost& cost, Millis now);

// Lines for the startup banner: name, role, station (or responder), password.
std::string format_demo_logins(const std::vector<DemoLogin>& logins, const std::string& indent);

}  // namespace quanzu::app

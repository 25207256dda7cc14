// `quanzu user add|disable|enable|reset|list` and `quanzu token create|revoke|list`: the
// accounts and API tokens in DIR/quanzu.sqlite. Passwords come from standard input, never
// from the command line (it shows in `ps` and shell history).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "auth/users/password.h"
#include "base/clock.h"

namespace quanzu::app {

struct UserCommandEnv {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  const Clock& clock;
  auth::PasswordCost cost = auth::PasswordCost::interactive();
  bool terminal = false;  // standard input is a terminal: prompt, do not echo, ask twice
};

// `args` are the words after "user" / "token". Exit codes: 0 done, 1 refused or failed
// (the message names the field or flag), 64 a malformed command line.
int run_user_command(const std::vector<std::string>& args, UserCommandEnv& env);
int run_token_command(const std::vector<std::string>& args, UserCommandEnv& env);

}  // namespace quanzu::app

#include "app/user_command.h"

#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include <boost/json.hpp>

#include "app/cli_audit.h"
#include "app/config.h"
#include "auth/users/sqlite_user_store.h"
#include "auth/users/token.h"
#include "auth/users/user.h"

namespace quanzu::app {
namespace {

constexpr int kUsageExit = 64;

constexpr const char* kUserUsage =
    "usage: quanzu user add --name N --role R [--station CODE] [--responder ID]\n"
    "       quanzu user disable --name N\n"
    "       quanzu user enable --name N\n"
    "       quanzu user reset --name N\n"
    "       quanzu user list\n"
    "       (each also takes [--data DIR] [--config FILE])\n"
    "\n"
    "add:     creates a login; the password (at least 12 characters) is read from standard\n"
    "         input, one line. Roles: admin, centre, station, responder, supervisor, auditor;\n"
    "         station and responder need --station, the others refuse it.\n"
    "disable: refuses the user's logins from now on; enable undoes it.\n"
    "reset:   sets a new password (from standard input) and lifts a lock-out.\n"
    "list:    every user with role, station and state.\n"
    "Exit status: 0 done, 1 refused (the message names the field), 64 bad command line.\n";

constexpr const char* kTokenUsage =
    "usage: quanzu token create --name N --scope S [--scope S ...] [--description TEXT]\n"
    "       quanzu token revoke ID\n"
    "       quanzu token list\n"
    "       (each also takes [--data DIR] [--config FILE])\n"
    "\n"
    "create: makes an API token for a machine client (Authorization: Bearer TOKEN) and prints\n"
    "        it once on standard output; only its SHA-256 is stored. Scopes: ingest, read,\n"
    "        bank_callback.\n"
    "revoke: the token stops working at once; it stays listed as revoked.\n"
    "list:   every token with its scopes, creation, last use and state (never the secret).\n"
    "Exit status: 0 done, 1 refused (the message names the field), 64 bad command line.\n";

struct Parsed {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> options;  // "--scope" -> {"ingest", "read"}
  std::string error;

  std::optional<std::string> one(const std::string& flag) const {
    auto it = options.find(flag);
    if (it == options.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
  bool has(const std::string& flag) const { return options.count(flag) != 0; }
};

Parsed parse(const std::vector<std::string>& args) {
  static const std::vector<std::string> kWithValue{"--config", "--data",  "--name",
                                                   "--role",   "--station", "--responder",
                                                   "--scope",  "--description"};
  Parsed p;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h") a = "--help";
    if (!a.starts_with("--") || a.size() == 2) {
      p.positional.push_back(a);
      continue;
    }
    std::string value;
    bool with_value = false;
    for (const auto& w : kWithValue) with_value = with_value || w == a.substr(0, a.find('='));
    if (size_t eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else if (with_value) {
      if (i + 1 >= args.size()) {
        p.error = a + " needs a value";
        return p;
      }
      value = args[++i];
    }
    if (!with_value && a != "--help") {
      p.error = "unknown option " + a;
      return p;
    }
    p.options[a].push_back(value);
  }
  return p;
}

int usage_error(const char* command, const std::string& error, const char* usage,
                UserCommandEnv& env) {
  env.err << "quanzu " << command << ": " << error << "\n\n" << usage;
  return kUsageExit;
}

// Flags other than these (and --data, --config, --help) are a usage error.
std::string check_allowed(const Parsed& p, std::vector<std::string> allowed) {
  allowed.insert(allowed.end(), {"--data", "--config", "--help"});
  for (const auto& [flag, values] : p.options) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == flag;
    if (!ok) return flag + " does not apply here";
  }
  return "";
}

// The settings the command's --config and --data give.
Result<Config> config_of(const Parsed& p) {
  Config config;
  if (auto file = p.one("--config")) {
    if (auto r = load_config_file(*file, config); !r) return tl::unexpected(r.error());
  }
  if (auto data = p.one("--data")) config.data_dir = *data;
  return config;
}

Result<std::unique_ptr<auth::SqliteUserStore>> open_store(const Parsed& p) {
  auto found = config_of(p);
  if (!found) return tl::unexpected(found.error());
  const Config& config = *found;
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return fail(Code::kUnavailable,
                "cannot create data directory " + config.data_dir + ": " + ec.message());
  }
  return auth::SqliteUserStore::open(
      (std::filesystem::path(config.data_dir) / "quanzu.sqlite").string());
}

// Records a change made from the command line in the audit log (the same file the server
// appends to; writers take turns). Before the change: what cannot be recorded is not done.
bool audit_change(const Parsed& p, UserCommandEnv& env, const std::string& command, std::string action,
                  std::string target, const boost::json::object& detail) {
  auto config = config_of(p);
  auto appended = config ? audit_cli_change(*config, env.clock, std::move(action), std::move(target), detail)
                         : tl::unexpected(config.error());
  if (!appended) {
    env.err << "quanzu " << command << ": cannot write the audit log, nothing changed: "
            << appended.error().message << "\n";
    return false;
  }
  return true;
}

std::string describe(const Error& e) {
  if (e.fields.empty()) return e.message;
  std::string out;
  for (const auto& f : e.fields) out += (out.empty() ? "" : "; ") + f.field + ": " + f.message;
  return out;
}

// Sets echo on standard input off for its lifetime.
class NoEcho {
 public:
  NoEcho() {
    if (tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  ~NoEcho() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

bool read_line(std::istream& in, std::string& line) {
  if (!std::getline(in, line)) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

// One line of standard input; on a terminal, asked for twice without echo.
Result<std::string> read_password(UserCommandEnv& env, const std::string& for_whom) {
  std::string first;
  if (env.terminal) {
    NoEcho quiet;
    env.err << "password for " << for_whom << " (at least 12 characters): " << std::flush;
    bool got = read_line(env.in, first);
    env.err << "\nagain: " << std::flush;
    std::string second;
    got = got && read_line(env.in, second);
    env.err << "\n";
    if (!got) return fail_fields({{"password", "none given on standard input"}});
    if (first != second) return fail_fields({{"password", "the two entries differ"}});
  } else if (!read_line(env.in, first)) {
    return fail_fields({{"password", "none given on standard input (give it as one line)"}});
  }
  if (auto ok = auth::check_password(first); !ok) return tl::unexpected(ok.error());
  return first;
}

// "2023-11-29T10:26:00+08:00": seconds are enough for a list.
std::string time_text(Millis at) {
  if (at == 0) return "-";
  const std::string full = format_rfc3339(at);
  return full.substr(0, 19) + full.substr(23);
}

int user_add(const Parsed& p, UserCommandEnv& env) {
  auth::User user;
  user.name = p.one("--name").value_or("");
  if (!p.has("--name")) return usage_error("user add", "--name is required", kUserUsage, env);
  if (!p.has("--role")) return usage_error("user add", "--role is required", kUserUsage, env);
  auto role = auth::role_from_name(*p.one("--role"));
  if (!role) {
    return usage_error("user add", "--role must be one of " + auth::role_names(), kUserUsage, env);
  }
  user.role = *role;
  user.station_code = p.one("--station").value_or("");
  user.responder_id = p.one("--responder").value_or("");
  if (auto ok = auth::validate_user(user); !ok) {
    std::string text;
    for (const auto& f : ok.error().fields) {
      const std::string flag = f.field == "responder_id" ? "--responder" : "--" + f.field;
      text += (text.empty() ? "" : "; ") + flag + ": " + f.message;
    }
    env.err << "quanzu user add: " << text << "\n";
    return 1;
  }
  auto store = open_store(p);
  if (!store) {
    env.err << "quanzu user add: " << store.error().message << "\n";
    return 1;
  }
  // Refuse a taken name before asking for a password.
  auto existing = (*store)->get_user(user.name);
  if (existing && existing->has_value()) {
    env.err << "quanzu user add: --name: a user named " << (*existing)->name << " already exists\n";
    return 1;
  }
  auto password = read_password(env, user.name);
  if (!password) {
    env.err << "quanzu user add: " << describe(password.error()) << "\n";
    return 1;
  }
  auto hash = auth::hash_password(*password, env.cost);
  if (!hash) {
    env.err << "quanzu user add: " << hash.error().message << "\n";
    return 1;
  }
  user.password_hash = std::move(*hash);
  user.created_at = user.updated_at = env.clock.now();
  if (!audit_change(p, env, "user add", "user_add", "user:" + user.name,
                    {{"role", auth::name(user.role)}, {"station", user.station_code}, {"responder", user.responder_id}})) {
    return 1;
  }
  if (auto r = (*store)->add_user(user); !r) {
    env.err << "quanzu user add: " << (r.error().code == Code::kConflict ? "--name: " : "")
            << r.error().message << "\n";
    return 1;
  }
  env.out << "added user " << user.name << " (" << auth::name(user.role)
          << (user.station_code.empty() ? "" : ", station " + user.station_code) << ")\n";
  return 0;
}

// disable, enable, reset: load the named user, change it, store it.
int user_change(const std::string& verb, const Parsed& p, UserCommandEnv& env) {
  const std::string command = "user " + verb;
  if (!p.has("--name")) return usage_error(command.c_str(), "--name is required", kUserUsage, env);
  auto store = open_store(p);
  if (!store) {
    env.err << "quanzu " << command << ": " << store.error().message << "\n";
    return 1;
  }
  auto found = (*store)->get_user(*p.one("--name"));
  if (!found) {
    env.err << "quanzu " << command << ": " << found.error().message << "\n";
    return 1;
  }
  if (!found->has_value()) {
    env.err << "quanzu " << command << ": --name: no user named " << *p.one("--name") << "\n";
    return 1;
  }
  auth::User user = std::move(**found);
  std::string done;
  if (verb == "disable") {
    user.disabled = true;
    done = "disabled user " + user.name;
  } else if (verb == "enable") {
    user.disabled = false;
    done = "enabled user " + user.name;
  } else {
    auto password = read_password(env, user.name);
    if (!password) {
      env.err << "quanzu " << command << ": " << describe(password.error()) << "\n";
      return 1;
    }
    auto hash = auth::hash_password(*password, env.cost);
    if (!hash) {
      env.err << "quanzu " << command << ": " << hash.error().message << "\n";
      return 1;
    }
    user.password_hash = std::move(*hash);
    user.failed_logins = 0;
    user.locked_until = 0;
    done = "new password set for " + user.name + "; any lock-out lifted";
  }
  user.updated_at = env.clock.now();
  if (!audit_change(p, env, command, "user_" + verb, "user:" + user.name, {})) return 1;
  if (auto r = (*store)->update_user(user); !r) {
    env.err << "quanzu " << command << ": " << r.error().message << "\n";
    return 1;
  }
  env.out << done << "\n";
  return 0;
}

int user_list(const Parsed& p, UserCommandEnv& env) {
  auto store = open_store(p);
  if (!store) {
    env.err << "quanzu user list: " << store.error().message << "\n";
    return 1;
  }
  auto users = (*store)->list_users();
  if (!users) {
    env.err << "quanzu user list: " << users.error().message << "\n";
    return 1;
  }
  const Millis now = env.clock.now();
  env.out << std::left << std::setw(24) << "NAME" << std::setw(12) << "ROLE" << std::setw(12)
          << "STATION" << std::setw(16) << "RESPONDER" << std::setw(36) << "STATE" << "CREATED\n";
  for (const auto& u : *users) {
    std::string state = u.disabled ? "disabled"
                        : u.locked(now) ? "locked until " + time_text(u.locked_until)
                                        : "active";
    env.out << std::left << std::setw(24) << u.name << std::setw(12) << auth::name(u.role)
            << std::setw(12) << (u.station_code.empty() ? "-" : u.station_code) << std::setw(16)
            << (u.responder_id.empty() ? "-" : u.responder_id) << std::setw(36) << state
            << time_text(u.created_at) << "\n";
  }
  return 0;
}

int token_create(const Parsed& p, UserCommandEnv& env) {
  if (!p.has("--name")) return usage_error("token create", "--name is required", kTokenUsage, env);
  if (!p.has("--scope")) {
    return usage_error("token create", "give at least one --scope (" + auth::scope_names() + ")",
                       kTokenUsage, env);
  }
  std::vector<auth::Scope> scopes;
  for (const auto& s : p.options.at("--scope")) {
    auto scope = auth::scope_from_name(s);
    if (!scope) {
      return usage_error("token create",
                         "--scope " + s + " is not one of " + auth::scope_names(), kTokenUsage,
                         env);
    }
    scopes.push_back(*scope);
  }
  auto made = auth::generate_token(*p.one("--name"), p.one("--description").value_or(""),
                                   std::move(scopes), env.clock.now());
  if (!made) {
    std::string text;
    for (const auto& f : made.error().fields) text += (text.empty() ? "--" : "; --") + f.field + ": " + f.message;
    env.err << "quanzu token create: " << (text.empty() ? made.error().message : text) << "\n";
    return 1;
  }
  auto store = open_store(p);
  if (!store) {
    env.err << "quanzu token create: " << store.error().message << "\n";
    return 1;
  }
  {
    boost::json::array scopes;
    for (auto sc : made->token.scopes) scopes.emplace_back(auth::name(sc));
    if (!audit_change(p, env, "token create", "token_create", "token:" + made->token.id,
                      {{"name", made->token.name}, {"scopes", std::move(scopes)}})) {
      return 1;
    }
  }
  if (auto r = (*store)->add_token(made->token); !r) {
    env.err << "quanzu token create: " << r.error().message << "\n";
    return 1;
  }
  std::string scope_text;
  for (auto s : made->token.scopes) scope_text += (scope_text.empty() ? "" : ", ") + std::string(auth::name(s));
  env.err << "created token " << made->token.id << " \"" << made->token.name << "\" (" << scope_text
          << "); it is shown once, below: keep it now\n";
  env.out << made->secret << "\n";
  return 0;
}

int token_revoke(const Parsed& p, UserCommandEnv& env) {
  if (p.positional.size() != 2) return usage_error("token revoke", "give exactly one token ID", kTokenUsage, env);
  auto store = open_store(p);
  if (!store) {
    env.err << "quanzu token revoke: " << store.error().message << "\n";
    return 1;
  }
  if (!audit_change(p, env, "token revoke", "token_revoke", "token:" + p.positional[1], {})) return 1;
  if (auto r = (*store)->revoke_token(p.positional[1], env.clock.now()); !r) {
    env.err << "quanzu token revoke: " << (r.error().code == Code::kNotFound ? "ID: " : "")
            << r.error().message << " (see 'quanzu token list')\n";
    return 1;
  }
  env.out << "revoked token " << p.positional[1] << "\n";
  return 0;
}

int token_list(const Parsed& p, UserCommandEnv& env) {
  auto store = open_store(p);
  if (!store) {
    env.err << "quanzu token list: " << store.error().message << "\n";
    return 1;
  }
  auto tokens = (*store)->list_tokens();
  if (!tokens) {
    env.err << "quanzu token list: " << tokens.error().message << "\n";
    return 1;
  }
  env.out << std::left << std::setw(18) << "ID" << std::setw(24) << "NAME" << std::setw(28)
          << "SCOPES" << std::setw(27) << "CREATED" << std::setw(27) << "LAST USED" << "STATE\n";
  for (const auto& t : *tokens) {
    std::string scopes;
    for (auto s : t.scopes) scopes += (scopes.empty() ? "" : ",") + std::string(auth::name(s));
    env.out << std::left << std::setw(18) << t.id << std::setw(24) << t.name << std::setw(28)
            << scopes << std::setw(27) << time_text(t.created_at) << std::setw(27)
            << time_text(t.last_used_at.value_or(0))
            << (t.revoked() ? "revoked " + time_text(*t.revoked_at) : std::string("active")) << "\n";
  }
  return 0;
}

}  // namespace

int run_user_command(const std::vector<std::string>& args, UserCommandEnv& env) {
  Parsed p = parse(args);
  if (p.has("--help")) {
    env.out << kUserUsage;
    return 0;
  }
  if (!p.error.empty()) return usage_error("user", p.error, kUserUsage, env);
  const std::string verb = p.positional.empty() ? "" : p.positional[0];
  if (p.positional.size() > 1) return usage_error("user", "unexpected argument " + p.positional[1], kUserUsage, env);
  std::string bad;
  if (verb == "add") {
    bad = check_allowed(p, {"--name", "--role", "--station", "--responder"});
    if (bad.empty()) return user_add(p, env);
  } else if (verb == "disable" || verb == "enable" || verb == "reset") {
    bad = check_allowed(p, {"--name"});
    if (bad.empty()) return user_change(verb, p, env);
  } else if (verb == "list") {
    bad = check_allowed(p, {});
    if (bad.empty()) return user_list(p, env);
  } else {
    return usage_error("user", "say add, disable, enable, reset or list", kUserUsage, env);
  }
  return usage_error(("user " + verb).c_str(), bad, kUserUsage, env);
}

int run_token_command(const std::vector<std::string>& args, UserCommandEnv& env) {
  Parsed p = parse(args);
  if (p.has("--help")) {
    env.out << kTokenUsage;
    return 0;
  }
  if (!p.error.empty()) return usage_error("token", p.error, kTokenUsage, env);
  const std::string verb = p.positional.empty() ? "" : p.positional[0];
  std::string bad;
  if (verb == "create") {
    if (p.positional.size() > 1) return usage_error("token create", "unexpected argument " + p.positional[1], kTokenUsage, env);
    bad = check_allowed(p, {"--name", "--scope", "--description"});
    if (bad.empty()) return token_create(p, env);
  } else if (verb == "revoke") {
    bad = check_allowed(p, {});
    if (bad.empty()) return token_revoke(p, env);
  } else if (verb == "list") {
    if (p.positional.size() > 1) return usage_error("token list", "unexpected argument " + p.positional[1], kTokenUsage, env);
    bad = check_allowed(p, {});
    if (bad.empty()) return token_list(p, env);
  } else {
    return usage_error("token", "say create, revoke or list", kTokenUsage, env);
  }
  return usage_error(("token " + verb).c_str(), bad, kTokenUsage, env);
}

}  // namespace quanzu::app

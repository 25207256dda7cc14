#include "auth/users/sqlite_user_store.h"

#include <sstream>

#include "store/sqlite/schema.h"

namespace quanzu::auth {
namespace {

using store::sqlite::Db;
using store::sqlite::Stmt;

constexpr const char* kUserColumns =
    "name, role, station_code, responder_id, password_hash, disabled, failed_logins, "
    "locked_until, created_at, updated_at";
constexpr const char* kTokenColumns =
    "id, hash, name, description, scopes, created_at, last_used_at, revoked_at";

tl::unexpected<Error> sqlite_error(const Db& db) {
  return fail(Code::kUnavailable, "sqlite: " + db.error());
}

Result<User> read_user(const Stmt& s) {
  User u;
  u.name = s.text(0);
  auto role = role_from_name(s.text(1));
  if (!role) return fail(Code::kInternal, "user " + u.name + " has unknown role " + s.text(1));
  u.role = *role;
  u.station_code = s.text(2);
  u.responder_id = s.text(3);
  u.password_hash = s.text(4);
  u.disabled = s.int64(5) != 0;
  u.failed_logins = static_cast<int>(s.int64(6));
  u.locked_until = s.int64(7);
  u.created_at = s.int64(8);
  u.updated_at = s.int64(9);
  return u;
}

std::string join_scopes(const std::vector<Scope>& scopes) {
  std::string out;
  for (Scope s : scopes) out += (out.empty() ? "" : " ") + std::string(name(s));
  return out;
}

Result<ApiToken> read_token(const Stmt& s) {
  ApiToken t;
  t.id = s.text(0);
  t.hash = s.text(1);
  t.name = s.text(2);
  t.description = s.text(3);
  std::istringstream words(s.text(4));
  for (std::string w; words >> w;) {
    auto scope = scope_from_name(w);
    // A scope this binary does not know grants nothing rather than failing every look-up.
    if (scope) t.scopes.push_back(*scope);
  }
  t.created_at = s.int64(5);
  if (!s.is_null(6)) t.last_used_at = s.int64(6);
  if (!s.is_null(7)) t.revoked_at = s.int64(7);
  return t;
}

void bind_user(Stmt& s, const User& u) {
  s.bind(1, u.name)
      .bind(2, name(u.role))
      .bind(3, u.station_code)
      .bind(4, u.responder_id)
      .bind(5, u.password_hash)
      .bind(6, std::int64_t{u.disabled ? 1 : 0})
      .bind(7, std::int64_t{u.failed_logins})
      .bind(8, u.locked_until)
      .bind(9, u.created_at)
      .bind(10, u.updated_at);
}

}  // namespace

Result<std::unique_ptr<SqliteUserStore>> SqliteUserStore::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return fail(Code::kUnavailable, "cannot open database " + path + ": " +
                                        (raw ? db.error() : std::string(sqlite3_errstr(rc))));
  }
  sqlite3_busy_timeout(db.get(), 5000);
  if (auto r = db.exec("PRAGMA journal_mode=WAL"); !r) return tl::unexpected(r.error());
  (void)db.exec("PRAGMA synchronous=FULL");
  if (auto r = store::sqlite::migrate(db); !r) return tl::unexpected(r.error());
  return std::unique_ptr<SqliteUserStore>(new SqliteUserStore(std::move(db)));
}

Result<Stmt> SqliteUserStore::prepare(std::string_view sql) {
  Stmt s(db_.get(), sql);
  if (!s.ok()) return fail(Code::kInternal, "sqlite: " + s.prepare_error());
  return s;
}

Result<bool> SqliteUserStore::add_user(const User& user) {
  std::lock_guard lock(mutex_);
  auto s = prepare(std::string("INSERT INTO users (") + kUserColumns +
                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!s) return tl::unexpected(s.error());
  bind_user(*s, user);
  int rc = s->step();
  if (rc == SQLITE_CONSTRAINT) {
    return fail(Code::kConflict, "a user named " + user.name + " already exists");
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_);
  return true;
}

Result<std::optional<User>> SqliteUserStore::get_user(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto s = prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE name = ?1");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, name);
  int rc = s->step();
  if (rc == SQLITE_DONE) return std::optional<User>();
  if (rc != SQLITE_ROW) return sqlite_error(db_);
  auto u = read_user(*s);
  if (!u) return tl::unexpected(u.error());
  return std::optional<User>(std::move(*u));
}

Result<bool> SqliteUserStore::update_user(const User& user) {
  std::lock_guard lock(mutex_);
  auto s = prepare(
      "UPDATE users SET role = ?2, station_code = ?3, responder_id = ?4, password_hash = ?5, "
      "disabled = ?6, failed_logins = ?7, locked_until = ?8, created_at = ?9, updated_at = ?10 "
      "WHERE name = ?1");
  if (!s) return tl::unexpected(s.error());
  bind_user(*s, user);
  if (s->step() != SQLITE_DONE) return sqlite_error(db_);
  if (sqlite3_changes(db_.get()) == 0) return fail(Code::kNotFound, "no user named " + user.name);
  return true;
}

Result<std::vector<User>> SqliteUserStore::list_users() {
  std::lock_guard lock(mutex_);
  auto s = prepare(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY name");
  if (!s) return tl::unexpected(s.error());
  std::vector<User> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    auto u = read_user(*s);
    if (!u) return tl::unexpected(u.error());
    out.push_back(std::move(*u));
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_);
  return out;
}

Result<bool> SqliteUserStore::add_token(const ApiToken& token) {
  std::lock_guard lock(mutex_);
  auto s = prepare(std::string("INSERT INTO api_tokens (") + kTokenColumns +
                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, token.id)
      .bind(2, token.hash)
      .bind(3, token.name)
      .bind(4, token.description)
      .bind(5, join_scopes(token.scopes))
      .bind(6, token.created_at)
      .bind_opt(7, token.last_used_at)
      .bind_opt(8, token.revoked_at);
  int rc = s->step();
  if (rc == SQLITE_CONSTRAINT) return fail(Code::kConflict, "token " + token.id + " already exists");
  if (rc != SQLITE_DONE) return sqlite_error(db_);
  return true;
}

Result<std::optional<ApiToken>> SqliteUserStore::find_token(std::string_view hash) {
  std::lock_guard lock(mutex_);
  auto s = prepare(std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE hash = ?1");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, hash);
  int rc = s->step();
  if (rc == SQLITE_DONE) return std::optional<ApiToken>();
  if (rc != SQLITE_ROW) return sqlite_error(db_);
  auto t = read_token(*s);
  if (!t) return tl::unexpected(t.error());
  return std::optional<ApiToken>(std::move(*t));
}

Result<bool> SqliteUserStore::revoke_token(std::string_view id, Millis at) {
  std::lock_guard lock(mutex_);
  auto s = prepare("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, id).bind(2, at);
  if (s->step() != SQLITE_DONE) return sqlite_error(db_);
  if (sqlite3_changes(db_.get()) == 0) return fail(Code::kNotFound, "no token " + std::string(id));
  return true;
}

Result<bool> SqliteUserStore::touch_token(std::string_view id, Millis at) {
  std::lock_guard lock(mutex_);
  auto s = prepare("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, id).bind(2, at);
  if (s->step() != SQLITE_DONE) return sqlite_error(db_);
  return true;
}

Result<std::vector<ApiToken>> SqliteUserStore::list_tokens() {
  std::lock_guard lock(mutex_);
  auto s = prepare(std::string("SELECT ") + kTokenColumns + " FROM api_tokens ORDER BY created_at, id");
  if (!s) return tl::unexpected(s.error());
  std::vector<ApiToken> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    auto t = read_token(*s);
    if (!t) return tl::unexpected(t.error());
    out.push_back(std::move(*t));
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_);
  return out;
}

Result<bool> SqliteUserStore::add_session(const Session& session) {
  std::lock_guard lock(mutex_);
  auto s = prepare(
      "INSERT INTO sessions (id_hash, user_name, csrf_token, created_at, last_seen_at, client) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, session.id_hash)
      .bind(2, session.user_name)
      .bind(3, session.csrf_token)
      .bind(4, session.created_at)
      .bind(5, session.last_seen_at)
      .bind(6, session.from);
  int rc = s->step();
  if (rc == SQLITE_CONSTRAINT) return fail(Code::kConflict, "session already exists");
  if (rc != SQLITE_DONE) return sqlite_error(db_);
  return true;
}

Result<std::optional<Session>> SqliteUserStore::find_session(std::string_view id_hash) {
  std::lock_guard lock(mutex_);
  auto s = prepare(
      "SELECT id_hash, user_name, csrf_token, created_at, last_seen_at, client FROM sessions "
      "WHERE id_hash = ?1");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, id_hash);
  int rc = s->step();
  if (rc == SQLITE_DONE) return std::optional<Session>();
  if (rc != SQLITE_ROW) return sqlite_error(db_);
  Session out;
  out.id_hash = s->text(0);
  out.user_name = s->text(1);
  out.csrf_token = s->text(2);
  out.created_at = s->int64(3);
  out.last_seen_at = s->int64(4);
  out.from = s->text(5);
  return std::optional<Session>(std::move(out));
}

Result<bool> SqliteUserStore::touch_session(std::string_view id_hash, Millis at) {
  std::lock_guard lock(mutex_);
  auto s = prepare("UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?2) WHERE id_hash = ?1");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, id_hash).bind(2, at);
  if (s->step() != SQLITE_DONE) return sqlite_error(db_);
  return true;
}

Result<bool> SqliteUserStore::delete_session(std::string_view id_hash) {
  std::lock_guard lock(mutex_);
  auto s = prepare("DELETE FROM sessions WHERE id_hash = ?1");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, id_hash);
  if (s->step() != SQLITE_DONE) return sqlite_error(db_);
  return true;
}

Result<std::int64_t> SqliteUserStore::delete_sessions_idle_since(Millis cutoff) {
  std::lock_guard lock(mutex_);
  auto s = prepare("DELETE FROM sessions WHERE last_seen_at < ?1");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, cutoff);
  if (s->step() != SQLITE_DONE) return sqlite_error(db_);
  return std::int64_t{sqlite3_changes(db_.get())};
}

}  // namespace quanzu::auth

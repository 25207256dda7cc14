// UserStore on the SQLite file of the embedded store (DIR/quanzu.sqlite), through its own
// connection: the server and the `quanzu user`/`quanzu token` commands may use it at once.
// Safe to call from several threads at once (one connection behind a mutex; logins are rare).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "auth/users/user_store.h"
#include "store/sqlite/db.h"

namespace quanzu::auth {

class SqliteUserStore final : public UserStore {
 public:
  // Opens (creating when missing) the database at `path` and brings its schema up to date.
  static Result<std::unique_ptr<SqliteUserStore>> open(const std::string& path);

  Result<bool> add_user(const User& user) override;
  Result<std::optional<User>> get_user(std::string_view name) override;
  Result<bool> update_user(const User& user) override;
  Result<std::vector<User>> list_users() override;

  Result<bool> add_token(const ApiToken& token) override;
  Result<std::optional<ApiToken>> find_token(std::string_view hash) override;
  Result<bool> revoke_token(std::string_view id, Millis at) override;
  Result<bool> touch_token(std::string_view id, Millis at) override;
  Result<std::vector<ApiToken>> list_tokens() override;

  Result<bool> add_session(const Session& session) override;
  Result<std::optional<Session>> find_session(std::string_view id_hash) override;
  Result<bool> touch_session(std::string_view id_hash, Millis at) override;
  Result<bool> delete_session(std::string_view id_hash) override;
  Result<std::int64_t> delete_sessions_idle_since(Millis cutoff) override;

 private:
  explicit SqliteUserStore(store::sqlite::Db db) : db_(std::move(db)) {}
  Result<store::sqlite::Stmt> prepare(std::string_view sql);  // needs mutex_

  std::mutex mutex_;
  store::sqlite::Db db_;  // guarded by mutex_
};

}  // namespace quanzu::auth

// SessionManager and TokenVerifier on a ManualClock over the real SQLite user store.
#include "auth/users/session.h"

#include <unistd.h>

#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "auth/users/password.h"
#include "auth/users/sqlite_user_store.h"
#include "auth/users/token.h"
#include "auth/users/token_check.h"
#include "store/sqlite/db.h"

namespace quanzu::auth {
namespace {

namespace fs = std::filesystem;

constexpr Millis kSecond = 1000;
constexpr Millis kMinute = 60 * kSecond;

std::string temp_db_path() {
  static int n = 0;
  fs::path dir = fs::temp_directory_path() / ("quanzu-session-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path p = dir / ("db" + std::to_string(n++) + ".sqlite");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  return p.string();
}

std::unique_ptr<SqliteUserStore> open_store(const std::string& path) {
  auto s = SqliteUserStore::open(path);
  EXPECT_TRUE(s.has_value()) << s.error().message;
  return s ? std::move(*s) : nullptr;
}

// Runs one statement on a connection of its own, as another process would.
void exec_raw(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  store::sqlite::Db db(raw);
  ASSERT_EQ(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db.get());
}

class Sessions : public ::testing::Test {
 protected:
  Sessions() : path_(temp_db_path()), store_(open_store(path_)), clock_(1'700'000'000'000) {
    user_.name = "li.na";
    user_.role = Role::kStation;
    user_.station_code = "500105-01";
    user_.password_hash = *hash_password("station password 1", PasswordCost::minimum());
    user_.created_at = user_.updated_at = clock_.now();
    EXPECT_TRUE(store_->add_user(user_).has_value());
  }

  std::string open(SessionManager& sessions) {
    auto opened = sessions.open(user_, "10.0.0.1");
    EXPECT_TRUE(opened.has_value()) << opened.error().message;
    return opened ? opened->first : std::string();
  }
  // The user name of the live session behind `secret`, or "" when check() finds none.
  std::string who(SessionManager& sessions, const std::string& secret) {
    auto r = sessions.check(secret);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r && *r ? (*r)->user.name : std::string();
  }
  bool stored(const std::string& secret) {
    auto r = store_->find_session(token_hash(secret));
    EXPECT_TRUE(r.has_value());
    return r && r->has_value();
  }

  std::string path_;
  std::unique_ptr<SqliteUserStore> store_;
  ManualClock clock_;
  User user_;
  SessionOptions options_;  // the defaults: idle 30 min, max age 12 h, recheck 1 min
};

TEST_F(Sessions, OpenThenCheckFindsItWithItsUser) {
  SessionManager sessions(*store_, clock_, options_);
  auto opened = sessions.open(user_, "10.0.0.1");
  ASSERT_TRUE(opened.has_value());
  const auto& [secret, session] = *opened;
  EXPECT_EQ(secret.size(), 43u);
  EXPECT_EQ(session.id_hash, token_hash(secret));
  EXPECT_EQ(session.csrf_token.size(), 43u);
  EXPECT_NE(session.csrf_token, secret);
  EXPECT_EQ(session.from, "10.0.0.1");

  auto live = sessions.check(secret);
  ASSERT_TRUE(live.has_value() && live->has_value());
  EXPECT_EQ((*live)->user.name, "li.na");
  EXPECT_EQ((*live)->user.role, Role::kStation);
  EXPECT_EQ((*live)->user.station_code, "500105-01");
  EXPECT_EQ((*live)->session.csrf_token, session.csrf_token);

  EXPECT_EQ(who(sessions, secret + "x"), "");
  EXPECT_EQ(who(sessions, ""), "");
  EXPECT_EQ(who(sessions, std::string(200, 'a')), "");
}

TEST_F(Sessions, IdleTimeoutEndsItAndDeletesTheRow) {
  SessionManager sessions(*store_, clock_, options_);
  const std::string secret = open(sessions);
  clock_.advance(30 * kMinute);  // exactly the time-out: still alive
  EXPECT_EQ(who(sessions, secret), "li.na");
  clock_.advance(30 * kMinute + 1);
  EXPECT_EQ(who(sessions, secret), "");
  EXPECT_FALSE(stored(secret));
}

TEST_F(Sessions, IdleTimeoutAlsoEndsASessionAnsweredFromTheCache) {
  options_.recheck = 24 * 3600 * kSecond;  // never re-read within the test: the cached path
  SessionManager sessions(*store_, clock_, options_);
  const std::string secret = open(sessions);
  clock_.advance(30 * kMinute + 1);
  EXPECT_EQ(who(sessions, secret), "");
  EXPECT_FALSE(stored(secret));
}

TEST_F(Sessions, ActivityMovesTheIdleClock) {
  for (Millis recheck : {Millis{60 * kSecond}, Millis{24 * 3600 * kSecond}}) {
    options_.recheck = recheck;
    SessionManager sessions(*store_, clock_, options_);
    const std::string secret = open(sessions);
    for (int i = 0; i < 6; ++i) {  // 6 x 20 min = 2 h, four idle time-outs
      clock_.advance(20 * kMinute);
      ASSERT_EQ(who(sessions, secret), "li.na") << "recheck " << recheck << ", period " << i;
    }
    // The activity reached the store too: a new manager (a restart) still finds it.
    clock_.advance(20 * kMinute);
    SessionManager restarted(*store_, clock_, options_);
    EXPECT_EQ(who(restarted, secret), "li.na") << "recheck " << recheck;
  }
}

TEST_F(Sessions, MaxAgeEndsItEvenWithActivity) {
  options_.max_age = 2 * 3600 * kSecond;
  SessionManager sessions(*store_, clock_, options_);
  const std::string secret = open(sessions);
  for (int i = 0; i < 6; ++i) {  // up to exactly the maximum age
    clock_.advance(20 * kMinute);
    ASSERT_EQ(who(sessions, secret), "li.na") << i;
  }
  clock_.advance(1);
  EXPECT_EQ(who(sessions, secret), "");
  EXPECT_FALSE(stored(secret));
}

TEST_F(Sessions, ADisabledUserLosesTheSessionWithinRecheck) {
  SessionManager sessions(*store_, clock_, options_);
  const std::string secret = open(sessions);
  ASSERT_EQ(who(sessions, secret), "li.na");
  User disabled = **store_->get_user("li.na");
  disabled.disabled = true;
  ASSERT_TRUE(store_->update_user(disabled).has_value());
  // Within `recheck` the cached user still answers: the documented staleness bound.
  clock_.advance(options_.recheck - 1);
  EXPECT_EQ(who(sessions, secret), "li.na");
  clock_.advance(1);
  EXPECT_EQ(who(sessions, secret), "");
  EXPECT_FALSE(stored(secret));
  // Enabling the account again does not bring the session back.
  disabled.disabled = false;
  ASSERT_TRUE(store_->update_user(disabled).has_value());
  EXPECT_EQ(who(sessions, secret), "");
}

TEST_F(Sessions, CloseEndsIt) {
  SessionManager sessions(*store_, clock_, options_);
  const std::string secret = open(sessions);
  const std::string other = open(sessions);
  auto closed = sessions.close(secret);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(who(sessions, secret), "");
  EXPECT_FALSE(stored(secret));
  EXPECT_EQ(who(sessions, other), "li.na");  // only that one
  EXPECT_TRUE(sessions.close("never-opened").has_value());
  EXPECT_TRUE(sessions.close(secret).has_value());  // twice is fine
}

TEST_F(Sessions, SurviveARestartOverTheSameFile) {
  std::string secret, csrf;
  {
    SessionManager sessions(*store_, clock_, options_);
    auto opened = sessions.open(user_, "10.0.0.1");
    ASSERT_TRUE(opened.has_value());
    secret = opened->first;
    csrf = opened->second.csrf_token;
  }
  store_.reset();
  store_ = open_store(path_);  // the server process starts again
  clock_.advance(5 * kMinute);
  SessionManager sessions(*store_, clock_, options_);
  auto live = sessions.check(secret);
  ASSERT_TRUE(live.has_value() && live->has_value());
  EXPECT_EQ((*live)->user.name, "li.na");
  EXPECT_TRUE(csrf_matches((*live)->session, csrf));
  EXPECT_TRUE((*live)->user.password_hash.empty());  // not kept past login
}

TEST_F(Sessions, CsrfMatches) {
  SessionManager sessions(*store_, clock_, options_);
  auto opened = sessions.open(user_, "10.0.0.1");
  ASSERT_TRUE(opened.has_value());
  const Session& s = opened->second;
  std::string near = s.csrf_token;
  near.back() = near.back() == 'A' ? 'B' : 'A';
  EXPECT_TRUE(csrf_matches(s, s.csrf_token));
  EXPECT_FALSE(csrf_matches(s, near));
  EXPECT_FALSE(csrf_matches(s, ""));
  EXPECT_FALSE(csrf_matches(s, s.csrf_token.substr(0, s.csrf_token.size() - 1)));
  EXPECT_FALSE(csrf_matches(s, s.csrf_token + "A"));
  EXPECT_FALSE(csrf_matches(s, opened->first));  // the cookie is not the CSRF token
  Session none = s;
  none.csrf_token.clear();
  EXPECT_FALSE(csrf_matches(none, ""));  // a session without a token matches nothing
}

TEST_F(Sessions, TheCookieSecretIsNeverStored) {
  SessionManager sessions(*store_, clock_, options_);
  const std::string secret = open(sessions);
  ASSERT_EQ(who(sessions, secret), "li.na");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
  store::sqlite::Db db(raw);
  store::sqlite::Stmt s(db.get(), "SELECT * FROM sessions");
  ASSERT_TRUE(s.ok()) << s.prepare_error();
  ASSERT_EQ(s.step(), SQLITE_ROW);
  std::string row;
  for (int i = 0; i < 6; ++i) row += s.text(i) + "|";  // id_hash ... client
  EXPECT_EQ(row.find(secret), std::string::npos) << row;
  EXPECT_EQ(row.find(secret.substr(0, 16)), std::string::npos) << row;
  EXPECT_NE(row.find(token_hash(secret)), std::string::npos) << row;
  EXPECT_EQ(s.step(), SQLITE_DONE);  // one session, one row
}

TEST_F(Sessions, EvictedFromTheCacheStillFoundInTheStore) {
  options_.cache_limit = 2;
  SessionManager sessions(*store_, clock_, options_);
  std::vector<std::string> secrets;
  for (int i = 0; i < 5; ++i) {
    secrets.push_back(open(sessions));
    clock_.advance(kSecond);
  }
  for (const auto& secret : secrets) EXPECT_EQ(who(sessions, secret), "li.na");
  // The time-outs still hold for sessions that come back from the store.
  clock_.advance(31 * kMinute);
  for (const auto& secret : secrets) EXPECT_EQ(who(sessions, secret), "");
  for (const auto& secret : secrets) EXPECT_FALSE(stored(secret));
}

class Tokens : public ::testing::Test {
 protected:
  Tokens() : path_(temp_db_path()), store_(open_store(path_)), clock_(1'700'000'000'000) {}
  NewToken add(std::vector<Scope> scopes) {
    auto t = generate_token("feed", "", std::move(scopes), clock_.now());
    EXPECT_TRUE(t.has_value());
    EXPECT_TRUE(store_->add_token(t->token).has_value());
    return *t;
  }
  std::string path_;
  std::unique_ptr<SqliteUserStore> store_;
  ManualClock clock_;
};

TEST_F(Tokens, AValidTokenComesBackWithItsScopes) {
  const NewToken t = add({Scope::kIngest, Scope::kRead});
  TokenVerifier verifier(*store_, clock_, 30 * kSecond);
  auto r = verifier.verify(t.secret);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->id, t.token.id);
  EXPECT_EQ(r->scopes, (std::vector<Scope>{Scope::kIngest, Scope::kRead}));
  EXPECT_TRUE(r->allows(Scope::kRead));
  EXPECT_FALSE(r->allows(Scope::kBankCallback));
  EXPECT_EQ(r->last_used_at, clock_.now());  // the use was recorded
  EXPECT_EQ((*store_->find_token(t.token.hash))->last_used_at, clock_.now());
}

TEST_F(Tokens, UnknownAndGarbageAreUnknown) {
  add({Scope::kIngest});
  TokenVerifier verifier(*store_, clock_, 30 * kSecond);
  for (const std::string& bad : {"qz_" + std::string(43, 'A'), std::string("nonsense"), std::string(),
                                 std::string("Bearer qz_x"), std::string(5000, 'q')}) {
    auto r = verifier.verify(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().kind, TokenRefusal::Kind::kUnknown) << bad;
  }
}

// The intended trade-off of the cache: a revocation takes effect within the TTL, not at once,
// so a busy feed costs no store read per request.
TEST_F(Tokens, RevokedIsRefusedOnceTheTtlHasPassed) {
  const NewToken t = add({Scope::kIngest});
  TokenVerifier verifier(*store_, clock_, 30 * kSecond);
  ASSERT_TRUE(verifier.verify(t.secret).has_value());
  ASSERT_TRUE(store_->revoke_token(t.token.id, clock_.now()).has_value());
  clock_.advance(30 * kSecond - 1);
  EXPECT_TRUE(verifier.verify(t.secret).has_value()) << "within the TTL the cached token is accepted";
  clock_.advance(1);
  auto r = verifier.verify(t.secret);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, TokenRefusal::Kind::kRevoked);
  // And it stays refused (not cached again).
  clock_.advance(kSecond);
  EXPECT_EQ(verifier.verify(t.secret).error().kind, TokenRefusal::Kind::kRevoked);
  // A token revoked before its first use is refused at once.
  const NewToken other = add({Scope::kRead});
  ASSERT_TRUE(store_->revoke_token(other.token.id, clock_.now()).has_value());
  EXPECT_EQ(verifier.verify(other.secret).error().kind, TokenRefusal::Kind::kRevoked);
}

TEST_F(Tokens, StoreFailureIsUnavailable) {
  const NewToken cached = add({Scope::kIngest});
  const NewToken fresh = add({Scope::kRead});
  TokenVerifier verifier(*store_, clock_, 30 * kSecond);
  ASSERT_TRUE(verifier.verify(cached.secret).has_value());
  exec_raw(path_, "DROP TABLE api_tokens");  // every read of tokens fails from now on
  auto r = verifier.verify(fresh.secret);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, TokenRefusal::Kind::kUnavailable);
  // A token already in the cache is answered without the store until its TTL runs out.
  EXPECT_TRUE(verifier.verify(cached.secret).has_value());
  clock_.advance(30 * kSecond);
  EXPECT_EQ(verifier.verify(cached.secret).error().kind, TokenRefusal::Kind::kUnavailable);
}

}  // namespace
}  // namespace quanzu::auth

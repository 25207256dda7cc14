#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "auth/users/login_policy.h"
#include "auth/users/password.h"
#include "auth/users/sqlite_user_store.h"
#include "auth/users/token.h"
#include "auth/users/token_check.h"
#include "auth/users/user.h"
#include "store/sqlite/db.h"

namespace quanzu::auth {
namespace {

namespace fs = std::filesystem;

constexpr Millis kMinute = 60 * 1000;
const PasswordCost kFast = PasswordCost::minimum();

std::string temp_db_path() {
  static int n = 0;
  fs::path dir = fs::temp_directory_path() / ("quanzu-users-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path p = dir / ("db" + std::to_string(n++) + ".sqlite");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  return p.string();
}

std::unique_ptr<SqliteUserStore> open_store(const std::string& path) {
  auto s = SqliteUserStore::open(path);
  EXPECT_TRUE(s.has_value()) << s.error().message;
  return std::move(*s);
}

User make_user(std::string name, Role role, std::string station, const std::string& password) {
  User u;
  u.name = std::move(name);
  u.role = role;
  u.station_code = std::move(station);
  u.password_hash = *hash_password(password, kFast);
  u.created_at = u.updated_at = 1000;
  return u;
}

TEST(Password, HashesVerifyAndRefuseWrongOnes) {
  auto h = hash_password("correct horse battery", kFast);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->starts_with("$argon2id$"));
  EXPECT_TRUE(verify_password(*h, "correct horse battery"));
  EXPECT_FALSE(verify_password(*h, "correct horse batterY"));
  EXPECT_FALSE(verify_password("not a hash", "correct horse battery"));
  EXPECT_FALSE(verify_password("", ""));
  auto h2 = hash_password("correct horse battery", kFast);
  EXPECT_NE(*h, *h2);  // salted
}

TEST(Password, NeedsRehashWhenTheCostChanges) {
  auto h = hash_password("correct horse battery", kFast);
  EXPECT_FALSE(needs_rehash(*h, kFast));
  EXPECT_TRUE(needs_rehash(*h, PasswordCost::interactive()));
  EXPECT_TRUE(needs_rehash("garbage", kFast));
}

TEST(Password, LengthIsCountedInCharacters) {
  EXPECT_FALSE(check_password("short").has_value());
  EXPECT_EQ(check_password("elevenchars").error().fields[0].field, "password");
  EXPECT_TRUE(check_password("twelve chars").has_value());
  EXPECT_FALSE(check_password("密码密码密码").has_value());  // 6 characters, 18 bytes
  EXPECT_TRUE(check_password("密码密码密码密码密码密码").has_value());
  EXPECT_FALSE(check_password(std::string(1025, 'a')).has_value());
}

TEST(Password, SameSecret) {
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("abc", "abcd"));
}

TEST(Users, RolesHaveWireNames) {
  for (auto r : {Role::kAdmin, Role::kCentre, Role::kStation, Role::kResponder, Role::kSupervisor,
                 Role::kAuditor}) {
    EXPECT_EQ(role_from_name(name(r)), r);
  }
  EXPECT_FALSE(role_from_name("root").has_value());
  EXPECT_EQ(name(Role::kCentre), "centre");
}

TEST(Users, StationRequiredOrRefusedByRole) {
  User u;
  u.name = "wang.li";
  u.role = Role::kStation;
  auto r = validate_user(u);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().fields[0].field, "station");
  u.station_code = "500105-01";
  EXPECT_TRUE(validate_user(u).has_value());
  u.role = Role::kResponder;
  u.responder_id = "R-500105-01-1";
  EXPECT_TRUE(validate_user(u).has_value());
  u.role = Role::kCentre;
  r = validate_user(u);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().fields[0].field, "station");
  EXPECT_EQ(r.error().fields[1].field, "responder_id");
  u.station_code.clear();
  u.responder_id.clear();
  EXPECT_TRUE(validate_user(u).has_value());
}

TEST(Users, NamesAreBounded) {
  User u;
  u.role = Role::kAdmin;
  EXPECT_EQ(validate_user(u).error().fields[0].field, "name");
  u.name = std::string(65, 'a');
  EXPECT_FALSE(validate_user(u).has_value());
  u.name = std::string(64, 'a');
  EXPECT_TRUE(validate_user(u).has_value());
  u.name = "张伟";
  EXPECT_TRUE(validate_user(u).has_value());
  for (const char* bad : {"a b", "-flag", "x\ny", "a'b"}) {
    u.name = bad;
    EXPECT_FALSE(validate_user(u).has_value()) << bad;
  }
}

TEST(UserStore, AddGetUpdateListAndConflict) {
  auto store = open_store(temp_db_path());
  User u = make_user("Li.Na", Role::kStation, "500105-01", "station password 1");
  ASSERT_TRUE(store->add_user(u).has_value());
  auto again = store->add_user(make_user("li.na", Role::kAdmin, "", "another password"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Code::kConflict);
  auto got = store->get_user("LI.NA");
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->name, "Li.Na");
  EXPECT_EQ((*got)->station_code, "500105-01");
  EXPECT_EQ((*got)->role, Role::kStation);
  u.disabled = true;
  u.failed_logins = 3;
  ASSERT_TRUE(store->update_user(u).has_value());
  EXPECT_TRUE((*store->get_user("Li.Na"))->disabled);
  EXPECT_EQ((*store->get_user("Li.Na"))->failed_logins, 3);
  EXPECT_FALSE(store->get_user("nobody")->has_value());
  User ghost = make_user("ghost", Role::kAdmin, "", "ghost password");
  EXPECT_EQ(store->update_user(ghost).error().code, Code::kNotFound);
  ASSERT_TRUE(store->add_user(make_user("admin", Role::kAdmin, "", "admin password 1")).has_value());
  auto all = store->list_users();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "admin");
}

class Login : public ::testing::Test {
 protected:
  Login() : store_(open_store(temp_db_path())), clock_(1'700'000'000'000) {
    options_.cost = kFast;
    EXPECT_TRUE(store_->add_user(make_user("zhang", Role::kCentre, "", "zhang password")).has_value());
  }
  std::unique_ptr<SqliteUserStore> store_;
  ManualClock clock_;
  LoginOptions options_;
};

TEST_F(Login, RightPasswordLogsIn) {
  LoginPolicy policy(*store_, clock_, options_);
  auto r = policy.login("zhang", "zhang password", "10.0.0.1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->role, Role::kCentre);
}

TEST_F(Login, LocksAfterFiveFailuresAndUnlocksAfterFifteenMinutes) {
  LoginPolicy policy(*store_, clock_, options_);
  for (int i = 0; i < 4; ++i) {
    auto r = policy.login("zhang", "wrong password!", "10.0.0.1");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().reason, LoginRefusal::Reason::kWrongPassword);
  }
  EXPECT_EQ((*store_->get_user("zhang"))->failed_logins, 4);
  auto fifth = policy.login("zhang", "wrong password!", "10.0.0.2");
  EXPECT_EQ(fifth.error().reason, LoginRefusal::Reason::kWrongPassword);
  EXPECT_EQ((*store_->get_user("zhang"))->locked_until, clock_.now() + 15 * kMinute);

  // Locked: the right password is refused too, with the same words.
  auto locked = policy.login("zhang", "zhang password", "10.0.0.3");
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().reason, LoginRefusal::Reason::kLocked);
  EXPECT_EQ(locked.error().kind, LoginRefusal::Kind::kRefused);
  EXPECT_EQ(locked.error().message, fifth.error().message);

  clock_.advance(15 * kMinute - 1);
  EXPECT_FALSE(policy.login("zhang", "zhang password", "10.0.0.3").has_value());
  clock_.advance(1);
  auto ok = policy.login("zhang", "zhang password", "10.0.0.3");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->failed_logins, 0);
  EXPECT_EQ(ok->locked_until, 0);
}

TEST_F(Login, SuccessClearsTheFailureCount) {
  LoginPolicy policy(*store_, clock_, options_);
  for (int i = 0; i < 4; ++i) (void)policy.login("zhang", "wrong password!", "10.0.0.1");
  ASSERT_TRUE(policy.login("zhang", "zhang password", "10.0.0.1").has_value());
  EXPECT_EQ((*store_->get_user("zhang"))->failed_logins, 0);
  for (int i = 0; i < 4; ++i) (void)policy.login("zhang", "wrong password!", "10.0.0.1");
  EXPECT_TRUE(policy.login("zhang", "zhang password", "10.0.0.1").has_value());
}

TEST_F(Login, LockoutIsConfigurable) {
  options_.max_failures = 2;
  options_.lock_for = kMinute;
  LoginPolicy policy(*store_, clock_, options_);
  (void)policy.login("zhang", "wrong password!", "a");
  (void)policy.login("zhang", "wrong password!", "a");
  EXPECT_EQ(policy.login("zhang", "zhang password", "a").error().reason,
            LoginRefusal::Reason::kLocked);
  clock_.advance(kMinute);
  EXPECT_TRUE(policy.login("zhang", "zhang password", "a").has_value());
}

TEST_F(Login, NoUserEnumeration) {
  User off = make_user("disabled.one", Role::kAuditor, "", "auditor password");
  off.disabled = true;
  ASSERT_TRUE(store_->add_user(off).has_value());
  LoginPolicy policy(*store_, clock_, options_);
  auto unknown = policy.login("nobody", "zhang password", "a");
  auto wrong = policy.login("zhang", "not the password", "b");
  auto disabled = policy.login("disabled.one", "auditor password", "c");
  ASSERT_FALSE(unknown.has_value());
  ASSERT_FALSE(wrong.has_value());
  ASSERT_FALSE(disabled.has_value());
  EXPECT_EQ(unknown.error().reason, LoginRefusal::Reason::kUnknownUser);
  EXPECT_EQ(disabled.error().reason, LoginRefusal::Reason::kDisabled);
  for (const auto* r : {&unknown, &wrong, &disabled}) {
    EXPECT_EQ(r->error().kind, LoginRefusal::Kind::kRefused);
    EXPECT_EQ(r->error().message, kRefusedMessage);
  }
}

TEST_F(Login, AddressLimiterRefusesAnAddressThatKeepsFailing) {
  options_.address_max_failures = 20;
  options_.address_window = 10 * kMinute;
  options_.max_failures = 1000;  // so the account lock does not interfere
  LoginPolicy policy(*store_, clock_, options_);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(policy.login("user" + std::to_string(i), "some password!", "203.0.113.9").error().kind,
              LoginRefusal::Kind::kRefused);
    clock_.advance(1000);
  }
  // Even the right password, from that address, for now.
  auto r = policy.login("zhang", "zhang password", "203.0.113.9");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, LoginRefusal::Kind::kThrottled);
  EXPECT_EQ(r.error().message, kThrottledMessage);
  // Other addresses are not affected.
  EXPECT_TRUE(policy.login("zhang", "zhang password", "198.51.100.1").has_value());
  // The window slides: after the first failure ages out, one more attempt is allowed.
  clock_.advance(10 * kMinute - 20 * 1000 + 1);
  EXPECT_TRUE(policy.login("zhang", "zhang password", "203.0.113.9").has_value());
}

TEST(AddressLimiter, CountsWithinTheWindowAndStaysBounded) {
  AddressLimiter limiter(3, 1000, 4);
  limiter.record_failure("a", 0);
  limiter.record_failure("a", 10);
  EXPECT_FALSE(limiter.blocked("a", 20));
  limiter.record_failure("a", 20);
  EXPECT_TRUE(limiter.blocked("a", 30));
  EXPECT_FALSE(limiter.blocked("b", 30));
  EXPECT_FALSE(limiter.blocked("a", 1001));  // the failure at 0 aged out
  for (int i = 0; i < 10; ++i) limiter.record_failure("x" + std::to_string(i), 2000);
  EXPECT_LE(limiter.tracked(), 4u);
}

TEST_F(Login, RehashesAnOldHashOnSuccess) {
  LoginOptions stronger = options_;
  stronger.cost.ops = kFast.ops + 1;
  LoginPolicy policy(*store_, clock_, stronger);
  const std::string before = (*store_->get_user("zhang"))->password_hash;
  ASSERT_TRUE(policy.login("zhang", "zhang password", "a").has_value());
  const std::string after = (*store_->get_user("zhang"))->password_hash;
  EXPECT_NE(before, after);
  EXPECT_FALSE(needs_rehash(after, stronger.cost));
  EXPECT_TRUE(verify_password(after, "zhang password"));
}

TEST(Tokens, GeneratedTokensHaveTheirShape) {
  auto t = generate_token("upstream feed", "", {Scope::kRead, Scope::kIngest, Scope::kRead}, 5);
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->secret.starts_with("qz_"));
  EXPECT_EQ(t->secret.size(), 46u);
  EXPECT_TRUE(looks_like_token(t->secret));
  EXPECT_EQ(t->token.hash, token_hash(t->secret));
  EXPECT_EQ(t->token.hash.size(), 64u);
  EXPECT_EQ(t->token.scopes, (std::vector<Scope>{Scope::kIngest, Scope::kRead}));
  EXPECT_TRUE(t->token.id.starts_with("tok_"));
  auto u = generate_token("upstream feed", "", {Scope::kIngest}, 5);
  EXPECT_NE(t->secret, u->secret);
  EXPECT_FALSE(looks_like_token("qz_short"));
  EXPECT_FALSE(generate_token("", "", {Scope::kIngest}, 5).has_value());
  auto none = generate_token("x", "", {}, 5);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().fields[0].field, "scope");
  EXPECT_EQ(scope_from_name("bank_callback"), Scope::kBankCallback);
}

TEST(Tokens, CreateFindScopesRevoke) {
  auto store = open_store(temp_db_path());
  ManualClock clock(1'700'000'000'000);
  auto t = generate_token("feed", "the provincial feed", {Scope::kIngest}, clock.now());
  ASSERT_TRUE(store->add_token(t->token).has_value());

  auto ok = check_token(*store, clock, t->secret, Scope::kIngest);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->name, "feed");
  EXPECT_EQ(ok->description, "the provincial feed");
  EXPECT_EQ(ok->last_used_at, clock.now());

  auto scope = check_token(*store, clock, t->secret, Scope::kRead);
  ASSERT_FALSE(scope.has_value());
  EXPECT_EQ(scope.error().kind, TokenRefusal::Kind::kMissingScope);

  auto bad = check_token(*store, clock, "qz_" + std::string(43, 'A'), Scope::kIngest);
  EXPECT_EQ(bad.error().kind, TokenRefusal::Kind::kUnknown);
  EXPECT_EQ(check_token(*store, clock, "Bearer nonsense", Scope::kIngest).error().kind,
            TokenRefusal::Kind::kUnknown);

  clock.advance(kMinute);
  ASSERT_TRUE(store->revoke_token(t->token.id, clock.now()).has_value());
  const Millis revoked_at = clock.now();
  clock.advance(kMinute);
  ASSERT_TRUE(store->revoke_token(t->token.id, clock.now()).has_value());  // keeps the first
  auto revoked = check_token(*store, clock, t->secret, Scope::kIngest);
  EXPECT_EQ(revoked.error().kind, TokenRefusal::Kind::kRevoked);
  EXPECT_EQ(revoked.error().message, bad.error().message);
  EXPECT_EQ(store->revoke_token("tok_nope", 1).error().code, Code::kNotFound);

  auto all = store->list_tokens();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].revoked_at, revoked_at);
}

TEST(Tokens, OnlyHashesAreStored) {
  const std::string path = temp_db_path();
  auto store = open_store(path);
  auto t = generate_token("bank", "", {Scope::kBankCallback, Scope::kRead}, 1);
  ASSERT_TRUE(store->add_token(t->token).has_value());

  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  store::sqlite::Db db(raw);
  store::sqlite::Stmt s(db.get(), "SELECT * FROM api_tokens");
  ASSERT_EQ(s.step(), SQLITE_ROW);
  std::string row;
  for (int i = 0; i < 8; ++i) row += s.text(i) + "|";
  EXPECT_EQ(row.find(t->secret), std::string::npos);
  EXPECT_EQ(row.find(t->secret.substr(3)), std::string::npos);
  EXPECT_NE(row.find(token_hash(t->secret)), std::string::npos);
  EXPECT_NE(row.find("read bank_callback"), std::string::npos);
}

TEST(UserStore, PasswordsAreStoredOnlyAsArgon2idHashes) {
  const std::string path = temp_db_path();
  auto store = open_store(path);
  ASSERT_TRUE(store->add_user(make_user("chen", Role::kAdmin, "", "chen's password")).has_value());
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  store::sqlite::Db db(raw);
  store::sqlite::Stmt s(db.get(), "SELECT password_hash FROM users WHERE name = 'chen'");
  ASSERT_EQ(s.step(), SQLITE_ROW);
  EXPECT_TRUE(s.text(0).starts_with("$argon2id$"));
  EXPECT_EQ(s.text(0).find("chen's password"), std::string::npos);
}

}  // namespace
}  // namespace quanzu::auth

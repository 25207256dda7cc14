#include "app/user_command.h"

#include <unistd.h>

#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>

#include "auth/users/login_policy.h"
#include "auth/users/sqlite_user_store.h"
#include "auth/users/token_check.h"
#include "store/sqlite/db.h"

namespace quanzu::app {
namespace {

namespace fs = std::filesystem;

class UserCommand : public ::testing::Test {
 protected:
  UserCommand() : clock_(1'700'000'000'000) {
    static int n = 0;
    dir_ = fs::temp_directory_path() /
           ("quanzu-user-command-" + std::to_string(getpid()) + "-" + std::to_string(n++));
    fs::remove_all(dir_);
  }
  ~UserCommand() override { fs::remove_all(dir_); }

  int run(bool user, std::vector<std::string> args, const std::string& input = "") {
    args.push_back("--data");
    args.push_back(dir_.string());
    std::istringstream in(input);
    out_.str("");
    err_.str("");
    UserCommandEnv env{in, out_, err_, clock_, auth::PasswordCost::minimum()};
    return user ? run_user_command(args, env) : run_token_command(args, env);
  }
  std::unique_ptr<auth::SqliteUserStore> store() {
    return std::move(*auth::SqliteUserStore::open((dir_ / "quanzu.sqlite").string()));
  }

  fs::path dir_;
  ManualClock clock_;
  std::ostringstream out_, err_;
};

TEST_F(UserCommand, AddListDisableEnableReset) {
  EXPECT_EQ(run(true, {"add", "--name", "wang", "--role", "station", "--station", "500105-01"},
                "a long password\n"),
            0)
      << err_.str();
  EXPECT_NE(out_.str().find("added user wang (station, station 500105-01)"), std::string::npos);
  auto u = store()->get_user("wang");
  ASSERT_TRUE(u->has_value());
  EXPECT_TRUE(auth::verify_password((*u)->password_hash, "a long password"));

  EXPECT_EQ(run(true, {"list"}), 0);
  EXPECT_NE(out_.str().find("wang"), std::string::npos);
  EXPECT_NE(out_.str().find("active"), std::string::npos);

  EXPECT_EQ(run(true, {"disable", "--name", "wang"}), 0);
  EXPECT_TRUE((*store()->get_user("wang"))->disabled);
  EXPECT_EQ(run(true, {"list"}), 0);
  EXPECT_NE(out_.str().find("disabled"), std::string::npos);
  EXPECT_EQ(run(true, {"enable", "--name", "wang"}), 0);
  EXPECT_FALSE((*store()->get_user("wang"))->disabled);

  // Lock the account, then reset: new password, lock lifted.
  {
    auto s = store();
    auth::LoginOptions options;
    options.cost = auth::PasswordCost::minimum();
    auth::LoginPolicy policy(*s, clock_, options);
    for (int i = 0; i < 5; ++i) (void)policy.login("wang", "wrong password!", "a");
    EXPECT_TRUE((*s->get_user("wang"))->locked(clock_.now()));
  }
  EXPECT_EQ(run(true, {"list"}), 0);
  EXPECT_NE(out_.str().find("locked until"), std::string::npos);
  EXPECT_EQ(run(true, {"reset", "--name", "wang"}, "another long password\n"), 0) << err_.str();
  auto after = store()->get_user("wang");
  EXPECT_FALSE((*after)->locked(clock_.now()));
  EXPECT_TRUE(auth::verify_password((*after)->password_hash, "another long password"));
}

TEST_F(UserCommand, RefusalsNameTheFieldOrFlag) {
  EXPECT_EQ(run(true, {"add", "--name", "li", "--role", "station"}, "a long password\n"), 1);
  EXPECT_NE(err_.str().find("--station"), std::string::npos) << err_.str();
  EXPECT_EQ(run(true, {"add", "--name", "li", "--role", "centre", "--station", "500105-01"},
                "a long password\n"),
            1);
  EXPECT_NE(err_.str().find("--station: must be empty"), std::string::npos) << err_.str();
  EXPECT_EQ(run(true, {"add", "--name", "li", "--role", "root"}, "a long password\n"), 64);
  EXPECT_NE(err_.str().find("--role must be one of admin, centre"), std::string::npos);
  EXPECT_EQ(run(true, {"add", "--role", "admin"}, "a long password\n"), 64);
  EXPECT_NE(err_.str().find("--name is required"), std::string::npos);
  EXPECT_EQ(run(true, {"add", "--name", "li", "--role", "admin"}, "short\n"), 1);
  EXPECT_NE(err_.str().find("password: must be at least 12 characters"), std::string::npos);
  EXPECT_EQ(run(true, {"add", "--name", "li", "--role", "admin"}, ""), 1);
  EXPECT_NE(err_.str().find("password: none given"), std::string::npos);
  EXPECT_EQ(run(true, {"add", "--name", "li", "--role", "admin"}, "a long password\r\n"), 0);
  EXPECT_EQ(run(true, {"add", "--name", "LI", "--role", "admin"}, "a long password\n"), 1);
  EXPECT_NE(err_.str().find("--name: a user named li already exists"), std::string::npos);
  EXPECT_EQ(run(true, {"disable", "--name", "nobody"}), 1);
  EXPECT_NE(err_.str().find("--name: no user named nobody"), std::string::npos);
  EXPECT_EQ(run(true, {"add", "--name", "x", "--role", "admin", "--scope", "read"}), 64);
  EXPECT_EQ(run(true, {"frobnicate"}), 64);
  EXPECT_EQ(run(true, {"list", "--bogus"}), 64);
  EXPECT_EQ(run(true, {"--help"}), 0);
  EXPECT_NE(out_.str().find("usage: quanzu user add"), std::string::npos);
}

TEST_F(UserCommand, TokenCreateListRevoke) {
  ASSERT_EQ(run(false, {"create", "--name", "feed", "--scope", "ingest", "--scope", "read"}), 0)
      << err_.str();
  std::string secret = out_.str();
  ASSERT_FALSE(secret.empty());
  secret.pop_back();  // newline
  EXPECT_TRUE(auth::looks_like_token(secret)) << secret;
  EXPECT_NE(err_.str().find("shown once"), std::string::npos);

  auto s = store();
  auto ok = auth::check_token(*s, clock_, secret, auth::Scope::kIngest);
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(ok->allows(auth::Scope::kRead));
  EXPECT_FALSE(ok->allows(auth::Scope::kBankCallback));
  const std::string id = ok->id;

  EXPECT_EQ(run(false, {"list"}), 0);
  EXPECT_NE(out_.str().find(id), std::string::npos);
  EXPECT_NE(out_.str().find("ingest,read"), std::string::npos);
  EXPECT_EQ(out_.str().find(secret), std::string::npos);

  EXPECT_EQ(run(false, {"revoke", id}), 0);
  EXPECT_EQ(auth::check_token(*s, clock_, secret, auth::Scope::kIngest).error().kind,
            auth::TokenRefusal::Kind::kRevoked);
  EXPECT_EQ(run(false, {"list"}), 0);
  EXPECT_NE(out_.str().find("revoked"), std::string::npos);

  EXPECT_EQ(run(false, {"revoke", "tok_000000000000"}), 1);
  EXPECT_NE(err_.str().find("ID: no token"), std::string::npos);
  EXPECT_EQ(run(false, {"create", "--name", "feed"}), 64);
  EXPECT_NE(err_.str().find("--scope"), std::string::npos);
  EXPECT_EQ(run(false, {"create", "--name", "feed", "--scope", "write"}), 64);
  EXPECT_NE(err_.str().find("--scope write is not one of ingest, read, bank_callback, attempts"),
            std::string::npos);
  EXPECT_EQ(run(false, {"create", "--scope", "read"}), 64);
  EXPECT_EQ(run(false, {"create", "--name", "", "--scope", "read"}), 1);
  EXPECT_NE(err_.str().find("--name: must be 1 to 64"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace quanzu::app

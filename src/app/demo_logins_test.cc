#include "app/demo_logins.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "app/demo_handling.h"
#include "auth/users/login_policy.h"
#include "auth/users/sqlite_user_store.h"

namespace quanzu::app {
namespace {

namespace fs = std::filesystem;

const auth::PasswordCost kFast = auth::PasswordCost::minimum();

geo::StationInfo station(std::string code, std::string adcode) {
  geo::StationInfo s;
  s.station.code = std::move(code);
  s.station.name = s.station.code;
  s.station.district_adcode = std::move(adcode);
  return s;
}

geo::StationDirectory demo_stations() {
  return geo::StationDirectory({}, {station("500101-01", "500101"), station("500105-01", "500105"),
                                    station("500105-02", "500105"), station("500103-01", "500103")});
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class DemoLogins : public ::testing::Test {
 protected:
  DemoLogins() : clock_(1'700'000'000'000) {
    static int n = 0;
    dir_ = fs::temp_directory_path() / ("quanzu-demo-logins-" + std::to_string(getpid()) + "-" + std::to_string(n++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = demo_logins_file(dir_.string());
  }
  ~DemoLogins() override { fs::remove_all(dir_); }

  std::unique_ptr<auth::SqliteUserStore> store(const std::string& name = "quanzu.sqlite") {
    auto s = auth::SqliteUserStore::open((dir_ / name).string());
    EXPECT_TRUE(s.has_value()) << s.error().message;
    return std::move(*s);
  }
  std::vector<DemoLogin> ensure(auth::UserStore& users, const geo::StationDirectory& stations) {
    auto r = ensure_demo_logins(users, stations, file_, kFast, clock_.now());
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? *r : std::vector<DemoLogin>();
  }

  fs::path dir_;
  std::string file_;
  ManualClock clock_;
};

const DemoLogin* find(const std::vector<DemoLogin>& logins, auth::Role role, std::string_view station = {}) {
  for (const auto& l : logins) {
    if (l.role == role && (station.empty() || l.station_code == station)) return &l;
  }
  return nullptr;
}

TEST_F(DemoLogins, OnePerRoleWithRandomPasswordsThatLogIn) {
  auto users = store();
  const auto logins = ensure(*users, demo_stations());
  ASSERT_EQ(logins.size(), 7u);
  for (auto role : {auth::Role::kAdmin, auth::Role::kCentre, auth::Role::kSupervisor, auth::Role::kAuditor}) {
    const DemoLogin* l = find(logins, role);
    ASSERT_NE(l, nullptr) << auth::name(role);
    EXPECT_TRUE(l->station_code.empty());
  }
  const DemoLogin* jiangbei = find(logins, auth::Role::kStation, "500105-01");
  const DemoLogin* other = find(logins, auth::Role::kStation, "500103-01");
  const DemoLogin* responder = find(logins, auth::Role::kResponder);
  ASSERT_NE(jiangbei, nullptr);
  ASSERT_NE(other, nullptr);
  ASSERT_NE(responder, nullptr);
  EXPECT_EQ(responder->station_code, "500105-01");
  // One of the responders the demo registers for that station.
  EXPECT_EQ(responder->responder_id, demo_responder_id("500105-01", 1));
  EXPECT_EQ(responder->responder_id, "500105-01-R1");

  std::set<std::string> names, passwords;
  auth::LoginOptions options;
  options.cost = kFast;
  auth::LoginPolicy policy(*users, clock_, options);
  for (const auto& l : logins) {
    EXPECT_TRUE(l.created) << l.name;
    EXPECT_TRUE(l.note.empty()) << l.name << ": " << l.note;
    names.insert(l.name);
    passwords.insert(l.password);
    ASSERT_EQ(l.password.size(), 12u) << l.name;
    for (char c : l.password) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << l.password;
      EXPECT_EQ(std::string_view("0O1lI").find(c), std::string_view::npos) << l.password;
    }
    auto in = policy.login(l.name, l.password, "127.0.0.1");
    ASSERT_TRUE(in.has_value()) << l.name << ": " << auth::name(in.error().reason);
    EXPECT_EQ(in->role, l.role);
    EXPECT_EQ(in->station_code, l.station_code);
    EXPECT_EQ(in->responder_id, l.responder_id);
    EXPECT_FALSE(policy.login(l.name, l.password + "x", "127.0.0.2").has_value());
  }
  EXPECT_EQ(names.size(), 7u);
  EXPECT_EQ(passwords.size(), 7u);  // 7 draws of ~69 bits: a repeat means no randomness
}

TEST_F(DemoLogins, SecondRunReusesTheFileAndCreatesNothing) {
  std::vector<DemoLogin> first;
  {
    auto users = store();
    first = ensure(*users, demo_stations());
  }
  struct stat st{};
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string text = slurp(file_);
  for (const auto& l : first) EXPECT_NE(text.find(l.name + "\t" + l.password + "\n"), std::string::npos) << text;

  auto users = store();  // the next run of the demo
  const auto second = ensure(*users, demo_stations());
  ASSERT_EQ(second.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_FALSE(second[i].created) << second[i].name;
    EXPECT_EQ(second[i].name, first[i].name);
    EXPECT_EQ(second[i].password, first[i].password);
    EXPECT_TRUE(second[i].note.empty()) << second[i].note;
  }
  EXPECT_EQ(slurp(file_), text);
  EXPECT_EQ(users->list_users()->size(), 7u);

  // A file loosened by hand is put back to 0600.
  ASSERT_EQ(::chmod(file_.c_str(), 0644), 0);
  ensure(*users, demo_stations());
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(DemoLogins, AccountsMadeOtherwiseAreLeftAlone) {
  auto users = store();
  auth::User admin;
  admin.name = "demo.admin";
  admin.role = auth::Role::kAdmin;
  admin.password_hash = *auth::hash_password("the admin's own password", kFast);
  ASSERT_TRUE(users->add_user(admin).has_value());
  auto logins = ensure(*users, demo_stations());
  const DemoLogin* a = find(logins, auth::Role::kAdmin);
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->created);
  EXPECT_TRUE(a->password.empty());
  EXPECT_NE(a->note.find("not known"), std::string::npos);
  EXPECT_TRUE(auth::verify_password((*users->get_user("demo.admin"))->password_hash, "the admin's own password"));
  EXPECT_EQ(slurp(file_).find("demo.admin"), std::string::npos);

  // A password changed after the demo made it is not printed as if it still worked.
  auth::User centre = **users->get_user("demo.centre");
  centre.password_hash = *auth::hash_password("changed by the operator", kFast);
  ASSERT_TRUE(users->update_user(centre).has_value());
  logins = ensure(*users, demo_stations());
  const DemoLogin* c = find(logins, auth::Role::kCentre);
  EXPECT_TRUE(c->password.empty());
  EXPECT_NE(c->note.find("changed"), std::string::npos);
  EXPECT_NE(format_demo_logins(logins, "  ").find("(password changed since it was made)"), std::string::npos);
}

TEST_F(DemoLogins, ANewStoreGetsThePasswordsOfTheFile) {
  std::vector<DemoLogin> first;
  {
    auto users = store();
    first = ensure(*users, demo_stations());
  }
  auto fresh = store("other.sqlite");
  auto again = ensure(*fresh, demo_stations());
  ASSERT_EQ(again.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_TRUE(again[i].created);
    EXPECT_EQ(again[i].password, first[i].password);
  }
}

TEST_F(DemoLogins, WithoutYuzhongTheSecondStationIsAnotherDistricts) {
  auto users = store();
  const auto logins = ensure(*users, geo::StationDirectory({}, {station("500105-01", "500105"),
                                                                station("500105-02", "500105"),
                                                                station("500112-03", "500112")}));
  EXPECT_NE(find(logins, auth::Role::kStation, "500105-01"), nullptr);
  EXPECT_NE(find(logins, auth::Role::kStation, "500112-03"), nullptr);
  EXPECT_EQ(find(logins, auth::Role::kStation, "500105-02"), nullptr);
}

TEST_F(DemoLogins, ABadFileIsRefusedNamingItsLine) {
  {
    std::ofstream out(file_);
    out << "# comment\n\ndemo.admin\tabcdefghijkm\ndemo.centre short\n";
  }
  auto users = store();
  auto r = ensure_demo_logins(*users, demo_stations(), file_, kFast, clock_.now());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("demo-logins.txt line 4"), std::string::npos) << r.error().message;
  EXPECT_EQ(users->list_users()->size(), 0u);
}

TEST_F(DemoLogins, BannerLinesNameRoleStationAndPassword) {
  auto users = store();
  const auto logins = ensure(*users, demo_stations());
  const std::string text = format_demo_logins(logins, "    ");
  const DemoLogin* responder = find(logins, auth::Role::kResponder);
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_TRUE(line.starts_with("    demo.")) << line;
  }
  EXPECT_EQ(n, 7);
  EXPECT_NE(text.find("500105-01 as 500105-01-R1"), std::string::npos) << text;
  EXPECT_NE(text.find(responder->password), std::string::npos);
}

}  // namespace
}  // namespace quanzu::app

#include "app/audit_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "auth/audit_log.h"

namespace quanzu::app {
namespace {

namespace fs = std::filesystem;

class AuditCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("quanzu-audit-cmd-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "audit.jsonl").string();
    auto log = auth::AuditLog::open(path_);
    ASSERT_TRUE(log);
    for (int i = 1; i <= 5; ++i) {
      auth::AuditEntry e;
      e.at = 1700000000000 + Millis{i} * 60000;
      e.actor = "op";
      e.role = "station_operator";
      e.action = "view_personal_data";
      e.target = "C-" + std::to_string(i);
      e.from = "10.0.0.1";
      ASSERT_TRUE((*log)->append(e));
    }
    anchor_ = (*log)->anchor();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> lines() {
    std::ifstream in(path_);
    std::vector<std::string> v;
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  }
  void write(const std::vector<std::string>& v) {
    std::ofstream out(path_, std::ios::trunc);
    for (const auto& l : v) out << l << '\n';
  }

  fs::path dir_;
  std::string path_;
  auth::AuditAnchor anchor_;
  std::ostringstream out_, err_;
};

TEST_F(AuditCommandTest, VerifyIntactLogExitsZero) {
  EXPECT_EQ(run_audit_verify(path_, "", out_, err_), 0) << err_.str();
  EXPECT_NE(out_.str().find("OK, 5 entries"), std::string::npos) << out_.str();
  EXPECT_EQ(run_audit_verify(path_, std::to_string(anchor_.seq) + ":" + anchor_.hash, out_, err_),
            0);
}

TEST_F(AuditCommandTest, VerifyTamperedLogExitsOneNamingTheLine) {
  auto v = lines();
  v[3].replace(v[3].find("C-4"), 3, "C-9");
  write(v);
  EXPECT_EQ(run_audit_verify(path_, "", out_, err_), 1);
  EXPECT_NE(err_.str().find(path_ + ":4: changed: line 4 (seq 4)"), std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("TAMPERED"), std::string::npos);
}

TEST_F(AuditCommandTest, VerifyWithAnchorCatchesTruncation) {
  auto v = lines();
  v.pop_back();
  write(v);
  EXPECT_EQ(run_audit_verify(path_, "", out_, err_), 0);
  EXPECT_EQ(run_audit_verify(path_, "5:" + anchor_.hash, out_, err_), 1);
  EXPECT_NE(err_.str().find("truncated"), std::string::npos) << err_.str();
  EXPECT_EQ(run_audit_verify(path_, "garbage", out_, err_), 2);
  EXPECT_EQ(run_audit_verify((dir_ / "none").string(), "", out_, err_), 2);
}

TEST_F(AuditCommandTest, ExportRangeAndAnchorLine) {
  AuditExportOptions o{path_, "2023-11-15T06:15:00+08:00", "2023-11-15T06:17:00+08:00", "jsonl"};
  EXPECT_EQ(run_audit_export(o, out_, err_), 0) << err_.str();
  std::istringstream in(out_.str());
  std::vector<std::string> got;
  for (std::string l; std::getline(in, l);) got.push_back(l);
  ASSERT_EQ(got.size(), 3u) << out_.str();  // minutes 2 and 3 (at = base + i min), then the anchor
  EXPECT_NE(got[0].find("\"seq\":2"), std::string::npos);
  EXPECT_NE(got[2].find(anchor_.hash), std::string::npos);

  o.format = "xml";
  EXPECT_EQ(run_audit_export(o, out_, err_), 2);
  o.format = "csv";
  o.since = "yesterday-ish";
  EXPECT_EQ(run_audit_export(o, out_, err_), 2);
}

TEST_F(AuditCommandTest, ExportOfTamperedLogExitsOne) {
  auto v = lines();
  std::swap(v[1], v[2]);
  write(v);
  AuditExportOptions o{path_, "", "", "csv"};
  EXPECT_EQ(run_audit_export(o, out_, err_), 1);
  EXPECT_NE(out_.str().find("verified=false"), std::string::npos);
  EXPECT_NE(err_.str().find(":2: out_of_order"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace quanzu::app

#include "auth/audit_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace quanzu::auth {
namespace {

namespace fs = std::filesystem;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("quanzu-audit-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "audit.jsonl").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  static AuditEntry entry(int i) {
    AuditEntry e;
    e.at = 1700000000000 + Millis{i} * 1000;
    e.actor = "op" + std::to_string(i % 3);
    e.role = "station_operator";
    e.action = i % 2 ? "view_personal_data" : "case_event";
    e.target = "C-" + std::to_string(100 + i);
    e.from = "10.0.0." + std::to_string(i % 250) + ":5000";
    e.detail = R"({"n":)" + std::to_string(i) + "}";
    return e;
  }

  // Writes n entries through AuditLog and closes it.
  void write_entries(int n) {
    auto log = AuditLog::open(path_);
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 1; i <= n; ++i) ASSERT_TRUE((*log)->append(entry(i)));
  }

  std::vector<std::string> read_lines() {
    std::ifstream in(path_);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }
  void write_lines(const std::vector<std::string>& lines) {
    std::ofstream out(path_, std::ios::trunc);
    for (const auto& l : lines) out << l << '\n';
  }

  VerifyReport verify(const std::optional<AuditAnchor>& anchor = std::nullopt) {
    auto r = verify_audit(path_, anchor);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : VerifyReport{};
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(AuditLogTest, HashCoversEveryFieldWithLengthPrefixes) {
  AuditEntry a = entry(1);
  a.seq = 1;
  a.prev_hash = std::string(64, '0');
  const std::string h = audit_entry_hash(a);
  EXPECT_EQ(h.size(), 64u);
  AuditEntry b = a;
  b.actor = "op1s";  // move a byte from one field to the next: must not collide
  b.role = "tation_operator";
  EXPECT_NE(audit_entry_hash(b), h);
  for (auto field :
       {&AuditEntry::actor, &AuditEntry::role, &AuditEntry::action, &AuditEntry::target,
        &AuditEntry::from, &AuditEntry::detail, &AuditEntry::prev_hash}) {
    AuditEntry c = a;
    c.*field += "x";
    EXPECT_NE(audit_entry_hash(c), h);
  }
  AuditEntry d = a;
  d.at += 1;
  EXPECT_NE(audit_entry_hash(d), h);
  d = a;
  d.hash = "anything";  // not covered
  EXPECT_EQ(audit_entry_hash(d), h);
}

TEST_F(AuditLogTest, AppendSetsTheChainAndReopenContinuesIt) {
  {
    auto log = AuditLog::open(path_);
    ASSERT_TRUE(log) << log.error().message;
    auto first = (*log)->append(entry(1));
    ASSERT_TRUE(first);
    EXPECT_EQ(first->seq, 1);
    EXPECT_EQ(first->prev_hash, std::string(64, '0'));
    EXPECT_EQ(first->hash, audit_entry_hash(*first));
    auto second = (*log)->append(entry(2));
    ASSERT_TRUE(second);
    EXPECT_EQ(second->seq, 2);
    EXPECT_EQ(second->prev_hash, first->hash);
  }
  auto log = AuditLog::open(path_);
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_EQ((*log)->anchor().seq, 2);
  auto third = (*log)->append(entry(3));
  ASSERT_TRUE(third);
  EXPECT_EQ(third->seq, 3);
  log->reset();
  auto r = verify();
  EXPECT_TRUE(r.ok) << r.problems.front().message;
  EXPECT_EQ(r.entries, 3);
  EXPECT_EQ(r.last.seq, 3);
  EXPECT_EQ(r.last.hash, third->hash);
}

TEST_F(AuditLogTest, RefusesBadEntriesAndCleansText) {
  auto log = AuditLog::open(path_);
  ASSERT_TRUE(log);
  AuditEntry e = entry(1);
  e.action = "";
  EXPECT_EQ((*log)->append(e).error().code, Code::kInvalid);
  e = entry(1);
  e.detail = "[1,2]";
  EXPECT_EQ((*log)->append(e).error().code, Code::kInvalid);
  e = entry(1);
  e.target = std::string(5000, 'x');
  EXPECT_EQ((*log)->append(e).error().code, Code::kTooLarge);
  e = entry(1);
  e.actor = "bad\xff\xfe name \"quoted\"\n";
  e.detail = "";
  auto stored = (*log)->append(e);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->actor, "bad\xEF\xBF\xBD\xEF\xBF\xBD name \"quoted\"\n");
  EXPECT_EQ(stored->detail, "{}");
  EXPECT_EQ(stored->seq, 1);  // the refused ones took no seq
  log->reset();
  EXPECT_TRUE(verify().ok);
}

// A server and a CLI command (two open logs, as two processes would have) take turns: each
// continues the chain after the other's entries instead of forking it.
TEST_F(AuditLogTest, TwoWritersContinueOneChain) {
  auto server = AuditLog::open(path_);
  ASSERT_TRUE(server);
  auto cli = AuditLog::open(path_);
  ASSERT_TRUE(cli);
  for (int i = 0; i < 10; ++i) {
    auto a = (*server)->append(entry(i));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->seq, 2 * i + 1);
    auto b = (*cli)->append(entry(100 + i));
    ASSERT_TRUE(b);
    EXPECT_EQ(b->seq, 2 * i + 2);
    EXPECT_EQ(b->prev_hash, a->hash);
  }
  server->reset();
  cli->reset();
  auto report = verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.last.seq, 20);
}

TEST_F(AuditLogTest, ConcurrentAppendsFromFourThreadsMakeOneValidChain) {
  auto log = AuditLog::open(path_);
  ASSERT_TRUE(log);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) EXPECT_TRUE((*log)->append(entry(t * 1000 + i)));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ((*log)->anchor().seq, 200);
  log->reset();
  auto r = verify();
  EXPECT_TRUE(r.ok) << (r.ok ? "" : r.problems.front().message);
  EXPECT_EQ(r.entries, 200);
}

TEST_F(AuditLogTest, EditedFieldOfAMiddleEntryIsNamed) {
  write_entries(5);
  auto lines = read_lines();
  const auto at = lines[2].find("\"actor\":\"op0\"");
  ASSERT_NE(at, std::string::npos);
  lines[2].replace(at, 13, "\"actor\":\"op9\"");
  write_lines(lines);
  auto r = verify();
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, VerifyProblem::Kind::kChanged);
  EXPECT_EQ(r.problems[0].line, 3);
  EXPECT_EQ(r.problems[0].seq, 3);
  EXPECT_NE(r.problems[0].message.find("line 3 (seq 3)"), std::string::npos)
      << r.problems[0].message;
}

TEST_F(AuditLogTest, EditedAndRehashedEntryBreaksTheNextLink) {
  write_entries(5);
  // Rewrite entry 3 with a new hash, as a forger with the algorithm would.
  {
    auto lines = read_lines();
    std::vector<std::string> kept(lines.begin(), lines.begin() + 2);
    write_lines(kept);
    auto log = AuditLog::open(path_);
    ASSERT_TRUE(log);
    AuditEntry forged = entry(3);
    forged.actor = "someone_else";
    ASSERT_TRUE((*log)->append(forged));
    log->reset();
    auto forged_line = read_lines()[2];
    lines[2] = forged_line;
    write_lines(lines);
  }
  auto r = verify();
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, VerifyProblem::Kind::kChainBroken);
  EXPECT_EQ(r.problems[0].line, 4);
  EXPECT_NE(r.problems[0].message.find("line 3 (seq 3)"), std::string::npos)
      << r.problems[0].message;
}

TEST_F(AuditLogTest, DeletedLineIsNamed) {
  write_entries(6);
  auto lines = read_lines();
  lines.erase(lines.begin() + 3);  // seq 4
  write_lines(lines);
  auto r = verify();
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, VerifyProblem::Kind::kMissing);
  EXPECT_EQ(r.problems[0].line, 4);
  EXPECT_EQ(r.problems[0].seq, 5);
  EXPECT_NE(r.problems[0].message.find("missing"), std::string::npos);
  EXPECT_NE(r.problems[0].message.find("seq 4"), std::string::npos) << r.problems[0].message;
}

TEST_F(AuditLogTest, DeletedHeadIsNamed) {
  write_entries(4);
  auto lines = read_lines();
  lines.erase(lines.begin());
  write_lines(lines);
  auto r = verify();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.problems[0].kind, VerifyProblem::Kind::kMissing);
  EXPECT_EQ(r.problems[0].line, 1);
  EXPECT_NE(r.problems[0].message.find("seq 1"), std::string::npos) << r.problems[0].message;
}

TEST_F(AuditLogTest, SwappedLinesAreNamed) {
  write_entries(6);
  auto lines = read_lines();
  std::swap(lines[2], lines[3]);  // seq 3 and 4
  write_lines(lines);
  auto r = verify();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.problems[0].kind, VerifyProblem::Kind::kOutOfOrder);
  EXPECT_EQ(r.problems[0].line, 3);
  EXPECT_EQ(r.problems[0].seq, 4);
  EXPECT_NE(r.problems[0].message.find("reordered"), std::string::npos) << r.problems[0].message;
  for (const auto& p : r.problems) {
    EXPECT_NE(p.kind, VerifyProblem::Kind::kMissing) << p.message;  // nothing was deleted
    EXPECT_NE(p.kind, VerifyProblem::Kind::kChanged) << p.message;
  }
}

TEST_F(AuditLogTest, TruncatedTailIsCaughtOnlyWithAnAnchor) {
  write_entries(5);
  auto lines = read_lines();
  auto full = verify();
  ASSERT_TRUE(full.ok);
  const AuditAnchor anchor = full.last;
  lines.resize(3);
  write_lines(lines);
  EXPECT_TRUE(verify().ok);  // the file alone cannot tell
  auto r = verify_audit(path_, anchor.seq, anchor.hash);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  ASSERT_EQ(r->problems.size(), 1u);
  EXPECT_EQ(r->problems[0].kind, VerifyProblem::Kind::kAnchor);
  EXPECT_NE(r->problems[0].message.find("truncated"), std::string::npos) << r->problems[0].message;
  // An anchor the file still holds passes.
  auto at3 = verify_audit(path_, 3, verify().last.hash);
  ASSERT_TRUE(at3);
  EXPECT_TRUE(at3->ok);
  // An anchor of the empty log: every log extends it.
  auto empty = verify_audit(path_, 0, std::string(64, '0'));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->ok);
  // A wrong hash for an existing seq is named.
  auto wrong = verify_audit(path_, 2, std::string(64, 'a'));
  ASSERT_TRUE(wrong);
  EXPECT_FALSE(wrong->ok);
  EXPECT_EQ(wrong->problems[0].line, 2);
}

TEST_F(AuditLogTest, CorruptJsonIsNamedAndTheLogRefusesACorruptLastLine) {
  write_entries(4);
  auto lines = read_lines();
  lines[1] = lines[1].substr(0, 40);
  write_lines(lines);
  auto r = verify();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.problems[0].kind, VerifyProblem::Kind::kMalformed);
  EXPECT_EQ(r.problems[0].line, 2);
  EXPECT_EQ(r.entries, 3);

  // A torn last line (no newline) makes open() refuse, naming the line.
  lines = read_lines();
  write_lines({lines[0]});
  {
    std::ofstream out(path_, std::ios::app);
    out << lines[2].substr(0, 30);
  }
  auto log = AuditLog::open(path_);
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().message.find(":2: last line"), std::string::npos) << log.error().message;
  auto torn = verify();
  EXPECT_FALSE(torn.ok);
  EXPECT_EQ(torn.problems[0].line, 2);
}

TEST_F(AuditLogTest, UnexpectedMemberIsMalformed) {
  write_entries(2);
  auto lines = read_lines();
  lines[0].insert(1, "\"note\":\"x\",");
  write_lines(lines);
  auto r = verify();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.problems[0].kind, VerifyProblem::Kind::kMalformed);
  EXPECT_NE(r.problems[0].message.find("note"), std::string::npos);

  lines = read_lines();
  lines[1].replace(0, 8, "{\"seq\":-9");
  write_lines(lines);
  r = verify();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.problems.back().line, 2);
  EXPECT_EQ(r.problems.back().kind, VerifyProblem::Kind::kMalformed) << r.problems.back().message;
}

TEST_F(AuditLogTest, ExportFiltersByTimeAndEndsWithTheAnchor) {
  write_entries(5);  // at = base + 1000 * i
  ExportOptions options;
  options.since = 1700000000000 + 2000;
  options.until = 1700000000000 + 4000;
  std::ostringstream out;
  auto s = export_audit(path_, options, out);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->exported, 2);
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], read_lines()[1]);  // verbatim, so it can be re-hashed
  EXPECT_NE(lines[2].find("\"chain_last_seq\":5"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find(verify().last.hash), std::string::npos);
  EXPECT_NE(lines[2].find("\"verified\":true"), std::string::npos);

  options.format = ExportOptions::Format::kCsv;
  options.since.reset();
  std::ostringstream csv;
  ASSERT_TRUE(export_audit(path_, options, csv));
  std::istringstream cin(csv.str());
  std::vector<std::string> rows;
  for (std::string l; std::getline(cin, l);) rows.push_back(l);
  ASSERT_EQ(rows.size(), 1u + 3u + 1u);
  EXPECT_EQ(rows[0].rfind("seq,time,", 0), 0u);
  EXPECT_EQ(rows[1].rfind("1,2023-11-15T06:13:21.000+08:00,1700000001000,op1,", 0), 0u) << rows[1];
  EXPECT_NE(rows[1].find("\"{\"\"n\"\":1}\""), std::string::npos) << rows[1];
  EXPECT_EQ(rows[4].rfind("# chain_last_seq=5 chain_last_hash=", 0), 0u) << rows[4];
}

}  // namespace
}  // namespace quanzu::auth

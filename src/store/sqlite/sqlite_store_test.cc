#include "store/sqlite/sqlite_store.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>

#include <gtest/gtest.h>

#include "store/sqlite/schema.h"
#include "store/testing/store_contract.h"

namespace quanzu::store::sqlite {
namespace {

namespace fs = std::filesystem;

std::string temp_db_path() {
  static int n = 0;
  fs::path dir = fs::temp_directory_path() / ("quanzu-store-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path p = dir / ("db" + std::to_string(n++) + ".sqlite");
  fs::remove(p);
  fs::remove(p.string() + "-wal");
  fs::remove(p.string() + "-shm");
  return p.string();
}

std::unique_ptr<CaseStore> make_sqlite_store() {
  auto s = SqliteStore::open({temp_db_path()});
  EXPECT_TRUE(s.has_value()) << s.error().message;
  return std::move(*s);
}

using testing::StoreContract;
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Values(&make_sqlite_store));

TEST(SqliteStore, DataSurvivesReopenAndSchemaIsVersioned) {
  const std::string path = temp_db_path();
  std::string id;
  {
    auto s = SqliteStore::open({path});
    ASSERT_TRUE(s.has_value());
    auto r = testing::ingest_sync(**s, {testing::sample_case("I-1", 1000)});
    ASSERT_TRUE(r.has_value());
    id = (*r)[0].case_id;
  }
  auto s = SqliteStore::open({path});
  ASSERT_TRUE(s.has_value()) << s.error().message;
  auto got = (*s)->get(id);
  ASSERT_TRUE(got.has_value() && got->has_value());
  auto again = testing::ingest_sync(**s, {testing::sample_case("I-1", 2000)});
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE((*again)[0].created);

  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  Db db(raw);
  Stmt v(db.get(), "PRAGMA user_version");
  ASSERT_EQ(v.step(), SQLITE_ROW);
  EXPECT_EQ(v.int64(0), schema_version());
  Stmt mode(db.get(), "PRAGMA journal_mode");
  ASSERT_EQ(mode.step(), SQLITE_ROW);
  EXPECT_EQ(mode.text(0), "wal");
}

// Writes share a transaction; one that fails after writing some of its rows (here: its
// instruction row, then a case id already taken) must leave no trace, and the writes
// grouped with it must be stored all the same.
TEST(SqliteStore, AWriteFailingHalfwayUndoesOnlyItself) {
  auto s = SqliteStore::open({temp_db_path()});
  ASSERT_TRUE(s.has_value());
  CaseStore& store = **s;
  std::vector<NewCase> big;
  for (int i = 0; i < 2000; ++i) big.push_back(testing::sample_case("B-" + std::to_string(i), 1000));
  auto one = [](const std::string& instruction, const std::string& case_id) {
    NewCase c = testing::sample_case(instruction, 1000);
    c.kase.id = case_id;
    return std::vector<NewCase>{c};
  };
  // Queued back to back so that the last three share a transaction, behind the big one.
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<Result<std::vector<IngestOutcome>>>> results(4);
  auto record = [&](size_t i) {
    return [&, i](Result<std::vector<IngestOutcome>> r) {
      std::lock_guard lock(mu);
      results[i] = std::move(r);
      cv.notify_all();
    };
  };
  store.ingest(std::move(big), record(0));
  store.ingest(one("I-1", "C-1"), record(1));
  store.ingest(one("I-2", "C-1"), record(2));
  store.ingest(one("I-3", "C-3"), record(3));
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] {
      return std::all_of(results.begin(), results.end(), [](const auto& r) { return r.has_value(); });
    });
  }
  ASSERT_TRUE(results[0]->has_value());
  ASSERT_TRUE(results[1]->has_value());
  EXPECT_TRUE((**results[1])[0].created);
  EXPECT_FALSE(results[2]->has_value());
  ASSERT_TRUE(results[3]->has_value());
  EXPECT_TRUE((**results[3])[0].created);

  auto c1 = store.get("C-1");
  ASSERT_TRUE(c1.has_value() && c1->has_value());
  EXPECT_EQ((*c1)->instruction_id, "I-1");
  auto c3 = store.get("C-3");
  ASSERT_TRUE(c3.has_value() && c3->has_value());
  // The failed write's instruction row went with it: the instruction is new again.
  auto retry = testing::ingest_sync(store, one("I-2", "C-2"));
  ASSERT_TRUE(retry.has_value());
  EXPECT_TRUE((*retry)[0].created);
}

TEST(SqliteStore, RefusesADatabaseFromANewerBinary) {
  const std::string path = temp_db_path();
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    Db db(raw);
    ASSERT_TRUE(db.exec("PRAGMA user_version = 999").has_value());
  }
  auto s = SqliteStore::open({path});
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("newer than this binary"), std::string::npos);
}

TEST(SqliteStore, UnwritablePathIsAClearError) {
  auto s = SqliteStore::open({"/nonexistent-dir/x/quanzu.sqlite"});
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("/nonexistent-dir/x/quanzu.sqlite"), std::string::npos);
}

}  // namespace
}  // namespace quanzu::store::sqlite

#include "store/sqlite/sqlite_store.h"

#include <unistd.h>

#include <filesystem>

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

#include "app/store_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>

#include "store/crypt/cipher.h"

namespace quanzu::app {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status;
  std::string out, err;
};

Outcome run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int status = run_store_command(args, out, err);
  return {status, out.str(), err.str()};
}

fs::path temp_dir() {
  fs::path dir = fs::temp_directory_path() / ("quanzu-store-command-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(StoreCommand, KeygenCreatesAddsAndReplacesKeys) {
  const fs::path keys = temp_dir() / "store.keys";
  Outcome made = run({"keygen", keys.string()});
  ASSERT_EQ(made.status, 0) << made.err;
  struct stat st {};
  ASSERT_EQ(::stat(keys.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto first = store::crypt::Cipher::load(keys.string());
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ((*first)->current_key_id(), "k1");
  EXPECT_EQ((*first)->index_key_id(), "i1");

  Outcome added = run({"keygen", keys.string()});
  ASSERT_EQ(added.status, 0) << added.err;
  auto second = store::crypt::Cipher::load(keys.string());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ((*second)->current_key_id(), "k2");
  EXPECT_TRUE((*second)->has_key("k1"));
  EXPECT_EQ((*second)->blind_index("1"), (*first)->blind_index("1"));

  Outcome index = run({"keygen", keys.string(), "--index"});
  ASSERT_EQ(index.status, 0) << index.err;
  auto third = store::crypt::Cipher::load(keys.string());
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ((*third)->index_key_id(), "i2");
  EXPECT_EQ((*third)->current_key_id(), "k2");
  EXPECT_NE((*third)->blind_index("1"), (*first)->blind_index("1"));

  Outcome named = run({"keygen", keys.string(), "--id", "2027-q1"});
  ASSERT_EQ(named.status, 0) << named.err;
  EXPECT_EQ((*store::crypt::Cipher::load(keys.string()))->current_key_id(), "2027-q1");
  Outcome bad = run({"keygen", keys.string(), "--id", "a/b"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("--id must be"), std::string::npos);

  ASSERT_EQ(::chmod(keys.c_str(), 0640), 0);
  Outcome readable = run({"keygen", keys.string()});
  EXPECT_EQ(readable.status, 1);
  EXPECT_NE(readable.err.find("chmod 600 " + keys.string()), std::string::npos) << readable.err;
}

TEST(StoreCommand, RekeyNeedsAKeyFileAndAStore) {
  const fs::path dir = temp_dir();
  Outcome no_key = run({"rekey", "--data", dir.string()});
  EXPECT_EQ(no_key.status, 1);
  EXPECT_NE(no_key.err.find("no key file"), std::string::npos) << no_key.err;
  ASSERT_EQ(run({"keygen", (dir / "k").string()}).status, 0);
  Outcome no_store = run({"rekey", "--data", (dir / "none").string(), "--key-file", (dir / "k").string()});
  EXPECT_EQ(no_store.status, 1);
  EXPECT_NE(no_store.err.find("no store at " + (dir / "none" / "quanzu.sqlite").string()),
            std::string::npos)
      << no_store.err;
  EXPECT_EQ(run({"rekey", "--batch", "0", "--key-file", "x"}).status, 64);
  EXPECT_EQ(run({"frobnicate"}).status, 64);
  EXPECT_EQ(run({"keygen", "x", "--data", "d"}).status, 64);
}

}  // namespace
}  // namespace quanzu::app

#include "store/crypt/cipher.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace quanzu::store::crypt {
namespace {

std::string key_file_text(const std::string& index_id, const std::vector<std::string>& key_ids) {
  std::string text = "# test keys\n\nindex " + index_id + " " + new_key_base64() + "\n";
  for (const auto& id : key_ids) text += "key " + id + " " + new_key_base64() + "\n";
  return text;
}

std::string error_of(std::string_view text) {
  auto c = Cipher::parse(text, "keys.txt");
  return c ? std::string() : c.error().message;
}

TEST(Cipher, SealsWithTheLastKeyAndOpensWithAny) {
  const std::string a = key_file_text("i1", {"k1"});
  auto one = Cipher::parse(a, "a");
  ASSERT_TRUE(one.has_value()) << one.error().message;
  const std::string sealed = (*one)->seal("13800138000");
  EXPECT_TRUE(Cipher::is_sealed(sealed));
  EXPECT_EQ(Cipher::key_id_of(sealed), "k1");
  EXPECT_EQ(sealed.size(), 3 + 1 + 2 + 24 + 16 + 11u);
  EXPECT_EQ(sealed.find("13800138000"), std::string::npos);
  EXPECT_NE((*one)->seal("13800138000"), sealed) << "a fresh nonce per value";

  auto two = Cipher::parse(a + "key k2 " + new_key_base64() + "\n", "b");
  ASSERT_TRUE(two.has_value()) << two.error().message;
  EXPECT_EQ((*two)->current_key_id(), "k2");
  EXPECT_EQ((*two)->open(sealed).value(), "13800138000");
  EXPECT_EQ(Cipher::key_id_of((*two)->seal("x")), "k2");
  EXPECT_EQ((*two)->open((*two)->seal("")).value(), "");
  // The same index key gives the same blind index.
  EXPECT_EQ((*one)->blind_index("13800138000"), (*two)->blind_index("13800138000"));
  EXPECT_NE((*one)->blind_index("13800138000"), (*one)->blind_index("13800138001"));
}

TEST(Cipher, RefusesWrongKeysTamperedAndForeignValues) {
  auto c = Cipher::parse(key_file_text("i1", {"k1"}), "a.keys");
  auto other = Cipher::parse(key_file_text("i1", {"k1"}), "b.keys");  // same id, other bytes
  ASSERT_TRUE(c && other);
  std::string sealed = (*c)->seal("何某");
  auto wrong = (*other)->open(sealed);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, Code::kUnavailable);
  EXPECT_NE(wrong.error().message.find("wrong key bytes in b.keys or a tampered value"),
            std::string::npos)
      << wrong.error().message;

  std::string tampered = sealed;
  tampered[tampered.size() - 3] ^= 0x01;
  EXPECT_FALSE((*c)->open(tampered).has_value());

  auto missing = Cipher::parse(key_file_text("i1", {"k9"}), "c.keys");
  auto r = (*missing)->open(sealed);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("sealed with key k1, which c.keys does not have"),
            std::string::npos)
      << r.error().message;
  EXPECT_FALSE((*c)->open("13800138000").has_value());
  EXPECT_FALSE((*c)->open(std::string("qz\x01\x02k1short", 11)).has_value());
  EXPECT_FALSE(Cipher::is_sealed(std::string("qz\x01\x09k1", 6)));
}

TEST(Cipher, KeyFileErrorsNameTheLine) {
  const std::string k = new_key_base64();
  EXPECT_EQ(error_of("index i1 " + k + "\nkey k1\n"),
            "keys.txt:2: expected 'key ID BASE64' or 'index ID BASE64'");
  EXPECT_EQ(error_of("index i1 " + k + "\nkey k/1 " + k + "\n"),
            "keys.txt:2: key id must be 1-32 characters of A-Z a-z 0-9 _ -");
  EXPECT_EQ(error_of("index i1 " + k + "\n# c\nkey k1 c2hvcnQ=\n"),
            "keys.txt:3: key k1 is not the standard base64 of 32 bytes");
  EXPECT_EQ(error_of("index i1 " + k + "\nkey i1 " + new_key_base64() + "\n"),
            "keys.txt:2: key id i1 is already used on line 1");
  EXPECT_EQ(error_of("index i1 " + k + "\nindex i2 " + new_key_base64() + "\nkey k1 " + k + "\n"),
            "keys.txt:2: a second index key (the first is on line 1); keep exactly one");
  EXPECT_EQ(error_of("key k1 " + k + "\n"),
            "keys.txt: no 'index ID BASE64' line (the blind-index key)");
  EXPECT_EQ(error_of("index i1 " + k + "\n"), "keys.txt: no 'key ID BASE64' line (a data key)");
  // The key bytes never appear in a message.
  EXPECT_EQ(error_of("index i1 " + k + "\nkey k1 " + k + " extra\n").find(k), std::string::npos);
}

TEST(Cipher, RefusesAKeyFileOthersCanRead) {
  const auto path =
      std::filesystem::temp_directory_path() / ("quanzu-keys-" + std::to_string(getpid()));
  std::ofstream(path) << key_file_text("i1", {"k1"});
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto r = Cipher::load(path.string());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "key file " + path.string() +
                " is accessible to group or others (mode 0644); run: chmod 600 " + path.string());
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto ok = Cipher::load(path.string());
  EXPECT_TRUE(ok.has_value()) << ok.error().message;
  auto missing = Cipher::load(path.string() + "-none");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("cannot read key file " + path.string() + "-none"),
            std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace quanzu::store::crypt

// Encryption at rest with the real binary: `quanzu store keygen`, `quanzu serve` with
// [store] key_file, the case detail with the whole phone while the SQLite file holds none of
// it, the refusal to start without the key file, and a rotation with `quanzu store rekey`.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace quanzu::testing {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr const char* kPhone = "13987654321";
constexpr const char* kIdNumber = "500105199001011234";
constexpr const char* kAccount = "6222023602011234567";

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The subject's values found in the store's database file and WAL.
std::vector<std::string> leaked(const fs::path& data) {
  const std::string bytes =
      file_bytes(data / "quanzu.sqlite") + file_bytes(data / "quanzu.sqlite-wal");
  std::vector<std::string> out;
  for (const char* v : {kPhone, kIdNumber, kAccount, "何某"}) {
    if (bytes.find(v) != std::string::npos) out.push_back(v);
  }
  return out;
}

std::string instruction(const std::string& id) {
  std::string text = sample_instruction(id, kPhone);
  text.replace(text.find("6222000000000000"), 16, kAccount);
  return text;
}

std::string case_id_of(const HttpResponse& r) {
  json::value v = json::parse(r.body);
  return std::string(v.at("results").at(0).at("case_id").as_string());
}

TEST(StoreEncryption, ServeSealsPersonalDataAndRekeyRotatesTheKey) {
  const fs::path dir = fresh_dir("store-encryption");
  const fs::path data = dir / "data";
  const fs::path keys = dir / "store.keys";
  const fs::path config = dir / "quanzu.toml";
  std::ofstream(config) << "[store]\nkey_file = \"" << keys.string() << "\"\n";

  CommandResult made = run_command({quanzu_binary(), "store", "keygen", keys.string()});
  ASSERT_EQ(made.status, 0) << made.err;
  EXPECT_EQ(fs::status(keys).permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);

  std::string case_id;
  {
    auto server =
        ServerProcess::start(quanzu_binary(), data.string(), {"--config", config.string()});
    HttpClient client(server->host(), server->port());
  client.set_default_headers(server->auth());
    client.set_default_headers(server->auth());
    auto r = client.post("/api/v1/instructions", instruction("ENC-1"));
    ASSERT_EQ(r.status, 200u) << r.body;
    case_id = case_id_of(r);
    auto detail = client.get("/api/v1/cases/" + case_id);
    ASSERT_EQ(detail.status, 200u) << detail.body;
    EXPECT_NE(detail.body.find(kPhone), std::string::npos) << detail.body;
    EXPECT_NE(detail.body.find(kAccount), std::string::npos) << "the raw instruction, opened";
    // A repeat for the same phone is still recognised through the blind index.
    auto again = client.post("/api/v1/instructions", instruction("ENC-2"));
    ASSERT_EQ(again.status, 200u);
    auto repeat = client.get("/api/v1/cases/" + case_id_of(again));
    EXPECT_NE(repeat.body.find("repeat_phone_30d"), std::string::npos) << repeat.body;
    EXPECT_EQ(leaked(data), std::vector<std::string>{}) << "while serving (WAL included)";
    EXPECT_EQ(server->terminate(), 0);
  }
  EXPECT_EQ(leaked(data), std::vector<std::string>{}) << "after stopping";

  // Without the key file the server refuses to start, saying why.
  std::ofstream(dir / "plain.toml") << "[store]\n";
  try {
    ServerProcess::start(quanzu_binary(), data.string(),
                         {"--config", (dir / "plain.toml").string()});
    ADD_FAILURE() << "started on an encrypted store without its key file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is encrypted"), std::string::npos) << e.what();
  }

  // Rotation: add a key, rekey with the server stopped, drop the old key, read it all back.
  CommandResult added = run_command({quanzu_binary(), "store", "keygen", keys.string()});
  ASSERT_EQ(added.status, 0) << added.err;
  EXPECT_NE(added.out.find("added data key k2"), std::string::npos) << added.out;
  CommandResult rekeyed = run_command(
      {quanzu_binary(), "store", "rekey", "--data", data.string(), "--config", config.string()});
  ASSERT_EQ(rekeyed.status, 0) << rekeyed.err;
  EXPECT_NE(rekeyed.out.find("cases: 2 rewritten, 0 already current"), std::string::npos)
      << rekeyed.out;
  EXPECT_NE(rekeyed.out.find("keys no stored value needs any more: k1"), std::string::npos)
      << rekeyed.out;
  {
    std::string text = file_bytes(keys);
    size_t k1 = text.find("key k1 ");
    ASSERT_NE(k1, std::string::npos);
    text.erase(k1, text.find('\n', k1) + 1 - k1);
    std::ofstream(keys, std::ios::trunc) << text;
  }
  auto server = ServerProcess::start(quanzu_binary(), data.string(), {"--config", config.string()});
  HttpClient client(server->host(), server->port());
  client.set_default_headers(server->auth());
  auto detail = client.get("/api/v1/cases/" + case_id);
  ASSERT_EQ(detail.status, 200u) << detail.body;
  EXPECT_NE(detail.body.find(kPhone), std::string::npos);
  // Rekey refuses while the server has the store open.
  CommandResult busy = run_command(
      {quanzu_binary(), "store", "rekey", "--data", data.string(), "--config", config.string()});
  EXPECT_EQ(busy.status, 1);
  EXPECT_NE(busy.err.find("in use by another quanzu process"), std::string::npos) << busy.err;
}

}  // namespace
}  // namespace quanzu::testing

// Encryption at rest in the SQLite adapter: the contract suite with a key file, no personal
// data in the file's bytes, look-ups through blind indexes, rotation with `rekey`, and the
// refusals (wrong or missing key, tampered value, a store written the other way).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>

#include "store/crypt/cipher.h"
#include "store/sqlite/rekey.h"
#include "store/sqlite/sqlite_store.h"
#include "store/testing/store_contract.h"

namespace quanzu::store::sqlite {
namespace {

namespace fs = std::filesystem;
using crypt::Cipher;

fs::path temp_dir() {
  static int n = 0;
  fs::path dir = fs::temp_directory_path() /
                 ("quanzu-crypt-test-" + std::to_string(getpid()) + "-" + std::to_string(n++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Writes a key file (mode 600) and loads it.
std::shared_ptr<const Cipher> write_keys(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto c = Cipher::load(path.string());
  EXPECT_TRUE(c.has_value()) << c.error().message;
  return c ? *c : nullptr;
}

std::string key_line(const std::string& kind, const std::string& id) {
  return kind + " " + id + " " + crypt::new_key_base64() + "\n";
}

std::unique_ptr<CaseStore> make_encrypted_store() {
  const fs::path dir = temp_dir();
  Options options{(dir / "quanzu.sqlite").string()};
  options.cipher = write_keys(dir / "keys", key_line("index", "i1") + key_line("key", "k1"));
  auto s = SqliteStore::open(options);
  EXPECT_TRUE(s.has_value()) << s.error().message;
  return std::move(*s);
}

using testing::StoreContract;
INSTANTIATE_TEST_SUITE_P(SqliteEncrypted, StoreContract, ::testing::Values(&make_encrypted_store));

constexpr const char* kPhone = "13912345678";
constexpr const char* kName = "张三丰";
constexpr const char* kIdNumber = "500105199001011234";
constexpr const char* kAccount = "6222020200112233445";
constexpr const char* kAddress = "江北区石门大桥路123号";
constexpr const char* kResponderPhone = "13700001111";

// A case of the test subject, with personal data in every column that holds some.
NewCase subject_case(const std::string& instruction_id, Millis at,
                     const std::string& phone = kPhone) {
  NewCase n = testing::sample_case(instruction_id, at);
  n.kase.phone = phone;
  n.kase.subject_name = kName;
  n.kase.handling.address = kAddress;
  n.kase.outbound.push_back(
      {"sms", std::string(R"({"phone":")") + phone + R"(","text":"请勿转账"})"});
  n.instruction_raw = std::string(R"({"id":")") + instruction_id + R"(","subject":{"phone":")" +
                      phone + R"(","name":")" + kName + R"(","id_number":")" + kIdNumber +
                      R"("},"funds":{"victim_account":{"number":")" + kAccount + R"("}}})";
  n.link_keys = {"account:6200000000000001"};
  return n;
}

Mutator request_stop_payment(Millis at) {
  return [=](const cases::Case& current) -> Result<cases::Case> {
    cases::Case next = current;
    cases::StopPayment sp;
    sp.id = current.id + "-S1";
    sp.account = kAccount;
    sp.bank = "工商银行";
    sp.requested_at = at;
    next.handling.stop_payments.push_back(sp);
    next.version = current.version + 1;
    next.updated_at = at;
    next.timeline = {
        {0, at, "stop_payment", "op", std::string(R"({"account":")") + kAccount + R"("})"}};
    next.outbound = {{"bank", std::string(R"({"account":")") + kAccount + R"("})"}};
    return next;
  };
}

ResponderMutator register_responder(Millis at) {
  return [=](const std::optional<cases::Responder>& current) -> Result<cases::Responder> {
    cases::Responder r = current.value_or(cases::Responder{});
    r.name = "李警官";
    r.phone = kResponderPhone;
    r.station_code = "500105-01";
    r.updated_at = at;
    return r;
  };
}

Result<cases::Responder> responder_sync(CaseStore& store, ResponderMutator mutate,
                                        const std::string& id = "R1") {
  std::promise<Result<cases::Responder>> promise;
  auto future = promise.get_future();
  store.update_responder(id, std::move(mutate),
                         [&](Result<cases::Responder> r) { promise.set_value(std::move(r)); });
  return future.get();
}

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The personal values found in the database file and its WAL.
std::vector<std::string> leaked(const fs::path& db) {
  std::string bytes = file_bytes(db) + file_bytes(db.string() + "-wal");
  std::vector<std::string> out;
  for (const char* v : {kPhone, kName, kIdNumber, kAccount, kAddress, kResponderPhone}) {
    if (bytes.find(v) != std::string::npos) out.push_back(v);
  }
  return out;
}

// Writes the subject's data: two cases (a repeat), a cluster of three people, a stop-payment,
// a responder. Returns the first case's id.
std::string write_everything(CaseStore& store) {
  auto r = testing::ingest_sync(
      store, {subject_case("I-1", 1000), subject_case("I-2", 2000),
              subject_case("I-3", 3000, "13900000002"), subject_case("I-4", 4000, "13900000003")});
  EXPECT_TRUE(r.has_value()) << r.error().message;
  const std::string id = (*r)[0].case_id;
  auto u = testing::update_sync(store, id, request_stop_payment(5000));
  EXPECT_TRUE(u.has_value()) << u.error().message;
  auto d = responder_sync(store, register_responder(5000));
  EXPECT_TRUE(d.has_value()) << d.error().message;
  return id;
}

// Reads back everything write_everything wrote, through every read that opens a value.
void expect_everything(CaseStore& store, const std::string& id) {
  auto got = store.get(id);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  const cases::Case& c = **got;
  EXPECT_EQ(c.phone, kPhone);
  EXPECT_EQ(c.subject_name, kName);
  EXPECT_NE(c.instruction_raw.find(kIdNumber), std::string::npos);
  EXPECT_EQ(c.handling.address, kAddress);
  ASSERT_EQ(c.handling.stop_payments.size(), 1u);
  EXPECT_EQ(c.handling.stop_payments[0].account, kAccount);
  ASSERT_EQ(c.timeline.size(), 2u);
  EXPECT_NE(c.timeline[1].data.find(kAccount), std::string::npos);
  // Repeat detection: the same phone was warned before.
  EXPECT_EQ(store.last_warning_for_phone(kPhone, std::nullopt).value(),
            std::optional<Millis>(1000));
  EXPECT_EQ(store.last_warning_for_phone(kPhone, 2000).value(), std::optional<Millis>(0));
  EXPECT_EQ(store.last_warning_for_phone("13900000009", std::nullopt).value(), std::nullopt);
  // Clusters: three people named the same account.
  auto phones = store.phones_for_key("account:6200000000000001", 0, 10);
  ASSERT_TRUE(phones.has_value()) << phones.error().message;
  std::sort(phones->begin(), phones->end());
  EXPECT_EQ(*phones, (std::vector<std::string>{"13900000002", "13900000003", kPhone}));
  auto links = store.links({"account:6200000000000001"}, 0, 10);
  ASSERT_TRUE(links.has_value()) << links.error().message;
  ASSERT_EQ(links->size(), 4u);
  EXPECT_EQ(links->back().phone, kPhone);
  auto clusters = store.clusters(0, 3, 10);
  ASSERT_TRUE(clusters.has_value());
  ASSERT_EQ(clusters->size(), 1u);
  EXPECT_EQ((*clusters)[0].people, 3);
  EXPECT_EQ((*clusters)[0].cases, 4);
  auto stats = store.stats({});
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->cases, 4);
  auto outbox = store.due_outbox(INT64_MAX, 100);
  ASSERT_TRUE(outbox.has_value()) << outbox.error().message;
  ASSERT_EQ(outbox->size(), 5u);
  EXPECT_NE(outbox->back().payload.find(kAccount), std::string::npos);
  auto r = store.responder("R1");
  ASSERT_TRUE(r.has_value() && r->has_value());
  EXPECT_EQ((*r)->phone, kResponderPhone);
  auto page = store.list({}, std::nullopt, 10);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->cases.size(), 4u);
  EXPECT_TRUE(store.sla_rows({}).has_value());
  EXPECT_TRUE(store.changes_since(0, 100).has_value());
}

class Encryption : public ::testing::Test {
 protected:
  fs::path dir_ = temp_dir();
  fs::path db_ = dir_ / "quanzu.sqlite";
  std::string index_ = key_line("index", "i1");
  std::string key_a_ = key_line("key", "k1");
  std::string key_b_ = key_line("key", "k2");

  Result<std::unique_ptr<SqliteStore>> open(std::shared_ptr<const Cipher> cipher) {
    Options options{db_.string()};
    options.cipher = std::move(cipher);
    return SqliteStore::open(options);
  }
  std::shared_ptr<const Cipher> keys(const std::string& text, const std::string& name = "keys") {
    return write_keys(dir_ / name, text);
  }
};

TEST_F(Encryption, TheFileHoldsNoPersonalDataAndEverythingReadsBack) {
  auto store = open(keys(index_ + key_a_));
  ASSERT_TRUE(store.has_value()) << store.error().message;
  const std::string id = write_everything(**store);
  expect_everything(**store, id);
  EXPECT_EQ(leaked(db_), std::vector<std::string>{}) << "while open, WAL included";
  store->reset();
  EXPECT_EQ(leaked(db_), std::vector<std::string>{}) << "after close";
}

TEST_F(Encryption, WithoutAKeyTheSameDataIsInTheFile) {
  // The check above can fail: without a key file the same writes leave every value readable.
  auto store = open(nullptr);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  const std::string id = write_everything(**store);
  expect_everything(**store, id);
  EXPECT_EQ(leaked(db_).size(), 6u);
}

TEST_F(Encryption, RotationRekeysEverythingSoTheOldKeyCanGo) {
  std::string id;
  {
    auto store = open(keys(index_ + key_a_));
    ASSERT_TRUE(store.has_value()) << store.error().message;
    id = write_everything(**store);
  }
  {
    // Key B added: old values still open, new ones are sealed with B.
    auto store = open(keys(index_ + key_a_ + key_b_));
    ASSERT_TRUE(store.has_value()) << store.error().message;
    expect_everything(**store, id);
    ASSERT_TRUE(responder_sync(**store, register_responder(6000), "R2").has_value());
    // Rekey refuses while the store is open.
    auto busy = rekey(db_.string(), *keys(index_ + key_a_ + key_b_));
    ASSERT_FALSE(busy.has_value());
    EXPECT_EQ(busy.error().code, Code::kConflict);
    EXPECT_NE(busy.error().message.find("in use by another quanzu process"), std::string::npos);
  }
  // Without A before the rekey: refused at open, naming the key.
  auto early = open(keys(index_ + key_b_, "keys-b"));
  ASSERT_FALSE(early.has_value());
  EXPECT_NE(early.error().message.find("holds values sealed with key k1, which " +
                                       (dir_ / "keys-b").string() + " does not have"),
            std::string::npos)
      << early.error().message;

  auto report = rekey(db_.string(), *keys(index_ + key_a_ + key_b_), 2);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->from, "secretbox");
  EXPECT_FALSE(report->index_recomputed);
  EXPECT_EQ(report->retired_keys, std::vector<std::string>{"k1"});
  ASSERT_EQ(report->tables.size(), 5u);
  EXPECT_EQ(report->tables[0].table, "cases");
  EXPECT_EQ(report->tables[0].rewritten, 4);
  EXPECT_EQ(report->tables[0].unchanged, 0);
  EXPECT_EQ(report->tables[4].table, "responders");
  EXPECT_EQ(report->tables[4].rewritten, 1);
  EXPECT_EQ(report->tables[4].unchanged, 1);  // R2 was sealed with B already

  auto store = open(keys(index_ + key_b_, "keys-b"));
  ASSERT_TRUE(store.has_value()) << store.error().message;
  expect_everything(**store, id);
  EXPECT_EQ(file_bytes(db_).find(std::string("qz\x01\x02k1", 6)), std::string::npos);
  EXPECT_NE(file_bytes(db_).find(std::string("qz\x01\x02k2", 6)), std::string::npos);
  EXPECT_EQ(leaked(db_), std::vector<std::string>{});
}

TEST_F(Encryption, RekeyEncryptsAPlainStoreAndANewIndexKeyIsRecomputed) {
  std::string id;
  {
    auto store = open(nullptr);
    ASSERT_TRUE(store.has_value());
    id = write_everything(**store);
  }
  // A key file on a plain store with data: refused, naming the way out.
  auto refused = open(keys(index_ + key_a_));
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("was written without encryption"), std::string::npos);
  EXPECT_NE(refused.error().message.find("quanzu store rekey"), std::string::npos);

  auto report = rekey(db_.string(), *keys(index_ + key_a_), 3);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->from, "none");
  EXPECT_TRUE(report->index_recomputed);
  EXPECT_EQ(report->tables[0].rewritten, 4);
  EXPECT_EQ(leaked(db_), std::vector<std::string>{})
      << "old plain text left in free pages or the WAL";
  {
    auto store = open(keys(index_ + key_a_));
    ASSERT_TRUE(store.has_value()) << store.error().message;
    expect_everything(**store, id);
  }
  // A new index key: refused until a rekey recomputes the indexes.
  const std::string new_index = key_line("index", "i2");
  auto stale = open(keys(new_index + key_a_, "keys-i2"));
  ASSERT_FALSE(stale.has_value());
  EXPECT_NE(stale.error().message.find("blind indexes made with index key i1"), std::string::npos)
      << stale.error().message;
  auto again = rekey(db_.string(), *keys(new_index + key_a_, "keys-i2"));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_TRUE(again->index_recomputed);
  auto store = open(keys(new_index + key_a_, "keys-i2"));
  ASSERT_TRUE(store.has_value()) << store.error().message;
  expect_everything(**store, id);
}

TEST_F(Encryption, WrongMissingKeysAndTamperedValuesAreClearErrors) {
  std::string id;
  {
    auto store = open(keys(index_ + key_a_));
    ASSERT_TRUE(store.has_value());
    id = write_everything(**store);
  }
  auto no_key = open(nullptr);
  ASSERT_FALSE(no_key.has_value());
  EXPECT_NE(no_key.error().message.find(
                "is encrypted (data keys k1, index key i1): set [store] key_file"),
            std::string::npos)
      << no_key.error().message;

  auto wrong_bytes = open(keys(index_ + key_line("key", "k1"), "keys-wrong"));
  ASSERT_FALSE(wrong_bytes.has_value());
  EXPECT_NE(wrong_bytes.error().message.find("key k1 in " + (dir_ / "keys-wrong").string() +
                                             " is not the key that sealed values"),
            std::string::npos)
      << wrong_bytes.error().message;
  auto wrong_index = open(keys(key_line("index", "i1") + key_a_, "keys-wrong-index"));
  ASSERT_FALSE(wrong_index.has_value());
  EXPECT_NE(wrong_index.error().message.find("not the key that made the blind indexes"),
            std::string::npos);

  // Tamper with one byte of the sealed name of the case.
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &raw), SQLITE_OK);
    Db db(raw);
    Stmt read(db.get(), "SELECT subject_name FROM cases WHERE id = ?");
    read.bind(1, id);
    ASSERT_EQ(read.step(), SQLITE_ROW);
    std::string sealed = read.text(0);
    sealed[sealed.size() - 2] ^= 0x01;
    Stmt write(db.get(), "UPDATE cases SET subject_name = ? WHERE id = ?");
    write.bind_blob(1, sealed).bind(2, id);
    ASSERT_TRUE(write.run().has_value());
  }
  auto store = open(keys(index_ + key_a_));
  ASSERT_TRUE(store.has_value()) << store.error().message;
  auto got = (*store)->get(id);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Code::kUnavailable);
  EXPECT_NE(got.error().message.find("cannot decrypt the name of case " + id), std::string::npos)
      << got.error().message;
  EXPECT_NE(got.error().message.find("a tampered value"), std::string::npos);
  EXPECT_FALSE((*store)->list({}, std::nullopt, 10).has_value());
}

TEST_F(Encryption, AKeyFileOnANewStoreTurnsEncryptionOn) {
  {
    auto store = open(nullptr);  // created, nothing personal written yet
    ASSERT_TRUE(store.has_value());
  }
  auto store = open(keys(index_ + key_a_));
  ASSERT_TRUE(store.has_value()) << store.error().message;
  write_everything(**store);
  store->reset();
  EXPECT_FALSE(open(nullptr).has_value());
}

}  // namespace
}  // namespace quanzu::store::sqlite

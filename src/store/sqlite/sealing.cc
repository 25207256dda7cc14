#include "store/sqlite/sealing.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace quanzu::store::sqlite {
namespace {

std::string join(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ' ';
    out += id;
  }
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t space = text.find(' ', start);
    if (space == std::string::npos) space = text.size();
    if (space > start) out.push_back(text.substr(start, space - start));
    start = space + 1;
  }
  return out;
}

// Whether the file holds any value that would be sealed.
Result<bool> holds_personal_data(const Db& db) {
  Stmt s(db.get(),
         "SELECT EXISTS(SELECT 1 FROM instructions) OR EXISTS(SELECT 1 FROM responders) OR "
         "EXISTS(SELECT 1 FROM outbox) OR EXISTS(SELECT 1 FROM cases)");
  if (!s.ok() || s.step() != SQLITE_ROW) return fail(Code::kUnavailable, "sqlite: " + db.error());
  return s.int64(0) != 0;
}

constexpr std::string_view kKeyCheck = "quanzu key check";
constexpr std::string_view kIndexCheck = "quanzu index check";

}  // namespace

void add_checks(Meta& meta, const crypt::Cipher& cipher) {
  meta.checks[cipher.current_key_id()] = cipher.seal(kKeyCheck);
  meta.index_check = cipher.blind_index(kIndexCheck);
}

Result<std::string> Sealing::open(std::string_view stored, std::string_view what) const {
  if (!cipher_) return std::string(stored);
  auto plain = cipher_->open(stored);
  if (!plain) {
    return fail(Code::kUnavailable,
                "cannot decrypt " + std::string(what) + ": " + plain.error().message);
  }
  return plain;
}

Result<Meta> read_meta(const Db& db) {
  Stmt s(db.get(), "SELECT name, value FROM store_meta");
  if (!s.ok()) return fail(Code::kUnavailable, "sqlite: " + s.prepare_error());
  Meta meta;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    const std::string name = s.text(0);
    if (name == "encryption")
      meta.encryption = s.text(1);
    else if (name == "index_key")
      meta.index_key = s.text(1);
    else if (name == "data_keys")
      meta.data_keys = split(s.text(1));
    else if (name == "rekey_from")
      meta.rekey_from = s.text(1);
    else if (name == "index_check")
      meta.index_check = s.text(1);
    else if (name.starts_with("check:"))
      meta.checks[name.substr(6)] = s.text(1);
  }
  if (rc != SQLITE_DONE) return fail(Code::kUnavailable, "sqlite: " + db.error());
  return meta;
}

Result<bool> write_meta(const Db& db, const Meta& meta) {
  Stmt s(db.get(),
         "INSERT INTO store_meta(name, value) VALUES (?, ?) "
         "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  if (!s.ok()) return fail(Code::kUnavailable, "sqlite: " + s.prepare_error());
  for (const auto& [name, value] :
       {std::pair<const char*, std::string>{"encryption", meta.encryption},
        {"index_key", meta.index_key},
        {"data_keys", join(meta.data_keys)},
        {"rekey_from", meta.rekey_from},
        {"index_check", meta.index_check}}) {
    if (auto r = s.reset().bind(1, std::string_view(name)).bind(2, value).run(); !r) return r;
  }
  if (auto r = db.exec("DELETE FROM store_meta WHERE name LIKE 'check:%'"); !r) return r;
  for (const auto& [id, check] : meta.checks) {
    if (auto r = s.reset().bind(1, "check:" + id).bind_blob(2, check).run(); !r) return r;
  }
  return true;
}

Result<bool> check_encryption(const Db& db, const std::string& path, const crypt::Cipher* cipher) {
  auto meta = read_meta(db);
  if (!meta) return tl::unexpected(meta.error());
  if (meta->encryption == "rekeying") {
    return fail(Code::kUnavailable,
                "store " + path +
                    " was left half re-encrypted by an interrupted 'quanzu store "
                    "rekey'; run it again to finish");
  }
  if (meta->encryption != "none" && meta->encryption != "secretbox") {
    return fail(Code::kUnavailable,
                "store " + path + " has unknown encryption '" + meta->encryption + "'");
  }
  if (!cipher) {
    if (meta->encryption == "none") return true;
    return fail(Code::kUnavailable, "store " + path + " is encrypted (data keys " +
                                        join(meta->data_keys) + ", index key " + meta->index_key +
                                        "): set [store] key_file to its key file");
  }
  if (meta->encryption == "none") {
    auto personal = holds_personal_data(db);
    if (!personal) return tl::unexpected(personal.error());
    if (*personal) {
      return fail(
          Code::kUnavailable,
          "store " + path +
              " was written without encryption and [store] key_file is set: "
              "stop every quanzu using it and run 'quanzu store rekey' to encrypt it, or remove "
              "key_file");
    }
    Meta on{"secretbox", cipher->index_key_id(), {cipher->current_key_id()}, "", {}, ""};
    add_checks(on, *cipher);
    return write_meta(db, on);
  }
  if (meta->index_key != cipher->index_key_id()) {
    return fail(Code::kUnavailable,
                "store " + path + " has blind indexes made with index key " + meta->index_key +
                    " but " + cipher->file() + " has index key " + cipher->index_key_id() +
                    ": run 'quanzu store rekey' to recompute them, or restore the "
                    "old index line");
  }
  if (!meta->index_check.empty() && meta->index_check != cipher->blind_index(kIndexCheck)) {
    return fail(Code::kUnavailable, "index key " + cipher->index_key_id() + " in " +
                                        cipher->file() +
                                        " is not the key that made the blind indexes of store " +
                                        path + " (same id, other bytes)");
  }
  for (const auto& id : meta->data_keys) {
    if (!cipher->has_key(id)) {
      return fail(Code::kUnavailable, "store " + path + " holds values sealed with key " + id +
                                          ", which " + cipher->file() +
                                          " does not have: put that key line back");
    }
    auto check = meta->checks.find(id);
    if (check != meta->checks.end() && cipher->open(check->second).value_or("") != kKeyCheck) {
      return fail(Code::kUnavailable, "key " + id + " in " + cipher->file() +
                                          " is not the key that sealed values in store " + path +
                                          " (same id, other bytes)");
    }
  }
  const auto& current = cipher->current_key_id();
  if (std::find(meta->data_keys.begin(), meta->data_keys.end(), current) == meta->data_keys.end()) {
    meta->data_keys.push_back(current);
    add_checks(*meta, *cipher);
    return write_meta(db, *meta);
  }
  return true;
}

Result<StoreLock> StoreLock::acquire(const std::string& db_path, bool exclusive) {
  const std::string path = db_path + ".lock";
  StoreLock lock;
  lock.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock.fd_ < 0)
    return fail(Code::kUnavailable, "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(lock.fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK)
      return fail(Code::kUnavailable, "cannot lock " + path + ": " + std::strerror(errno));
    return fail(Code::kConflict, exclusive ? "store " + db_path +
                                                 " is in use by another quanzu process (a running "
                                                 "server?): stop it first"
                                           : "store " + db_path +
                                                 " is being re-encrypted by 'quanzu store rekey'; "
                                                 "wait for it to finish");
  }
  return lock;
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace quanzu::store::sqlite

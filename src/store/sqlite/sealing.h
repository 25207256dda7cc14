// How this adapter applies encryption at rest (store/crypt/cipher.h): it seals the personal
// columns, keeps blind indexes where phones are looked up, records in store_meta how the
// file is encrypted, and holds the lock file that keeps `quanzu store rekey` and open stores
// apart.
//
// Sealed columns: instructions.raw, cases.subject_name, cases.handling, cases.phone_sealed,
// timeline.data, outbox.payload, outbox.last_error, responders.phone. Blind indexes:
// cases.phone, links.phone. Without a key file every column holds plain text and
// cases.phone_sealed is NULL.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/crypt/cipher.h"
#include "store/sqlite/db.h"

namespace quanzu::store::sqlite {

// Seals and opens stored values; without a cipher, values pass through unchanged.
class Sealing {
 public:
  explicit Sealing(std::shared_ptr<const crypt::Cipher> cipher = nullptr)
      : cipher_(std::move(cipher)) {}

  bool on() const { return cipher_ != nullptr; }
  const crypt::Cipher* cipher() const { return cipher_.get(); }
  std::string seal(std::string_view plain) const {
    return cipher_ ? cipher_->seal(plain) : std::string(plain);
  }
  // `what` names the value for the error, e.g. "the phone of case C-...".
  Result<std::string> open(std::string_view stored, std::string_view what) const;
  // What is stored (and looked up) for a phone: its blind index, or the phone itself.
  std::string index(std::string_view phone) const {
    return cipher_ ? cipher_->blind_index(phone) : std::string(phone);
  }

 private:
  std::shared_ptr<const crypt::Cipher> cipher_;
};

// The rows of store_meta.
struct Meta {
  std::string encryption = "none";     // none | secretbox | rekeying (an unfinished rekey)
  std::string index_key;               // id of the key of the blind indexes
  std::vector<std::string> data_keys;  // ids of the keys that may have sealed stored values
  std::string rekey_from;              // while rekeying: the encryption it started from
  // A known text sealed with each data key, and the blind index of another, so that a key
  // line with the right id but other bytes is refused at open, not at the first read.
  std::map<std::string, std::string> checks;
  std::string index_check;
};
// The key checks of `meta` for the key file's current keys (the current data key added).
void add_checks(Meta& meta, const crypt::Cipher& cipher);
Result<Meta> read_meta(const Db& db);
Result<bool> write_meta(const Db& db, const Meta& meta);

// At open: refuses a file whose encryption does not match the key file (`cipher` null: no
// key file), naming `path`, the key ids and the way out. Records the key file's current key
// among the data keys; turns encryption on for a file that holds no personal data yet.
Result<bool> check_encryption(const Db& db, const std::string& path, const crypt::Cipher* cipher);

// An flock(2) on "<database>.lock": shared by every open store, exclusive for a rekey. A
// separate file because SQLite's own POSIX locks on the database must not be disturbed.
class StoreLock {
 public:
  StoreLock() = default;
  // Fails with Code::kConflict when the lock is held the other way (without waiting).
  static Result<StoreLock> acquire(const std::string& db_path, bool exclusive);
  StoreLock(StoreLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StoreLock& operator=(StoreLock&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  ~StoreLock();

 private:
  int fd_ = -1;
};

}  // namespace quanzu::store::sqlite

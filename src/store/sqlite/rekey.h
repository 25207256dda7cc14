// `quanzu store rekey`: re-encrypts a SQLite store with the key file's current key, or
// encrypts a store written without one. Needs every other user of the store stopped.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/crypt/cipher.h"

namespace quanzu::store::sqlite {

struct RekeyTable {
  std::string table;
  std::int64_t rewritten = 0;  // rows whose values were (re-)sealed or whose index changed
  std::int64_t unchanged = 0;  // rows already sealed with the current key and index key
};

struct RekeyReport {
  std::string from;               // "none" (was plain text) or "secretbox"
  bool index_recomputed = false;  // the index key changed (or the store was plain)
  std::vector<RekeyTable> tables;
  std::vector<std::string> retired_keys;  // data keys no stored value needs any more
};

// Opens every sealed value with any key of `cipher` and seals it again with its current
// key (plain values too, when the store was written without encryption), recomputes the
// blind indexes with its index key, in transactions of at most `batch_rows` rows, then
// records that only the current key is in use and compacts the file (VACUUM, WAL truncated)
// so no old bytes remain in free pages. Fails with Code::kConflict, changing nothing, while
// another process has the store open. An interrupted rekey leaves the store marked so that
// no server opens it; running rekey again finishes it. `progress` (may be empty) hears each
// committed batch.
Result<RekeyReport> rekey(const std::string& path, const crypt::Cipher& cipher,
                          size_t batch_rows = 1000,
                          const std::function<void(const RekeyTable&)>& progress = {});

}  // namespace quanzu::store::sqlite

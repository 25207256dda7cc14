// Versioned schema of the SQLite store. Each migration runs once, in order, in its own
// transaction; PRAGMA user_version records how far a database has come.
#pragma once

#include "base/result.h"
#include "store/sqlite/db.h"

namespace quanzu::store::sqlite {

// The schema version this binary writes.
int schema_version();

// Brings the database up to schema_version(). Fails (and changes nothing) when the
// database was written by a newer binary.
Result<bool> migrate(const Db& db);

}  // namespace quanzu::store::sqlite

#include "store/sqlite/schema.h"

#include <string>
#include <vector>

namespace quanzu::store::sqlite {
namespace {

// Append only: a released migration is never edited.
const std::vector<const char*>& migrations() {
  static const std::vector<const char*> kMigrations{
      // 1: instructions, cases, timelines and the change log behind the live stream.
      R"sql(
CREATE TABLE instructions (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  raw TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  instruction_id TEXT NOT NULL UNIQUE,
  level TEXT NOT NULL,
  reasons TEXT NOT NULL,
  rules_version TEXT NOT NULL,
  station_code TEXT NOT NULL,
  station_name TEXT NOT NULL,
  district_adcode TEXT NOT NULL,
  routing_method TEXT NOT NULL,
  status TEXT NOT NULL,
  outcome TEXT,
  amount_protected INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  trigger TEXT NOT NULL,
  scam_type TEXT NOT NULL,
  phone TEXT NOT NULL,
  subject_name TEXT NOT NULL,
  age INTEGER,
  at_risk INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX cases_by_created ON cases(created_at, id);
CREATE INDEX cases_by_station ON cases(station_code, created_at, id);
CREATE INDEX cases_by_phone ON cases(phone, created_at);
CREATE TABLE timeline (
  case_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;
CREATE TABLE changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL
);
)sql",
      // 2: links between a case and the counterparty accounts / URLs / domains it names, to
      // find the other people of a fraud cluster (由点及面).
      R"sql(
CREATE TABLE links (
  key TEXT NOT NULL,
  case_id TEXT NOT NULL,
  phone TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (key, case_id)
) WITHOUT ROWID;
CREATE INDEX links_by_key_at ON links(key, at);
CREATE INDEX links_by_case ON links(case_id);
)sql",
      // 3: the outbox: messages a change causes, written with it, delivered afterwards.
      R"sql(
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  delivered_at INTEGER,
  last_error TEXT
);
CREATE INDEX outbox_due ON outbox(next_at) WHERE delivered_at IS NULL;
)sql",
      // 4: handling (处置): the plan state of each case as JSON, the index of its earliest
      // deadline and of its open call task; stop-payments by station; responders.
      R"sql(
ALTER TABLE cases ADD COLUMN handling TEXT NOT NULL DEFAULT '{}';
ALTER TABLE cases ADD COLUMN next_due_at INTEGER;
ALTER TABLE cases ADD COLUMN task_due_at INTEGER;
CREATE INDEX cases_due ON cases(next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX cases_tasks ON cases(station_code, task_due_at) WHERE task_due_at IS NOT NULL;
CREATE TABLE stop_payments (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  station_code TEXT NOT NULL,
  status TEXT NOT NULL,
  expires_at INTEGER
) WITHOUT ROWID;
CREATE INDEX stop_payments_by_case ON stop_payments(case_id);
CREATE INDEX stop_payments_open ON stop_payments(station_code, expires_at)
  WHERE status IN ('requested', 'active', 'release_requested');
CREATE TABLE responders (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  phone TEXT NOT NULL,
  station_code TEXT NOT NULL,
  on_duty INTEGER NOT NULL DEFAULT 0,
  lat REAL,
  lon REAL,
  position_at INTEGER NOT NULL DEFAULT 0,
  visit_id TEXT NOT NULL DEFAULT '',
  case_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX responders_by_station ON responders(station_code);
)sql",
      // 5: people's logins and machine clients' API tokens (auth/users). A token is kept
      // only as the SHA-256 of its secret; scopes are space-separated wire names.
      R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  role TEXT NOT NULL,
  station_code TEXT NOT NULL DEFAULT '',
  responder_id TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
) WITHOUT ROWID;
)sql",
      // 6: people's login sessions (auth/users/session.h), kept by the hash of the secret.
      R"sql(
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL COLLATE NOCASE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  client TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX sessions_by_last_seen ON sessions(last_seen_at);
)sql",
      // 7: encryption at rest ([store] key_file; sealing.h): how the file is encrypted, and
      // the sealed phone of each case, whose `phone` then holds the phone's blind index.
      // Every file written before this was written without encryption.
      R"sql(
CREATE TABLE store_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO store_meta(name, value) VALUES ('encryption', 'none');
ALTER TABLE cases ADD COLUMN phone_sealed TEXT;
)sql",
  };
  return kMigrations;
}

}  // namespace

int schema_version() { return static_cast<int>(migrations().size()); }

Result<bool> migrate(const Db& db) {
  Stmt version(db.get(), "PRAGMA user_version");
  if (!version.ok()) return fail(Code::kUnavailable, "sqlite: " + version.prepare_error());
  int current = version.step() == SQLITE_ROW ? static_cast<int>(version.int64(0)) : 0;
  if (current > schema_version()) {
    return fail(Code::kUnavailable, "database schema version " + std::to_string(current) +
                                        " is newer than this binary's (" +
                                        std::to_string(schema_version()) + "); upgrade quanzu");
  }
  for (int v = current; v < schema_version(); ++v) {
    std::string sql = "BEGIN IMMEDIATE;\n";
    sql += migrations()[static_cast<size_t>(v)];
    sql += "\nPRAGMA user_version = " + std::to_string(v + 1) + ";\nCOMMIT;";
    if (auto ok = db.exec(sql.c_str()); !ok) {
      (void)db.exec("ROLLBACK");
      return fail(Code::kUnavailable,
                  "migration to schema version " + std::to_string(v + 1) + " failed: " +
                      ok.error().message);
    }
  }
  return true;
}

}  // namespace quanzu::store::sqlite

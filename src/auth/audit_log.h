// The audit log: an append-only, hash-chained record of every login, look at personal data
// and change (who, what, when, from where), kept in a file of JSON lines, one entry a line.
//
// Each line is a JSON object with exactly these members, in this order:
//   {"seq":1,"at":1700000000000,"actor":"...","role":"...","action":"...","target":"...",
//    "from":"...","detail":"{...}","prev_hash":"<64 hex>","hash":"<64 hex>"}
// `detail` is the text of a JSON object, stored as a string so its bytes are hashed as written.
//
// The chain: seq counts from 1 with no gaps; prev_hash is the previous entry's hash (64 zeros
// for seq 1); hash is the lowercase hex SHA-256 (libsodium crypto_hash_sha256) of the
// canonical serialization of every other field:
//
//   "quanzu-audit-v1\n" then, for each field in the order
//   seq, at, actor, role, action, target, from, detail, prev_hash:
//     <length in bytes, decimal ASCII> ":" <field bytes> "\n"
//
// where seq and at are written in decimal ASCII ("-" for a negative, no leading zeros) and
// the strings are their UTF-8 bytes as stored (not JSON-escaped). The length prefixes make
// the serialization unambiguous whatever bytes a field holds.
//
// What verification can and cannot see: a changed entry (its hash no longer matches), an
// entry re-hashed after a change (the next entry's prev_hash no longer matches), a deleted
// entry (a seq gap and a broken prev_hash), reordered entries (seq not increasing, broken
// prev_hash), entries deleted from the head (the first seq is not 1), and malformed lines.
// Entries cut from the *tail* leave a shorter but internally valid chain: that cannot be
// seen from the file alone. Keep an anchor (the last seq and hash, which `audit export`
// prints and AuditLog::anchor() returns) somewhere the writer cannot rewrite, and pass it to
// verify_audit(), which then reports a truncated tail or a rewritten anchored entry.
// Someone able to rewrite the whole file from a point on (re-hashing every later entry) is
// likewise only caught by an anchor taken after that point.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/time.h"

namespace quanzu::auth {

struct AuditEntry {
  std::int64_t seq = 0;   // set by AuditLog::append
  Millis at = 0;          // when the action happened (the caller's Clock)
  std::string actor;      // user name or token id; "" for an unauthenticated client
  std::string role;       // the actor's role at the time, e.g. "station_operator"
  std::string action;     // "login", "login_failed", "view_personal_data", "case_event",
                          // "rules_change", "token_create", ...; never empty
  std::string target;     // what was acted on, e.g. a case id; may be ""
  std::string from;       // client address, e.g. "10.1.2.3:51234"
  std::string detail;     // text of a JSON object; "" is stored as "{}"
  std::string prev_hash;  // set by AuditLog::append
  std::string hash;       // set by AuditLog::append
};

// The last entry of a chain; an auditor keeps it to detect a truncated tail later.
struct AuditAnchor {
  std::int64_t seq = 0;  // 0: the log is empty
  std::string hash;      // 64 zeros when empty
};

// The hash of an entry, from every field but `hash` (see the serialization above).
std::string audit_entry_hash(const AuditEntry& entry);

// An open log, appending at its end. Thread-safe: append() serializes on a mutex.
// Each append holds an exclusive flock on the file and continues the chain from the file's
// last entry, so several writers (the server and the CLI's user and token commands) make one
// chain instead of forking it.
class AuditLog {
 public:
  // Opens or creates the file (O_APPEND, mode 0640) and continues the chain from its last
  // line. Fails with kInvalid, naming the line, when the last line is not a whole valid
  // entry (torn write, hand edit): appending after it would hide the damage. Only the last
  // line is checked; verify_audit() checks the rest. Fails with kUnavailable when it cannot
  // be opened. append() checks the last line again whenever another writer added to the file.
  static Result<std::unique_ptr<AuditLog>> open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `entry` (its seq, prev_hash and hash are ignored and set here) and returns it as
  // stored. Returns only after fdatasync() has the line on disk (and open() syncs the
  // directory of a new file): answer the request whose action this records only after
  // append() succeeded, so no answered action goes unlogged. Entries appended at the same
  // time from several threads are written by the log's own thread and share one sync
  // (group commit), in the order they arrived.
  // Strings that are not valid UTF-8 are stored with U+FFFD in place of the bad bytes.
  // Fails with kInvalid (no action, or detail not a JSON object), kTooLarge (a field over
  // 4 KiB, detail over 64 KiB), kUnavailable (write or sync failed). After a failed sync
  // the log refuses every later append (kUnavailable): whether the line reached the disk is
  // unknown, and the operator must run `quanzu audit verify` and restart.
  Result<AuditEntry> append(AuditEntry entry);
  // The same without waiting: `done` runs on the log's thread once the entry is on disk (or
  // at once, on the caller's thread, when the entry is refused before it is queued).
  void append_async(AuditEntry entry, std::function<void(Result<AuditEntry>)> done);

  AuditAnchor anchor() const;
  const std::string& path() const { return path_; }

 private:
  struct Pending {
    AuditEntry entry;
    std::function<void(Result<AuditEntry>)> done;
  };

  AuditLog(std::string path, int fd, std::int64_t size, AuditAnchor last);
  void run();                                    // the writer thread
  void write_batch(std::vector<Pending>& batch);  // on the writer thread

  std::string path_;
  int fd_;
  mutable std::mutex mu_;
  std::int64_t size_;    // guarded by mu_: the file's length after the last good append
  AuditAnchor last_;     // guarded by mu_
  bool broken_ = false;  // guarded by mu_: a sync failed; refuse appends
  std::condition_variable cv_;
  std::vector<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  std::thread writer_;
};

struct VerifyProblem {
  enum class Kind {
    kMalformed,    // not a JSON entry of the expected shape, or no final newline
    kChanged,      // the entry's hash does not match its content
    kChainBroken,  // prev_hash is not the previous line's hash
    kMissing,      // seq gap: entries deleted (or the head cut off)
    kOutOfOrder,   // seq not increasing: entries reordered or duplicated
    kAnchor,       // the file disagrees with the given anchor (truncated tail, rewritten)
  };
  Kind kind = Kind::kMalformed;
  std::int64_t line = 0;            // 1-based; 0 for a problem of the whole file
  std::optional<std::int64_t> seq;  // the entry's seq, when the line could be read
  std::string message;              // "line 7 (seq 7): entry changed: ..."
};

const char* problem_kind_name(VerifyProblem::Kind kind);

struct VerifyReport {
  bool ok = true;
  std::int64_t entries = 0;  // lines that parsed as entries
  std::int64_t lines = 0;
  AuditAnchor last;                     // the last parsed entry
  std::vector<VerifyProblem> problems;  // in file order; the anchor check comes last
  const VerifyProblem* first_problem() const {
    return problems.empty() ? nullptr : &problems.front();
  }
};

// Reads every line and reports every problem it finds (see the top of this file for what it
// can see). Fails only when the file cannot be read (kNotFound, kUnavailable); a tampered log
// is a successful Result with ok == false. Memory: 8 bytes per entry.
Result<VerifyReport> verify_audit(const std::string& path,
                                  const std::optional<AuditAnchor>& anchor = std::nullopt);
Result<VerifyReport> verify_audit(const std::string& path, std::int64_t expected_last_seq,
                                  const std::string& expected_last_hash);

struct ExportOptions {
  std::optional<Millis> since;  // inclusive
  std::optional<Millis> until;  // exclusive
  enum class Format { kJsonLines, kCsv } format = Format::kJsonLines;
};

struct ExportSummary {
  std::int64_t exported = 0;
  VerifyReport report;  // the whole file's verification
};

// Writes the entries with since <= at < until to `out`: JSON lines exactly as stored (so each
// exported entry's hash can be checked again), or CSV with a header row
// (seq,time,at_ms,actor,role,action,target,from,detail,prev_hash,hash). Malformed lines are
// skipped. A final line states the whole chain's end and whether it verified:
//   JSON lines: {"chain_last_seq":N,"chain_last_hash":"...","entries":N,"exported":K,
//                "verified":true,"problems":0}            (one line)
//   CSV:        # chain_last_seq=N chain_last_hash=... entries=N exported=K verified=true
//                 problems=0                               (one line)
// An auditor keeps chain_last_seq/hash as the anchor for the next verify.
Result<ExportSummary> export_audit(const std::string& path, const ExportOptions& options,
                                   std::ostream& out);

}  // namespace quanzu::auth

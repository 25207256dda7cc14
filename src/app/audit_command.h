// `quanzu audit verify FILE [--anchor SEQ:HASH]` and
// `quanzu audit export FILE [--since T] [--until T] [--format jsonl|csv]`.
#pragma once

#include <ostream>
#include <string>

namespace quanzu::app {

// Checks the hash chain of an audit log and prints every problem as FILE:LINE: message.
// anchor: "" or "SEQ:HASH" (the last line of an earlier export) to catch a truncated tail.
// Exit codes: 0 intact, 1 tampered (or the anchor disagrees), 2 unreadable or bad anchor.
int run_audit_verify(const std::string& file, const std::string& anchor, std::ostream& out,
                     std::ostream& err);

struct AuditExportOptions {
  std::string file;
  std::string since;  // RFC 3339 or a duration back from now ("30d"); "" for the beginning
  std::string until;  // likewise; "" for no end
  std::string format = "jsonl";  // or "csv"
};

// Writes the entries in the range to `out`, then a line with the chain's last seq and hash.
// Exit codes: 0 exported from an intact log, 1 exported but the log failed verification
// (problems on `err`), 2 unreadable file or bad options.
int run_audit_export(const AuditExportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace quanzu::app

#include "app/audit_command.h"

#include <optional>

#include "auth/audit_log.h"
#include "base/clock.h"
#include "base/time.h"

namespace quanzu::app {
namespace {

void print_problems(const std::string& file, const auth::VerifyReport& report, std::ostream& err) {
  for (const auto& p : report.problems) {
    err << file << ":" << (p.line > 0 ? std::to_string(p.line) + ":" : "") << " "
        << auth::problem_kind_name(p.kind) << ": " << p.message << "\n";
  }
}

}  // namespace

int run_audit_verify(const std::string& file, const std::string& anchor_text, std::ostream& out,
                     std::ostream& err) {
  std::optional<auth::AuditAnchor> anchor;
  if (!anchor_text.empty()) {
    const auto colon = anchor_text.find(':');
    try {
      if (colon == std::string::npos) throw 1;
      size_t used = 0;
      anchor = auth::AuditAnchor{std::stoll(anchor_text.substr(0, colon), &used),
                                 anchor_text.substr(colon + 1)};
      if (used != colon || anchor->seq < 0 || anchor->hash.size() != 64) throw 1;
    } catch (...) {
      err << "quanzu audit verify: --anchor takes SEQ:HASH (the chain_last_seq and chain_last_hash "
             "of an export)\n";
      return 2;
    }
  }
  auto report = auth::verify_audit(file, anchor);
  if (!report) {
    err << "quanzu audit verify: " << report.error().message << "\n";
    return 2;
  }
  if (!report->ok) {
    print_problems(file, *report, err);
    err << file << ": TAMPERED: " << report->problems.size() << " problem"
        << (report->problems.size() == 1 ? "" : "s") << " in " << report->lines << " line"
        << (report->lines == 1 ? "" : "s") << "; first: " << report->first_problem()->message
        << "\n";
    return 1;
  }
  out << file << ": OK, " << report->entries << " entries, chain intact"
      << (anchor ? ", matches the anchor" : "") << "; last seq " << report->last.seq << " hash "
      << report->last.hash << "\n";
  return 0;
}

int run_audit_export(const AuditExportOptions& options, std::ostream& out, std::ostream& err) {
  auth::ExportOptions export_options;
  if (options.format == "csv") {
    export_options.format = auth::ExportOptions::Format::kCsv;
  } else if (options.format != "jsonl" && !options.format.empty()) {
    err << "quanzu audit export: --format must be jsonl or csv\n";
    return 2;
  }
  const Millis now = SystemClock().now();
  auto instant = [&](const std::string& s) -> std::optional<Millis> {
    if (auto t = parse_rfc3339(s)) return t;
    if (auto d = parse_duration(s)) return now - *d;
    return std::nullopt;
  };
  if (!options.since.empty() && !(export_options.since = instant(options.since))) {
    err << "quanzu audit export: --since takes an RFC 3339 time or a duration like 30d\n";
    return 2;
  }
  if (!options.until.empty() && !(export_options.until = instant(options.until))) {
    err << "quanzu audit export: --until takes an RFC 3339 time or a duration like 30d\n";
    return 2;
  }
  auto summary = auth::export_audit(options.file, export_options, out);
  if (!summary) {
    err << "quanzu audit export: " << summary.error().message << "\n";
    return 2;
  }
  if (!summary->report.ok) {
    print_problems(options.file, summary->report, err);
    err << options.file << ": TAMPERED: the export is of a log that fails verification\n";
    return 1;
  }
  return 0;
}

}  // namespace quanzu::app

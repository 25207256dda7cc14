#include "auth/audit_log.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <future>

#include "base/digest.h"

namespace quanzu::auth {
namespace {

namespace json = boost::json;

constexpr size_t kMaxField = size_t{4} * 1024;
constexpr size_t kMaxDetail = size_t{64} * 1024;
const std::string kZeroHash(64, '0');

void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; a failure (< 0) means no usable entropy,
  // which hashing does not need.
  static const int init = sodium_init();
  (void)init;
}

void add_field(std::string& out, std::string_view bytes) {
  out += std::to_string(bytes.size());
  out += ':';
  out += bytes;
  out += '\n';
}

// Replaces each byte that does not start a valid UTF-8 sequence with U+FFFD, so the entry
// always serializes to JSON that parses again.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && n > 1) {
      std::uint32_t cp = c & (0x7F >> n);
      for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
      const std::uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
      ok = cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string to_line(const AuditEntry& e) {
  json::object o;
  o["seq"] = e.seq;
  o["at"] = e.at;
  o["actor"] = e.actor;
  o["role"] = e.role;
  o["action"] = e.action;
  o["target"] = e.target;
  o["from"] = e.from;
  o["detail"] = e.detail;
  o["prev_hash"] = e.prev_hash;
  o["hash"] = e.hash;
  return json::serialize(o);
}

bool is_hex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Parses one line into an entry, checking its shape only (not its hash or chain).
Result<AuditEntry> parse_line(std::string_view line) {
  if (line.empty()) return fail(Code::kInvalid, "empty line");
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) return fail(Code::kInvalid, "not JSON (" + ec.message() + ")");
  const json::object* o = v.if_object();
  if (!o) return fail(Code::kInvalid, "not a JSON object");
  static const char* const names[] = {"seq",    "at",   "actor",  "role",      "action",
                                      "target", "from", "detail", "prev_hash", "hash"};
  for (const auto& kv : *o) {
    if (std::find(std::begin(names), std::end(names), std::string_view(kv.key())) ==
        std::end(names)) {
      return fail(Code::kInvalid, "unexpected member \"" + std::string(kv.key()) + "\"");
    }
  }
  AuditEntry e;
  auto integer = [&](const char* name, std::int64_t& into) -> bool {
    const json::value* f = o->if_contains(name);
    if (!f || !f->is_int64()) return false;
    into = f->get_int64();
    return true;
  };
  auto text = [&](const char* name, std::string& into) -> bool {
    const json::value* f = o->if_contains(name);
    if (!f || !f->is_string()) return false;
    into = std::string(f->get_string());
    return true;
  };
  if (!integer("seq", e.seq) || e.seq < 1)
    return fail(Code::kInvalid, "missing, non-integer or non-positive \"seq\"");
  if (!integer("at", e.at)) return fail(Code::kInvalid, "missing or non-integer \"at\"");
  struct {
    const char* name;
    std::string* into;
  } const strings[] = {{"actor", &e.actor},         {"role", &e.role}, {"action", &e.action},
                       {"target", &e.target},       {"from", &e.from}, {"detail", &e.detail},
                       {"prev_hash", &e.prev_hash}, {"hash", &e.hash}};
  for (const auto& s : strings) {
    if (!text(s.name, *s.into))
      return fail(Code::kInvalid, std::string("missing or non-string \"") + s.name + "\"");
  }
  if (!is_hex64(e.hash)) return fail(Code::kInvalid, "\"hash\" is not 64 lowercase hex digits");
  if (!is_hex64(e.prev_hash))
    return fail(Code::kInvalid, "\"prev_hash\" is not 64 lowercase hex digits");
  return e;
}

std::string where(std::int64_t line, std::optional<std::int64_t> seq) {
  std::string s = "line " + std::to_string(line);
  if (seq) s += " (seq " + std::to_string(*seq) + ")";
  return s;
}

std::string short_hash(const std::string& h) { return h.substr(0, 12) + "…"; }

// Reads a file line by line; `on_line(number, text, has_newline)`.
template <typename F>
Result<std::int64_t> for_each_line(const std::string& path, F on_line) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(errno == ENOENT ? Code::kNotFound : Code::kUnavailable,
                "cannot open " + path + ": " + std::strerror(errno));
  }
  std::string line;
  std::int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    on_line(number, line, !in.eof());
  }
  if (in.bad())
    return fail(Code::kUnavailable, "cannot read " + path + ": " + std::strerror(errno));
  return number;
}

}  // namespace

std::string audit_entry_hash(const AuditEntry& e) {
  ensure_sodium();
  std::string s = "quanzu-audit-v1\n";
  add_field(s, std::to_string(e.seq));
  add_field(s, std::to_string(e.at));
  add_field(s, e.actor);
  add_field(s, e.role);
  add_field(s, e.action);
  add_field(s, e.target);
  add_field(s, e.from);
  add_field(s, e.detail);
  add_field(s, e.prev_hash);
  return sha256_hex(s);
}

const char* problem_kind_name(VerifyProblem::Kind kind) {
  switch (kind) {
    case VerifyProblem::Kind::kMalformed:
      return "malformed";
    case VerifyProblem::Kind::kChanged:
      return "changed";
    case VerifyProblem::Kind::kChainBroken:
      return "chain_broken";
    case VerifyProblem::Kind::kMissing:
      return "missing";
    case VerifyProblem::Kind::kOutOfOrder:
      return "out_of_order";
    case VerifyProblem::Kind::kAnchor:
      return "anchor";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------

AuditLog::AuditLog(std::string path, int fd, std::int64_t size, AuditAnchor last)
    : path_(std::move(path)), fd_(fd), size_(size), last_(std::move(last)) {
  writer_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  writer_.join();  // writes what was queued first
  ::close(fd_);
}

namespace {

// Holds an exclusive flock on `fd` for its lifetime: writers take turns, each appending after
// whatever the other wrote.
class FileLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~FileLock() { ::flock(fd_, LOCK_UN); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// The last entry of the file at `path`, checked: appending after a torn or altered last line
// would hide the damage. The whole file is read to count lines, so the error names the line.
Result<AuditAnchor> chain_end(const std::string& path) {
  std::string last_line;
  std::int64_t last_number = 0;
  bool last_has_newline = true;
  auto lines = for_each_line(path, [&](std::int64_t n, const std::string& text, bool newline) {
    last_number = n;
    last_line = text;
    last_has_newline = newline;
  });
  if (!lines) return tl::unexpected(lines.error());
  if (last_number == 0) return AuditAnchor{0, kZeroHash};
  auto refuse = [&](const std::string& why) -> Result<AuditAnchor> {
    return fail(Code::kInvalid, path + ":" + std::to_string(last_number) + ": last line " + why +
                                    "; refusing to append (run 'quanzu audit verify " + path + "')");
  };
  if (!last_has_newline) return refuse("is incomplete (no final newline: a torn write?)");
  auto entry = parse_line(last_line);
  if (!entry) return refuse("is malformed: " + entry.error().message);
  if (audit_entry_hash(*entry) != entry->hash)
    return refuse("(seq " + std::to_string(entry->seq) + ") does not match its hash");
  return AuditAnchor{entry->seq, entry->hash};
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path) {
  ensure_sodium();
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return fail(Code::kUnavailable, "cannot open audit log " + path + ": " + std::strerror(errno));
  Result<AuditAnchor> last;
  struct stat st {};
  {
    FileLock lock(fd);
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return fail(Code::kUnavailable, "cannot stat audit log " + path + ": " + std::strerror(err));
    }
    if (st.st_size == 0) {
      // The file may be new: sync its directory entry, or a crash could lose the whole log.
      const std::string dir =
          path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
      if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
      }
    }
    last = chain_end(path);
  }
  if (!last) {
    ::close(fd);
    return tl::unexpected(last.error());
  }
  return std::unique_ptr<AuditLog>(
      new AuditLog(path, fd, static_cast<std::int64_t>(st.st_size), std::move(*last)));
}

AuditAnchor AuditLog::anchor() const {
  std::lock_guard lock(mu_);
  return last_;
}

namespace {

// Checks and normalises what a caller gives; the chain fields are set by the writer.
Result<bool> prepare(AuditEntry& entry) {
  if (entry.action.empty()) return fail(Code::kInvalid, "audit entry without an action");
  for (std::string* s : {&entry.actor, &entry.role, &entry.action, &entry.target, &entry.from}) {
    if (s->size() > kMaxField) return fail(Code::kTooLarge, "audit entry field over 4 KiB");
    *s = valid_utf8(*s);
  }
  if (entry.detail.size() > kMaxDetail)
    return fail(Code::kTooLarge, "audit entry detail over 64 KiB");
  if (entry.detail.empty()) entry.detail = "{}";
  boost::system::error_code ec;
  json::value d = json::parse(entry.detail, ec);
  if (ec || !d.is_object()) return fail(Code::kInvalid, "audit entry detail is not a JSON object");
  return true;
}

}  // namespace

Result<AuditEntry> AuditLog::append(AuditEntry entry) {
  std::promise<Result<AuditEntry>> promise;
  auto answer = promise.get_future();
  append_async(std::move(entry), [&promise](Result<AuditEntry> r) { promise.set_value(std::move(r)); });
  return answer.get();
}

void AuditLog::append_async(AuditEntry entry, std::function<void(Result<AuditEntry>)> done) {
  if (auto ok = prepare(entry); !ok) return done(tl::unexpected(ok.error()));
  {
    std::lock_guard lock(mu_);
    if (stopping_) return done(fail(Code::kUnavailable, "audit log " + path_ + " is closing"));
    queue_.push_back(Pending{std::move(entry), std::move(done)});
  }
  cv_.notify_one();
}

void AuditLog::run() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      batch.swap(queue_);
    }
    write_batch(batch);
    batch.clear();
  }
}

void AuditLog::write_batch(std::vector<Pending>& batch) {
  std::vector<Result<AuditEntry>> results;
  results.reserve(batch.size());
  {
    std::lock_guard lock(mu_);
    auto refuse_all = [&](const Error& e) {
      for (size_t i = results.size(); i < batch.size(); ++i) results.emplace_back(tl::unexpected(e));
    };
    if (broken_) {
      refuse_all(Error{Code::kUnavailable, "audit log " + path_ + " failed to sync earlier; restart required", {}});
    } else {
      // Other processes (the CLI's user and token commands beside a running server) append
      // to the same file: under the file lock, continue the chain from whatever is last.
      FileLock file_lock(fd_);
      struct stat st {};
      Result<bool> ready = true;
      if (::fstat(fd_, &st) != 0) {
        ready = fail(Code::kUnavailable, "cannot stat audit log " + path_ + ": " + std::strerror(errno));
      } else if (st.st_size != size_) {
        auto end = chain_end(path_);
        if (!end) ready = tl::unexpected(end.error());
        else {
          last_ = *end;
          size_ = st.st_size;
        }
      }
      if (!ready) {
        refuse_all(ready.error());
      } else {
        AuditAnchor last = last_;
        std::string lines;
        for (auto& p : batch) {
          p.entry.seq = last.seq + 1;
          p.entry.prev_hash = last.hash;
          p.entry.hash = audit_entry_hash(p.entry);
          lines += to_line(p.entry);
          lines += '\n';
          last = AuditAnchor{p.entry.seq, p.entry.hash};
        }
        size_t done = 0;
        std::string error;
        while (done < lines.size()) {
          const ssize_t n = ::write(fd_, lines.data() + done, lines.size() - done);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) {
            error = "cannot write audit log " + path_ + ": " + (n < 0 ? std::strerror(errno) : "short write");
            // Take back a partial batch so the file stays a valid chain; if even that fails
            // the last line is torn and open() will refuse it until someone looks.
            if (done > 0 && ::ftruncate(fd_, size_) != 0) broken_ = true;
            break;
          }
          done += static_cast<size_t>(n);
        }
        // One sync for the whole batch. After a failed sync the kernel may have dropped the
        // dirty pages and a retry can report success without the data on disk, so the
        // chain's state is unknown.
        if (error.empty() && ::fdatasync(fd_) != 0) {
          broken_ = true;
          error = "cannot sync audit log " + path_ + ": " + std::strerror(errno);
        }
        if (!error.empty()) {
          refuse_all(Error{Code::kUnavailable, error, {}});
        } else {
          size_ += static_cast<std::int64_t>(lines.size());
          last_ = last;
          for (auto& p : batch) results.emplace_back(p.entry);
        }
      }
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
}

// ---------------------------------------------------------------------------------------------

Result<VerifyReport> verify_audit(const std::string& path, std::int64_t expected_last_seq,
                                  const std::string& expected_last_hash) {
  return verify_audit(path, AuditAnchor{expected_last_seq, expected_last_hash});
}

Result<VerifyReport> verify_audit(const std::string& path,
                                  const std::optional<AuditAnchor>& anchor) {
  ensure_sodium();
  VerifyReport report;
  report.last = AuditAnchor{0, kZeroHash};
  using Kind = VerifyProblem::Kind;
  auto problem = [&](Kind kind, std::int64_t line, std::optional<std::int64_t> seq,
                     const std::string& what) {
    report.problems.push_back(VerifyProblem{kind, line, seq, where(line, seq) + ": " + what});
  };

  // The previous parsed line; `known` is false after a malformed line, whose hash is unknown.
  struct Prev {
    bool known = true;
    bool any = false;
    std::int64_t seq = 0;
    std::int64_t line = 0;
    std::string hash = kZeroHash;
  } prev;
  std::int64_t max_seq = 0;
  std::vector<std::int64_t> seen;  // every seq, for gaps vs reorders
  struct Gap {
    size_t problem;
    std::int64_t from, to;  // missing seqs from..to, inclusive
  };
  std::vector<Gap> gaps;
  std::optional<std::string> anchored_hash;  // hash of the anchor's seq
  std::int64_t anchored_line = 0;

  auto lines = for_each_line(path, [&](std::int64_t n, const std::string& text, bool newline) {
    report.lines = n;
    auto parsed = parse_line(text);
    if (!parsed) {
      problem(Kind::kMalformed, n, std::nullopt, "malformed: " + parsed.error().message);
      prev.known = false;
      return;
    }
    const AuditEntry& e = *parsed;
    ++report.entries;
    seen.push_back(e.seq);
    if (!newline) problem(Kind::kMalformed, n, e.seq, "no final newline (a torn write?)");
    if (audit_entry_hash(e) != e.hash) {
      problem(Kind::kChanged, n, e.seq,
              "entry changed: its content does not match its hash " + short_hash(e.hash));
    }
    if (anchor && e.seq == anchor->seq && !anchored_hash) {
      anchored_hash = e.hash;
      anchored_line = n;
    }
    bool seq_problem = false;
    if (!prev.any && e.seq != 1 && prev.known) {
      gaps.push_back({report.problems.size(), 1, e.seq - 1});
      problem(Kind::kMissing, n, e.seq, "");
      seq_problem = true;
    } else if (prev.any && e.seq <= max_seq) {
      problem(Kind::kOutOfOrder, n, e.seq,
              "out of order: seq " + std::to_string(e.seq) + " after seq " +
                  std::to_string(max_seq) + " (entries reordered or duplicated)");
      seq_problem = true;
    } else if (prev.any && prev.known && e.seq > prev.seq + 1) {
      gaps.push_back({report.problems.size(), prev.seq + 1, e.seq - 1});
      problem(Kind::kMissing, n, e.seq, "");
      seq_problem = true;
    }
    if (prev.known && e.prev_hash != prev.hash) {
      const std::string what = prev.any ? "does not match the hash of line " +
                                              std::to_string(prev.line) + " (seq " +
                                              std::to_string(prev.seq) + ")"
                                        : "is not the zero hash of a first entry";
      if (seq_problem) {
        report.problems.back().message += "; prev_hash " + what;
      } else {
        problem(Kind::kChainBroken, n, e.seq,
                "chain broken: prev_hash " + what +
                    " — the entry before was changed and re-hashed, replaced, or entries were "
                    "removed");
      }
    }
    prev = Prev{true, true, e.seq, n, e.hash};
    max_seq = std::max(max_seq, e.seq);
    report.last = AuditAnchor{e.seq, e.hash};
  });
  if (!lines) return tl::unexpected(lines.error());

  // A gap whose seqs all appear elsewhere in the file is a reorder, not a deletion.
  std::sort(seen.begin(), seen.end());
  for (const Gap& g : gaps) {
    std::vector<std::int64_t> missing;
    std::int64_t count = 0;
    for (std::int64_t s = g.from; s <= g.to; ++s) {
      if (!std::binary_search(seen.begin(), seen.end(), s)) {
        ++count;
        if (missing.size() < 5) missing.push_back(s);
      }
      if (s - g.from > 1000000) break;  // a wild seq: enough to say so
    }
    VerifyProblem& p = report.problems[g.problem];
    std::string head;
    if (count == 0) {
      p.kind = Kind::kOutOfOrder;
      head = "out of order: seq " + std::to_string(*p.seq) + " where seq " +
             std::to_string(g.from) + " was expected (entries reordered)";
    } else {
      std::string list;
      for (auto s : missing) list += (list.empty() ? "" : ", ") + std::to_string(s);
      if (count > static_cast<std::int64_t>(missing.size())) list += ", …";
      head = std::to_string(count) + " entr" + (count == 1 ? "y" : "ies") +
             " missing before this line (deleted): seq " + list;
    }
    p.message = where(p.line, p.seq) + ": " + head + p.message.substr(p.message.find(": ") + 2);
  }

  if (anchor && anchor->seq == 0) {
    // An anchor taken of an empty log: every log extends it.
  } else if (anchor) {
    if (report.last.seq < anchor->seq) {
      report.problems.push_back(VerifyProblem{
          Kind::kAnchor, 0, std::nullopt,
          "truncated: the log ends at seq " + std::to_string(report.last.seq) +
              " but the anchor is seq " + std::to_string(anchor->seq) + " (" +
              std::to_string(anchor->seq - report.last.seq) + " entries cut from the tail)"});
    } else if (!anchored_hash) {
      report.problems.push_back(
          VerifyProblem{Kind::kAnchor, 0, std::nullopt,
                        "the anchor's seq " + std::to_string(anchor->seq) + " is not in the log"});
    } else if (*anchored_hash != anchor->hash) {
      report.problems.push_back(
          VerifyProblem{Kind::kAnchor, anchored_line, anchor->seq,
                        where(anchored_line, anchor->seq) + ": differs from the anchor: hash " +
                            short_hash(*anchored_hash) + ", anchor " + short_hash(anchor->hash) +
                            " (the log was rewritten from here or before)"});
    }
  }
  report.ok = report.problems.empty();
  return report;
}

// ---------------------------------------------------------------------------------------------

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Result<ExportSummary> export_audit(const std::string& path, const ExportOptions& options,
                                   std::ostream& out) {
  auto report = verify_audit(path);
  if (!report) return tl::unexpected(report.error());
  ExportSummary summary;
  summary.report = std::move(*report);
  const bool csv = options.format == ExportOptions::Format::kCsv;
  if (csv) out << "seq,time,at_ms,actor,role,action,target,from,detail,prev_hash,hash\n";
  auto lines = for_each_line(path, [&](std::int64_t, const std::string& text, bool) {
    auto e = parse_line(text);
    if (!e) return;
    if (options.since && e->at < *options.since) return;
    if (options.until && e->at >= *options.until) return;
    ++summary.exported;
    if (!csv) {
      out << text << '\n';
      return;
    }
    out << e->seq << ',' << format_rfc3339(e->at) << ',' << e->at << ',' << csv_field(e->actor)
        << ',' << csv_field(e->role) << ',' << csv_field(e->action) << ',' << csv_field(e->target)
        << ',' << csv_field(e->from) << ',' << csv_field(e->detail) << ',' << e->prev_hash << ','
        << e->hash << '\n';
  });
  if (!lines) return tl::unexpected(lines.error());
  const VerifyReport& r = summary.report;
  if (csv) {
    out << "# chain_last_seq=" << r.last.seq << " chain_last_hash=" << r.last.hash
        << " entries=" << r.entries << " exported=" << summary.exported
        << " verified=" << (r.ok ? "true" : "false") << " problems=" << r.problems.size() << '\n';
  } else {
    json::object end;
    end["chain_last_seq"] = r.last.seq;
    end["chain_last_hash"] = r.last.hash;
    end["entries"] = r.entries;
    end["exported"] = summary.exported;
    end["verified"] = r.ok;
    end["problems"] = r.problems.size();
    out << json::serialize(end) << '\n';
  }
  out.flush();
  if (!out) return fail(Code::kUnavailable, "cannot write the export");
  return summary;
}

}  // namespace quanzu::auth

#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <cassert>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/sqlite/schema.h"

namespace quanzu::store::sqlite {
namespace {

using cases::Case;
using cases::Responder;

constexpr const char* kCaseColumns =
    "c.id, c.instruction_id, c.level, c.reasons, c.rules_version, c.station_code, "
    "c.station_name, c.district_adcode, c.routing_method, c.status, c.outcome, "
    "c.amount_protected, c.created_at, c.updated_at, c.version, c.issued_at, c.trigger, "
    "c.scam_type, c.phone, c.subject_name, c.age, c.at_risk, c.handling, c.phone_sealed";
constexpr int kCaseColumnCount = 24;

const std::vector<std::int64_t> kCommitSizeBounds{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

std::string join_reasons(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& r : reasons) {
    if (!out.empty()) out += ',';
    out += r;
  }
  return out;
}

std::vector<std::string> split_reasons(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Reads the kCaseColumns starting at column `col`, opening the sealed ones.
Result<Case> read_case(const Stmt& s, int col, const Sealing& sealing) {
  Case c;
  c.id = s.text(col + 0);
  c.instruction_id = s.text(col + 1);
  c.level = instruction::parse_level(s.text(col + 2)).value_or(instruction::Level::kMedium);
  c.reasons = split_reasons(s.text(col + 3));
  c.rules_version = s.text(col + 4);
  std::string station_code = s.text(col + 5);
  if (!station_code.empty()) {
    c.station = cases::Station{station_code, s.text(col + 6), s.text(col + 7)};
  }
  c.routing_method = s.text(col + 8);
  c.status = cases::parse_status(s.text(col + 9)).value_or(cases::Status::kOpen);
  if (!s.is_null(col + 10)) c.outcome = cases::parse_outcome(s.text(col + 10));
  c.amount_protected = s.int64(col + 11);
  c.created_at = s.int64(col + 12);
  c.updated_at = s.int64(col + 13);
  c.version = s.int64(col + 14);
  c.issued_at = s.int64(col + 15);
  c.trigger = instruction::parse_trigger(s.text(col + 16)).value_or(instruction::Trigger::kOther);
  c.scam_type =
      instruction::parse_scam_type(s.text(col + 17)).value_or(instruction::ScamType::kUnknown);
  if (sealing.on()) {
    auto phone = sealing.open(s.text(col + 23), "the phone of case " + c.id);
    if (!phone) return tl::unexpected(phone.error());
    c.phone = std::move(*phone);
  } else {
    c.phone = s.text(col + 18);
  }
  auto name = sealing.open(s.text(col + 19), "the name of case " + c.id);
  if (!name) return tl::unexpected(name.error());
  c.subject_name = std::move(*name);
  if (!s.is_null(col + 20)) c.age = static_cast<int>(s.int64(col + 20));
  c.at_risk = s.int64(col + 21);
  auto handling = sealing.open(s.text(col + 22), "the handling state of case " + c.id);
  if (!handling) return tl::unexpected(handling.error());
  c.handling = cases::handling_from_json(*handling);
  return c;
}

// The index columns derived from the handling state.
std::optional<std::int64_t> task_due(const Case& c) {
  const auto& task = c.handling.task;
  if (c.status == cases::Status::kClosed || !task || task->done_at) return std::nullopt;
  return task->due_at;
}

Result<Responder> read_responder(const Stmt& s, const Sealing& sealing) {
  Responder r;
  r.id = s.text(0);
  r.name = s.text(1);
  auto phone = sealing.open(s.text(2), "the phone of responder " + r.id);
  if (!phone) return tl::unexpected(phone.error());
  r.phone = std::move(*phone);
  r.station_code = s.text(3);
  r.on_duty = s.int64(4) != 0;
  if (!s.is_null(5) && !s.is_null(6)) r.position = cases::GeoPoint{s.real(5), s.real(6)};
  r.position_at = s.int64(7);
  r.visit_id = s.text(8);
  r.case_id = s.text(9);
  r.created_at = s.int64(10);
  r.updated_at = s.int64(11);
  return r;
}

constexpr const char* kResponderColumns =
    "id, name, phone, station_code, on_duty, lat, lon, position_at, visit_id, case_id, "
    "created_at, updated_at";

tl::unexpected<Error> sql_error(const Db& db, const char* what) {
  return fail(Code::kUnavailable, std::string("sqlite ") + what + ": " + db.error());
}

// SQLite counts every allocation under one process-wide mutex unless told not to, and
// nothing here reads those counts. It can be told only before it initialises, hence first
// thing, once; later calls (SQLite already in use) change nothing.
void skip_memory_statistics() {
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

Result<Db> open_connection(const std::string& path, bool read_only) {
  skip_memory_statistics();
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return fail(Code::kUnavailable, "cannot open database " + path + ": " +
                                        (raw ? db.error() : std::string(sqlite3_errstr(rc))));
  }
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
}

}  // namespace

struct SqliteStore::Job {
  std::vector<NewCase> batch;
  Done<std::vector<IngestOutcome>> ingest_done;
  std::string case_id;
  Mutator mutate;
  Done<Case> update_done;
  // An outbox bookkeeping write: delivered (error empty) or failed.
  std::int64_t outbox_id = 0;
  Millis outbox_at = 0;
  std::string outbox_error;
  Done<bool> outbox_done;
  // A responder's registration, duty or position.
  std::string responder_id;
  ResponderMutator responder_mutate;
  Done<Responder> responder_done;

  bool is_ingest() const { return static_cast<bool>(ingest_done); }
  bool is_outbox() const { return static_cast<bool>(outbox_done); }
  bool is_responder() const { return static_cast<bool>(responder_done); }
  size_t rows() const { return is_ingest() ? std::max<size_t>(batch.size(), 1) * 2 : 2; }
};

// Copies the WAL back into the database file on its own thread and connection. Left to
// SQLite, this runs inside the COMMIT that crosses the WAL's size threshold, on the writer,
// and every write queued behind that commit waits for it.
class Checkpointer {
 public:
  explicit Checkpointer(Db db) : db_(std::move(db)), thread_([this] { run(); }) {}
  ~Checkpointer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // The WAL has grown past the threshold; safe from any thread, never blocks for long.
  void request() {
    {
      std::lock_guard lock(mu_);
      due_ = true;
    }
    cv_.notify_one();
  }

 private:
  void run() {
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return due_ || stopping_; });
        if (stopping_) return;
        due_ = false;
      }
      // PASSIVE, as SQLite's own automatic checkpoint: copies what no reader still needs
      // and never blocks the writer. A failure (busy) is retried at the next request.
      (void)sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                      nullptr);
    }
  }

  Db db_;
  std::mutex mu_;  // guards due_, stopping_
  std::condition_variable cv_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the fields above exist
};

// The checkpointer is asked to run each time the WAL has grown by kCheckpointPages (SQLite's
// default for its automatic checkpoint). It runs beside the writer, so it rarely copies the
// whole WAL and the WAL seldom starts over; counting from the size at the last request (not
// the whole WAL) keeps it from running again after every commit. At kWriterCheckpointPages
// the writer runs one itself, between two commits: that one completes, and the WAL starts
// over at the next write.
constexpr int kCheckpointPages = 1000;
constexpr int kWriterCheckpointPages = 20000;

// The writing connection and its statements; touched only by the writer thread.
struct SqliteStore::Writer {
  Db db;
  const Sealing* sealing = nullptr;
  Stmt insert_instruction, find_instruction, insert_case, insert_event, insert_change,
      select_case, update_case, max_event_seq, insert_link, insert_outbox, outbox_ok, outbox_retry,
      delete_stop_payments, insert_stop_payment, claim_responder, release_responder,
      select_responder, insert_responder, update_responder;
  // Transaction control, prepared once: sqlite3_exec would compile the text on every job.
  Stmt begin, commit, rollback, savepoint, release, rollback_to;
  std::unique_ptr<Checkpointer> checkpointer;  // absent: SQLite checkpoints on commit
  int wal_pages_at_request = 0;                // WAL size when the checkpointer was last asked

  // Runs a statement without results and leaves it reset.
  static Result<bool> run(Stmt& s) {
    auto r = s.reset().run();
    s.reset();
    return r;
  }

  // Replaces SQLite's automatic checkpoint with the checkpointer, on `connection`.
  void checkpoint_elsewhere(Db connection) {
    checkpointer = std::make_unique<Checkpointer>(std::move(connection));
    sqlite3_wal_hook(
        db.get(),
        [](void* self, sqlite3* handle, const char* name, int pages) {
          Writer& w = *static_cast<Writer*>(self);
          if (pages < w.wal_pages_at_request) w.wal_pages_at_request = 0;  // started over
          if (pages >= kWriterCheckpointPages) {
            (void)sqlite3_wal_checkpoint_v2(handle, name, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                            nullptr);
          } else if (pages - w.wal_pages_at_request >= kCheckpointPages) {
            w.wal_pages_at_request = pages;
            w.checkpointer->request();
          }
          return SQLITE_OK;
        },
        this);
  }

  Result<bool> prepare() {
    auto prep = [&](Stmt& s, const std::string& sql) {
      s = Stmt(db.get(), sql);
      return s.ok();
    };
    bool ok =
        prep(begin, "BEGIN IMMEDIATE") && prep(commit, "COMMIT") && prep(rollback, "ROLLBACK") &&
        prep(savepoint, "SAVEPOINT job") && prep(release, "RELEASE job") &&
        prep(rollback_to, "ROLLBACK TO job") &&
        prep(insert_instruction,
             "INSERT INTO instructions(id, case_id, received_at, raw) VALUES (?,?,?,?) "
             "ON CONFLICT(id) DO NOTHING") &&
        prep(find_instruction, "SELECT case_id FROM instructions WHERE id = ?") &&
        prep(insert_case,
             "INSERT INTO cases(id, instruction_id, level, reasons, rules_version, station_code, "
             "station_name, district_adcode, routing_method, status, outcome, amount_protected, "
             "created_at, updated_at, version, issued_at, trigger, scam_type, phone, "
             "subject_name, age, at_risk, handling, next_due_at, task_due_at, phone_sealed) "
             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)") &&
        prep(insert_event,
             "INSERT INTO timeline(case_id, seq, at, kind, actor, data) VALUES (?,?,?,?,?,?)") &&
        prep(insert_change, "INSERT INTO changes(case_id, kind, at) VALUES (?,?,?)") &&
        prep(select_case, std::string("SELECT ") + kCaseColumns + " FROM cases c WHERE c.id = ?") &&
        prep(update_case,
             "UPDATE cases SET level=?, reasons=?, rules_version=?, station_code=?, "
             "station_name=?, district_adcode=?, routing_method=?, status=?, outcome=?, "
             "amount_protected=?, updated_at=?, version=?, handling=?, next_due_at=?, "
             "task_due_at=? WHERE id=?") &&
        prep(max_event_seq, "SELECT COALESCE(MAX(seq), 0) FROM timeline WHERE case_id = ?") &&
        prep(insert_link,
             "INSERT INTO links(key, case_id, phone, at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING") &&
        prep(insert_outbox,
             "INSERT INTO outbox(case_id, channel, payload, created_at, next_at) VALUES (?,?,?,?,?)") &&
        prep(outbox_ok, "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL "
                        "WHERE id = ? AND delivered_at IS NULL") &&
        prep(outbox_retry, "UPDATE outbox SET next_at = ?, attempts = attempts + 1, last_error = ? "
                           "WHERE id = ? AND delivered_at IS NULL") &&
        prep(delete_stop_payments, "DELETE FROM stop_payments WHERE case_id = ?") &&
        prep(insert_stop_payment,
             "INSERT INTO stop_payments(id, case_id, station_code, status, expires_at) "
             "VALUES (?,?,?,?,?)") &&
        prep(claim_responder,
             "UPDATE responders SET visit_id = ?, case_id = ?, updated_at = ? "
             "WHERE id = ? AND visit_id = ? AND on_duty = 1") &&
        prep(release_responder,
             "UPDATE responders SET visit_id = '', case_id = '', updated_at = ? "
             "WHERE id = ? AND visit_id = ?") &&
        prep(select_responder, std::string("SELECT ") + kResponderColumns +
                                   " FROM responders WHERE id = ?") &&
        prep(insert_responder,
             "INSERT INTO responders(id, name, phone, station_code, on_duty, lat, lon, "
             "position_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)") &&
        prep(update_responder,
             "UPDATE responders SET name=?, phone=?, station_code=?, on_duty=?, lat=?, lon=?, "
             "position_at=?, updated_at=? WHERE id=?");
    if (!ok) return sql_error(db, "prepare");
    return true;
  }

  Result<bool> add_event(const std::string& case_id, const cases::TimelineEvent& e,
                         std::int64_t seq) {
    return insert_event.reset()
        .bind(1, case_id)
        .bind(2, seq)
        .bind(3, e.at)
        .bind(4, e.kind)
        .bind(5, e.actor)
        .bind_as(6, sealing->seal(e.data.empty() ? std::string_view("{}") : std::string_view(e.data)), sealing->on())
        .run();
  }

  Result<bool> add_outbound(const Case& c, Millis at) {
    for (const auto& m : c.outbound) {
      auto r = insert_outbox.reset().bind(1, c.id).bind(2, m.channel).bind_as(3, sealing->seal(m.payload), sealing->on()).bind(4, at).bind(5, at).run();
      if (!r) return r;
    }
    return true;
  }

  Result<bool> index_stop_payments(const Case& c, bool replace) {
    if (replace) {
      if (auto r = delete_stop_payments.reset().bind(1, c.id).run(); !r) return r;
    }
    for (const auto& sp : c.handling.stop_payments) {
      auto r = insert_stop_payment.reset()
                   .bind(1, sp.id)
                   .bind(2, c.id)
                   .bind(3, c.station ? std::string_view(c.station->code) : std::string_view())
                   .bind(4, cases::name(sp.status))
                   .bind_opt(5, sp.expires_at)
                   .run();
      if (!r) return r;
    }
    return true;
  }

  // Gives a responder a visit or takes it back, only if the responder is as the claim
  // expects; otherwise the job fails (its savepoint is rolled back) with kConflict.
  Result<bool> apply_claim(const cases::ResponderClaim& claim, Millis at) {
    Result<bool> r = true;
    if (!claim.visit_id.empty()) {
      r = claim_responder.reset()
              .bind(1, claim.visit_id)
              .bind(2, claim.case_id)
              .bind(3, at)
              .bind(4, claim.responder_id)
              .bind(5, claim.expect_visit_id)
              .run();
    } else {
      r = release_responder.reset().bind(1, at).bind(2, claim.responder_id).bind(3, claim.expect_visit_id).run();
    }
    if (!r) return r;
    if (sqlite3_changes(db.get()) == 0) {
      return fail(Code::kConflict,
                  claim.visit_id.empty()
                      ? "responder " + claim.responder_id + " does not hold visit " + claim.expect_visit_id
                      : "responder " + claim.responder_id + " is not free and on duty");
    }
    return true;
  }

  Result<Responder> put_responder(const std::string& id, const ResponderMutator& mutate) {
    select_responder.reset().bind(1, id);
    int rc = select_responder.step();
    std::optional<Responder> current;
    if (rc == SQLITE_ROW) {
      auto read = read_responder(select_responder, *sealing);
      if (!read) return tl::unexpected(read.error());
      current = std::move(*read);
    } else if (rc != SQLITE_DONE) {
      return sql_error(db, "read responder");
    }
    select_responder.reset();
    auto next = mutate(current);
    if (!next) return next;
    Responder r = std::move(*next);
    r.id = id;
    auto bind_common = [&](Stmt& st, int first) -> Stmt& {
      st.bind(first, r.name).bind_as(first + 1, sealing->seal(r.phone), sealing->on()).bind(first + 2, r.station_code)
          .bind(first + 3, static_cast<std::int64_t>(r.on_duty ? 1 : 0));
      if (r.position) st.bind_real(first + 4, r.position->lat).bind_real(first + 5, r.position->lon);
      else st.bind_null(first + 4).bind_null(first + 5);
      return st.bind(first + 6, r.position_at);
    };
    Result<bool> ok = true;
    if (current) {
      r.visit_id = current->visit_id;
      r.case_id = current->case_id;
      r.created_at = current->created_at;
      bind_common(update_responder.reset(), 1).bind(8, r.updated_at).bind(9, id);
      ok = update_responder.run();
    } else {
      r.visit_id.clear();
      r.case_id.clear();
      r.created_at = r.updated_at;
      bind_common(insert_responder.reset().bind(1, id), 2).bind(9, r.created_at).bind(10, r.updated_at);
      ok = insert_responder.run();
    }
    if (!ok) return tl::unexpected(ok.error());
    return r;
  }

  Result<std::int64_t> add_change(const std::string& case_id, const std::string& kind,
                                  Millis at) {
    auto ok = insert_change.reset().bind(1, case_id).bind(2, kind).bind(3, at).run();
    if (!ok) return tl::unexpected(ok.error());
    return sqlite3_last_insert_rowid(db.get());
  }

  Result<std::vector<IngestOutcome>> ingest(const std::vector<NewCase>& batch,
                                            std::vector<Change>& changes) {
    std::vector<IngestOutcome> out;
    out.reserve(batch.size());
    for (const auto& item : batch) {
      const Case& c = item.kase;
      auto ok = insert_instruction.reset()
                    .bind(1, c.instruction_id)
                    .bind(2, c.id)
                    .bind(3, c.created_at)
                    .bind_as(4, sealing->seal(item.instruction_raw), sealing->on())
                    .run();
      if (!ok) return tl::unexpected(ok.error());
      if (sqlite3_changes(db.get()) == 0) {
        find_instruction.reset().bind(1, c.instruction_id);
        if (find_instruction.step() != SQLITE_ROW) return sql_error(db, "find instruction");
        out.push_back({false, find_instruction.text(0)});
        continue;
      }
      insert_case.reset()
          .bind(1, c.id)
          .bind(2, c.instruction_id)
          .bind(3, instruction::name(c.level))
          .bind(4, join_reasons(c.reasons))
          .bind(5, c.rules_version)
          .bind(6, c.station ? std::string_view(c.station->code) : std::string_view())
          .bind(7, c.station ? std::string_view(c.station->name) : std::string_view())
          .bind(8, c.station ? std::string_view(c.station->district_adcode) : std::string_view())
          .bind(9, c.routing_method)
          .bind(10, cases::name(c.status));
      if (c.outcome) insert_case.bind(11, cases::name(*c.outcome));
      insert_case.bind(12, c.amount_protected)
          .bind(13, c.created_at)
          .bind(14, c.updated_at)
          .bind(15, c.version)
          .bind(16, c.issued_at)
          .bind(17, instruction::name(c.trigger))
          .bind(18, instruction::name(c.scam_type))
          .bind(19, sealing->index(c.phone))
          .bind_as(20, sealing->seal(c.subject_name), sealing->on());
      if (c.age) insert_case.bind(21, static_cast<std::int64_t>(*c.age));
      insert_case.bind(22, c.at_risk).bind_as(23, sealing->seal(cases::to_json(c.handling)), sealing->on());
      insert_case.bind_opt(24, cases::next_due(c.handling)).bind_opt(25, task_due(c));
      if (sealing->on()) insert_case.bind_blob(26, sealing->seal(c.phone));
      if (auto r = insert_case.run(); !r) return tl::unexpected(r.error());
      if (auto r = index_stop_payments(c, false); !r) return tl::unexpected(r.error());
      std::int64_t seq = 0;
      for (const auto& e : c.timeline) {
        if (auto r = add_event(c.id, e, ++seq); !r) return tl::unexpected(r.error());
      }
      const std::string phone_index = item.link_keys.empty() ? std::string() : sealing->index(c.phone);
      for (const auto& key : item.link_keys) {
        auto r = insert_link.reset().bind(1, key).bind(2, c.id).bind(3, phone_index).bind(4, c.issued_at).run();
        if (!r) return tl::unexpected(r.error());
      }
      if (auto r = add_outbound(c, c.created_at); !r) return tl::unexpected(r.error());
      auto change_seq = add_change(c.id, "created", c.created_at);
      if (!change_seq) return tl::unexpected(change_seq.error());
      Change change{*change_seq, c.created_at, "created", c, {}};
      change.kase.outbound.clear();
      change.kase.timeline.clear();
      change.kase.instruction_raw.clear();
      changes.push_back(std::move(change));
      out.push_back({true, c.id});
    }
    return out;
  }

  Result<Case> update(const std::string& case_id, const Mutator& mutate,
                      std::vector<Change>& changes) {
    select_case.reset().bind(1, case_id);
    int rc = select_case.step();
    if (rc == SQLITE_DONE) return fail(Code::kNotFound, "no case " + case_id);
    if (rc != SQLITE_ROW) return sql_error(db, "read case");
    auto read = read_case(select_case, 0, *sealing);
    select_case.reset();
    if (!read) return tl::unexpected(read.error());
    const Case current = std::move(*read);
    auto next = mutate(current);
    if (!next) return next;
    const Case& c = *next;
    assert(c.id == current.id);  // a mutator changes a case, never which case it is
    update_case.reset()
        .bind(1, instruction::name(c.level))
        .bind(2, join_reasons(c.reasons))
        .bind(3, c.rules_version)
        .bind(4, c.station ? std::string_view(c.station->code) : std::string_view())
        .bind(5, c.station ? std::string_view(c.station->name) : std::string_view())
        .bind(6, c.station ? std::string_view(c.station->district_adcode) : std::string_view())
        .bind(7, c.routing_method)
        .bind(8, cases::name(c.status));
    if (c.outcome) update_case.bind(9, cases::name(*c.outcome));
    update_case.bind(10, c.amount_protected)
        .bind(11, c.updated_at)
        .bind(12, c.version)
        .bind_as(13, sealing->seal(cases::to_json(c.handling)), sealing->on())
        .bind_opt(14, cases::next_due(c.handling))
        .bind_opt(15, task_due(c))
        .bind(16, c.id);
    if (auto r = update_case.run(); !r) return tl::unexpected(r.error());
    if (!current.handling.stop_payments.empty() || !c.handling.stop_payments.empty()) {
      if (auto r = index_stop_payments(c, true); !r) return tl::unexpected(r.error());
    }
    for (const auto& claim : c.responder_claims) {
      if (auto r = apply_claim(claim, c.updated_at); !r) return tl::unexpected(r.error());
    }
    max_event_seq.reset().bind(1, c.id);
    if (max_event_seq.step() != SQLITE_ROW) return sql_error(db, "timeline seq");
    std::int64_t seq = max_event_seq.int64(0);
    max_event_seq.reset();
    if (auto r = add_outbound(c, c.updated_at); !r) return tl::unexpected(r.error());
    Case stored = c;
    stored.outbound.clear();
    stored.responder_claims.clear();
    // The station a re-routed case leaves, for that station's live stream.
    const std::string was = current.station ? current.station->code : std::string();
    const std::string moved_from = was != (c.station ? c.station->code : std::string()) ? was : std::string();
    for (auto& e : stored.timeline) {
      e.seq = ++seq;
      if (auto r = add_event(c.id, e, e.seq); !r) return tl::unexpected(r.error());
      auto change_seq = add_change(c.id, e.kind, e.at);
      if (!change_seq) return tl::unexpected(change_seq.error());
      Change change{*change_seq, e.at, e.kind, stored, moved_from};
      change.kase.timeline.clear();
      change.kase.instruction_raw.clear();
      changes.push_back(std::move(change));
    }
    return stored;
  }
};

// A read connection borrowed from the pool for one call.
class SqliteStore::ReadLease {
 public:
  explicit ReadLease(SqliteStore& store) : store_(store) {
    {
      std::lock_guard lock(store_.readers_mu_);
      if (!store_.readers_.empty()) {
        reader_ = std::move(store_.readers_.back());
        store_.readers_.pop_back();
        return;
      }
    }
    auto opened = store_.open_reader();
    if (opened) reader_.db = std::move(*opened);
    else error_ = opened.error();
  }
  ~ReadLease() {
    if (!reader_.db.get()) return;
    // A statement left mid-result would hold its read snapshot open: later reads on this
    // connection would not see newer commits, and the WAL could not be checkpointed.
    for (auto& [sql, stmt] : reader_.stmts) stmt->reset();
    std::lock_guard lock(store_.readers_mu_);
    if (store_.readers_.size() < store_.options_.read_connections) {
      store_.readers_.push_back(std::move(reader_));
    }
  }
  ReadLease(const ReadLease&) = delete;
  ReadLease& operator=(const ReadLease&) = delete;

  bool ok() const { return reader_.db.get() != nullptr; }
  const Error& error() const { return error_; }
  const Db& db() const { return reader_.db; }
  // A statement prepared once on this connection and kept; reset, bindings cleared.
  // Check ok() on it: a statement that failed to prepare is not kept.
  Stmt& stmt(const std::string& sql) {
    auto it = reader_.stmts.find(sql);
    if (it == reader_.stmts.end()) {
      auto fresh = std::make_unique<Stmt>(reader_.db.get(), sql);
      if (!fresh->ok()) {
        failed_ = std::move(fresh);
        return *failed_;
      }
      it = reader_.stmts.emplace(sql, std::move(fresh)).first;
    }
    return it->second->reset();
  }

 private:
  SqliteStore& store_;
  Reader reader_;
  std::unique_ptr<Stmt> failed_;
  Error error_;
};

SqliteStore::SqliteStore(Options options)
    : options_(std::move(options)), sealing_(options_.cipher) {
  metrics_.commit_size_bounds = kCommitSizeBounds;
  metrics_.commit_size_counts.assign(kCommitSizeBounds.size() + 1, 0);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const Options& options) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  auto lock = StoreLock::acquire(options.path, false);
  if (!lock) return tl::unexpected(lock.error());
  store->lock_ = std::move(*lock);
  auto db = open_connection(options.path, false);
  if (!db) return tl::unexpected(db.error());
  if (auto r = db->exec("PRAGMA journal_mode=WAL"); !r) return tl::unexpected(r.error());
  if (auto r = db->exec(options.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
      !r) {
    return tl::unexpected(r.error());
  }
  (void)db->exec("PRAGMA foreign_keys=ON");
  // Each write runs in a savepoint, whose undo journal would otherwise spill to a temp file
  // past 64 KiB: thousands of pwrite calls per second. It is needed only until the commit.
  (void)db->exec("PRAGMA temp_store=MEMORY");
  // Room for the pages a large group dirties (64 MiB; SQLite's default is 2 MiB): a smaller
  // cache spills dirty pages to the WAL before the commit, which then writes many again.
  (void)db->exec("PRAGMA cache_size=-65536");
  if (auto r = migrate(*db); !r) return tl::unexpected(r.error());
  if (auto r = check_encryption(*db, options.path, options.cipher.get()); !r) {
    return tl::unexpected(r.error());
  }
  store->writer_ = std::make_unique<Writer>();
  store->writer_->db = std::move(*db);
  store->writer_->sealing = &store->sealing_;
  if (auto r = store->writer_->prepare(); !r) return tl::unexpected(r.error());
  if (auto checkpointing = open_connection(options.path, false)) {
    (void)checkpointing->exec(options.durable ? "PRAGMA synchronous=FULL"
                                              : "PRAGMA synchronous=NORMAL");
    store->writer_->checkpoint_elsewhere(std::move(*checkpointing));
  }  // else SQLite keeps checkpointing inside the writer's commits
  store->thread_ = std::thread([s = store.get()] { s->write_loop(); });
  return store;
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<Db> SqliteStore::open_reader() {
  auto db = open_connection(options_.path, true);
  if (!db) return db;
  (void)db->exec("PRAGMA query_only=ON");
  return db;
}

void SqliteStore::set_change_listener(std::function<void(const std::vector<Change>&)> listener) {
  listener_ = std::move(listener);
}

void SqliteStore::enqueue(Job job) {
  {
    std::lock_guard lock(mu_);
    // Writes queued after destruction began are a caller's bug; the writer drains the
    // queue before it stops, so anything queued in time is written.
    queue_.push_back(std::move(job));
    metrics_.queue_depth = static_cast<std::int64_t>(queue_.size());
  }
  cv_.notify_one();
}

void SqliteStore::ingest(std::vector<NewCase> batch, Done<std::vector<IngestOutcome>> done) {
  Job job;
  job.batch = std::move(batch);
  job.ingest_done = std::move(done);
  enqueue(std::move(job));
}

void SqliteStore::update(std::string case_id, Mutator mutate, Done<Case> done) {
  Job job;
  job.case_id = std::move(case_id);
  job.mutate = std::move(mutate);
  job.update_done = std::move(done);
  enqueue(std::move(job));
}

void SqliteStore::write_loop() {
  Writer& w = *writer_;
  for (;;) {
    std::vector<Job> group;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything queued is written
      size_t rows = 0;
      while (!queue_.empty() &&
             (group.empty() || rows + queue_.front().rows() <= options_.max_group_rows)) {
        rows += queue_.front().rows();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      metrics_.queue_depth = static_cast<std::int64_t>(queue_.size());
    }

    std::vector<Result<std::vector<IngestOutcome>>> ingested(group.size());
    std::vector<Result<Case>> updated(group.size());
    std::vector<Result<bool>> booked(group.size());
    std::vector<Result<Responder>> registered(group.size());
    std::vector<Change> changes;
    std::int64_t rows_written = 0;
    Result<bool> tx = true;
    // A savepoint per job would make any failure undo that job's rows alone, but costs a
    // journal copy of every page a job touches. So the group runs without them first: most
    // jobs succeed, and one that fails having written nothing (a refused transition, a
    // duplicate) leaves nothing to undo. Only a job that fails after writing part of its
    // rows sends the whole group round again, with savepoints.
    for (const bool savepoints : {false, true}) {
      std::fill(ingested.begin(), ingested.end(), std::vector<IngestOutcome>{});
      std::fill(updated.begin(), updated.end(), Case{});
      std::fill(booked.begin(), booked.end(), true);
      std::fill(registered.begin(), registered.end(), Responder{});
      changes.clear();
      rows_written = 0;
      bool partial = false;
      tx = Writer::run(w.begin);
      for (size_t i = 0; tx && i < group.size(); ++i) {
        Job& job = group[i];
        const size_t changes_before = changes.size();
        const std::int64_t written_before = sqlite3_total_changes64(w.db.get());
        if (savepoints) {
          if (auto r = Writer::run(w.savepoint); !r) {
            tx = r;
            break;
          }
        }
        bool ok;
        if (job.is_ingest()) {
          ingested[i] = w.ingest(job.batch, changes);
          ok = ingested[i].has_value();
        } else if (job.is_responder()) {
          registered[i] = w.put_responder(job.responder_id, job.responder_mutate);
          ok = registered[i].has_value();
        } else if (job.is_outbox()) {
          booked[i] = job.outbox_error.empty()
                          ? w.outbox_ok.reset().bind(1, job.outbox_at).bind(2, job.outbox_id).run()
                          : w.outbox_retry.reset().bind(1, job.outbox_at).bind_as(2, sealing_.seal(job.outbox_error), sealing_.on()).bind(3, job.outbox_id).run();
          ok = booked[i].has_value();
        } else {
          updated[i] = w.update(job.case_id, job.mutate, changes);
          ok = updated[i].has_value();
        }
        if (ok) {
          rows_written += static_cast<std::int64_t>(changes.size() - changes_before);
          if (savepoints) tx = Writer::run(w.release);
          continue;
        }
        changes.resize(changes_before);
        if (savepoints) {
          tx = Writer::run(w.rollback_to);
          if (tx) tx = Writer::run(w.release);
        } else if (sqlite3_get_autocommit(w.db.get())) {
          // Some errors make SQLite roll the whole transaction back by itself.
          tx = fail(Code::kUnavailable, "sqlite rolled the transaction back");
        } else if (sqlite3_total_changes64(w.db.get()) != written_before) {
          partial = true;
          break;
        }
      }
      if (!partial) break;
      (void)Writer::run(w.rollback);
    }
    if (tx) tx = Writer::run(w.commit);
    if (!tx) {
      (void)Writer::run(w.rollback);
      Error error{Code::kUnavailable, "store write failed: " + tx.error().message, {}};
      for (auto& r : ingested) r = tl::unexpected(error);
      for (auto& r : updated) r = tl::unexpected(error);
      for (auto& r : booked) r = tl::unexpected(error);
      for (auto& r : registered) r = tl::unexpected(error);
      changes.clear();
    }

    {
      std::lock_guard lock(mu_);
      if (tx) {
        ++metrics_.commits;
        metrics_.committed_writes += static_cast<std::int64_t>(group.size());
        metrics_.committed_rows += rows_written;
        size_t bucket = 0;
        while (bucket < kCommitSizeBounds.size() &&
               static_cast<std::int64_t>(group.size()) > kCommitSizeBounds[bucket]) {
          ++bucket;
        }
        ++metrics_.commit_size_counts[bucket];
      } else {
        ++metrics_.failed_commits;
      }
    }
    if (!changes.empty() && listener_) listener_(changes);
    for (size_t i = 0; i < group.size(); ++i) {
      if (group[i].is_ingest()) group[i].ingest_done(std::move(ingested[i]));
      else if (group[i].is_outbox()) group[i].outbox_done(std::move(booked[i]));
      else if (group[i].is_responder()) group[i].responder_done(std::move(registered[i]));
      else group[i].update_done(std::move(updated[i]));
    }
  }
}

Result<std::optional<Case>> SqliteStore::get(std::string_view case_id) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  const Db& db = lease.db();
  static const std::string kCaseSql = std::string("SELECT ") + kCaseColumns +
                                      ", i.raw FROM cases c JOIN instructions i ON i.id = "
                                      "c.instruction_id WHERE c.id = ?";
  static const std::string kTimelineSql =
      "SELECT seq, at, kind, actor, data FROM timeline WHERE case_id = ? ORDER BY seq";
  Stmt& s = lease.stmt(kCaseSql);
  if (!s.ok()) return sql_error(db, "prepare");
  s.bind(1, case_id);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<Case>();
  if (rc != SQLITE_ROW) return sql_error(db, "read case");
  auto read = read_case(s, 0, sealing_);
  if (!read) return tl::unexpected(read.error());
  Case c = std::move(*read);
  auto raw = sealing_.open(s.text(kCaseColumnCount), "the instruction of case " + c.id);
  if (!raw) return tl::unexpected(raw.error());
  c.instruction_raw = std::move(*raw);
  Stmt& t = lease.stmt(kTimelineSql);
  if (!t.ok()) return sql_error(db, "prepare");
  t.bind(1, case_id);
  while ((rc = t.step()) == SQLITE_ROW) {
    auto data = sealing_.open(t.text(4), "timeline event " + std::to_string(t.int64(0)) + " of case " + c.id);
    if (!data) return tl::unexpected(data.error());
    c.timeline.push_back({t.int64(0), t.int64(1), t.text(2), t.text(3), std::move(*data)});
  }
  if (rc != SQLITE_DONE) return sql_error(db, "read timeline");
  return std::optional<Case>(std::move(c));
}

Result<Page> SqliteStore::list(const Filter& filter, const std::optional<Cursor>& after,
                               size_t limit) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  const Db& db = lease.db();
  std::string sql = std::string("SELECT ") + kCaseColumns + " FROM cases c WHERE 1=1";
  if (filter.station) sql += " AND c.station_code = :station";
  if (filter.level) sql += " AND c.level = :level";
  if (filter.status) sql += " AND c.status = :status";
  if (filter.outcome) sql += " AND c.outcome = :outcome";
  if (filter.since) sql += " AND c.created_at >= :since";
  if (filter.until) sql += " AND c.created_at < :until";
  // Whether an SLA target was missed is inside the (possibly sealed) handling state, so
  // that filter runs here, on the opened cases, reading on until the page is full.
  if (filter.overdue_only) sql += " AND c.status != 'closed'";
  if (after) sql += " AND (c.created_at < :acreated OR (c.created_at = :acreated AND c.id < :aid))";
  sql += " ORDER BY c.created_at DESC, c.id DESC LIMIT :limit";
  Stmt& s = lease.stmt(sql);  // one per combination of filters, kept with the connection
  if (!s.ok()) return sql_error(db, "prepare");
  auto bind = [&](const char* name, auto value) { s.bind(s.index(name), value); };
  if (filter.station) bind(":station", std::string_view(*filter.station));
  if (filter.level) bind(":level", instruction::name(*filter.level));
  if (filter.status) bind(":status", cases::name(*filter.status));
  if (filter.outcome) bind(":outcome", cases::name(*filter.outcome));
  if (filter.since) bind(":since", *filter.since);
  if (filter.until) bind(":until", *filter.until);
  if (after) {
    bind(":acreated", after->created_at);
    bind(":aid", std::string_view(after->id));
  }
  bind(":limit", filter.overdue_only ? std::int64_t{-1} : static_cast<std::int64_t>(limit) + 1);
  Page page;
  int rc = SQLITE_DONE;
  while (page.cases.size() <= limit && (rc = s.step()) == SQLITE_ROW) {
    auto c = read_case(s, 0, sealing_);
    if (!c) return tl::unexpected(c.error());
    if (filter.overdue_only && c->handling.sla.overdue.empty()) continue;
    page.cases.push_back(std::move(*c));
  }
  if (page.cases.size() <= limit && rc != SQLITE_DONE) return sql_error(db, "list cases");
  if (page.cases.size() > limit) {
    page.cases.pop_back();
    page.next = Cursor{page.cases.back().created_at, page.cases.back().id};
  }
  return page;
}

Result<Stats> SqliteStore::stats(const StatsFilter& filter) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  const Db& db = lease.db();
  std::string where = " WHERE 1=1";
  if (filter.station) where += " AND station_code = :station";
  if (filter.since) where += " AND created_at >= :since";
  if (filter.until) where += " AND created_at < :until";
  auto query = [&](const std::string& sql) -> Result<Stmt*> {
    Stmt& s = lease.stmt(sql);
    if (!s.ok()) return sql_error(db, "prepare");
    if (filter.station) s.bind(s.index(":station"), std::string_view(*filter.station));
    if (filter.since) s.bind(s.index(":since"), *filter.since);
    if (filter.until) s.bind(s.index(":until"), *filter.until);
    if (int i = s.index(":offset"); i > 0) {
      s.bind(i, static_cast<std::int64_t>(filter.utc_offset_minutes) * 60);
    }
    return &s;
  };
  Stats stats;
  auto group = [&](const char* column, std::map<std::string, std::int64_t>& into) -> Result<bool> {
    auto s = query(std::string("SELECT ") + column + ", COUNT(*) FROM cases" + where +
                   " GROUP BY 1");
    if (!s) return tl::unexpected(s.error());
    int rc;
    while ((rc = (*s)->step()) == SQLITE_ROW) into[(*s)->text(0)] = (*s)->int64(1);
    if (rc != SQLITE_DONE) return sql_error(db, "stats");
    return true;
  };
  const char* day = "date(created_at / 1000 + :offset, 'unixepoch')";
  for (auto r : {group("level", stats.by_level), group("status", stats.by_status),
                 group("station_code", stats.by_station), group(day, stats.by_day),
                 group("scam_type", stats.by_scam_type)}) {
    if (!r) return tl::unexpected(r.error());
  }
  {
    auto s = query("SELECT outcome, COUNT(*) FROM cases" + where +
                   " AND outcome IS NOT NULL GROUP BY 1");
    if (!s) return tl::unexpected(s.error());
    int rc;
    while ((rc = (*s)->step()) == SQLITE_ROW) stats.by_outcome[(*s)->text(0)] = (*s)->int64(1);
    if (rc != SQLITE_DONE) return sql_error(db, "stats");
  }
  {
    auto s = query(std::string("SELECT ") + day + ", level, COUNT(*) FROM cases" + where +
                   " GROUP BY 1, 2");
    if (!s) return tl::unexpected(s.error());
    int rc;
    while ((rc = (*s)->step()) == SQLITE_ROW) {
      stats.level_by_day[(*s)->text(0)][(*s)->text(1)] = (*s)->int64(2);
    }
    if (rc != SQLITE_DONE) return sql_error(db, "stats");
  }
  {
    auto s = query("SELECT COUNT(DISTINCT phone), COALESCE(SUM(amount_protected), 0) FROM cases" +
                   where + " AND outcome = 'dissuaded'");
    if (!s) return tl::unexpected(s.error());
    if ((*s)->step() != SQLITE_ROW) return sql_error(db, "stats");
    stats.people_dissuaded = (*s)->int64(0);
    stats.amount_protected = (*s)->int64(1);
  }
  for (const auto& [level, n] : stats.by_level) stats.cases += n;
  return stats;
}

Result<std::vector<Change>> SqliteStore::changes_since(std::int64_t after, size_t limit) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  const Db& db = lease.db();
  static const std::string kSql = std::string("SELECT ch.seq, ch.at, ch.kind, ") + kCaseColumns +
                                  " FROM changes ch JOIN cases c ON c.id = ch.case_id WHERE "
                                  "ch.seq > ? ORDER BY ch.seq LIMIT ?";
  Stmt& s = lease.stmt(kSql);
  if (!s.ok()) return sql_error(db, "prepare");
  s.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
  std::vector<Change> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto c = read_case(s, 3, sealing_);
    if (!c) return tl::unexpected(c.error());
    out.push_back({s.int64(0), s.int64(1), s.text(2), std::move(*c), {}});
  }
  if (rc != SQLITE_DONE) return sql_error(db, "read changes");
  return out;
}

std::int64_t SqliteStore::last_change_seq() {
  ReadLease lease(*this);
  if (!lease.ok()) return 0;
  static const std::string kSql = "SELECT COALESCE(MAX(seq), 0) FROM changes";
  Stmt& s = lease.stmt(kSql);
  return s.ok() && s.step() == SQLITE_ROW ? s.int64(0) : 0;
}

Result<std::optional<Millis>> SqliteStore::last_warning_for_phone(std::string_view phone,
                                                                  std::optional<Millis> before) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  static const std::string kSql =
      "SELECT MAX(issued_at) FROM cases WHERE phone = ? AND created_at < ?";
  Stmt& s = lease.stmt(kSql);
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  s.bind(1, sealing_.index(phone)).bind(2, before.value_or(INT64_MAX));
  if (s.step() != SQLITE_ROW) return sql_error(lease.db(), "last warning");
  if (s.is_null(0)) return std::optional<Millis>();
  return std::optional<Millis>(s.int64(0));
}

Result<std::vector<Link>> SqliteStore::links(const std::vector<std::string>& keys, Millis since,
                                             size_t limit) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  const Db& db = lease.db();
  // links.phone may be a blind index: the phone itself comes from the case.
  static const std::string kSql =
      "SELECT l.key, l.case_id, l.phone, l.at, c.phone_sealed FROM links l "
      "LEFT JOIN cases c ON c.id = l.case_id WHERE l.key = ? AND l.at >= ? "
      "ORDER BY l.at DESC LIMIT ?";
  Stmt& s = lease.stmt(kSql);
  if (!s.ok()) return sql_error(db, "prepare");
  std::vector<Link> out;
  for (const auto& key : keys) {
    s.reset().bind(1, key).bind(2, since).bind(3, static_cast<std::int64_t>(limit));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      std::string case_id = s.text(1);
      auto phone = sealing_.open(s.text(sealing_.on() ? 4 : 2), "the phone of case " + case_id);
      if (!phone) return tl::unexpected(phone.error());
      out.push_back({s.text(0), std::move(case_id), std::move(*phone), s.int64(3)});
    }
    if (rc != SQLITE_DONE) return sql_error(db, "read links");
  }
  std::sort(out.begin(), out.end(), [](const Link& a, const Link& b) { return a.at > b.at; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<std::string>> SqliteStore::phones_for_key(std::string_view key, Millis since,
                                                            size_t limit) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  static const std::string kPlainSql =
      "SELECT DISTINCT phone FROM links WHERE key = ? AND at >= ? LIMIT ?";
  // Distinct blind indexes, each with one sealed copy of its phone to open.
  static const std::string kSealedSql =
      "SELECT MIN(c.phone_sealed), MIN(c.id) FROM links l JOIN cases c ON c.id = l.case_id "
      "WHERE l.key = ? AND l.at >= ? GROUP BY l.phone LIMIT ?";
  Stmt& s = lease.stmt(sealing_.on() ? kSealedSql : kPlainSql);
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  s.bind(1, key).bind(2, since).bind(3, static_cast<std::int64_t>(limit));
  std::vector<std::string> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    if (!sealing_.on()) {
      out.push_back(s.text(0));
      continue;
    }
    auto phone = sealing_.open(s.text(0), "the phone of case " + s.text(1));
    if (!phone) return tl::unexpected(phone.error());
    out.push_back(std::move(*phone));
  }
  if (rc != SQLITE_DONE) return sql_error(lease.db(), "read links");
  return out;
}

Result<std::vector<std::string>> SqliteStore::link_keys_of(std::string_view case_id) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  static const std::string kSql = "SELECT key FROM links WHERE case_id = ? ORDER BY key";
  Stmt& s = lease.stmt(kSql);
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  s.bind(1, case_id);
  std::vector<std::string> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
  if (rc != SQLITE_DONE) return sql_error(lease.db(), "read links");
  return out;
}

Result<std::vector<ClusterSummary>> SqliteStore::clusters(Millis since, int min_people,
                                                         size_t limit) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  static const std::string kSql =
      "SELECT key, COUNT(DISTINCT phone), COUNT(*), MIN(at), MAX(at) FROM links WHERE at >= ? "
      "GROUP BY key HAVING COUNT(DISTINCT phone) >= ? ORDER BY 2 DESC, 5 DESC LIMIT ?";
  Stmt& s = lease.stmt(kSql);
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  s.bind(1, since).bind(2, static_cast<std::int64_t>(min_people)).bind(3, static_cast<std::int64_t>(limit));
  std::vector<ClusterSummary> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back({s.text(0), s.int64(1), s.int64(2), s.int64(3), s.int64(4)});
  }
  if (rc != SQLITE_DONE) return sql_error(lease.db(), "read clusters");
  return out;
}

Result<std::vector<Case>> SqliteStore::cases_with_instructions(Millis since, Millis until,
                                                               const std::optional<Cursor>& after,
                                                               size_t limit) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  const Db& db = lease.db();
  static const std::string kSql =
      std::string("SELECT ") + kCaseColumns +
      ", i.raw FROM cases c JOIN instructions i ON i.id = c.instruction_id "
      "WHERE c.created_at >= :since AND c.created_at < :until AND "
      "(c.created_at > :acreated OR (c.created_at = :acreated AND c.id > :aid)) "
      "ORDER BY c.created_at, c.id LIMIT :limit";
  Stmt& s = lease.stmt(kSql);
  if (!s.ok()) return sql_error(db, "prepare");
  s.bind(s.index(":since"), since).bind(s.index(":until"), until);
  s.bind(s.index(":acreated"), after ? after->created_at : INT64_MIN);
  s.bind(s.index(":aid"), after ? std::string_view(after->id) : std::string_view());
  s.bind(s.index(":limit"), static_cast<std::int64_t>(limit));
  std::vector<Case> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto c = read_case(s, 0, sealing_);
    if (!c) return tl::unexpected(c.error());
    auto raw = sealing_.open(s.text(kCaseColumnCount), "the instruction of case " + c->id);
    if (!raw) return tl::unexpected(raw.error());
    c->instruction_raw = std::move(*raw);
    out.push_back(std::move(*c));
  }
  if (rc != SQLITE_DONE) return sql_error(db, "read cases");
  return out;
}

Result<std::vector<OutboxEntry>> SqliteStore::due_outbox(Millis now, size_t limit) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  static const std::string kSql =
      "SELECT id, case_id, channel, payload, attempts, created_at FROM outbox "
      "WHERE delivered_at IS NULL AND next_at <= ? ORDER BY next_at, id LIMIT ?";
  Stmt& s = lease.stmt(kSql);
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  s.bind(1, now).bind(2, static_cast<std::int64_t>(limit));
  std::vector<OutboxEntry> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto payload = sealing_.open(s.text(3), "outbox message " + std::to_string(s.int64(0)) + " of case " + s.text(1));
    if (!payload) return tl::unexpected(payload.error());
    out.push_back({s.int64(0), s.text(1), s.text(2), std::move(*payload), s.int64(4), s.int64(5)});
  }
  if (rc != SQLITE_DONE) return sql_error(lease.db(), "read outbox");
  return out;
}

void SqliteStore::outbox_delivered(std::int64_t id, Millis at, Done<bool> done) {
  Job job;
  job.outbox_id = id;
  job.outbox_at = at;
  job.outbox_done = std::move(done);
  enqueue(std::move(job));
}

void SqliteStore::outbox_failed(std::int64_t id, Millis next_at, std::string error, Done<bool> done) {
  Job job;
  job.outbox_id = id;
  job.outbox_at = next_at;
  job.outbox_error = error.empty() ? "failed" : std::move(error);
  job.outbox_done = std::move(done);
  enqueue(std::move(job));
}

Result<std::int64_t> SqliteStore::outbox_backlog() {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  static const std::string kSql = "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL";
  Stmt& s = lease.stmt(kSql);
  if (!s.ok() || s.step() != SQLITE_ROW) return sql_error(lease.db(), "outbox backlog");
  return s.int64(0);
}

StoreMetrics SqliteStore::metrics() {
  std::lock_guard lock(mu_);
  return metrics_;
}

Result<std::vector<cases::SlaRow>> SqliteStore::sla_rows(const StatsFilter& filter) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  // The figures are read from the handling state here, not by SQL: it may be sealed.
  std::string sql = "SELECT level, station_code, status, created_at, handling, id FROM cases WHERE 1=1";
  if (filter.station) sql += " AND station_code = ?1";
  if (filter.since) sql += " AND created_at >= ?2";
  if (filter.until) sql += " AND created_at < ?3";
  Stmt& s = lease.stmt(sql);
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  if (filter.station) s.bind(1, std::string_view(*filter.station));
  if (filter.since) s.bind(2, *filter.since);
  if (filter.until) s.bind(3, *filter.until);
  std::vector<cases::SlaRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto handling = sealing_.open(s.text(4), "the handling state of case " + s.text(5));
    if (!handling) return tl::unexpected(handling.error());
    const cases::Sla sla = cases::handling_from_json(*handling).sla;
    cases::SlaRow r;
    r.level = s.text(0);
    r.station = s.text(1);
    r.closed = s.text(2) == "closed";
    r.created_at = s.int64(3);
    r.first_attempt_at = sla.first_attempt_at;
    r.first_contact_at = sla.first_contact_at;
    r.visit_requested_at = sla.visit_requested_at;
    r.door_arrival_at = sla.door_arrival_at;
    r.first_attempt_due = sla.first_attempt_due;
    r.door_due = sla.door_due;
    r.overdue = !sla.overdue.empty();
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return sql_error(lease.db(), "sla");
  return out;
}

Result<std::vector<DueCase>> SqliteStore::due_cases(Millis now, size_t limit) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  Stmt& s = lease.stmt(
      "SELECT id, next_due_at FROM cases WHERE next_due_at IS NOT NULL AND next_due_at <= ? "
      "ORDER BY next_due_at LIMIT ?");
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  s.bind(1, now).bind(2, static_cast<std::int64_t>(limit));
  std::vector<DueCase> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.text(0), s.int64(1)});
  if (rc != SQLITE_DONE) return sql_error(lease.db(), "due cases");
  return out;
}

Result<std::vector<Case>> SqliteStore::open_tasks(const std::optional<std::string>& station,
                                                  size_t limit) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  Stmt& s = lease.stmt(station ? std::string("SELECT ") + kCaseColumns +
                                     " FROM cases c WHERE c.station_code = ? AND c.task_due_at IS NOT NULL "
                                     "ORDER BY c.task_due_at LIMIT ?"
                               : std::string("SELECT ") + kCaseColumns +
                                     " FROM cases c WHERE c.task_due_at IS NOT NULL "
                                     "ORDER BY c.task_due_at LIMIT ?");
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  int i = 1;
  if (station) s.bind(i++, std::string_view(*station));
  s.bind(i, static_cast<std::int64_t>(limit));
  std::vector<Case> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto c = read_case(s, 0, sealing_);
    if (!c) return tl::unexpected(c.error());
    out.push_back(std::move(*c));
  }
  if (rc != SQLITE_DONE) return sql_error(lease.db(), "open tasks");
  return out;
}

Result<std::vector<Case>> SqliteStore::stop_payment_cases(const std::optional<std::string>& station,
                                                          size_t limit) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  std::string sql = std::string("SELECT ") + kCaseColumns +
                    " FROM cases c WHERE c.id IN (SELECT case_id FROM stop_payments "
                    "WHERE status IN ('requested', 'active', 'release_requested')" +
                    (station ? " AND station_code = ?" : "") +
                    ") ORDER BY (SELECT MIN(COALESCE(expires_at, 9e18)) FROM stop_payments sp "
                    "WHERE sp.case_id = c.id), c.id LIMIT ?";
  Stmt& s = lease.stmt(sql);
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  int i = 1;
  if (station) s.bind(i++, std::string_view(*station));
  s.bind(i, static_cast<std::int64_t>(limit));
  std::vector<Case> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto c = read_case(s, 0, sealing_);
    if (!c) return tl::unexpected(c.error());
    out.push_back(std::move(*c));
  }
  if (rc != SQLITE_DONE) return sql_error(lease.db(), "stop-payments");
  return out;
}

void SqliteStore::update_responder(std::string id, ResponderMutator mutate, Done<Responder> done) {
  Job job;
  job.responder_id = std::move(id);
  job.responder_mutate = std::move(mutate);
  job.responder_done = std::move(done);
  enqueue(std::move(job));
}

Result<std::optional<Responder>> SqliteStore::responder(std::string_view id) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  Stmt& s = lease.stmt(std::string("SELECT ") + kResponderColumns + " FROM responders WHERE id = ?");
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  s.bind(1, id);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<Responder>();
  if (rc != SQLITE_ROW) return sql_error(lease.db(), "read responder");
  auto r = read_responder(s, sealing_);
  if (!r) return tl::unexpected(r.error());
  return std::optional<Responder>(std::move(*r));
}

Result<std::vector<Responder>> SqliteStore::responders(const ResponderFilter& filter) {
  ReadLease lease(*this);
  if (!lease.ok()) return tl::unexpected(lease.error());
  std::string sql = std::string("SELECT ") + kResponderColumns + " FROM responders WHERE 1=1";
  if (!filter.stations.empty()) {
    sql += " AND station_code IN (";
    for (size_t i = 0; i < filter.stations.size(); ++i) sql += i ? ",?" : "?";
    sql += ")";
  }
  if (filter.on_duty_only) sql += " AND on_duty = 1";
  if (filter.free_only) sql += " AND visit_id = ''";
  sql += " ORDER BY station_code, id";
  Stmt s(lease.db().get(), sql);
  if (!s.ok()) return sql_error(lease.db(), "prepare");
  for (size_t i = 0; i < filter.stations.size(); ++i) s.bind(static_cast<int>(i + 1), filter.stations[i]);
  std::vector<Responder> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto r = read_responder(s, sealing_);
    if (!r) return tl::unexpected(r.error());
    out.push_back(std::move(*r));
  }
  if (rc != SQLITE_DONE) return sql_error(lease.db(), "responders");
  return out;
}

}  // namespace quanzu::store::sqlite

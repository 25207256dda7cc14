// Durable home of instructions, cases, their timelines and the change log that feeds the
// live stream. Adapters: sqlite/ (embedded default); testing/ holds the contract suite every
// adapter must pass.
//
// Writes are asynchronous so that many concurrent requests can share one transaction and
// one fsync (group commit): each write's `done` runs, on a store thread, only after its
// data is durable or has failed. Keep `done` short; post real work elsewhere.
// Reads are synchronous and see every write whose `done` has run.
// Safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cases/case.h"
#include "cases/sla.h"
#include "instruction/instruction.h"

namespace quanzu::store {

template <typename T>
using Done = std::function<void(Result<T>)>;

// A new case with its first timeline event, ready to store.
struct NewCase {
  cases::Case kase;  // kase.timeline holds the "created" event
  std::string instruction_raw;
  // What ties this case to others: "account:<number>", "url:<url>", "domain:<host>".
  std::vector<std::string> link_keys;
};

// A case that names a link key.
struct Link {
  std::string key;
  std::string case_id;
  std::string phone;
  Millis at = 0;  // the instruction's issued_at
};

// A link key shared by several people: a fraud cluster.
struct ClusterSummary {
  std::string key;
  std::int64_t people = 0;  // distinct phones
  std::int64_t cases = 0;
  Millis first_at = 0, last_at = 0;
};

struct IngestOutcome {
  bool created = false;  // false: the instruction id was already stored
  std::string case_id;   // the new case, or the one that already holds this instruction
};

// Returns the case as it must become, or an error that is handed to `done` unchanged.
// Runs inside the write transaction on the store's writer: pure and quick.
using Mutator = std::function<Result<cases::Case>(const cases::Case& current)>;

// One entry of the change log: case `case_id` changed (`kind` is the timeline event's kind).
struct Change {
  std::int64_t seq = 0;  // strictly increasing over the store's life
  Millis at = 0;
  std::string kind;
  cases::Case kase;  // the case after the change, without timeline and raw instruction
  // When the change moved the case to another station, the station it left (live changes
  // only; replays leave it empty), so that station's stream learns the case is no longer its own.
  std::string moved_from;
};

struct Filter {
  std::optional<std::string> station;  // station code; "" selects unrouted cases
  std::optional<instruction::Level> level;
  std::optional<cases::Status> status;
  std::optional<cases::Outcome> outcome;
  std::optional<Millis> since;  // created_at >= since
  std::optional<Millis> until;  // created_at < until
  bool overdue_only = false;    // not closed, and some SLA target of the plan was missed
};

// Keyset position: the last case of the previous page. Pages go newest first.
struct Cursor {
  Millis created_at = 0;
  std::string id;
};

struct Page {
  std::vector<cases::Case> cases;  // without timeline and raw instruction
  std::optional<Cursor> next;      // absent on the last page
};

struct StatsFilter {
  std::optional<std::string> station;
  std::optional<Millis> since;
  std::optional<Millis> until;
  int utc_offset_minutes = 480;  // days are counted in this local time
};

struct Stats {
  std::int64_t cases = 0;
  std::map<std::string, std::int64_t> by_level;
  std::map<std::string, std::int64_t> by_status;
  std::map<std::string, std::int64_t> by_outcome;
  std::map<std::string, std::int64_t> by_scam_type;  // "click_farming_rebate" -> count
  std::map<std::string, std::int64_t> by_station;  // code -> count; "" for unrouted
  std::map<std::string, std::int64_t> by_day;      // "2023-11-29" -> count
  std::map<std::string, std::map<std::string, std::int64_t>> level_by_day;
  std::int64_t people_dissuaded = 0;               // distinct phones with a dissuaded outcome
  instruction::Fen amount_protected = 0;
};

// A queued outbound message. `id` doubles as the idempotency key receivers see.
struct OutboxEntry {
  std::int64_t id = 0;
  std::string case_id;
  std::string channel;
  std::string payload;
  std::int64_t attempts = 0;  // deliveries tried so far
  Millis created_at = 0;
};

// A case with a deadline due: its earliest pending timer (cases/handling.h).
struct DueCase {
  std::string case_id;
  Millis due_at = 0;
};

struct ResponderFilter {
  std::vector<std::string> stations;  // empty: all stations
  bool on_duty_only = false;
  bool free_only = false;  // holding no visit
};

// Decides a responder's new registration data from the current one (nullopt: unknown id).
// Runs on the writer inside the transaction. The store keeps visit_id and case_id as they
// are: only case changes move those (cases::ResponderClaim).
using ResponderMutator =
    std::function<Result<cases::Responder>(const std::optional<cases::Responder>& current)>;

// Figures for /metrics; cumulative unless named as current.
struct StoreMetrics {
  std::int64_t queue_depth = 0;  // current: writes waiting for the writer
  std::int64_t commits = 0;
  std::int64_t committed_writes = 0;  // jobs (requests) committed
  std::int64_t committed_rows = 0;    // cases + events written
  std::int64_t failed_commits = 0;
  // Histogram of writes per commit: bucket upper bounds and cumulative counts.
  std::vector<std::int64_t> commit_size_bounds;
  std::vector<std::int64_t> commit_size_counts;
};

class CaseStore {
 public:
  virtual ~CaseStore() = default;

  // Stores each case unless its instruction id is already stored, or stored earlier in the
  // same batch; then the outcome names the existing case. Outcomes in input order.
  virtual void ingest(std::vector<NewCase> batch, Done<std::vector<IngestOutcome>> done) = 0;

  // Reads the case, lets `mutate` decide, stores the result (with its handling state), the
  // new timeline events (those in the returned case's timeline), its outbound messages and
  // its responder claims. Fails with kNotFound for an unknown id, and with kConflict, storing
  // nothing, when a responder claim does not hold (the responder is not free / on duty, or
  // does not hold the visit it is to give back).
  virtual void update(std::string case_id, Mutator mutate, Done<cases::Case> done) = 0;

  // The whole case, with its timeline and raw instruction; nullopt when unknown.
  virtual Result<std::optional<cases::Case>> get(std::string_view case_id) = 0;
  virtual Result<Page> list(const Filter& filter, const std::optional<Cursor>& after,
                            size_t limit) = 0;
  virtual Result<Stats> stats(const StatsFilter& filter) = 0;
  // Each selected case's service-level figures (cases/sla.h), for the statistics.
  virtual Result<std::vector<cases::SlaRow>> sla_rows(const StatsFilter& filter) = 0;
  // Changes with seq > after, oldest first, at most `limit`.
  virtual Result<std::vector<Change>> changes_since(std::int64_t after, size_t limit) = 0;
  virtual std::int64_t last_change_seq() = 0;
  // When the latest stored warning for this phone was issued, among the cases created
  // before `before` (all, when absent); nullopt if there is none.
  virtual Result<std::optional<Millis>> last_warning_for_phone(
      std::string_view phone, std::optional<Millis> before = std::nullopt) = 0;
  // Cases created in [since, until) with their raw instructions, oldest first, after the
  // given position (keyset on created_at, id), at most `limit`.
  // The cases naming any of `keys` with an instruction issued at or after `since`, at most
  // `limit`, newest first.
  virtual Result<std::vector<Link>> links(const std::vector<std::string>& keys, Millis since,
                                          size_t limit) = 0;
  // Up to `limit` distinct phones naming `key` with an instruction issued at or after `since`
  // (enough to tell whether a cluster has formed without reading all of a big one).
  virtual Result<std::vector<std::string>> phones_for_key(std::string_view key, Millis since,
                                                          size_t limit) = 0;
  // The link keys of one case.
  virtual Result<std::vector<std::string>> link_keys_of(std::string_view case_id) = 0;
  // Keys shared by at least `min_people` distinct phones since `since`, most people first.
  virtual Result<std::vector<ClusterSummary>> clusters(Millis since, int min_people,
                                                       size_t limit) = 0;
  virtual Result<std::vector<cases::Case>> cases_with_instructions(
      Millis since, Millis until, const std::optional<Cursor>& after, size_t limit) = 0;

  // Outbox: messages due (not delivered, next attempt at or before `now`), oldest first.
  virtual Result<std::vector<OutboxEntry>> due_outbox(Millis now, size_t limit) = 0;
  // Records a delivery (done) or a failed try (retry at `next_at`, with the error).
  virtual void outbox_delivered(std::int64_t id, Millis at, Done<bool> done) = 0;
  virtual void outbox_failed(std::int64_t id, Millis next_at, std::string error, Done<bool> done) = 0;
  // Messages not yet delivered (for /metrics and /healthz).
  virtual Result<std::int64_t> outbox_backlog() = 0;

  // Handling: cases whose earliest timer is due at or before `now`, earliest first.
  virtual Result<std::vector<DueCase>> due_cases(Millis now, size_t limit) = 0;
  // Open cases with an open call task, by due time; `station` "" selects unrouted ones.
  virtual Result<std::vector<cases::Case>> open_tasks(const std::optional<std::string>& station,
                                                      size_t limit) = 0;
  // Cases holding a stop-payment that is not finished (requested, active, release
  // requested), soonest expiry first.
  virtual Result<std::vector<cases::Case>> stop_payment_cases(
      const std::optional<std::string>& station, size_t limit) = 0;

  // Responders. Registration, duty and position go through update_responder; visits only
  // through the claims of case changes (cases::ResponderClaim), checked in the same
  // transaction, so nobody holds two visits at once.
  virtual void update_responder(std::string id, ResponderMutator mutate,
                                Done<cases::Responder> done) = 0;
  virtual Result<std::optional<cases::Responder>> responder(std::string_view id) = 0;
  virtual Result<std::vector<cases::Responder>> responders(const ResponderFilter& filter) = 0;

  // Called on the writer thread after each successful commit with that commit's changes.
  // Set once, before the first write.
  virtual void set_change_listener(std::function<void(const std::vector<Change>&)> listener) = 0;

  virtual StoreMetrics metrics() = 0;
};

}  // namespace quanzu::store

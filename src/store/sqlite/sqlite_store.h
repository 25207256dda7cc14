// The embedded CaseStore: one SQLite file in WAL mode.
//
// One writer thread owns the only writing connection. Writes queue up; the writer takes
// everything waiting (up to a bound), runs it in one transaction (one failing write does not
// undo the others: a write that fails halfway sends the group round again with a savepoint
// per write) and commits with synchronous=FULL: one fsync for the whole group. Only then do
// the writes' callbacks run. A checkpointer thread copies the WAL back into the database.
// Reads use a small pool of read-only connections and never wait for the writer.
// With a key file, personal data is sealed on the way in and opened on the way out
// (sealing.h); a value that does not decrypt fails the read with Code::kUnavailable naming
// the case, never with garbage.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/crypt/cipher.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sealing.h"
#include "store/store.h"

namespace quanzu::store::sqlite {

struct Options {
  std::string path;                 // the database file; created when missing
  size_t max_group_rows = 5000;     // cases+events per transaction, at most
  size_t read_connections = 4;
  bool durable = true;              // false: synchronous=NORMAL (tests of no consequence only)
  // Encryption at rest of personal data (sealing.h); null: none. The file must have been
  // written with the same choice: open() refuses a mismatch and names the way out.
  std::shared_ptr<const crypt::Cipher> cipher = nullptr;
};

class SqliteStore final : public CaseStore {
 public:
  // Opens (creating and migrating when needed) and starts the writer.
  static Result<std::unique_ptr<SqliteStore>> open(const Options& options);
  // Finishes every queued write, then stops the writer.
  ~SqliteStore() override;

  void ingest(std::vector<NewCase> batch, Done<std::vector<IngestOutcome>> done) override;
  void update(std::string case_id, Mutator mutate, Done<cases::Case> done) override;
  Result<std::optional<cases::Case>> get(std::string_view case_id) override;
  Result<Page> list(const Filter& filter, const std::optional<Cursor>& after,
                    size_t limit) override;
  Result<Stats> stats(const StatsFilter& filter) override;
  Result<std::vector<cases::SlaRow>> sla_rows(const StatsFilter& filter) override;
  Result<std::vector<Change>> changes_since(std::int64_t after, size_t limit) override;
  std::int64_t last_change_seq() override;
  Result<std::optional<Millis>> last_warning_for_phone(std::string_view phone,
                                                       std::optional<Millis> before) override;
  Result<std::vector<Link>> links(const std::vector<std::string>& keys, Millis since,
                                  size_t limit) override;
  Result<std::vector<std::string>> link_keys_of(std::string_view case_id) override;
  Result<std::vector<std::string>> phones_for_key(std::string_view key, Millis since,
                                                  size_t limit) override;
  Result<std::vector<ClusterSummary>> clusters(Millis since, int min_people, size_t limit) override;
  Result<std::vector<cases::Case>> cases_with_instructions(Millis since, Millis until,
                                                           const std::optional<Cursor>& after,
                                                           size_t limit) override;
  Result<std::vector<OutboxEntry>> due_outbox(Millis now, size_t limit) override;
  void outbox_delivered(std::int64_t id, Millis at, Done<bool> done) override;
  void outbox_failed(std::int64_t id, Millis next_at, std::string error, Done<bool> done) override;
  Result<std::int64_t> outbox_backlog() override;
  Result<std::vector<DueCase>> due_cases(Millis now, size_t limit) override;
  Result<std::vector<cases::Case>> open_tasks(const std::optional<std::string>& station,
                                              size_t limit) override;
  Result<std::vector<cases::Case>> stop_payment_cases(const std::optional<std::string>& station,
                                                      size_t limit) override;
  void update_responder(std::string id, ResponderMutator mutate,
                        Done<cases::Responder> done) override;
  Result<std::optional<cases::Responder>> responder(std::string_view id) override;
  Result<std::vector<cases::Responder>> responders(const ResponderFilter& filter) override;
  void set_change_listener(std::function<void(const std::vector<Change>&)> listener) override;
  StoreMetrics metrics() override;

 private:
  struct Job;
  struct Writer;
  class ReadLease;

  explicit SqliteStore(Options options);
  void enqueue(Job job);
  void write_loop();
  Result<Db> open_reader();

  Options options_;
  Sealing sealing_;
  StoreLock lock_;                  // shared: keeps `quanzu store rekey` out while open
  std::unique_ptr<Writer> writer_;  // used only by the writer thread
  std::function<void(const std::vector<Change>&)> listener_;

  std::mutex mu_;  // guards queue_, queued_rows_, stopping_, metrics_
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  StoreMetrics metrics_;

  // A read connection with the statements prepared on it so far (by SQL text): the hot
  // reads of every ingest are prepared once per connection, not once per call.
  struct Reader {
    Db db;
    std::unordered_map<std::string, std::unique_ptr<Stmt>> stmts;
  };
  std::mutex readers_mu_;  // guards readers_
  std::vector<Reader> readers_;

  std::thread thread_;
};

}  // namespace quanzu::store::sqlite

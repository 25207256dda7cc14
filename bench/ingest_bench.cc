// ingest_bench: durable ingest through the real `quanzu serve`, side by side with raw
// SQLite baselines measured in the same run on the same disk.
//
//   ingest_bench [--quick] [--out FILE] [--binary PATH] [--dir DIR] [--only TEXT]
//
// The raw baselines write, for each instruction, the rows the SQLite store writes
// (instructions, cases, timeline, links, changes) into a database made by the project's own
// migrations, with the store's pragmas (WAL, synchronous=FULL), through prepared
// statements, with every value computed before the clock starts:
//   A  1000 instructions per transaction (what batch ingest is compared with);
//   B  one transaction, so one fsync, per instruction ("one fsync per request");
//   C  instructions arriving at the open loop's rate, each commit taking all that have
//      arrived: an ideal group commit with no HTTP, parsing or grading (the floor of the
//      open loop's latency on this disk).
// Each server scenario starts a fresh `quanzu serve` and posts arrays of `batch` new
// instructions from `clients` threads, each with its own keep-alive connection; a
// request's latency runs from just before it is sent until its answer, which the server
// sends only after the commit. The open loop sends single instructions at a fixed rate and
// measures latency from each request's scheduled send time, so queueing counts. The last
// scenario posts one fraud campaign: every instruction names the same site, so each joins
// one growing cluster. Each ratio is taken against the baseline run just before it, so
// that a machine whose speed drifts during the run skews the ratio less.
// Every loop is bounded by a count; the server listens on 127.0.0.1 only.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "base/ids.h"
#include "cases/escalation.h"
#include "corpus.h"
#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "tests/integration/harness.h"

namespace quanzu::bench {
namespace {

using Steady = std::chrono::steady_clock;
using testing::HttpClient;
using testing::ServerProcess;

double seconds_between(Steady::time_point from, Steady::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// How much work each part does. The full counts keep one run to about three minutes on a
// 2-core machine; --quick is a smoke check of the whole path.
struct Counts {
  std::size_t baseline_a = 200000;
  std::size_t baseline_b = 1500;
  std::size_t fsync_probe = 1500;
  std::size_t batch1_one_client = 2000;
  std::size_t batch1_many_clients = 20000;
  std::size_t batch100 = 100000;
  std::size_t batch1000 = 200000;
  double open_loop_rate = 2000;  // instructions per second
  double open_loop_seconds = 10;
  std::size_t campaign = 1024;
};

Counts quick_counts() {
  Counts c;
  c.baseline_a = 20000;
  c.baseline_b = 300;
  c.fsync_probe = 300;
  c.batch1_one_client = 300;
  c.batch1_many_clients = 3000;
  c.batch100 = 12800;
  c.batch1000 = 20000;
  c.open_loop_seconds = 2;
  c.campaign = 256;
  return c;
}

constexpr std::size_t kManyClients = 64;
constexpr std::size_t kBaselineTransaction = 1000;

struct Options {
  bool quick = false;
  std::string out;
  std::string binary;
  std::string dir = "/tmp";
  std::string only;  // run only the scenarios whose name contains this
};

// CPU seconds used by a process so far (user + system), from /proc.
double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may hold spaces; the fields after it are plain numbers. utime and
  // stime are fields 14 and 15, i.e. the 12th and 13th after the ")".
  const std::size_t paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 1; i <= 13 && fields >> field; ++i) {
    if (i >= 12) ticks += std::strtod(field.c_str(), nullptr);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

// A new empty directory under `parent`; the caller removes it.
std::string make_temp_dir(const std::string& parent, const std::string& name) {
  std::string path = parent + "/quanzu-" + name + "-XXXXXX";
  if (mkdtemp(path.data()) == nullptr) throw std::runtime_error("cannot create " + path);
  return path;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

Latency summarize(std::vector<double> ms) {
  Latency l;
  if (ms.empty()) return l;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    // Nearest rank: the smallest value with at least q of the samples at or below it.
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ms.size())));
    return ms[std::clamp<std::size_t>(rank, 1, ms.size()) - 1];
  };
  l.p50_ms = at(0.50);
  l.p99_ms = at(0.99);
  l.max_ms = ms.back();
  return l;
}

// ---- raw SQLite baselines ----

// The values the store writes for one new case, prepared before the clock starts so that
// the baseline times SQLite alone.
struct BaselineRow {
  Sample sample;
  std::string case_id;
  std::string station_code;
  std::string station_name;
  std::string reasons;
  std::string timeline_data;
  std::vector<std::string> link_keys;
  std::int64_t at = 0;
  // What the action plan starts with (cases/escalation.cc): the handling state, its
  // indexed deadlines, and the SMS/robocall messages the outbox gets with the case.
  std::string handling;
  std::optional<std::int64_t> next_due, task_due;
  std::vector<std::pair<std::string, std::string>> outbox;
};

// The shipped action plans (config/plans.toml), as the server under test uses them.
const cases::Plans& shipped_plans() {
  static const cases::Plans plans = [] {
    const std::string path = std::string(QUANZU_SOURCE_DIR) + "/config/plans.toml";
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto loaded = cases::load_plans(text.str(), path);
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return *loaded;
  }();
  return plans;
}

// The cluster keys the case service derives from a sample's indicator (cases::link_keys):
// accounts, URLs with their host, and domains.
std::vector<std::string> link_keys_of(const Sample& s) {
  if (s.indicator_kind == "account") return {"account:" + s.indicator_value};
  if (s.indicator_kind == "domain") return {"domain:" + s.indicator_value};
  if (s.indicator_kind == "url") {
    const std::size_t scheme = s.indicator_value.find("://");
    const std::size_t host_at = scheme == std::string::npos ? 0 : scheme + 3;
    const std::size_t path_at = s.indicator_value.find('/', host_at);
    return {"url:" + s.indicator_value,
            "domain:" + s.indicator_value.substr(host_at, path_at - host_at)};
  }
  return {};
}

std::vector<BaselineRow> baseline_rows(std::string_view prefix, std::size_t count) {
  std::vector<BaselineRow> rows(count);
  std::unordered_set<std::string> case_ids;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (std::size_t i = 0; i < count; ++i) {
    BaselineRow& r = rows[i];
    r.sample = make_sample(prefix, i);
    // Case ids start with their creation millisecond, so their order decides where the
    // cases B-tree grows. The server stamps a request's cases with one clock reading; here
    // each 1000 instructions get the next 100 ms, as at 10,000 instructions/s.
    r.at = now + static_cast<std::int64_t>(i / kBaselineTransaction) * 100;
    // Case ids carry 30 random bits after the millisecond, so ids made in one millisecond
    // can collide; the store would refuse the second one. Draw again, as it must not here.
    do {
      r.case_id = new_case_id(r.at);
    } while (!case_ids.insert(r.case_id).second);
    r.link_keys = link_keys_of(r.sample);
    r.station_code = r.sample.adcode + "-01";
    // Rule ids of the length the default rules give ("url_visit,url_visit.high_loss_scam,
    // upstream_level"); the baseline writes rows of the store's shape, it does not grade.
    r.reasons = r.sample.trigger + "," + r.sample.trigger + ".detail,upstream_level";
    r.station_name = r.sample.district_name + "第1派出所";
    // The shape of the "created" event's data that the case service writes.
    cases::Case c;
    c.id = r.case_id;
    c.level = instruction::parse_level(r.sample.level).value_or(instruction::Level::kMedium);
    c.station = cases::Station{r.station_code, r.station_name, r.sample.adcode};
    c.phone = r.sample.phone;
    c.scam_type = instruction::parse_scam_type(r.sample.scam_type).value_or(instruction::ScamType::kUnknown);
    cases::start_handling(c, shipped_plans(), r.at);
    r.handling = cases::to_json(c.handling);
    r.next_due = cases::next_due(c.handling);
    if (c.handling.task) r.task_due = c.handling.task->due_at;
    for (const auto& m : c.outbound) r.outbox.emplace_back(m.channel, m.payload);
    r.timeline_data = R"({"level":")" + r.sample.level + R"(","reasons":[")" + r.reasons +
                      R"("],"rules_version":"default-2026.11","status":"open",)"
                      R"("routing_method":"adcode","station":")" +
                      r.station_code + R"("})";
  }
  return rows;
}

class RawStatement {
 public:
  RawStatement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("prepare: ") + sqlite3_errmsg(db));
    }
  }
  ~RawStatement() { sqlite3_finalize(stmt_); }
  RawStatement(const RawStatement&) = delete;
  RawStatement& operator=(const RawStatement&) = delete;

  // The row's strings outlive the step, so SQLite need not copy them.
  RawStatement& text(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  RawStatement& text(int i, const char* v) {
    sqlite3_bind_text(stmt_, i, v, -1, SQLITE_STATIC);
    return *this;
  }
  RawStatement& integer(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  void run() {
    if (sqlite3_step(stmt_) != SQLITE_DONE) {
      throw std::runtime_error(std::string("insert: ") + sqlite3_errmsg(db_));
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);  // a column left unbound next time is NULL, not this row's
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(const store::sqlite::Db& db, const char* sql) {
  if (auto ok = db.exec(sql); !ok) throw std::runtime_error(ok.error().message);
}

// A fresh database with the store's pragmas and schema, and the store's insert statements
// (column lists as in store/sqlite/sqlite_store.cc), including what the action plan writes
// with a new case: its handling state and the outbox rows of its first SMS and robocall.
class BaselineDb {
 public:
  explicit BaselineDb(const std::string& path) {
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      sqlite3_close_v2(raw);
      throw std::runtime_error("cannot open " + path);
    }
    db_ = store::sqlite::Db(raw);
    exec(db_, "PRAGMA journal_mode=WAL");
    exec(db_, "PRAGMA synchronous=FULL");
    exec(db_, "PRAGMA foreign_keys=ON");
    if (auto ok = store::sqlite::migrate(db_); !ok) {
      throw std::runtime_error("migrate: " + ok.error().message);
    }
    instruction_ = std::make_unique<RawStatement>(
        raw,
        "INSERT INTO instructions(id, case_id, received_at, raw) VALUES (?,?,?,?) "
        "ON CONFLICT(id) DO NOTHING");
    case_ = std::make_unique<RawStatement>(
        raw,
        "INSERT INTO cases(id, instruction_id, level, reasons, rules_version, station_code, "
        "station_name, district_adcode, routing_method, status, outcome, amount_protected, "
        "created_at, updated_at, version, issued_at, trigger, scam_type, phone, "
        "subject_name, age, at_risk, handling, next_due_at, task_due_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    outbox_ = std::make_unique<RawStatement>(
        raw, "INSERT INTO outbox(case_id, channel, payload, created_at, next_at) VALUES (?,?,?,?,?)");
    event_ = std::make_unique<RawStatement>(
        raw, "INSERT INTO timeline(case_id, seq, at, kind, actor, data) VALUES (?,?,?,?,?,?)");
    change_ = std::make_unique<RawStatement>(
        raw, "INSERT INTO changes(case_id, kind, at) VALUES (?,?,?)");
    link_ = std::make_unique<RawStatement>(
        raw, "INSERT INTO links(key, case_id, phone, at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING");
  }

  void begin() { exec(db_, "BEGIN IMMEDIATE"); }
  void commit() { exec(db_, "COMMIT"); }

  void insert(const BaselineRow& r) {
    const Sample& s = r.sample;
    instruction_->text(1, s.id).text(2, r.case_id).integer(3, r.at).text(4, s.json).run();
    case_->text(1, r.case_id)
        .text(2, s.id)
        .text(3, s.level)
        .text(4, r.reasons)
        .text(5, "default-2026.11")
        .text(6, r.station_code)
        .text(7, r.station_name)
        .text(8, s.adcode)
        .text(9, "adcode")
        .text(10, "open")
        .integer(12, 0)
        .integer(13, r.at)
        .integer(14, r.at)
        .integer(15, 1)
        .integer(16, s.issued_at_ms)
        .text(17, s.trigger)
        .text(18, s.scam_type)
        .text(19, s.phone)
        .text(20, s.subject_name)
        .integer(21, s.age)
        .integer(22, s.at_risk_fen)
        .text(23, r.handling);
    if (r.next_due) case_->integer(24, *r.next_due);
    if (r.task_due) case_->integer(25, *r.task_due);
    case_->run();
    for (const auto& [channel, payload] : r.outbox) {
      outbox_->text(1, r.case_id).text(2, channel).text(3, payload).integer(4, r.at).integer(5, r.at).run();
    }
    event_->text(1, r.case_id)
        .integer(2, 1)
        .integer(3, r.at)
        .text(4, "created")
        .text(5, "system")
        .text(6, r.timeline_data)
        .run();
    for (const auto& key : r.link_keys) {
      link_->text(1, key).text(2, r.case_id).text(3, s.phone).integer(4, s.issued_at_ms).run();
    }
    change_->text(1, r.case_id).text(2, "created").integer(3, r.at).run();
  }

 private:
  store::sqlite::Db db_;
  // Declared after db_, so destroyed before the connection closes.
  std::unique_ptr<RawStatement> instruction_, case_, event_, link_, change_, outbox_;
};

// One row of the report: a raw baseline or a server scenario.
struct Measure {
  std::string name;
  std::string load;  // the 1-minute load average when it started
  std::size_t batch = 0;
  std::size_t clients = 0;
  std::size_t instructions = 0;  // or disk rounds for the fsync probe
  std::size_t requests = 0;
  double seconds = 0;
  std::optional<Latency> latency;
  double commits = 0;
  double server_cpu = 0;      // CPU seconds of the server per wall second
  double bench_cpu = 0;       // the same for this process (the clients, or the baseline)
  double server_mean_ms = 0;  // the server's own ingest latency, from /metrics
  double target_rate = 0;     // paced runs only
  double drain_seconds = 0;   // after the last answer, until the store's queue was empty
  double rate() const { return static_cast<double>(instructions) / seconds; }
};

std::string load_now() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

// Baselines A and B: `count` instructions, `per_transaction` to a commit, as fast as
// SQLite goes.
Measure run_baseline(const Options& options, const std::string& name, std::size_t count,
                     std::size_t per_transaction) {
  const std::string dir = make_temp_dir(options.dir, "baseline");
  const auto rows = baseline_rows("BASE", count);
  Measure m;
  m.name = name;
  m.load = load_now();
  m.instructions = count;
  {
    BaselineDb db(dir + "/baseline.sqlite");
    const double cpu_before = own_cpu_seconds();
    const auto start = Steady::now();
    for (std::size_t i = 0; i < rows.size(); i += per_transaction) {
      db.begin();
      const std::size_t end = std::min(rows.size(), i + per_transaction);
      for (std::size_t j = i; j < end; ++j) db.insert(rows[j]);
      db.commit();
      ++m.commits;
    }
    m.seconds = seconds_between(start, Steady::now());
    m.bench_cpu = (own_cpu_seconds() - cpu_before) / m.seconds;
  }
  std::filesystem::remove_all(dir);
  std::cerr << "  " << name << ": " << count << " instructions in " << m.seconds << " s\n";
  return m;
}

// Baseline C: instruction i arrives at i / rate seconds; the writer commits everything that
// has arrived, then looks again. Latency runs from arrival to the end of its commit.
Measure run_paced_baseline(const Options& options, const std::string& name, double rate,
                           double seconds) {
  const auto count = static_cast<std::size_t>(rate * seconds);
  const std::string dir = make_temp_dir(options.dir, "paced");
  const auto rows = baseline_rows("PACED", count);
  Measure m;
  m.name = name;
  m.load = load_now();
  m.instructions = count;
  m.target_rate = rate;
  std::vector<double> latencies(count);
  {
    BaselineDb db(dir + "/baseline.sqlite");
    const double cpu_before = own_cpu_seconds();
    const auto start = Steady::now() + std::chrono::milliseconds(50);
    auto due = [&](std::size_t i) {
      return start + std::chrono::duration_cast<Steady::duration>(
                         std::chrono::duration<double>(static_cast<double>(i) / rate));
    };
    std::size_t next = 0;
    while (next < count) {
      std::this_thread::sleep_until(due(next));
      const auto now = Steady::now();
      std::size_t end = next;
      while (end < count && due(end) <= now) ++end;
      db.begin();
      for (std::size_t j = next; j < end; ++j) db.insert(rows[j]);
      db.commit();
      ++m.commits;
      const auto done = Steady::now();
      for (std::size_t j = next; j < end; ++j) {
        latencies[j] = seconds_between(due(j), done) * 1000.0;
      }
      next = end;
    }
    m.seconds = seconds_between(start, Steady::now());
    m.bench_cpu = (own_cpu_seconds() - cpu_before) / m.seconds;
  }
  m.latency = summarize(std::move(latencies));
  std::filesystem::remove_all(dir);
  std::cerr << "  " << name << ": " << count << " instructions in " << m.seconds << " s, p99 "
            << m.latency->p99_ms << " ms\n";
  return m;
}

// How many 4 KiB write + fdatasync rounds the disk under `options.dir` does per second:
// the physical bound of any one-commit-per-request design, for reading the figures.
Measure run_fsync_probe(const Options& options, std::size_t count) {
  const std::string dir = make_temp_dir(options.dir, "fsync");
  const std::string path = dir + "/probe";
  Measure m;
  m.name = "disk: 4 KiB write + fdatasync (rounds)";
  m.load = load_now();
  m.instructions = count;
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  // Preallocated and synced first, so that the timed rounds overwrite, as a WAL does once
  // it has wrapped, rather than grow the file.
  constexpr std::size_t kPage = 4096;
  constexpr std::size_t kPages = 1024;
  std::string page(kPage, 'q');
  for (std::size_t i = 0; i < kPages; ++i) {
    if (pwrite(fd, page.data(), kPage, static_cast<off_t>(i * kPage)) < 0) {
      close(fd);
      throw std::runtime_error("cannot write " + path);
    }
  }
  fsync(fd);
  const auto start = Steady::now();
  for (std::size_t i = 0; i < count; ++i) {
    page[0] = static_cast<char>('a' + i % 26);
    if (pwrite(fd, page.data(), kPage, static_cast<off_t>(i % kPages * kPage)) < 0 ||
        fdatasync(fd) != 0) {
      close(fd);
      throw std::runtime_error("cannot write " + path);
    }
  }
  m.seconds = seconds_between(start, Steady::now());
  m.commits = static_cast<double>(count);
  close(fd);
  std::filesystem::remove_all(dir);
  std::cerr << "  " << m.name << ": " << count << " in " << m.seconds << " s\n";
  return m;
}

// ---- the real server ----

// One number from the Prometheus text: the line "<series> <value>".
double metric(const std::string& text, const std::string& series) {
  const std::string key = series + " ";
  std::size_t at = 0;
  while ((at = text.find(key, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      return std::strtod(text.c_str() + at + key.size(), nullptr);
    }
    at += key.size();
  }
  return 0;
}

std::size_t count_created(const std::string& body) {
  static constexpr std::string_view kCreated = R"("status":"created")";
  std::size_t n = 0;
  for (std::size_t at = body.find(kCreated); at != std::string::npos;
       at = body.find(kCreated, at + kCreated.size())) {
    ++n;
  }
  return n;
}

// What `clients` threads, with a connection each, send to a fresh server: client k's
// request bodies, and when `schedule` is set each request's send time as an offset from
// the start (latency is then measured from that time).
struct Load {
  std::size_t batch = 1;
  std::size_t clients = 1;
  std::vector<std::vector<std::string>> bodies;  // per client
  std::vector<std::vector<double>> schedule;     // per client, seconds
};

Measure run_load(const Options& options, const std::string& name, const Load& load) {
  const std::string dir = make_temp_dir(options.dir, "bench");
  // All the load comes from one address: no per-client rate limit.
  auto server = ServerProcess::start(options.binary, dir, {"--rate-limit", "0"});
  // The upstream feed authenticates as a machine, with an ingest token.
  ::setenv("QUANZU_BINARY", options.binary.c_str(), 1);
  const testing::Headers feed = testing::bearer(testing::create_token(dir, {"ingest"}, "bench-feed"));
  std::cerr << "  " << name << ": server pid " << server->pid() << ", data " << dir << "\n";
  Measure result;
  result.name = name;
  result.load = load_now();
  result.batch = load.batch;
  result.clients = load.clients;

  std::vector<std::vector<double>> latencies(load.clients);
  std::vector<Steady::time_point> finished(load.clients);
  std::mutex error_mu;
  std::exception_ptr error;  // guarded by error_mu: the first failure of any client
  std::latch connected(static_cast<std::ptrdiff_t>(load.clients));
  std::latch go(1);
  Steady::time_point start;

  std::vector<std::thread> threads;
  threads.reserve(load.clients);
  for (std::size_t k = 0; k < load.clients; ++k) {
    threads.emplace_back([&, k] {
      try {
        std::optional<HttpClient> client;
        try {
          client.emplace(server->host(), server->port());
          client->set_default_headers(feed);
          if (client->get("/healthz").status != 200) throw std::runtime_error("healthz");
        } catch (...) {
          connected.count_down();
          throw;
        }
        connected.count_down();
        go.wait();
        const auto& bodies = load.bodies[k];
        auto& out = latencies[k];
        out.reserve(bodies.size());
        for (std::size_t i = 0; i < bodies.size(); ++i) {
          Steady::time_point from = Steady::now();
          if (!load.schedule.empty()) {
            from = start + std::chrono::duration_cast<Steady::duration>(
                               std::chrono::duration<double>(load.schedule[k][i]));
            std::this_thread::sleep_until(from);
          }
          const auto response = client->post("/api/v1/instructions", bodies[i]);
          const auto to = Steady::now();
          if (response.status != 200 || count_created(response.body) != load.batch) {
            throw std::runtime_error("POST answered " + std::to_string(response.status) +
                                     " without " + std::to_string(load.batch) +
                                     " created: " + response.body.substr(0, 300));
          }
          out.push_back(seconds_between(from, to) * 1000.0);
        }
        finished[k] = Steady::now();
      } catch (...) {
        std::lock_guard lock(error_mu);
        if (!error) error = std::current_exception();
        finished[k] = Steady::now();
      }
    });
  }
  connected.wait();
  const double server_cpu_before = process_cpu_seconds(server->pid());
  const double bench_cpu_before = own_cpu_seconds();
  start = Steady::now();
  go.count_down();
  for (auto& t : threads) t.join();
  const Steady::time_point end = *std::max_element(finished.begin(), finished.end());
  // A paced run is timed from its first due request, not from the lead before it.
  const double lead = load.schedule.empty() ? 0.0 : load.schedule[0][0];
  result.seconds = seconds_between(start, end) - lead;
  result.server_cpu = (process_cpu_seconds(server->pid()) - server_cpu_before) / result.seconds;
  result.bench_cpu = (own_cpu_seconds() - bench_cpu_before) / result.seconds;
  if (error) std::rethrow_exception(error);

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  result.requests = all.size();
  result.instructions = all.size() * load.batch;
  result.latency = summarize(std::move(all));

  // Writes that answers do not wait for (cluster links raising earlier cases) may still be
  // queued; how long they take to drain is part of the cost.
  HttpClient probe(server->host(), server->port());
  std::string text = probe.get("/metrics").body;
  const auto drain_start = Steady::now();
  for (int i = 0; i < 2400 && metric(text, "quanzu_store_queue_depth") > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    text = probe.get("/metrics").body;
  }
  result.drain_seconds = seconds_between(drain_start, Steady::now());
  result.commits = metric(text, "quanzu_store_commits_total");
  const double count = metric(text, R"(quanzu_request_duration_seconds_count{route="ingest"})");
  const double sum = metric(text, R"(quanzu_request_duration_seconds_sum{route="ingest"})");
  if (count > 0) result.server_mean_ms = sum / count * 1000.0;
  const double created = metric(text, R"(quanzu_instructions_total{result="created"})");
  if (created != static_cast<double>(result.instructions)) {
    throw std::runtime_error(name + ": the server counted " + std::to_string(created) +
                             " created, the clients " + std::to_string(result.instructions));
  }
  server->terminate();
  server.reset();
  std::filesystem::remove_all(dir);
  std::cerr << "  " << name << ": " << result.instructions << " instructions in " << result.seconds
            << " s, p99 " << result.latency->p99_ms << " ms\n";
  return result;
}

// Closed loop: every client sends its next request as soon as the previous one is answered.
// The total is rounded down to whole rounds of `batch` x `clients`.
std::string closed_loop_name(std::size_t batch, std::size_t clients, const std::string& label) {
  std::string name = "batch " + std::to_string(batch) + ", " + std::to_string(clients) +
                     (clients == 1 ? " client" : " clients");
  return label.empty() ? name : label + ", " + name;
}

Measure closed_loop(const Options& options, std::size_t batch, std::size_t clients,
                    std::size_t instructions, const Shape& shape = {},
                    const std::string& label = {}) {
  const std::string name = closed_loop_name(batch, clients, label);
  const std::size_t per_round = batch * clients;
  const std::size_t requests = std::max<std::size_t>(instructions / per_round, 1) * clients;
  const std::string prefix = "BENCH-B" + std::to_string(batch) + "-C" + std::to_string(clients);
  Load load;
  load.batch = batch;
  load.clients = clients;
  load.bodies.resize(clients);
  for (std::size_t r = 0; r < requests; ++r) {
    load.bodies[r % clients].push_back(array_body(prefix, r * batch, batch, shape));
  }
  return run_load(options, name, load);
}

std::string open_loop_name(double rate, std::size_t clients) {
  char name[96];
  std::snprintf(name, sizeof name, "open loop %.0f/s, %zu clients", rate, clients);
  return name;
}

// Open loop: single-instruction requests paced to `rate` per second over `clients`
// connections; request i is due at i / rate seconds and goes to client i % clients.
Measure open_loop(const Options& options, double rate, std::size_t clients, double seconds) {
  const auto requests = static_cast<std::size_t>(rate * seconds);
  Load load;
  load.batch = 1;
  load.clients = clients;
  load.bodies.resize(clients);
  load.schedule.resize(clients);
  for (std::size_t i = 0; i < requests; ++i) {
    load.bodies[i % clients].push_back(array_body("BENCH-OPEN", i, 1));
    // A short lead so that the first requests are not already late when the clock starts.
    load.schedule[i % clients].push_back(0.05 + static_cast<double>(i) / rate);
  }
  Measure r = run_load(options, open_loop_name(rate, clients), load);
  r.target_rate = rate;
  return r;
}

// ---- the report ----

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string verdict(bool met) { return met ? "**met**" : "**not met**"; }

// A raw baseline and the server scenarios that are compared with it, run one after the
// other.
struct Group {
  std::optional<Measure> baseline;
  std::vector<Measure> scenarios;
};

struct Report {
  std::string command;
  std::string date;
  std::string load_before;
  std::string load_after;
  std::optional<Measure> disk;
  Group single;    // baseline B; batch 1
  Group hundred;   // batch 100 (no target of its own)
  Group thousand;  // baseline A; batch 1000
  Group paced;     // baseline C; the open loop
  Group campaign;  // one cluster
};

std::string latency_cells(const Measure& m) {
  if (!m.latency) return " | | | |";
  return " | " + fixed(m.latency->p50_ms, 2) + " | " + fixed(m.latency->p99_ms, 2) + " | " +
         fixed(m.latency->max_ms, 1) + " |";
}

std::string render(const Report& r) {
  std::ostringstream out;
  out << "Run " << r.date << ", `" << r.command << "`, load average before " << r.load_before
      << ", after " << r.load_after << ".\n\n";
  const Group* groups[] = {&r.single, &r.hundred, &r.thousand, &r.paced, &r.campaign};

  std::vector<const Measure*> raw;
  if (r.disk) raw.push_back(&*r.disk);
  for (const Group* g : groups) {
    if (g->baseline) raw.push_back(&*g->baseline);
  }
  if (!raw.empty()) {
    out << "| raw SQLite (same schema, WAL, synchronous=FULL) and the disk | instructions "
           "| seconds | per second | p50 ms | p99 ms | max ms | commits | load at start |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const Measure* m : raw) {
      out << "| " << m->name << " | " << m->instructions << " | " << fixed(m->seconds, 2) << " | "
          << fixed(m->rate(), 0) << latency_cells(*m) << " " << fixed(m->commits, 0) << " | "
          << m->load << " |\n";
    }
    out << "\n";
  }

  out << "| Quanzu, POST /api/v1/instructions | instructions | requests | seconds "
         "| instructions/s | p50 ms | p99 ms | max ms | commits | requests/commit "
         "| server CPU | bench CPU | server mean ms | queue drained after s | load at start |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const Group* g : groups) {
    for (const Measure& m : g->scenarios) {
      out << "| " << m.name << " | " << m.instructions << " | " << m.requests << " | "
          << fixed(m.seconds, 2) << " | " << fixed(m.rate(), 0) << latency_cells(m) << " "
          << fixed(m.commits, 0) << " | "
          << fixed(m.commits > 0 ? static_cast<double>(m.requests) / m.commits : 0, 1) << " | "
          << fixed(m.server_cpu * 100, 0) << "% | " << fixed(m.bench_cpu * 100, 0) << "% | "
          << fixed(m.server_mean_ms, 2) << " | " << fixed(m.drain_seconds, 1) << " | " << m.load
          << " |\n";
    }
  }

  std::ostringstream targets;
  if (r.thousand.baseline) {
    const Measure* best = nullptr;
    for (const Measure& m : r.thousand.scenarios) {
      if (!best || m.rate() > best->rate()) best = &m;
    }
    if (best) {
      const double ratio = best->rate() / r.thousand.baseline->rate();
      targets << "| batch ingest >= 70% of baseline A | " << fixed(best->rate(), 0) << "/s ("
              << best->name << ") | " << fixed(r.thousand.baseline->rate(), 0) << "/s | "
              << fixed(ratio * 100, 0) << "% | " << verdict(ratio >= 0.70) << " |\n";
    }
  }
  if (r.single.baseline) {
    for (const Measure& m : r.single.scenarios) {
      if (m.clients != kManyClients) continue;
      const double ratio = m.rate() / r.single.baseline->rate();
      targets << "| 64 clients, 1 instruction per request >= 3x baseline B | " << fixed(m.rate(), 0)
              << "/s | " << fixed(r.single.baseline->rate(), 0) << "/s | " << fixed(ratio, 2)
              << "x | " << verdict(ratio >= 3.0) << " |\n";
    }
  }
  for (const Measure& m : r.paced.scenarios) {
    if (!m.latency || r.paced.baseline == std::nullopt) continue;
    const bool met = m.latency->p99_ms <= 10.0 && m.rate() >= 0.98 * m.target_rate;
    targets << "| p99 POST->durable answer <= 10 ms at " << fixed(m.target_rate, 0)
            << " instructions/s | p99 " << fixed(m.latency->p99_ms, 2) << " ms at "
            << fixed(m.rate(), 0) << "/s | 10 ms (baseline C: p99 "
            << fixed(r.paced.baseline->latency->p99_ms, 2) << " ms) | "
            << fixed(m.latency->p99_ms / 10.0, 2) << "x | " << verdict(met) << " |\n";
  }
  if (!targets.str().empty()) {
    out << "\n| target | measured | against | ratio | verdict |\n|---|---:|---:|---:|---|\n"
        << targets.str();
  }
  return out.str();
}

std::string now_text() {
  std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  return buf;
}

int usage() {
  std::cerr << "usage: ingest_bench [--quick] [--out FILE] [--binary PATH] [--dir DIR] "
               "[--only TEXT]\n"
               "  --quick        small counts, a smoke check of the whole path\n"
               "  --out FILE     also write the markdown tables to FILE\n"
               "  --binary PATH  the quanzu binary (default: $QUANZU_BINARY, else the one "
               "built beside this benchmark)\n"
               "  --dir DIR      where the temporary databases go (default /tmp)\n"
               "  --only TEXT    only the server scenarios whose name contains TEXT, no "
               "baselines (e.g. \"batch 1000, 1 client\"); the server's pid is printed\n";
  return 64;
}

int run(int argc, char** argv) {
  Options options;
  std::string command = "ingest_bench";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    command += " " + std::string(arg);
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
      std::string v = argv[++i];
      command += v.find(' ') == std::string::npos ? " " + v : " '" + v + "'";
      return v;
    };
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--out") {
      options.out = value();
    } else if (arg == "--binary") {
      options.binary = value();
    } else if (arg == "--dir") {
      options.dir = value();
    } else if (arg == "--only") {
      options.only = value();
    } else if (arg == "-h" || arg == "--help") {
      usage();
      return 0;
    } else {
      return usage();
    }
  }
  if (options.binary.empty()) {
    const char* env = std::getenv("QUANZU_BINARY");
    options.binary = env && *env ? env : QUANZU_BENCH_DEFAULT_BINARY;
  }
  const Counts counts = options.quick ? quick_counts() : Counts{};

  // Each part in the order it runs: a raw baseline, then the server scenarios compared
  // with it. --only keeps the server scenarios whose name contains its text and skips the
  // baselines, e.g. to profile the server under one of them.
  Report report;
  report.command = command;
  report.date = now_text();
  report.load_before = load_average();
  std::cerr << "ingest_bench: load average " << report.load_before << "\n";
  const bool baselines = options.only.empty();
  auto wanted = [&](const std::string& name) {
    return name.find(options.only) != std::string::npos;
  };
  auto closed = [&](Group& group, std::size_t batch, std::size_t clients, std::size_t total,
                    const Shape& shape = {}, const std::string& label = {}) {
    if (wanted(closed_loop_name(batch, clients, label))) {
      group.scenarios.push_back(closed_loop(options, batch, clients, total, shape, label));
    }
  };

  if (baselines) report.disk = run_fsync_probe(options, counts.fsync_probe);
  if (baselines) {
    report.single.baseline =
        run_baseline(options, "B: one transaction per instruction", counts.baseline_b, 1);
  }
  closed(report.single, 1, 1, counts.batch1_one_client);
  closed(report.single, 1, kManyClients, counts.batch1_many_clients);
  closed(report.hundred, 100, 1, counts.batch100);
  closed(report.hundred, 100, kManyClients, counts.batch100);
  if (baselines) {
    report.thousand.baseline = run_baseline(options, "A: 1000-instruction transactions",
                                            counts.baseline_a, kBaselineTransaction);
  }
  closed(report.thousand, 1000, 1, counts.batch1000);
  closed(report.thousand, 1000, kManyClients, counts.batch1000);
  if (baselines) {
    report.paced.baseline = run_paced_baseline(
        options, "C: arrivals at " + fixed(counts.open_loop_rate, 0) + "/s, group commit",
        counts.open_loop_rate, counts.open_loop_seconds);
  }
  if (wanted(open_loop_name(counts.open_loop_rate, kManyClients))) {
    report.paced.scenarios.push_back(
        open_loop(options, counts.open_loop_rate, kManyClients, counts.open_loop_seconds));
  }
  Shape campaign;
  campaign.campaign_host = "task-campaign.example";
  closed(report.campaign, 1, kManyClients, counts.campaign, campaign,
         "one campaign (all name one site)");
  report.load_after = load_average();
  const Group* groups[] = {&report.single, &report.hundred, &report.thousand, &report.paced,
                           &report.campaign};
  if (std::none_of(std::begin(groups), std::end(groups),
                   [](const Group* g) { return !g->scenarios.empty(); })) {
    throw std::invalid_argument("no scenario matches " + options.only);
  }

  const std::string text = render(report);
  std::cout << text;
  if (!options.out.empty()) {
    std::ofstream file(options.out);
    file << text;
    if (!file) throw std::runtime_error("cannot write " + options.out);
  }
  return 0;
}

}  // namespace
}  // namespace quanzu::bench

int main(int argc, char** argv) {
  try {
    return quanzu::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ingest_bench: " << e.what() << "\n";
    return 1;
  }
}

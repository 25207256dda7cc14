// What integration tests and benchmarks use to drive the real binary: start `quanzu serve`
// on port 0 with its own data directory, talk HTTP to it, stop or kill it by PID.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quanzu::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The account every test server gets (a centre analyst, who may do everything a test needs
// but approve releases), made with `quanzu user add` before the server starts.
inline constexpr const char* kTestUser = "qa-centre";
inline constexpr const char* kTestPassword = "qa-centre-password-1";

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

// One keep-alive HTTP/1.1 connection. Not thread-safe: one client per thread.
// Reconnects once when the server had closed the kept-alive connection before answering;
// throws std::runtime_error when the server cannot be reached or a request takes over 30 s.
class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                       const std::vector<std::pair<std::string, std::string>>& headers = {});
  HttpResponse get(std::string_view target) { return request("GET", target); }
  // Sent with every later request (e.g. a session cookie and its CSRF token).
  void set_default_headers(Headers headers);
  const Headers& default_headers() const;
  // POST /api/v1/session; on 200 later requests carry the session cookie and X-CSRF-Token.
  HttpResponse login(const std::string& name, const std::string& password);
  // Logs in as kTestUser; throws unless it succeeds.
  void login_as_test_user();
  HttpResponse post(std::string_view target, std::string_view body,
                    std::string_view content_type = "application/json") {
    return request("POST", target, body, {{"Content-Type", std::string(content_type)}});
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A `quanzu serve` child process on 127.0.0.1, port 0. Its output goes to a fresh
// `server-N.log` in the data directory. The child dies with the thread that started it
// (PR_SET_PDEATHSIG), so a crashed test leaves no server behind: start it from a thread
// that outlives it (the test's main thread).
class ServerProcess {
 public:
  // Starts `binary serve --listen 127.0.0.1:0 --data data_dir [extra...]` and waits (at most
  // 20 s) for its "listening on http(s)://..." line. Throws std::runtime_error on failure,
  // with the child's output in the message. `extra` comes last, so "--listen A:P" there
  // restarts a server on the address it had.
  static std::unique_ptr<ServerProcess> start(const std::string& binary,
                                              const std::string& data_dir,
                                              const std::vector<std::string>& extra = {});
  // Stops the server if it still runs (SIGTERM, then SIGKILL after 10 s).
  ~ServerProcess();

  pid_t pid() const { return pid_; }
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  // Cookie and X-CSRF-Token of a session of kTestUser, made when the server started.
  const Headers& auth() const { return auth_; }
  // True when it printed an https:// address (TLS configured).
  bool tls() const { return tls_; }
  // Everything the child wrote to stdout and stderr so far.
  std::string output() const;

  void kill9();     // SIGKILL, then reap
  int terminate();  // SIGTERM, wait; the exit status (128+signal when killed by one)

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  bool tls_ = false;
  std::string log_path_;
  Headers auth_;
};

// Creates kTestUser (role centre) in data_dir's store unless it exists; ServerProcess::start
// calls it. Throws when `quanzu user add` fails otherwise.
void ensure_test_users(const std::string& binary, const std::string& data_dir);

// `quanzu user add` (password on stdin) into data_dir's store; throws on failure. Works
// while a server runs on it.
void add_user(const std::string& data_dir, const std::string& name, const std::string& role,
              const std::string& password, const std::string& station = {},
              const std::string& responder = {});
// `quanzu token create --scope ...`; the secret, for "Authorization: Bearer". Throws on failure.
std::string create_token(const std::string& data_dir, const std::vector<std::string>& scopes,
                         const std::string& name = "test-machine");
// {"Authorization": "Bearer <secret>"}.
Headers bearer(const std::string& secret);

// One message of a text/event-stream: the fields of one blank-line-terminated block.
// Comment-only blocks (": ping") are not messages.
struct SseMessage {
  std::string id;
  std::string event;
  std::string data;   // "data:" lines joined with '\n'
  std::string retry;  // the block's "retry:" value, if any
};

// A raw GET on an event stream (the server answers "Connection: close" and writes for
// ever). Not thread-safe.
class EventStream {
 public:
  // Connects, sends GET `target` (with Last-Event-ID when given) and reads the response
  // head within 30 s. Throws std::runtime_error on failure; a non-2xx answer is kept in
  // status() and body().
  EventStream(const std::string& host, std::uint16_t port,
              std::string_view target = "/api/v1/stream", const std::string& last_event_id = {},
              const Headers& headers = {});
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  unsigned status() const { return status_; }
  const std::map<std::string, std::string>& headers() const { return headers_; }
  // The body of a non-2xx answer (read up to its Content-Length).
  const std::string& body() const { return body_; }

  // The next message, or nullopt when none arrived within `timeout_ms` or the server
  // closed the stream.
  std::optional<SseMessage> next(int timeout_ms);
  // The next message that carries data (skips "retry:"-only blocks).
  std::optional<SseMessage> next_event(int timeout_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned status_ = 0;
  std::map<std::string, std::string> headers_;
  std::string body_;
};

// Sends `bytes` as they are on a new connection and returns everything the server writes
// until it closes the connection or `timeout_ms` passes. For requests HttpClient cannot
// express: chunked bodies, broken HTTP.
std::string raw_exchange(const std::string& host, std::uint16_t port, std::string_view bytes,
                         int timeout_ms = 10000);

// What a finished command wrote and how it ended.
struct CommandResult {
  int status = -1;  // exit status; 128+signal when killed by one
  std::string out;
  std::string err;
};

// Runs argv (argv[0] is a path) with stdin from /dev/null and waits at most timeout_ms,
// then kills it. Throws std::runtime_error when it cannot start or times out.
// `input` is written to its standard input.
CommandResult run_command(const std::vector<std::string>& argv, int timeout_ms = 30000,
                          std::string_view input = {});

// The quanzu binary under test ($QUANZU_BINARY, set by CMake for every integration test).
std::string quanzu_binary();
// A fresh empty directory under /tmp whose name contains `name` and this process's id.
// The first call removes those of test processes that exited over 10 minutes ago.
std::string fresh_dir(const std::string& name);
// A valid instruction JSON object with the given id (Jiangbei, extreme, completed transfer).
std::string sample_instruction(const std::string& id, const std::string& phone = "13800138000");

}  // namespace quanzu::testing

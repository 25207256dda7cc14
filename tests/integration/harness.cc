#include "tests/integration/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace quanzu::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Steady = std::chrono::steady_clock;

constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr auto kStartTimeout = std::chrono::seconds(20);
constexpr auto kTermTimeout = std::chrono::seconds(10);
// Between looks at a child's log or exit status; the deadline is what bounds the wait.
constexpr auto kPollInterval = std::chrono::milliseconds(2);

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int decode_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

// Runs the io_context until the operation started on it completes; `ec` is set by its
// handler. The tcp_stream's own expiry bounds the time.
void run_until_done(net::io_context& io) {
  io.restart();
  io.run();
}

tcp::endpoint endpoint_of(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("not an IP address: " + host);
  return tcp::endpoint(address, port);
}

// argv as execv wants it; the strings must outlive the result.
std::vector<char*> exec_argv(const std::vector<std::string>& args) {
  std::vector<char*> out;
  out.reserve(args.size() + 1);
  for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(pid_t parent, int out_fd, int err_fd, char* const* argv,
                             const char* stdin_path = "/dev/null") {
  // Die with the parent: a test that crashes must not leave a server running.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  int null_fd = open(stdin_path, O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  close_range(3, ~0U, 0);
  execv(argv[0], argv);
  static constexpr char kMessage[] = "exec failed\n";
  ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  (void)ignored;
  _exit(127);
}

// Waits for `pid` until `deadline`; the decoded exit status, or nullopt if it still runs.
std::optional<int> wait_until(pid_t pid, Steady::time_point deadline) {
  for (;;) {
    int raw = 0;
    pid_t r = waitpid(pid, &raw, WNOHANG);
    if (r == pid) return decode_status(raw);
    if (r < 0 && errno != EINTR) return -1;  // not our child any more
    if (Steady::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

int wait_blocking(pid_t pid) {
  int raw = 0;
  while (waitpid(pid, &raw, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return decode_status(raw);
}

std::atomic<unsigned> g_counter{0};

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

// ---- HttpClient ----------------------------------------------------------------------

struct HttpClient::Impl {
  std::vector<std::pair<std::string, std::string>> default_headers;
  tcp::endpoint endpoint;
  std::string host_header;
  net::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  void connect() {
    stream.emplace(io);
    buffer.clear();
    stream->expires_after(kRequestTimeout);
    beast::error_code ec;
    stream->async_connect(endpoint, [&ec](beast::error_code e) { ec = e; });
    run_until_done(io);
    if (ec) {
      stream.reset();
      throw std::runtime_error("cannot connect to " + host_header + ": " + ec.message());
    }
  }

  void close() {
    if (!stream) return;
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->socket().close(ignored);
    stream.reset();
    buffer.clear();
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = endpoint_of(host, port);
  impl_->host_header = std::move(host) + ":" + std::to_string(port);
}

HttpClient::~HttpClient() { impl_->close(); }

void HttpClient::set_default_headers(Headers headers) { impl_->default_headers = std::move(headers); }
const Headers& HttpClient::default_headers() const { return impl_->default_headers; }

HttpResponse HttpClient::login(const std::string& name, const std::string& password) {
  HttpResponse r = post("/api/v1/session",
                        R"({"name":")" + name + R"(","password":")" + password + R"("})");
  if (r.status != 200) return r;
  auto cookie = r.headers.find("set-cookie");
  const std::string key = R"("csrf_token":")";
  const size_t at = r.body.find(key);
  if (cookie == r.headers.end() || at == std::string::npos) {
    throw std::runtime_error("login answered 200 without a cookie or csrf_token: " + r.body);
  }
  const size_t start = at + key.size();
  const std::string csrf = r.body.substr(start, r.body.find('"', start) - start);
  const std::string pair = cookie->second.substr(0, cookie->second.find(';'));
  impl_->default_headers = {{"Cookie", pair}, {"X-CSRF-Token", csrf}};
  return r;
}

void HttpClient::login_as_test_user() {
  HttpResponse r = login(kTestUser, kTestPassword);
  if (r.status != 200) {
    throw std::runtime_error("cannot log in as " + std::string(kTestUser) + ": " + std::to_string(r.status) + " " + r.body);
  }
}

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 std::string_view body,
                                 const std::vector<std::pair<std::string, std::string>>& headers) {
  Impl& im = *impl_;
  http::request<http::string_body> req;
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown)
    req.method_string(method);
  else
    req.method(verb);
  req.target(target);
  req.version(11);
  req.set(http::field::host, im.host_header);
  req.set(http::field::user_agent, "quanzu-integration-test");
  for (const auto& [name, value] : im.default_headers) req.set(name, value);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::string(body);
  req.keep_alive(true);
  req.prepare_payload();

  for (int attempt = 0;; ++attempt) {
    const bool reused = im.stream.has_value();
    if (!reused) im.connect();
    beast::error_code ec;
    im.stream->expires_after(kRequestTimeout);
    http::async_write(*im.stream, req, [&ec](beast::error_code e, size_t) { ec = e; });
    run_until_done(im.io);
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    bool got_bytes = false;
    if (!ec) {
      im.stream->expires_after(kRequestTimeout);
      http::async_read(*im.stream, im.buffer, parser,
                       [&ec](beast::error_code e, size_t) { ec = e; });
      run_until_done(im.io);
      got_bytes = parser.got_some();
    }
    if (ec) {
      im.close();
      // A kept-alive connection the server had already closed: one fresh try.
      const bool closed_by_peer = ec == http::error::end_of_stream || ec == net::error::eof ||
                                  ec == net::error::connection_reset ||
                                  ec == net::error::broken_pipe;
      if (reused && attempt == 0 && closed_by_peer && !got_bytes) continue;
      throw std::runtime_error(std::string(method) + " " + std::string(target) + " to " +
                               im.host_header + " failed: " + ec.message());
    }
    auto res = parser.release();
    HttpResponse out;
    out.status = res.result_int();
    for (const auto& field : res.base()) {
      out.headers[lower(field.name_string())] = std::string(field.value());
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) im.close();
    return out;
  }
}

// ---- EventStream ---------------------------------------------------------------------

namespace {

// A plain socket read with a deadline; what arrives is appended to `buf`.
struct SocketReader {
  net::io_context io;
  tcp::socket socket{io};
  std::string buf;
  bool closed = false;

  // Reads what arrives within `timeout` (at most one read); false when the peer closed.
  bool read_some(Steady::duration timeout) {
    std::array<char, 8192> chunk;
    beast::error_code ec;
    size_t n = 0;
    bool done = false;
    socket.async_read_some(net::buffer(chunk), [&](beast::error_code e, size_t got) {
      ec = e;
      n = got;
      done = true;
    });
    io.restart();
    io.run_for(timeout);
    if (!done) {
      beast::error_code ignored;
      socket.cancel(ignored);
      io.restart();
      io.run();
    }
    buf.append(chunk.data(), n);
    if (ec && ec != net::error::operation_aborted) {
      closed = true;
      return false;
    }
    return true;
  }
};

}  // namespace

struct EventStream::Impl : SocketReader {
  // Drops '\r' so that "\r\n" and "\n" line ends look the same.
  static std::string strip_cr(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
      if (c != '\r') out += c;
    }
    return out;
  }

  // The first complete block of buf (removed from it), comment-only blocks skipped.
  std::optional<SseMessage> take_block() {
    for (;;) {
      size_t end = buf.find("\n\n");
      if (end == std::string::npos) return std::nullopt;
      std::string block = buf.substr(0, end);
      buf.erase(0, end + 2);
      SseMessage m;
      bool any = false;
      bool has_data = false;
      std::istringstream lines(block);
      std::string line;
      while (std::getline(lines, line)) {
        if (line.empty() || line[0] == ':') continue;
        size_t colon = line.find(':');
        std::string name = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        any = true;
        if (name == "id") {
          m.id = value;
        } else if (name == "event") {
          m.event = value;
        } else if (name == "data") {
          if (has_data) m.data += '\n';
          m.data += value;
          has_data = true;
        } else if (name == "retry") {
          m.retry = value;
        }
      }
      if (any) return m;
    }
  }
};

EventStream::EventStream(const std::string& host, std::uint16_t port, std::string_view target,
                         const std::string& last_event_id, const Headers& headers)
    : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  const auto deadline = Steady::now() + kRequestTimeout;
  beast::error_code ec;
  im.socket.connect(endpoint_of(host, port), ec);
  if (ec) throw std::runtime_error("cannot connect to event stream: " + ec.message());
  std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + host + ":" +
                        std::to_string(port) + "\r\nAccept: text/event-stream\r\n";
  if (!last_event_id.empty()) request += "Last-Event-ID: " + last_event_id + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  net::write(im.socket, net::buffer(request), ec);
  if (ec) throw std::runtime_error("cannot send event stream request: " + ec.message());

  size_t head_end;
  while ((head_end = im.buf.find("\r\n\r\n")) == std::string::npos) {
    const auto left = deadline - Steady::now();
    if (left <= Steady::duration::zero())
      throw std::runtime_error("no response head from event stream");
    if (!im.read_some(left) && im.buf.find("\r\n\r\n") == std::string::npos) {
      throw std::runtime_error("event stream closed before its response head: " + im.buf);
    }
  }
  std::istringstream head(im.buf.substr(0, head_end));
  im.buf.erase(0, head_end + 4);
  std::string line;
  std::getline(head, line);
  {
    std::istringstream status_line(line);
    std::string version;
    status_line >> version >> status_;
  }
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    headers_[lower(line.substr(0, colon))] = value;
  }
  if (status_ >= 200 && status_ < 300) return;
  // An error answer: its body, then nothing more.
  size_t length = 0;
  if (auto it = headers_.find("content-length"); it != headers_.end())
    length = std::stoul(it->second);
  while (im.buf.size() < length && !im.closed) {
    const auto left = deadline - Steady::now();
    if (left <= Steady::duration::zero()) break;
    im.read_some(left);
  }
  body_ = im.buf;
  im.buf.clear();
}

EventStream::~EventStream() {
  beast::error_code ignored;
  impl_->socket.shutdown(tcp::socket::shutdown_both, ignored);
  impl_->socket.close(ignored);
}

std::optional<SseMessage> EventStream::next(int timeout_ms) {
  Impl& im = *impl_;
  const auto deadline = Steady::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    im.buf = Impl::strip_cr(im.buf);
    if (auto m = im.take_block()) return m;
    if (im.closed) return std::nullopt;
    const auto left = deadline - Steady::now();
    if (left <= Steady::duration::zero()) return std::nullopt;
    im.read_some(left);
  }
}

std::optional<SseMessage> EventStream::next_event(int timeout_ms) {
  const auto deadline = Steady::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now()).count();
    auto m = next(static_cast<int>(std::max<std::int64_t>(left, 0)));
    if (!m) return std::nullopt;
    if (!m->data.empty() || !m->event.empty()) return m;
  }
}

std::string raw_exchange(const std::string& host, std::uint16_t port, std::string_view bytes,
                         int timeout_ms) {
  SocketReader r;
  beast::error_code ec;
  r.socket.connect(endpoint_of(host, port), ec);
  if (ec) throw std::runtime_error("cannot connect to " + host + ": " + ec.message());
  // A server may answer early and stop reading; what it said is still worth reading.
  net::write(r.socket, net::buffer(bytes.data(), bytes.size()), ec);
  const auto deadline = Steady::now() + std::chrono::milliseconds(timeout_ms);
  while (!r.closed) {
    const auto left = deadline - Steady::now();
    if (left <= Steady::duration::zero()) break;
    r.read_some(left);
  }
  return r.buf;
}

// ---- ServerProcess -------------------------------------------------------------------

std::unique_ptr<ServerProcess> ServerProcess::start(const std::string& binary,
                                                    const std::string& data_dir,
                                                    const std::vector<std::string>& extra) {
  std::error_code fs_ec;
  std::filesystem::create_directories(data_dir, fs_ec);
  if (fs_ec) throw std::runtime_error("cannot create " + data_dir + ": " + fs_ec.message());

  std::unique_ptr<ServerProcess> server(new ServerProcess());
  server->log_path_ = data_dir + "/server-" + std::to_string(++g_counter) + ".log";
  const int log_fd =
      open(server->log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot create " + server->log_path_);

  ensure_test_users(binary, data_dir);
  std::vector<std::string> args{binary, "serve", "--listen", "127.0.0.1:0", "--data", data_dir};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv = exec_argv(args);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) exec_child(parent, log_fd, log_fd, argv.data());
  close(log_fd);
  server->pid_ = pid;

  // The line is complete once its newline is there: std::endl flushes it whole.
  static constexpr std::string_view kMarker = "listening on ";
  const auto deadline = Steady::now() + kStartTimeout;
  for (;;) {
    const std::string out = server->output();
    if (size_t at = out.find(kMarker); at != std::string::npos) {
      size_t eol = out.find('\n', at);
      if (eol != std::string::npos) {
        std::string url = out.substr(at + kMarker.size(), eol - at - kMarker.size());
        server->tls_ = url.starts_with("https://");
        const size_t scheme_end = url.find("://");
        if (scheme_end == std::string::npos)
          throw std::runtime_error("cannot read address in: " + out);
        std::string hostport = url.substr(scheme_end + 3);
        size_t colon = hostport.rfind(':');
        if (colon == std::string::npos) throw std::runtime_error("cannot read address in: " + out);
        server->host_ = hostport.substr(0, colon);
        server->port_ = static_cast<std::uint16_t>(std::stoul(hostport.substr(colon + 1)));
        // The harness speaks plain HTTP only: a TLS server's tests log in with their own client.
        if (server->tls_) return server;
        HttpClient client(server->host_, server->port_);
        client.login_as_test_user();
        HttpResponse who = client.get("/api/v1/session");
        if (who.status != 200) throw std::runtime_error("the test session does not work: " + who.body);
        server->auth_ = client.default_headers();
        return server;
      }
    }
    if (auto status = wait_until(pid, Steady::now())) {
      server->pid_ = -1;
      throw std::runtime_error("quanzu serve exited with status " + std::to_string(*status) +
                               " before listening:\n" + server->output());
    }
    if (Steady::now() >= deadline) {
      server->kill9();
      throw std::runtime_error("quanzu serve did not print its address within 20 s:\n" +
                               server->output());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) terminate();
}

std::string ServerProcess::output() const { return read_file(log_path_); }

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait_blocking(pid_);
  pid_ = -1;
}

int ServerProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  std::optional<int> status = wait_until(pid_, Steady::now() + kTermTimeout);
  if (!status) {
    ::kill(pid_, SIGKILL);
    status = wait_blocking(pid_);
  }
  pid_ = -1;
  return *status;
}

// ---- commands and helpers ------------------------------------------------------------

CommandResult run_command(const std::vector<std::string>& args, int timeout_ms, std::string_view input) {
  if (args.empty()) throw std::runtime_error("run_command: no program");
  const std::string base = fresh_dir("cmd");
  const std::string out_path = base + "/stdout";
  const std::string err_path = base + "/stderr";
  const std::string in_path = base + "/stdin";
  {
    std::ofstream in(in_path, std::ios::binary);
    in << input;
  }
  const int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("run_command: cannot create output files");
  std::vector<char*> argv = exec_argv(args);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) exec_child(parent, out_fd, err_fd, argv.data(), in_path.c_str());
  close(out_fd);
  close(err_fd);
  std::optional<int> status =
      wait_until(pid, Steady::now() + std::chrono::milliseconds(timeout_ms));
  if (!status) {
    ::kill(pid, SIGKILL);
    wait_blocking(pid);
    throw std::runtime_error(args[0] + " did not finish within " + std::to_string(timeout_ms) +
                             " ms; stderr:\n" + read_file(err_path));
  }
  CommandResult r;
  r.status = *status;
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  std::error_code ignored;
  std::filesystem::remove_all(base, ignored);
  return r;
}

void ensure_test_users(const std::string& binary, const std::string& data_dir) {
  const std::string marker = data_dir + "/.test-users";
  if (std::filesystem::exists(marker)) return;
  CommandResult r = run_command({binary, "user", "add", "--data", data_dir, "--name", kTestUser, "--role", "centre"},
                                30000, std::string(kTestPassword) + "\n");
  if (r.status != 0 && r.err.find("exists") == std::string::npos) {
    throw std::runtime_error("quanzu user add " + std::string(kTestUser) + " failed: " + r.err);
  }
  std::ofstream(marker) << "1\n";
}

void add_user(const std::string& data_dir, const std::string& name, const std::string& role,
              const std::string& password, const std::string& station, const std::string& responder) {
  std::vector<std::string> args{quanzu_binary(), "user", "add", "--data", data_dir, "--name", name, "--role", role};
  if (!station.empty()) args.insert(args.end(), {"--station", station});
  if (!responder.empty()) args.insert(args.end(), {"--responder", responder});
  CommandResult r = run_command(args, 30000, password + "\n");
  if (r.status != 0) throw std::runtime_error("quanzu user add " + name + " failed: " + r.err);
}

std::string create_token(const std::string& data_dir, const std::vector<std::string>& scopes,
                         const std::string& name) {
  std::vector<std::string> args{quanzu_binary(), "token", "create", "--data", data_dir, "--name", name};
  for (const auto& s : scopes) args.insert(args.end(), {"--scope", s});
  CommandResult r = run_command(args);
  if (r.status != 0) throw std::runtime_error("quanzu token create failed: " + r.err);
  std::string secret = r.out;
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.find('\n') != std::string::npos) secret = secret.substr(secret.rfind('\n') + 1);
  return secret;
}

Headers bearer(const std::string& secret) { return {{"Authorization", "Bearer " + secret}}; }

std::string quanzu_binary() {
  const char* path = std::getenv("QUANZU_BINARY");
  if (path == nullptr || *path == '\0') {
    throw std::runtime_error("QUANZU_BINARY is not set; run the integration tests through ctest");
  }
  return path;
}

namespace {

constexpr std::string_view kDirPrefix = "quanzu-it-";

// Left alone for a look after a failure; a whole ctest run takes less.
constexpr auto kKeepDirs = std::chrono::minutes(10);

// Removes the directories of earlier test processes that have exited more than kKeepDirs
// ago, so that /tmp does not fill up.
void remove_dirs_of_exited_runs() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto old = fs::file_time_type::clock::now() - kKeepDirs;
  for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kDirPrefix)) continue;
    // quanzu-it-<name>-<pid>-<counter>
    const size_t last = name.rfind('-');
    if (last == std::string::npos || last == 0) continue;
    const size_t before = name.rfind('-', last - 1);
    if (before == std::string::npos) continue;
    const std::string pid_text = name.substr(before + 1, last - before - 1);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid == getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (entry.last_write_time(ec) > old || ec) continue;
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

}  // namespace

std::string fresh_dir(const std::string& name) {
  static std::once_flag cleaned;
  std::call_once(cleaned, remove_dirs_of_exited_runs);
  std::string path = "/tmp/" + std::string(kDirPrefix) + name + "-" + std::to_string(getpid()) +
                     "-" + std::to_string(++g_counter);
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  std::filesystem::create_directories(path, ec);
  if (ec) throw std::runtime_error("cannot create " + path + ": " + ec.message());
  return path;
}

std::string sample_instruction(const std::string& id, const std::string& phone) {
  return R"({"id":")" + json_escape(id) +
         R"(","issued_at":"2023-11-29T10:26:00+08:00","source":"national",)"
         R"("trigger":"completed_transfer","scam_type":"click_farming_rebate",)"
         R"("indicators":[{"kind":"url","value":"hxxp://fake-task.example","contact_count":3,"call_seconds":0}],)"
         R"("subject":{"phone":")" +
         json_escape(phone) +
         R"(","name":"何某","id_number":"500105199001011234","age":34,"gender":"M"},)"
         R"("location":{"lat":29.5750,"lon":106.5310,"crs":"gcj02","adcode":"500105",)"
         R"("cell_id":"460-00-12345-678","address":"江北区石门"},)"
         R"("funds":{"at_risk_cny":5000,"transferred_cny":300,)"
         R"("victim_account":{"bank":"重庆农村商业银行","number":"6222000000000000"}},)"
         R"("upstream_level":"extreme"})";
}

}  // namespace quanzu::testing

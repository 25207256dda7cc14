// What integration tests and benchmarks use to drive the real binary: start `quanzu serve`
// on port 0 with its own data directory, talk HTTP to it, stop or kill it by PID.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quanzu::testing {

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

// One keep-alive HTTP/1.1 connection. Not thread-safe: one client per thread.
// Reconnects when the server closed the connection; throws std::runtime_error when the
// server cannot be reached.
class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                       const std::vector<std::pair<std::string, std::string>>& headers = {});
  HttpResponse get(std::string_view target) { return request("GET", target); }
  HttpResponse post(std::string_view target, std::string_view body,
                    std::string_view content_type = "application/json") {
    return request("POST", target, body, {{"Content-Type", std::string(content_type)}});
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A `quanzu serve` child process on 127.0.0.1, port 0.
class ServerProcess {
 public:
  // Starts `binary serve --listen 127.0.0.1:0 --data data_dir [extra...]` and waits (at most
  // 20 s) for its "listening on http://..." line. Throws std::runtime_error on failure,
  // with the child's output in the message.
  static std::unique_ptr<ServerProcess> start(const std::string& binary,
                                              const std::string& data_dir,
                                              const std::vector<std::string>& extra = {});
  // Stops the server if it still runs (SIGTERM, then SIGKILL after 10 s).
  ~ServerProcess();

  pid_t pid() const { return pid_; }
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  // Everything the child wrote to stdout and stderr so far.
  std::string output() const;

  void kill9();     // SIGKILL, then reap
  int terminate();  // SIGTERM, wait; the exit status (128+signal when killed by one)

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  std::string log_path_;
};

// The quanzu binary under test ($QUANZU_BINARY, set by CMake for every integration test).
std::string quanzu_binary();
// A fresh empty directory under /tmp whose name contains `name`.
std::string fresh_dir(const std::string& name);
// A valid instruction JSON object with the given id (Jiangbei, extreme, completed transfer).
std::string sample_instruction(const std::string& id, const std::string& phone = "13800138000");

}  // namespace quanzu::testing

// A small asynchronous HTTP/1.1 server on Boost.Beast: keep-alive, body limits, long-lived
// event streams, HTTPS (OpenSSL) when given a certificate, the security headers of every
// answer, and limits per client address (request rate, open connections). It knows nothing
// of the API; a Router answers each request.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include "api/rate_limit.h"
#include "base/clock.h"
#include "base/result.h"

namespace quanzu::api {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A stream of Server-Sent Events to one client. send() is thread-safe and never blocks;
// it returns false once the client is gone or too far behind (then it is disconnected and
// may reconnect with Last-Event-ID).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual bool send(std::string text) = 0;
  virtual bool closed() const = 0;
};

// One request awaiting its answer. Exactly one of respond() / open_stream() must be called,
// from any thread, once.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual void respond(Response response) = 0;
  // Sends `head` (status and headers; body ignored) and keeps the connection as an event
  // stream.
  virtual std::shared_ptr<EventSink> open_stream(Response head) = 0;
  virtual const std::string& remote_address() const = 0;
  // True when the request came over TLS (HTTPS): cookies may then be `Secure`.
  virtual bool secure() const = 0;
  // Runs `work` soon on the server thread that serves this request's connection, so that
  // an answer completed on another thread (the store's writer) is built there, not on it.
  virtual void post(std::function<void()> work) = 0;
};

using Router = std::function<void(Request&& request, std::shared_ptr<Exchange> exchange)>;

struct ServerOptions {
  std::uint64_t body_limit = 16 * 1024 * 1024;  // bytes; over it -> 413
  std::uint32_t header_limit = 16 * 1024;
  int idle_timeout_seconds = 60;                // a keep-alive connection with nothing to say
  size_t stream_queue_limit = 20000;            // events waiting for a slow stream client
  size_t max_connections = 4096;
  size_t max_connections_per_address = 256;  // so that one client cannot take them all
  RateLimit rate_limit;                      // requests per client address; /healthz is exempt
  int handshake_timeout_seconds = 10;        // TLS only
};

enum class TlsVersion { kTls12, kTls13 };

// PEM files: the certificate (followed by its chain, if any) and its private key.
struct TlsSettings {
  std::string cert_file;
  std::string key_file;
  TlsVersion min_version = TlsVersion::kTls12;
};

// Counters of the transport, for /metrics.
struct ServerStats {
  size_t connections = 0;
  size_t streams = 0;
  std::uint64_t rate_limited = 0;         // requests answered 429
  std::uint64_t connections_refused = 0;  // over max_connections or the per-address cap
  std::uint64_t tls_handshake_failures = 0;
};

class HttpServer {
 public:
  // `clock` (for the rate limits) must outlive the server.
  HttpServer(boost::asio::io_context& io, Router router, ServerOptions options, const Clock& clock);
  ~HttpServer();

  // From now on the server speaks HTTPS only. Call before listen(). Fails (kInvalid) with a
  // message naming `tls_cert` or `tls_key` and the file when one cannot be read, holds no
  // PEM certificate or key (an encrypted key counts as none), or the key does not belong to
  // the certificate.
  Result<bool> use_tls(const TlsSettings& tls);
  bool tls() const;

  // Binds and starts accepting. Port 0 picks a free port; the bound endpoint is returned.
  Result<boost::asio::ip::tcp::endpoint> listen(const std::string& address, std::uint16_t port);
  // Stops accepting; open connections finish their current exchange.
  void stop();

  size_t open_connections() const;
  size_t open_streams() const;
  ServerStats stats() const;

  struct State;  // internal; public only so the connection code can name it

 private:
  std::shared_ptr<State> state_;
};

}  // namespace quanzu::api

#include "api/http_server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <sstream>
#include <type_traits>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

namespace quanzu::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

std::string error_json(const std::string& message) {
  std::string out = "{\"error\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  out += "\"}";
  return out;
}

// The headers every answer carries, whatever the route: the browser may not sniff types,
// frame the console, leak its URLs to other sites, or load anything from elsewhere.
constexpr std::array<std::pair<const char*, const char*>, 4> kSecurityHeaders{{
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
     "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
     "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"},
}};
constexpr const char* kHsts = "max-age=31536000";

// Calls `set(name, value)` for each security header of an answer (HSTS only over TLS).
template <typename Set>
void security_headers(bool tls, Set&& set) {
  for (const auto& [name, value] : kSecurityHeaders) set(name, value);
  if (tls) set("Strict-Transport-Security", kHsts);
}

constexpr Millis kHandshakeLogInterval = 60000;
constexpr size_t kHandshakeLogAddresses = 10000;

}  // namespace

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  net::io_context& io;
  Router router;
  ServerOptions options;
  const Clock& clock;
  AddressRateLimiter limiter;
  // Set by use_tls() before listen(), read-only afterwards. Null: plain HTTP.
  std::shared_ptr<ssl::context> tls;
  std::mutex mu;  // guards acceptor
  std::optional<tcp::acceptor> acceptor;
  std::atomic<size_t> connections{0};
  std::atomic<size_t> streams{0};
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> handshake_failures{0};
  std::mutex addresses_mu;                                   // guards per_address, handshake_logged
  std::unordered_map<std::string, size_t> per_address;       // open connections
  std::unordered_map<std::string, Millis> handshake_logged;  // last log line per address

  State(net::io_context& io_, Router router_, ServerOptions options_, const Clock& clock_)
      : io(io_),
        router(std::move(router_)),
        options(options_),
        clock(clock_),
        limiter(clock_, options_.rate_limit) {}
  void accept();

  // Counts a new connection from `address`; false (nothing counted) when it is over a cap.
  bool admit(const std::string& address) {
    if (connections.load() >= options.max_connections) return false;
    std::lock_guard lock(addresses_mu);
    size_t& n = per_address[address];
    if (n >= options.max_connections_per_address) return false;
    ++n;
    ++connections;
    return true;
  }
  void release(const std::string& address) {
    --connections;
    std::lock_guard lock(addresses_mu);
    auto it = per_address.find(address);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  }

  // One line per address a minute at most: a plain-HTTP client retrying in a loop must not
  // flood the log.
  void handshake_failed(const std::string& address, const beast::error_code& ec) {
    ++handshake_failures;
    const Millis now = clock.now();
    {
      std::lock_guard lock(addresses_mu);
      if (handshake_logged.size() >= kHandshakeLogAddresses) {
        std::erase_if(handshake_logged,
                      [&](const auto& e) { return now - e.second >= kHandshakeLogInterval; });
        if (handshake_logged.size() >= kHandshakeLogAddresses) handshake_logged.clear();
      }
      auto [it, fresh] = handshake_logged.try_emplace(address, now);
      if (!fresh) {
        if (now - it->second < kHandshakeLogInterval) return;
        it->second = now;
      }
    }
    std::string why = ec.message();
    if (ec == beast::error::timeout) {
      why = "no handshake within " + std::to_string(options.handshake_timeout_seconds) + " s";
    } else if (ec.category() == net::error::get_ssl_category() &&
               ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST) {
      why += " (a plain HTTP request on the HTTPS port; use https://)";
    }
    std::ostringstream line;
    line << "quanzu: TLS handshake with " << address << " failed: " << why
         << " (logged at most once a minute per address)\n";
    std::cerr << line.str() << std::flush;
  }
};

namespace {

// One client connection as the exchange and its event stream see it, whatever the
// transport under it.
class Connection : public EventSink {
 public:
  virtual void respond(Response response) = 0;
  virtual void open_stream(Response head) = 0;
  virtual void post(std::function<void()> work) = 0;
  virtual const std::string& remote() const = 0;
  virtual bool secure() const = 0;
};

// The answer side of one request; holds the connection alive until answered.
class SessionExchange final : public Exchange {
 public:
  explicit SessionExchange(std::shared_ptr<Connection> session) : session_(std::move(session)) {}
  ~SessionExchange() override;
  void respond(Response response) override;
  std::shared_ptr<EventSink> open_stream(Response head) override;
  const std::string& remote_address() const override { return session_->remote(); }
  bool secure() const override { return session_->secure(); }
  void post(std::function<void()> work) override { session_->post(std::move(work)); }

 private:
  std::shared_ptr<Connection> session_;
  std::atomic<bool> answered_{false};
};

// The HTTP conversation on one connection: beast::tcp_stream (plain HTTP) or
// beast::ssl_stream over it (HTTPS). Everything but the handshake and the TLS close is the
// same code for both.
template <typename Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  // `stream_args` construct the stream: the socket, and for TLS the context too. The
  // connection was admitted (State::admit) for `remote`; the session releases it.
  template <typename... StreamArgs>
  Session(std::shared_ptr<HttpServer::State> state, std::string remote, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        state_(std::move(state)),
        remote_(std::move(remote)) {}
  ~Session() override { state_->release(remote_); }

  void start() {
    net::dispatch(stream_.get_executor(), [self = self()] {
      if constexpr (kTls) {
        self->handshake();
      } else {
        self->read_header();
      }
    });
  }

  const std::string& remote() const override { return remote_; }
  bool secure() const override { return kTls; }

  // Inline when called on the connection's strand (an answer made there), else queued to it.
  void respond(Response r) override {
    net::dispatch(stream_.get_executor(),
                  [self = self(), r = std::move(r)]() mutable { self->write(std::move(r)); });
  }

  void post(std::function<void()> work) override {
    net::post(stream_.get_executor(), [self = self(), work = std::move(work)] { work(); });
  }

  void open_stream(Response head) override {
    net::post(stream_.get_executor(),
              [self = self(), head = std::move(head)] { self->begin_stream(head); });
  }

  bool send(std::string text) override {
    if (closed_.load()) return false;
    if (queued_.fetch_add(1) >= state_->options.stream_queue_limit) {
      // Too far behind: drop the client; it reconnects with Last-Event-ID and replays.
      net::post(stream_.get_executor(), [self = self()] { self->close(); });
      return false;
    }
    net::post(stream_.get_executor(), [self = self(), text = std::move(text)]() mutable {
      self->outq_.push_back(std::move(text));
      self->pump();
    });
    return true;
  }
  bool closed() const override { return closed_.load(); }

 private:
  std::shared_ptr<Session> self() { return this->shared_from_this(); }
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  void handshake() {
    tcp_layer().expires_after(std::chrono::seconds(state_->options.handshake_timeout_seconds));
    stream_.async_handshake(ssl::stream_base::server, [self = self()](beast::error_code ec) {
      if (ec) {
        self->state_->handshake_failed(self->remote_, ec);
        return self->close();
      }
      self->read_header();
    });
  }

  void read_header() {
    parser_.emplace();
    parser_->body_limit(state_->options.body_limit);
    parser_->header_limit(state_->options.header_limit);
    api_path_ = false;
    tcp_layer().expires_after(std::chrono::seconds(state_->options.idle_timeout_seconds));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = self()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return fail_read(ec);
    auto& req = parser_->get();
    const std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    api_path_ = path.starts_with("/api/");
    // Health checks come from the orchestrator's probe, which must never be refused.
    if (path != "/healthz") {
      if (RateDecision d = state_->limiter.take(remote_); !d.allowed) return refuse_rate(d);
    }
    if (auto length = parser_->content_length();
        length && *length > state_->options.body_limit) {
      return reject(413, "request body of " + std::to_string(*length) +
                             " bytes is over the limit of " +
                             std::to_string(state_->options.body_limit) + " bytes");
    }
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      net::async_write(stream_, net::buffer(*cont),
                       [self = self(), cont](beast::error_code wec, size_t) {
                         if (wec) return self->close();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void refuse_rate(const RateDecision& d) {
    ++state_->rate_limited;
    const std::int64_t seconds = std::max<std::int64_t>(1, (d.retry_after_ms + 999) / 1000);
    Response r;
    r.status = 429;
    r.body = error_json("too many requests from this address; retry after " +
                        std::to_string(seconds) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(seconds));
    // A request without a body was read whole: the connection can stay open. One with a
    // body we do not want to read, so the answer closes it.
    if (parser_->is_done()) {
      keep_alive_ = parser_->get().keep_alive();
      version_ = parser_->get().version();
      return write(std::move(r));
    }
    reject(std::move(r));
  }

  void read_body() {
    tcp_layer().expires_after(std::chrono::seconds(state_->options.idle_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     [self = self()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void fail_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return reject(413, "request body is over the limit of " +
                             std::to_string(state_->options.body_limit) + " bytes");
    }
    if (ec == http::error::header_limit) return reject(431, "request headers are too large");
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return reject(400, "malformed HTTP request: " + ec.message());
    }
    close();
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail_read(ec);
    Request req = parser_->release();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    // The answer may wait for a durable write; the router's exchange owns the timing now.
    tcp_layer().expires_never();
    state_->router(std::move(req), std::make_shared<SessionExchange>(self()));
  }

  void reject(unsigned status, const std::string& message) {
    Response r;
    r.status = status;
    r.body = error_json(message);
    reject(std::move(r));
  }
  void reject(Response r) {
    keep_alive_ = false;
    version_ = 11;
    write(std::move(r));
  }

  void write(Response r) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version_);
    res->set(http::field::server, "quanzu");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    for (auto& [name, value] : r.headers) res->set(name, value);
    // Set last, so that no route can weaken them.
    if (api_path_) res->set(http::field::cache_control, "no-store");
    security_headers(kTls, [&](const char* name, const char* value) { res->set(name, value); });
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    tcp_layer().expires_after(std::chrono::seconds(state_->options.idle_timeout_seconds));
    http::async_write(stream_, *res, [self = self(), res](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (!res->keep_alive()) return self->drain_and_close();
      self->read_header();
    });
  }

  // After refusing a request we do not want to read, let the client see our answer: closing
  // with unread data would reset the connection and could destroy the answer in flight.
  void drain_and_close() {
    tcp_layer().expires_after(std::chrono::seconds(2));
    auto sink = std::make_shared<std::array<char, 16384>>();
    if constexpr (kTls) {
      // close_notify first, so the client knows the answer is complete and not cut off.
      stream_.async_shutdown([self = self(), sink](beast::error_code ec) {
        if (!ec || ec == net::error::eof || ec == ssl::error::stream_truncated)
          return self->close();
        // The client is still sending (a body we refused): read it away below TLS.
        self->drain(sink, 0);
      });
    } else {
      beast::error_code ec;
      tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
      drain(sink, 0);
    }
  }
  void drain(std::shared_ptr<std::array<char, 16384>> sink, size_t total) {
    tcp_layer().async_read_some(net::buffer(*sink),
                                [self = self(), sink, total](beast::error_code ec, size_t n) {
                                  if (ec || total + n > (64u << 20)) return self->close();
                                  self->drain(sink, total + n);
                                });
  }

  void begin_stream(const Response& head) {
    if (closed_.load()) return;
    // Counted until close(), not until the live stream lets go of this sink (which may be at
    // its next event), so the gauge drops as soon as the client leaves.
    streaming_ = true;
    ++state_->streams;
    std::string text = "HTTP/1.1 " + std::to_string(head.status) + " OK\r\n";
    text += "Content-Type: " + head.content_type + "\r\n";
    text += "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n";
    for (auto& [name, value] : head.headers) text += name + ": " + value + "\r\n";
    security_headers(kTls, [&](const char* name, const char* value) {
      text.append(name).append(": ").append(value).append("\r\n");
    });
    text += "\r\n";
    outq_.push_front(std::move(text));
    ++queued_;
    tcp_layer().expires_never();
    pump();
    watch_for_close();
  }

  // A stream client never speaks again; a read completing means it went away.
  void watch_for_close() {
    auto buf = std::make_shared<std::array<char, 512>>();
    stream_.async_read_some(net::buffer(*buf), [self = self(), buf](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->watch_for_close();
    });
  }

  void pump() {
    if (writing_ || outq_.empty() || closed_.load()) return;
    writing_ = true;
    net::async_write(stream_, net::buffer(outq_.front()),
                     [self = self()](beast::error_code ec, size_t) {
                       self->writing_ = false;
                       self->outq_.pop_front();
                       --self->queued_;
                       if (ec) return self->close();
                       self->pump();
                     });
  }

  void close() {
    if (closed_.exchange(true)) return;
    if (streaming_) --state_->streams;
    beast::error_code ec;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp_layer().socket().close(ec);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::State> state_;
  std::string remote_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool api_path_ = false;  // the request being answered is under /api/
  bool streaming_ = false;
  // Stream state; touched only on the session's strand, except the atomics.
  std::deque<std::string> outq_;
  bool writing_ = false;
  std::atomic<size_t> queued_{0};
  std::atomic<bool> closed_{false};
};

SessionExchange::~SessionExchange() {
  // A router that forgot to answer would leave the client hanging forever.
  if (!answered_.load()) {
    Response r;
    r.status = 500;
    r.body = error_json("the server dropped this request");
    session_->respond(std::move(r));
  }
}

void SessionExchange::respond(Response response) {
  if (answered_.exchange(true)) return;
  session_->respond(std::move(response));
}

std::shared_ptr<EventSink> SessionExchange::open_stream(Response head) {
  answered_ = true;
  session_->open_stream(std::move(head));
  return session_;
}

// The whole content of a PEM file, or why not, naming the config key and the file.
Result<std::string> read_pem(const char* key, const std::string& path) {
  const std::string what = std::string(key) + " \"" + path + "\"";
  if (path.empty()) return fail(Code::kInvalid, std::string(key) + " is empty");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Code::kInvalid, what + ": cannot read: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(Code::kInvalid, what + ": cannot read: " + std::strerror(errno));
  return text;
}

std::string openssl_reason(const beast::error_code& ec) {
  std::string reason = ec.message();
  ERR_clear_error();
  return reason;
}

}  // namespace

void HttpServer::State::accept() {
  std::lock_guard lock(mu);
  if (!acceptor || !acceptor->is_open()) return;
  acceptor->async_accept(net::make_strand(io), [this, self = shared_from_this()](
                                                   beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      beast::error_code ep_ec;
      auto ep = socket.remote_endpoint(ep_ec);
      std::string remote = ep_ec ? "unknown" : ep.address().to_string();
      if (!admit(remote)) {
        ++connections_refused;
        beast::error_code ignored;
        socket.close(ignored);
      } else if (tls) {
        using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;
        std::make_shared<TlsSession>(shared_from_this(), std::move(remote), std::move(socket), *tls)
            ->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(shared_from_this(), std::move(remote),
                                                     std::move(socket))
            ->start();
      }
    }
    accept();
  });
}

HttpServer::HttpServer(net::io_context& io, Router router, ServerOptions options,
                       const Clock& clock)
    : state_(std::make_shared<State>(io, std::move(router), options, clock)) {}

HttpServer::~HttpServer() { stop(); }

Result<bool> HttpServer::use_tls(const TlsSettings& settings) {
  auto cert = read_pem("tls_cert", settings.cert_file);
  if (!cert) return tl::unexpected(cert.error());
  auto key = read_pem("tls_key", settings.key_file);
  if (!key) return tl::unexpected(key.error());
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_compression |
                   ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), settings.min_version == TlsVersion::kTls13
                                                          ? TLS1_3_VERSION
                                                          : TLS1_2_VERSION);
  // OpenSSL would otherwise ask for the pass phrase of an encrypted key on the terminal.
  ctx->set_password_callback([](size_t, ssl::context::password_purpose) { return std::string(); });
  beast::error_code ec;
  ctx->use_certificate_chain(net::buffer(*cert), ec);
  if (ec) {
    return fail(Code::kInvalid, "tls_cert \"" + settings.cert_file +
                                    "\": not a PEM certificate (chain): " + openssl_reason(ec));
  }
  const std::string mismatch = "tls_key \"" + settings.key_file +
                               "\" does not belong to the certificate in tls_cert \"" +
                               settings.cert_file + "\"";
  ctx->use_private_key(net::buffer(*key), ssl::context::pem, ec);
  // OpenSSL compares the key with the certificate as it loads it.
  if (ec && ec.category() == net::error::get_ssl_category() &&
      ERR_GET_LIB(static_cast<unsigned long>(ec.value())) == ERR_LIB_X509 &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    ERR_clear_error();
    return fail(Code::kInvalid, mismatch);
  }
  if (ec) {
    return fail(Code::kInvalid,
                "tls_key \"" + settings.key_file +
                    "\": not an unencrypted PEM private key: " + openssl_reason(ec));
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return fail(Code::kInvalid, mismatch);
  }
  state_->tls = std::move(ctx);
  return true;
}

bool HttpServer::tls() const { return state_->tls != nullptr; }

Result<tcp::endpoint> HttpServer::listen(const std::string& address, std::uint16_t port) {
  beast::error_code ec;
  auto ip = net::ip::make_address(address, ec);
  if (ec) return fail(Code::kInvalid, "listen address \"" + address + "\" is not an IP address");
  tcp::endpoint endpoint(ip, port);
  {
    std::lock_guard lock(state_->mu);
    state_->acceptor.emplace(state_->io);
    auto& a = *state_->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      state_->acceptor.reset();
      return fail(Code::kUnavailable, "cannot listen on " + address + ":" + std::to_string(port) +
                                          ": " + ec.message());
    }
    endpoint = a.local_endpoint();
  }
  state_->accept();
  return endpoint;
}

void HttpServer::stop() {
  std::lock_guard lock(state_->mu);
  if (state_->acceptor) {
    beast::error_code ec;
    state_->acceptor->close(ec);
  }
}

size_t HttpServer::open_connections() const { return state_->connections.load(); }
size_t HttpServer::open_streams() const { return state_->streams.load(); }

ServerStats HttpServer::stats() const {
  ServerStats s;
  s.connections = state_->connections.load();
  s.streams = state_->streams.load();
  s.rate_limited = state_->rate_limited.load();
  s.connections_refused = state_->connections_refused.load();
  s.tls_handshake_failures = state_->handshake_failures.load();
  return s;
}

}  // namespace quanzu::api

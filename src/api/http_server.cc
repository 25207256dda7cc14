#include "api/http_server.h"

#include <array>
#include <atomic>
#include <optional>
#include <chrono>
#include <deque>
#include <mutex>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>

namespace quanzu::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
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

}  // namespace

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  net::io_context& io;
  Router router;
  ServerOptions options;
  std::mutex mu;  // guards acceptor
  std::optional<tcp::acceptor> acceptor;
  std::atomic<size_t> connections{0};
  std::atomic<size_t> streams{0};

  State(net::io_context& io_, Router router_, ServerOptions options_)
      : io(io_), router(std::move(router_)), options(options_) {}
  void accept();
};

namespace {

class Session;

// The answer side of one request; holds the session alive until answered.
class SessionExchange final : public Exchange {
 public:
  explicit SessionExchange(std::shared_ptr<Session> session);
  ~SessionExchange() override;
  void respond(Response response) override;
  std::shared_ptr<EventSink> open_stream(Response head) override;
  const std::string& remote_address() const override;
  void post(std::function<void()> work) override;

 private:
  std::shared_ptr<Session> session_;
  std::atomic<bool> answered_{false};
};

class Session : public std::enable_shared_from_this<Session>, public EventSink {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::State> state)
      : stream_(std::move(socket)), state_(std::move(state)) {
    ++state_->connections;
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? "unknown" : ep.address().to_string();
  }
  ~Session() override {
    --state_->connections;
    if (streaming_) --state_->streams;
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  const std::string& remote() const { return remote_; }

  // Inline when called on the connection's strand (an answer made there), else queued to it.
  void respond(Response r) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), r = std::move(r)]() mutable {
      self->write(std::move(r));
    });
  }

  void post(std::function<void()> work) {
    net::post(stream_.get_executor(),
              [self = shared_from_this(), work = std::move(work)] { work(); });
  }

  void open_stream(Response head) {
    net::post(stream_.get_executor(), [self = shared_from_this(), head = std::move(head)] {
      self->begin_stream(head);
    });
  }

  bool send(std::string text) override {
    if (closed_.load()) return false;
    if (queued_.fetch_add(1) >= state_->options.stream_queue_limit) {
      // Too far behind: drop the client; it reconnects with Last-Event-ID and replays.
      net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
      return false;
    }
    net::post(stream_.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable {
      self->outq_.push_back(std::move(text));
      self->pump();
    });
    return true;
  }
  bool closed() const override { return closed_.load(); }

 private:
  void read_header() {
    parser_.emplace();
    parser_->body_limit(state_->options.body_limit);
    parser_->header_limit(state_->options.header_limit);
    stream_.expires_after(std::chrono::seconds(state_->options.idle_timeout_seconds));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec) return fail_read(ec);
    auto& req = parser_->get();
    if (auto length = parser_->content_length();
        length && *length > state_->options.body_limit) {
      return reject(413, "request body of " + std::to_string(*length) + " bytes is over the limit of " +
                             std::to_string(state_->options.body_limit) + " bytes");
    }
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      net::async_write(stream_, net::buffer(*cont),
                       [self = shared_from_this(), cont](beast::error_code wec, size_t) {
                         if (wec) return self->close();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(std::chrono::seconds(state_->options.idle_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void fail_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return reject(413, "request body is over the limit of " +
                             std::to_string(state_->options.body_limit) + " bytes");
    }
    if (ec == http::error::header_limit) return reject(431, "request headers are too large");
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
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
    stream_.expires_never();
    state_->router(std::move(req), std::make_shared<SessionExchange>(shared_from_this()));
  }

  void reject(unsigned status, const std::string& message) {
    keep_alive_ = false;
    version_ = 11;
    Response r;
    r.status = status;
    r.body = error_json(message);
    write(std::move(r));
  }

  void write(Response r) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version_);
    res->set(http::field::server, "quanzu");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    for (auto& [name, value] : r.headers) res->set(name, value);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(state_->options.idle_timeout_seconds));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (!res->keep_alive()) return self->drain_and_close();
      self->read_header();
    });
  }

  // After refusing a request we do not want to read, let the client see our answer: closing
  // with unread data would reset the connection and could destroy the answer in flight.
  void drain_and_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    auto sink = std::make_shared<std::array<char, 16384>>();
    drain(sink, 0);
  }
  void drain(std::shared_ptr<std::array<char, 16384>> sink, size_t total) {
    stream_.async_read_some(net::buffer(*sink), [self = shared_from_this(), sink, total](
                                                    beast::error_code ec, size_t n) {
      if (ec || total + n > (64u << 20)) return self->close();
      self->drain(sink, total + n);
    });
  }

  void begin_stream(const Response& head) {
    streaming_ = true;
    ++state_->streams;
    std::string text = "HTTP/1.1 " + std::to_string(head.status) + " OK\r\n";
    text += "Content-Type: " + head.content_type + "\r\n";
    text += "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n";
    for (auto& [name, value] : head.headers) text += name + ": " + value + "\r\n";
    text += "\r\n";
    outq_.push_front(std::move(text));
    ++queued_;
    stream_.expires_never();
    pump();
    watch_for_close();
  }

  // A stream client never speaks again; a read completing means it went away.
  void watch_for_close() {
    auto buf = std::make_shared<std::array<char, 512>>();
    stream_.async_read_some(net::buffer(*buf),
                            [self = shared_from_this(), buf](beast::error_code ec, size_t) {
                              if (ec) return self->close();
                              self->watch_for_close();
                            });
  }

  void pump() {
    if (writing_ || outq_.empty() || closed_.load()) return;
    writing_ = true;
    net::async_write(stream_, net::buffer(outq_.front()),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->writing_ = false;
                       self->outq_.pop_front();
                       --self->queued_;
                       if (ec) return self->close();
                       self->pump();
                     });
  }

  void close() {
    if (closed_.exchange(true)) return;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::State> state_;
  std::string remote_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool streaming_ = false;
  // Stream state; touched only on the session's strand, except the atomics.
  std::deque<std::string> outq_;
  bool writing_ = false;
  std::atomic<size_t> queued_{0};
  std::atomic<bool> closed_{false};
};

SessionExchange::SessionExchange(std::shared_ptr<Session> session) : session_(std::move(session)) {}

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

const std::string& SessionExchange::remote_address() const { return session_->remote(); }

void SessionExchange::post(std::function<void()> work) { session_->post(std::move(work)); }

}  // namespace

void HttpServer::State::accept() {
  std::lock_guard lock(mu);
  if (!acceptor || !acceptor->is_open()) return;
  acceptor->async_accept(net::make_strand(io), [this, self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      if (connections.load() >= options.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), shared_from_this())->start();
      }
    }
    accept();
  });
}

HttpServer::HttpServer(net::io_context& io, Router router, ServerOptions options)
    : state_(std::make_shared<State>(io, std::move(router), options)) {}

HttpServer::~HttpServer() { stop(); }

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

}  // namespace quanzu::api

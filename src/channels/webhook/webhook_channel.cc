#include "channels/webhook/webhook_channel.h"

#include <sodium.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "base/digest.h"

namespace quanzu::channels {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

std::string webhook_signature(const std::string& secret, std::int64_t timestamp_ms, std::string_view body) {
  // Idempotent; makes the function usable on its own. HMAC needs no random source, so a
  // failure here (only possible for that) does not matter.
  if (sodium_init() < 0) {
  }
  const Sha256 mac = timestamped_hmac(secret, std::to_string(timestamp_ms), body);
  return "sha256=" + to_hex(mac.data(), mac.size());
}

Result<std::unique_ptr<WebhookChannel>> WebhookChannel::create(WebhookOptions options, const Clock& clock) {
  if (sodium_init() < 0) return fail(Code::kInternal, "libsodium failed to initialise");
  const std::string& url = options.url;
  if (url.rfind("http://", 0) != 0) {
    return fail(Code::kInvalid, "webhook url \"" + url + "\" must start with http://");
  }
  if (options.secret.empty()) return fail(Code::kInvalid, "webhook secret is empty");
  std::string rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  std::string host = authority.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos) {
    return fail(Code::kInvalid, "webhook url \"" + url + "\" must be http://host[:port][/path]");
  }
  std::unique_ptr<WebhookChannel> channel(new WebhookChannel(std::move(options), clock));
  channel->host_ = host;
  channel->port_ = port;
  channel->target_ = target;
  return channel;
}

Result<bool> WebhookChannel::deliver(const store::OutboxEntry& entry) {
  try {
    net::io_context io;
    net::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::milliseconds(options_.timeout_ms));
    stream.connect(resolver.resolve(host_, port_));
    const std::int64_t now = clock_.now();
    http::request<http::string_body> req{http::verb::post, target_, 11};
    req.set(http::field::host, host_);
    req.set(http::field::content_type, "application/json");
    req.set("Idempotency-Key", "quanzu-outbox-" + std::to_string(entry.id));
    req.set("X-Quanzu-Timestamp", std::to_string(now));
    req.set("X-Quanzu-Signature", webhook_signature(options_.secret, now, entry.payload));
    req.body() = entry.payload;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    if (res.result_int() / 100 != 2) {
      return fail(Code::kUnavailable, "webhook answered " + std::to_string(res.result_int()));
    }
    return true;
  } catch (const std::exception& e) {
    // Beast and Asio throw; the error stops here as a Result.
    return fail(Code::kUnavailable, std::string("webhook: ") + e.what());
  }
}

}  // namespace quanzu::channels

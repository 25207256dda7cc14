// Delivers messages as signed HTTP POSTs (hand-off notices to another agency; the bank's
// stop-payment requests later). Each request carries:
//   Content-Type: application/json, body = the message payload
//   Idempotency-Key: quanzu-outbox-<id>     (the same on every retry)
//   X-Quanzu-Timestamp: <unix ms>
//   X-Quanzu-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
// Any 2xx answer is a delivery. Plain http:// only until TLS lands. Thread-compatible.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "channels/channel.h"

namespace quanzu::channels {

struct WebhookOptions {
  std::string url;     // http://host:port/path
  std::string secret;  // the shared HMAC key
  int timeout_ms = 5000;
};

class WebhookChannel final : public Channel {
 public:
  // Fails with kInvalid naming the problem when the URL is not http://host[:port][/path]
  // or the secret is empty.
  static Result<std::unique_ptr<WebhookChannel>> create(WebhookOptions options, const Clock& clock);
  Result<bool> deliver(const store::OutboxEntry& entry) override;

 private:
  WebhookChannel(WebhookOptions options, const Clock& clock) : options_(std::move(options)), clock_(clock) {}
  WebhookOptions options_;
  const Clock& clock_;
  std::string host_, port_, target_;
};

// The signature header's value for a body sent at `timestamp_ms`.
std::string webhook_signature(const std::string& secret, std::int64_t timestamp_ms, std::string_view body);

}  // namespace quanzu::channels

// The bank's answers arrive on a callback endpoint, signed like our own webhooks
// (channels/webhook/webhook_channel.h) with the secret shared with that bank:
//   X-Quanzu-Timestamp: <unix ms>
//   X-Quanzu-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//   body: {"stop_payment_id": "...", "decision": "accepted|rejected|released",
//          "reference": "...", "expires_at": "<RFC 3339>" (optional), "reason": "..." (optional)}
// Unknown body fields are ignored, so the bank may send more.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"
#include "stoppay/stop_payment.h"

namespace quanzu::stoppay {

inline constexpr std::string_view kTimestampHeader = "X-Quanzu-Timestamp";
inline constexpr std::string_view kSignatureHeader = "X-Quanzu-Signature";
inline constexpr size_t kMaxCallbackBytes = size_t{64} * 1024;

struct BankCallback {
  std::string stop_payment_id;
  BankAnswer answer;  // give it to bank_answer()
  Millis signed_at = 0;
};

// The signature header value for `body` signed at `timestamp_ms` ("sha256=<64 hex>").
std::string sign_bank_callback(std::string_view secret, Millis timestamp_ms, std::string_view body);

// Checks that the bank sent this body (HMAC compared in constant time) at a time within
// `max_skew` of `now`, then reads it. Pure: no I/O, no clock of its own.
//
// Authentication failures are Code::kInvalid whose only FieldError names the header:
// "X-Quanzu-Timestamp" (missing, not unix milliseconds, or older / further ahead than
// max_skew) or "X-Quanzu-Signature" (missing, malformed, or not made with `secret` over this
// timestamp and body). result.h has no code for "unauthenticated"; the route tells these
// two apart by the field and should answer 401 for them (see the report on the branch).
// A body that is authentic but wrong is kInvalid naming body fields ("body" when it is not a
// JSON object, "stop_payment_id", "decision", "reference", "expires_at", "reason").
// An empty secret is kInternal (a configuration error: nothing would be proved).
// A body over kMaxCallbackBytes is kTooLarge.
Result<BankCallback> verify_bank_callback(std::string_view secret,
                                          std::string_view timestamp_header,
                                          std::string_view signature_header, std::string_view body,
                                          Millis now, Millis max_skew = 5LL * 60 * 1000);

}  // namespace quanzu::stoppay

#include "stoppay/bank_callback.h"

#include <sodium.h>

#include <boost/json.hpp>
#include <charconv>
#include <utility>
#include <vector>

#include "base/digest.h"

namespace quanzu::stoppay {
namespace {

namespace json = boost::json;

constexpr std::string_view kScheme = "sha256=";
constexpr size_t kMaxIdBytes = 200;

tl::unexpected<Error> refuse(std::string_view header, std::string message) {
  std::string field(header);
  return tl::unexpected(
      Error{Code::kInvalid, field + ": " + message, {{std::move(field), std::move(message)}}});
}

// An optional string member: absent or null -> "", another type -> an error.
std::string string_member(const json::object& o, const char* key, std::vector<FieldError>& errors) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return {};
  if (!v->is_string()) {
    errors.push_back({key, "must be a string"});
    return {};
  }
  return std::string(v->get_string());
}

}  // namespace

std::string sign_bank_callback(std::string_view secret, Millis timestamp_ms,
                               std::string_view body) {
  if (sodium_init() < 0) return {};
  const Sha256 mac = timestamped_hmac(secret, std::to_string(timestamp_ms), body);
  return std::string(kScheme) + to_hex(mac.data(), mac.size());
}

Result<BankCallback> verify_bank_callback(std::string_view secret,
                                          std::string_view timestamp_header,
                                          std::string_view signature_header, std::string_view body,
                                          Millis now, Millis max_skew) {
  if (sodium_init() < 0) return fail(Code::kInternal, "libsodium failed to initialise");
  if (secret.empty()) return fail(Code::kInternal, "no secret is configured for bank callbacks");
  if (body.size() > kMaxCallbackBytes) {
    return fail(Code::kTooLarge,
                "bank callback body is over " + std::to_string(kMaxCallbackBytes) + " bytes");
  }

  // Only digits, so that the text signed is the text parsed (no "+", spaces or leading "-").
  Millis signed_at = 0;
  if (timestamp_header.empty()) return refuse(kTimestampHeader, "is missing");
  const char* ts_end = timestamp_header.data() + timestamp_header.size();
  auto [ptr, ec] = std::from_chars(timestamp_header.data(), ts_end, signed_at);
  if (ec != std::errc() || ptr != ts_end || timestamp_header.size() > 15 ||
      timestamp_header.front() == '-') {
    return refuse(kTimestampHeader, "must be unix milliseconds");
  }
  if (signed_at < now - max_skew) {
    return refuse(kTimestampHeader, "is stale: signed " + std::to_string(now - signed_at) +
                                        " ms ago, more than the " + std::to_string(max_skew) +
                                        " ms allowed");
  }
  if (signed_at > now + max_skew) {
    return refuse(kTimestampHeader, "is " + std::to_string(signed_at - now) +
                                        " ms in the future, more than the " +
                                        std::to_string(max_skew) + " ms allowed");
  }

  if (signature_header.empty()) return refuse(kSignatureHeader, "is missing");
  unsigned char given[crypto_auth_hmacsha256_BYTES];
  size_t given_len = 0;
  const char* hex_end = nullptr;
  const std::string_view hex = signature_header.substr(
      signature_header.starts_with(kScheme) ? kScheme.size() : signature_header.size());
  if (!signature_header.starts_with(kScheme) || hex.size() != 2 * sizeof given ||
      sodium_hex2bin(given, sizeof given, hex.data(), hex.size(), nullptr, &given_len, &hex_end) !=
          0 ||
      given_len != sizeof given || hex_end != hex.data() + hex.size()) {
    return refuse(kSignatureHeader, "must be sha256=<64 hex digits>");
  }
  const Sha256 expected = timestamped_hmac(secret, timestamp_header, body);
  if (sodium_memcmp(given, expected.data(), sizeof given) != 0) {
    return refuse(kSignatureHeader, "does not match the body and timestamp");
  }

  boost::system::error_code parse_error;
  json::value doc = json::parse(body, parse_error);
  if (parse_error) return fail_fields({{"body", "is not JSON: " + parse_error.message()}});
  const json::object* o = doc.if_object();
  if (o == nullptr) return fail_fields({{"body", "must be a JSON object"}});

  std::vector<FieldError> errors;
  BankCallback out;
  out.signed_at = signed_at;
  out.stop_payment_id = string_member(*o, "stop_payment_id", errors);
  if (errors.empty() && out.stop_payment_id.empty()) {
    errors.push_back({"stop_payment_id", "is required"});
  } else if (out.stop_payment_id.size() > kMaxIdBytes) {
    errors.push_back(
        {"stop_payment_id", "is longer than " + std::to_string(kMaxIdBytes) + " bytes"});
  }

  const size_t before = errors.size();
  const std::string decision = string_member(*o, "decision", errors);
  std::optional<Decision> parsed = parse_decision(decision);
  if (errors.size() == before) {
    if (decision.empty()) {
      errors.push_back({"decision", "is required"});
    } else if (!parsed) {
      errors.push_back({"decision", "\"" + decision + "\" is not accepted, rejected or released"});
    }
  }
  if (parsed) out.answer.decision = *parsed;

  const size_t before_reference = errors.size();
  out.answer.reference = string_member(*o, "reference", errors);
  if (errors.size() == before_reference && parsed == Decision::kAccepted &&
      out.answer.reference.empty()) {
    errors.push_back({"reference", "is required when accepted"});
  }

  const size_t before_expiry = errors.size();
  const std::string expires = string_member(*o, "expires_at", errors);
  if (errors.size() == before_expiry && !expires.empty()) {
    out.answer.expires_at = parse_rfc3339(expires);
    if (!out.answer.expires_at) errors.push_back({"expires_at", "must be an RFC 3339 date-time"});
  }
  out.answer.reason = string_member(*o, "reason", errors);

  if (!errors.empty()) return fail_fields(std::move(errors));
  return out;
}

}  // namespace quanzu::stoppay

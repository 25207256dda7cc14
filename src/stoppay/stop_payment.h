// The protective stop-payment (保护性止付) life cycle, as pure functions over a case.
//
//   requested --bank accepted--> active --extend (≤ max_extensions)--> active
//   requested --bank rejected--> rejected (ended)
//   active --attach document--> active;  release_requested --attach document--> same
//   active --request_release (≥ 1 document)--> release_requested
//   release_requested --approve_release (not the requesting officer)--> release_requested,
//                                                      approved; bank told "release"
//   release_requested (approved) --bank released--> released (ended)
//   active | release_requested --expiry timer--> expired (ended)
//
// A stop-payment awaiting release still expires at expires_at: the bank's restriction runs
// out on its own whether or not the release was approved, so the expiry ends it as expired
// and a late "released" answer from the bank is then refused (kConflict).
//
// Every function takes the case as it is now and returns the case as it must become: the
// stop-payment changed in `handling.stop_payments`, `version + 1`, `updated_at = now`, its
// timers set or cancelled in `handling.timers` (kinds timer::kStopPaymentWarn and
// timer::kStopPaymentExpiry, ref = the stop-payment id), ONE new TimelineEvent as the only
// entry of `timeline` (earlier events are not copied), and messages to the bank appended to
// `outbound` (channel "bank"). The caller stores the result in one transaction.
//
// Errors: Code::kInvalid with FieldErrors for malformed input, Code::kNotFound for an unknown
// stop-payment id, Code::kConflict with the reason for a step the current status does not
// allow. A repeated step (the bank retrying an answer, a timer that already did its work) is
// a kConflict too: the caller may treat it as "already done".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "cases/case.h"
#include "cases/handling.h"

namespace quanzu::stoppay {

inline constexpr Millis kHour = 3600LL * 1000;

struct Options {
  Millis duration = 48 * kHour;   // how long the bank restricts the account by default
  Millis extension = 48 * kHour;  // added to expires_at by each extension
  int max_extensions = 2;
  Millis warn_before = 6 * kHour;  // the station is warned this long before expiry
};

// Checks the options (durations positive, warn_before shorter than duration, ...), naming
// each bad field ("duration", "extension", "max_extensions", "warn_before").
std::vector<FieldError> validate(const Options& options);

// What the officer asks the bank to restrict.
struct Request {
  std::string account;  // 6–32 digits; spaces are allowed and removed
  std::string bank;     // the bank's name or code
  std::string reason;
};

enum class Decision { kAccepted, kRejected, kReleased };
std::string_view name(Decision d);
std::optional<Decision> parse_decision(std::string_view s);

// The bank's answer to a request or a release.
struct BankAnswer {
  Decision decision = Decision::kAccepted;
  std::string reference;             // the bank's own number; required when accepted
  std::optional<Millis> expires_at;  // accepted: when the restriction ends (else now+duration)
  std::string reason;                // the bank's words, optional (why it rejected)
};

// A new stop-payment "<case id>-S<n>" in status requested, and the bank message "request".
// Clears handling.stop_payment_proposed (the plan's proposal is taken up). kInvalid:
// "account", "bank", "reason", "officer". kConflict: an unfinished stop-payment on the same
// account already exists in this case.
Result<cases::Case> request(const cases::Case& current, const Request& request,
                            const std::string& officer, Millis now);

// The bank's answer, actor "bank". accepted: requested -> active until answer.expires_at or
// now + options.duration, with the warn and expiry timers. rejected: requested -> rejected.
// released: release_requested and approved -> released, timers cancelled. kInvalid:
// "reference" (accepted without one), "expires_at" (not after now).
Result<cases::Case> bank_answer(const cases::Case& current, std::string_view stop_payment_id,
                                const BankAnswer& answer, Millis now, const Options& options = {});

// Pushes expires_at back by options.extension (only while active and not yet run out, at most
// options.max_extensions times), moves both timers, re-arms the expiry warning and sends the
// bank message "extend". kInvalid: "reason", "officer".
Result<cases::Case> extend(const cases::Case& current, std::string_view stop_payment_id,
                           const std::string& reason, const std::string& officer, Millis now,
                           const Options& options = {});

// Attaches a stored document (documents.h) to an active or release_requested stop-payment;
// actor document.by. kInvalid: "document.id" (not 64 hex), "document.content_type",
// "document.size", "document.by". kConflict: the same document id is already attached.
Result<cases::Case> attach(const cases::Case& current, std::string_view stop_payment_id,
                           const cases::Document& document, Millis now);

// The person's release application (解除申请): active with at least one document ->
// release_requested. kInvalid: "reason", "by".
Result<cases::Case> request_release(const cases::Case& current, std::string_view stop_payment_id,
                                    const std::string& reason, const std::string& by, Millis now);

// A supervisor's approval of the release: records approved_by/approved_at and sends the bank
// message "release"; the status stays release_requested until the bank answers released.
// kConflict: not release_requested, already approved, or the approver is the officer who
// requested the stop-payment (four eyes). kInvalid: "supervisor". Whether the approver holds
// the supervisor role is the caller's check.
Result<cases::Case> approve_release(const cases::Case& current, std::string_view stop_payment_id,
                                    const std::string& supervisor, Millis now);

// A due stop-payment timer, actor "system". The fired timer (and on expiry both timers) is
// removed from handling.timers. warn: "stop_payment_expiring", expiry_warned = true.
// expiry: active | release_requested -> expired. kConflict "nothing to do" for a stale timer:
// the stop-payment ended, was already warned, or was extended past this timer (the caller
// then just drops the timer). kInvalid "kind" for a timer that is not a stop-payment's.
Result<cases::Case> on_timer(const cases::Case& current, const cases::Timer& timer, Millis now,
                             const Options& options = {});

// Stop-payments that are not over (requested, active, release_requested), oldest first.
// The pointers point into `handling`.
std::vector<const cases::StopPayment*> unfinished(const cases::Handling& handling);

// Whether a status is one of the ended ones (rejected, released, expired).
bool ended(cases::StopPaymentStatus status);

}  // namespace quanzu::stoppay

#include "stoppay/stop_payment.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cassert>
#include <utility>

namespace quanzu::stoppay {
namespace {

namespace json = boost::json;
using cases::StopPayment;
using cases::StopPaymentStatus;

constexpr size_t kMaxBankBytes = 100;
constexpr size_t kMaxTextBytes = 2000;
constexpr size_t kMaxActorBytes = 200;

constexpr std::array<std::pair<Decision, std::string_view>, 3> kDecisions{{
    {Decision::kAccepted, "accepted"},
    {Decision::kRejected, "rejected"},
    {Decision::kReleased, "released"},
}};

tl::unexpected<Error> conflict(std::string message) {
  return fail(Code::kConflict, std::move(message));
}

std::string status_text(StopPaymentStatus s) { return std::string(cases::name(s)); }

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Appends an error for a required free text that is blank or too long.
void check_text(std::vector<FieldError>& errors, const char* field, std::string_view value,
                size_t max_bytes) {
  if (is_blank(value)) {
    errors.push_back({field, "is required"});
  } else if (value.size() > max_bytes) {
    errors.push_back({field, "is longer than " + std::to_string(max_bytes) + " bytes"});
  }
}

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The case about to change, and the stop-payment in it.
struct Change {
  cases::Case next;
  StopPayment* sp = nullptr;
};

cases::Case start(const cases::Case& current) {
  cases::Case next = current;
  next.timeline.clear();
  next.instruction_raw.clear();
  return next;
}

Result<Change> start(const cases::Case& current, std::string_view id) {
  Change change{start(current), nullptr};
  change.sp = cases::find_stop_payment(change.next.handling, id);
  if (change.sp == nullptr) {
    return fail(Code::kNotFound, "case " + current.id + " has no stop-payment " + std::string(id));
  }
  return change;
}

Result<cases::Case> finish(cases::Case next, const cases::Case& current, Millis now,
                           std::string kind, const std::string& actor, const json::object& data) {
  next.version = current.version + 1;
  next.updated_at = now;
  cases::TimelineEvent event;
  event.at = now;
  event.kind = std::move(kind);
  event.actor = actor;
  event.data = json::serialize(data);
  next.timeline.push_back(std::move(event));
  return next;
}

// The timeline fields every stop-payment event carries.
json::object event_data(const StopPayment& sp, StopPaymentStatus from) {
  json::object o{{"stop_payment_id", sp.id}, {"status", cases::name(sp.status)}};
  if (sp.status != from) o["from_status"] = cases::name(from);
  return o;
}

// A message to the bank (channel "bank"); the bank webhook adapter signs and delivers it.
json::object bank_payload(const cases::Case& c, const StopPayment& sp, std::string_view type,
                          Millis now) {
  json::object o{{"type", type},          {"stop_payment_id", sp.id},
                 {"case_id", c.id},       {"account", sp.account},
                 {"bank", sp.bank},       {"reason", sp.reason},
                 {"officer", sp.officer}, {"requested_at_ms", sp.requested_at},
                 {"at_ms", now}};
  if (!sp.bank_reference.empty()) o["bank_reference"] = sp.bank_reference;
  if (sp.expires_at) o["expires_at_ms"] = *sp.expires_at;
  return o;
}

void send(cases::Case& next, const json::object& payload) {
  next.outbound.push_back(cases::Outbound{"bank", json::serialize(payload)});
}

// The warning fires warn_before ahead of expiry, or at once when less time is left.
void arm_timers(cases::Handling& h, const StopPayment& sp, Millis now, const Options& options) {
  // expires_at is set whenever a stop-payment is active or awaiting release.
  const Millis expires_at = *sp.expires_at;
  cases::set_timer(h, cases::timer::kStopPaymentWarn,
                   std::max(now, expires_at - options.warn_before), sp.id);
  cases::set_timer(h, cases::timer::kStopPaymentExpiry, expires_at, sp.id);
}

void cancel_timers(cases::Handling& h, const StopPayment& sp) {
  cases::cancel_timer(h, cases::timer::kStopPaymentWarn, sp.id);
  cases::cancel_timer(h, cases::timer::kStopPaymentExpiry, sp.id);
}

std::string normalise_account(std::string_view account) {
  std::string out;
  for (char c : account) {
    if (c != ' ') out += c;
  }
  return out;
}

}  // namespace

std::string_view name(Decision d) {
  for (const auto& [value, text] : kDecisions) {
    if (value == d) return text;
  }
  return "?";
}

std::optional<Decision> parse_decision(std::string_view s) {
  for (const auto& [value, text] : kDecisions) {
    if (text == s) return value;
  }
  return std::nullopt;
}

bool ended(StopPaymentStatus status) {
  return status == StopPaymentStatus::kRejected || status == StopPaymentStatus::kReleased ||
         status == StopPaymentStatus::kExpired;
}

std::vector<FieldError> validate(const Options& options) {
  std::vector<FieldError> errors;
  if (options.duration <= 0) errors.push_back({"duration", "must be positive"});
  if (options.extension <= 0) errors.push_back({"extension", "must be positive"});
  if (options.max_extensions < 0) errors.push_back({"max_extensions", "must not be negative"});
  if (options.warn_before <= 0) {
    errors.push_back({"warn_before", "must be positive"});
  } else if (options.warn_before >= options.duration) {
    errors.push_back({"warn_before", "must be shorter than duration"});
  }
  return errors;
}

std::vector<const StopPayment*> unfinished(const cases::Handling& handling) {
  std::vector<const StopPayment*> out;
  for (const auto& sp : handling.stop_payments) {
    if (!ended(sp.status)) out.push_back(&sp);
  }
  return out;
}

Result<cases::Case> request(const cases::Case& current, const Request& req,
                            const std::string& officer, Millis now) {
  const std::string account = normalise_account(req.account);
  std::vector<FieldError> errors;
  if (account.empty()) {
    errors.push_back({"account", "is required"});
  } else if (!std::all_of(account.begin(), account.end(),
                          [](char c) { return c >= '0' && c <= '9'; })) {
    errors.push_back({"account", "must be digits (spaces allowed)"});
  } else if (account.size() < 6 || account.size() > 32) {
    errors.push_back({"account", "must be 6 to 32 digits, not " + std::to_string(account.size())});
  }
  check_text(errors, "bank", req.bank, kMaxBankBytes);
  check_text(errors, "reason", req.reason, kMaxTextBytes);
  check_text(errors, "officer", officer, kMaxActorBytes);
  if (!errors.empty()) return fail_fields(std::move(errors));

  for (const StopPayment* sp : unfinished(current.handling)) {
    if (sp->account == account) {
      return conflict("account " + account + " already has stop-payment " + sp->id + " (" +
                      status_text(sp->status) + ") in case " + current.id);
    }
  }

  cases::Case next = start(current);
  StopPayment sp;
  sp.id = current.id + "-S" + std::to_string(current.handling.stop_payments.size() + 1);
  sp.account = account;
  sp.bank = req.bank;
  sp.reason = req.reason;
  sp.officer = officer;
  sp.status = StopPaymentStatus::kRequested;
  sp.requested_at = now;
  // Ids are never reused: stop-payments are only ever appended.
  assert(cases::find_stop_payment(current.handling, sp.id) == nullptr);
  next.handling.stop_payments.push_back(sp);
  next.handling.stop_payment_proposed = false;

  json::object data{{"stop_payment_id", sp.id},
                    {"status", cases::name(sp.status)},
                    {"account", sp.account},
                    {"bank", sp.bank},
                    {"reason", sp.reason}};
  send(next, bank_payload(next, sp, "request", now));
  return finish(std::move(next), current, now, "stop_payment_requested", officer, data);
}

Result<cases::Case> bank_answer(const cases::Case& current, std::string_view stop_payment_id,
                                const BankAnswer& answer, Millis now, const Options& options) {
  auto change = start(current, stop_payment_id);
  if (!change) return tl::unexpected(change.error());
  cases::Case& next = change->next;
  StopPayment& sp = *change->sp;
  const StopPaymentStatus from = sp.status;
  const std::string what = "stop-payment " + sp.id + " is " + status_text(from);

  std::vector<FieldError> errors;
  if (answer.reference.size() > kMaxActorBytes) {
    errors.push_back({"reference", "is longer than " + std::to_string(kMaxActorBytes) + " bytes"});
  }
  if (answer.reason.size() > kMaxTextBytes) {
    errors.push_back({"reason", "is longer than " + std::to_string(kMaxTextBytes) + " bytes"});
  }
  if (answer.decision == Decision::kAccepted) {
    if (is_blank(answer.reference)) errors.push_back({"reference", "is required when accepted"});
    if (answer.expires_at && *answer.expires_at <= now) {
      errors.push_back({"expires_at", "must be in the future"});
    }
  }

  std::string kind;
  switch (answer.decision) {
    case Decision::kAccepted:
      if (from != StopPaymentStatus::kRequested) {
        return conflict(what + "; only a requested stop-payment can be accepted");
      }
      if (!errors.empty()) return fail_fields(std::move(errors));
      sp.status = StopPaymentStatus::kActive;
      sp.active_at = now;
      sp.expires_at = answer.expires_at.value_or(now + options.duration);
      sp.bank_reference = answer.reference;
      arm_timers(next.handling, sp, now, options);
      kind = "stop_payment_active";
      break;
    case Decision::kRejected:
      if (from != StopPaymentStatus::kRequested) {
        return conflict(what + "; only a requested stop-payment can be rejected");
      }
      if (!errors.empty()) return fail_fields(std::move(errors));
      sp.status = StopPaymentStatus::kRejected;
      sp.ended_at = now;
      if (!answer.reference.empty()) sp.bank_reference = answer.reference;
      kind = "stop_payment_rejected";
      break;
    case Decision::kReleased:
      if (from != StopPaymentStatus::kReleaseRequested) {
        return conflict(what +
                        "; the bank can only release a stop-payment whose release was "
                        "requested and approved");
      }
      if (!sp.approved_at) {
        return conflict(what + " but the release is not approved yet");
      }
      if (!errors.empty()) return fail_fields(std::move(errors));
      sp.status = StopPaymentStatus::kReleased;
      sp.ended_at = now;
      cancel_timers(next.handling, sp);
      kind = "stop_payment_released";
      break;
  }

  json::object data = event_data(sp, from);
  data["decision"] = name(answer.decision);
  if (!answer.reference.empty()) data["bank_reference"] = answer.reference;
  if (!answer.reason.empty()) data["bank_reason"] = answer.reason;
  if (answer.decision == Decision::kAccepted) data["expires_at_ms"] = *sp.expires_at;
  return finish(std::move(next), current, now, std::move(kind), "bank", data);
}

Result<cases::Case> extend(const cases::Case& current, std::string_view stop_payment_id,
                           const std::string& reason, const std::string& officer, Millis now,
                           const Options& options) {
  std::vector<FieldError> errors;
  check_text(errors, "reason", reason, kMaxTextBytes);
  check_text(errors, "officer", officer, kMaxActorBytes);
  if (!errors.empty()) return fail_fields(std::move(errors));

  auto change = start(current, stop_payment_id);
  if (!change) return tl::unexpected(change.error());
  cases::Case& next = change->next;
  StopPayment& sp = *change->sp;
  if (sp.status != StopPaymentStatus::kActive) {
    return conflict("stop-payment " + sp.id + " is " + status_text(sp.status) +
                    "; only an active stop-payment can be extended");
  }
  if (now >= *sp.expires_at) {
    return conflict("stop-payment " + sp.id + " ran out at " + format_rfc3339(*sp.expires_at) +
                    "; request a new one");
  }
  if (sp.extensions >= options.max_extensions) {
    return conflict("stop-payment " + sp.id + " was already extended " +
                    std::to_string(sp.extensions) + " times; at most " +
                    std::to_string(options.max_extensions) + " are allowed");
  }
  const Millis previous = *sp.expires_at;
  sp.expires_at = previous + options.extension;
  sp.extensions += 1;
  sp.expiry_warned = false;
  arm_timers(next.handling, sp, now, options);

  json::object data = event_data(sp, sp.status);
  data["reason"] = reason;
  data["extensions"] = sp.extensions;
  data["previous_expires_at_ms"] = previous;
  data["expires_at_ms"] = *sp.expires_at;
  json::object payload = bank_payload(next, sp, "extend", now);
  payload["extend_reason"] = reason;
  payload["extended_by"] = officer;
  payload["extensions"] = sp.extensions;
  payload["previous_expires_at_ms"] = previous;
  send(next, payload);
  return finish(std::move(next), current, now, "stop_payment_extended", officer, data);
}

Result<cases::Case> attach(const cases::Case& current, std::string_view stop_payment_id,
                           const cases::Document& document, Millis now) {
  std::vector<FieldError> errors;
  if (document.id.size() != 64 || !is_lower_hex(document.id)) {
    errors.push_back({"document.id", "must be 64 lowercase hex digits (SHA-256)"});
  }
  if (document.content_type != "application/pdf" && document.content_type != "image/jpeg" &&
      document.content_type != "image/png") {
    errors.push_back({"document.content_type", "must be application/pdf, image/jpeg or image/png"});
  }
  if (document.size <= 0) errors.push_back({"document.size", "must be positive"});
  check_text(errors, "document.by", document.by, kMaxActorBytes);
  if (!errors.empty()) return fail_fields(std::move(errors));

  auto change = start(current, stop_payment_id);
  if (!change) return tl::unexpected(change.error());
  cases::Case& next = change->next;
  StopPayment& sp = *change->sp;
  if (sp.status != StopPaymentStatus::kActive &&
      sp.status != StopPaymentStatus::kReleaseRequested) {
    return conflict("stop-payment " + sp.id + " is " + status_text(sp.status) +
                    "; documents are attached only while it is active or awaiting release");
  }
  for (const auto& d : sp.documents) {
    if (d.id == document.id) {
      return conflict("document " + document.id + " is already attached to stop-payment " + sp.id +
                      " (as \"" + d.name + "\")");
    }
  }
  cases::Document attached = document;
  attached.at = now;
  sp.documents.push_back(attached);

  json::object data = event_data(sp, sp.status);
  data["document_id"] = attached.id;
  data["name"] = attached.name;
  data["content_type"] = attached.content_type;
  data["size"] = attached.size;
  data["documents"] = sp.documents.size();
  return finish(std::move(next), current, now, "stop_payment_document_attached", attached.by, data);
}

Result<cases::Case> request_release(const cases::Case& current, std::string_view stop_payment_id,
                                    const std::string& reason, const std::string& by, Millis now) {
  std::vector<FieldError> errors;
  check_text(errors, "reason", reason, kMaxTextBytes);
  check_text(errors, "by", by, kMaxActorBytes);
  if (!errors.empty()) return fail_fields(std::move(errors));

  auto change = start(current, stop_payment_id);
  if (!change) return tl::unexpected(change.error());
  cases::Case& next = change->next;
  StopPayment& sp = *change->sp;
  const StopPaymentStatus from = sp.status;
  if (from != StopPaymentStatus::kActive) {
    return conflict("stop-payment " + sp.id + " is " + status_text(from) +
                    "; release can be requested only while it is active");
  }
  if (sp.documents.empty()) {
    return conflict("stop-payment " + sp.id +
                    " has no documents; attach the person's release application first");
  }
  sp.status = StopPaymentStatus::kReleaseRequested;
  sp.release_requested_at = now;
  sp.release_reason = reason;

  json::object data = event_data(sp, from);
  data["reason"] = reason;
  json::array docs;
  for (const auto& d : sp.documents) docs.push_back(json::value(d.id));
  data["documents"] = std::move(docs);
  return finish(std::move(next), current, now, "stop_payment_release_requested", by, data);
}

Result<cases::Case> approve_release(const cases::Case& current, std::string_view stop_payment_id,
                                    const std::string& supervisor, Millis now) {
  std::vector<FieldError> errors;
  check_text(errors, "supervisor", supervisor, kMaxActorBytes);
  if (!errors.empty()) return fail_fields(std::move(errors));

  auto change = start(current, stop_payment_id);
  if (!change) return tl::unexpected(change.error());
  cases::Case& next = change->next;
  StopPayment& sp = *change->sp;
  if (sp.status != StopPaymentStatus::kReleaseRequested) {
    return conflict("stop-payment " + sp.id + " is " + status_text(sp.status) +
                    "; only a requested release can be approved");
  }
  if (sp.approved_at) {
    return conflict("the release of stop-payment " + sp.id + " was already approved by " +
                    sp.approved_by);
  }
  if (supervisor == sp.officer) {
    return conflict(supervisor + " requested stop-payment " + sp.id +
                    " and cannot approve its release; another supervisor must");
  }
  sp.approved_by = supervisor;
  sp.approved_at = now;

  json::object data = event_data(sp, sp.status);
  data["approved_by"] = supervisor;
  json::object payload = bank_payload(next, sp, "release", now);
  payload["release_reason"] = sp.release_reason;
  payload["approved_by"] = supervisor;
  payload["approved_at_ms"] = now;
  send(next, payload);
  return finish(std::move(next), current, now, "stop_payment_release_approved", supervisor, data);
}

Result<cases::Case> on_timer(const cases::Case& current, const cases::Timer& timer, Millis now,
                             const Options& options) {
  const bool warn = timer.kind == cases::timer::kStopPaymentWarn;
  if (!warn && timer.kind != cases::timer::kStopPaymentExpiry) {
    return fail_fields({{"kind", "\"" + timer.kind + "\" is not a stop-payment timer"}});
  }
  auto change = start(current, timer.ref);
  if (!change) return tl::unexpected(change.error());
  cases::Case& next = change->next;
  StopPayment& sp = *change->sp;
  const StopPaymentStatus from = sp.status;
  const std::string nothing = "nothing to do: " + timer.kind + " timer of stop-payment " + sp.id;

  if (timer.due_at > now) {
    return conflict(nothing + " is not due until " + format_rfc3339(timer.due_at));
  }
  if (from != StopPaymentStatus::kActive && from != StopPaymentStatus::kReleaseRequested) {
    return conflict(nothing + ", which is " + status_text(from));
  }
  // A timer still stored with another due time was moved (extend) after this one was read.
  if (const cases::Timer* stored = cases::find_timer(current.handling, timer.kind, timer.ref);
      stored != nullptr && stored->due_at != timer.due_at) {
    return conflict(nothing + ": it was moved to " + format_rfc3339(stored->due_at));
  }

  json::object data;
  std::string kind;
  if (warn) {
    if (sp.expiry_warned) return conflict(nothing + ": the station was already warned");
    sp.expiry_warned = true;
    cases::cancel_timer(next.handling, cases::timer::kStopPaymentWarn, sp.id);
    data = event_data(sp, from);
    data["expires_at_ms"] = *sp.expires_at;
    data["expires_in_ms"] = *sp.expires_at - now;
    data["extensions"] = sp.extensions;
    data["extensions_left"] = std::max(0, options.max_extensions - sp.extensions);
    kind = "stop_payment_expiring";
  } else {
    if (now < *sp.expires_at) {
      return conflict(nothing + ": it runs until " + format_rfc3339(*sp.expires_at));
    }
    sp.status = StopPaymentStatus::kExpired;
    sp.ended_at = now;
    cancel_timers(next.handling, sp);
    data = event_data(sp, from);
    data["expires_at_ms"] = *sp.expires_at;
    if (from == StopPaymentStatus::kReleaseRequested) {
      // The bank's restriction ends on its own; the pending release no longer matters.
      data["note"] = sp.approved_at ? "expired while the bank was releasing it"
                                    : "expired while the release awaited approval";
    }
    kind = "stop_payment_expired";
  }
  return finish(std::move(next), current, now, std::move(kind), "system", data);
}

}  // namespace quanzu::stoppay

// Handling (处置) state of a case: what has been tried, what is pending and when, the door
// visits and the protective stop-payments. Plain data stored with the case (as one JSON
// document, handling_json.cc), so every change to it commits atomically with the case
// change, the timeline events and the outbound messages that go with it.
//
// Timers live here too: each pending deadline is a Timer of the case. The store indexes the
// earliest due time of each case; firing a timer removes it from the case in the same
// transaction as its effect, so after a crash every deadline fires exactly once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"

namespace quanzu::cases {

// A point in GCJ-02 degrees (the coordinates Chinese maps and the jurisdictions use).
struct GeoPoint {
  double lat = 0;
  double lon = 0;
};

// Kinds of timers. Each kind occurs at most once per `ref` in a case.
namespace timer {
inline constexpr std::string_view kRobocallRetry = "robocall_retry";  // place the next robocall
inline constexpr std::string_view kDispatch = "dispatch";             // find a responder (again)
inline constexpr std::string_view kVisitAck = "visit_ack";            // ref: visit id
inline constexpr std::string_view kTaskDue = "task_due";              // the call task is overdue
inline constexpr std::string_view kFirstAttemptDue = "first_attempt_due";  // SLA target
inline constexpr std::string_view kDoorDue = "door_due";                   // SLA target
inline constexpr std::string_view kStopPaymentWarn = "stop_payment_warn";  // ref: stop-payment
inline constexpr std::string_view kStopPaymentExpiry = "stop_payment_expiry";  // ref: stop-payment
}  // namespace timer

struct Timer {
  std::string kind;
  Millis due_at = 0;
  std::string ref;  // the visit or stop-payment it concerns; "" for the case itself
};

// An automatic attempt (SMS, robocall) sent to a channel and awaiting its result. The
// channel reports the result with `ref`; a second report of the same ref is refused.
struct PendingAttempt {
  std::string ref;      // "<case id>/robocall/2"
  std::string channel;  // "sms" | "robocall"
  Millis queued_at = 0;
  std::optional<Millis> placed_at;  // when the channel accepted it
};

// A call a station operator must make (人工外呼).
struct CallTask {
  Millis created_at = 0;
  Millis due_at = 0;
  std::string reason;  // why it was created: "first action", "robocall not answered twice"
  std::optional<Millis> done_at;
  int attempts = 0;
  std::string last_result;
  bool overdue = false;
};

enum class VisitStatus {
  kDispatched,    // a responder was chosen and asked
  kAcknowledged,  // the responder accepted
  kEnRoute,
  kOnScene,
  kDone,          // a result was recorded
  kTimedOut,      // not acknowledged in time; the next responder is chosen
  kDeclined,      // the responder said no; the next one is chosen
  kCancelled,     // the case closed or moved before the visit ended
};
std::string_view name(VisitStatus v);
std::optional<VisitStatus> parse_visit_status(std::string_view s);

// One responder's door visit (上门劝阻) for the case.
struct Visit {
  std::string id;  // "<case id>-V<n>"
  std::string responder_id;
  std::string responder_station;  // may be a neighbouring station's
  VisitStatus status = VisitStatus::kDispatched;
  Millis dispatched_at = 0;
  Millis ack_due_at = 0;
  double distance_m = 0;           // straight line from the responder at dispatch
  Millis estimated_travel = 0;     // by the travel-time estimator at dispatch
  std::optional<Millis> acknowledged_at, en_route_at, on_scene_at, ended_at;
  std::string result;  // visit results: met, not_home, refused, not_found
};

enum class StopPaymentStatus {
  kRequested,         // sent to the bank, no answer yet
  kActive,            // the bank restricted the account, until expires_at
  kRejected,          // the bank refused
  kReleaseRequested,  // the person applied for release with documents
  kReleased,          // approved and released by the bank
  kExpired,           // ran out without release
};
std::string_view name(StopPaymentStatus v);
std::optional<StopPaymentStatus> parse_stop_payment_status(std::string_view s);

// A file attached to a stop-payment (the person's release application, ID copy, ...).
struct Document {
  std::string id;            // content address: hex SHA-256 of the bytes
  std::string name;          // as uploaded, for people
  std::string content_type;  // checked against the bytes: application/pdf, image/jpeg, image/png
  std::int64_t size = 0;
  Millis at = 0;
  std::string by;
};

// A protective stop-payment (保护性止付) on the person's own account.
struct StopPayment {
  std::string id;  // "<case id>-S<n>"; the bank's callback names it
  std::string account;
  std::string bank;
  std::string reason;
  std::string officer;  // who requested it
  StopPaymentStatus status = StopPaymentStatus::kRequested;
  Millis requested_at = 0;
  std::optional<Millis> active_at;
  std::optional<Millis> expires_at;
  int extensions = 0;
  std::string bank_reference;
  std::optional<Millis> release_requested_at;
  std::string release_reason;
  std::vector<Document> documents;
  std::string approved_by;
  std::optional<Millis> approved_at;
  std::optional<Millis> ended_at;  // released, rejected or expired
  bool expiry_warned = false;
};

// Service-level figures of the case (time to first attempt, first contact, door arrival).
struct Sla {
  std::optional<Millis> first_attempt_at;
  std::optional<Millis> first_contact_at;
  std::optional<Millis> visit_requested_at;  // when the plan asked for a door visit
  std::optional<Millis> door_arrival_at;
  Millis first_attempt_due = 0;  // 0: no target
  Millis door_due = 0;           // set when a visit is requested; 0: none
  std::vector<std::string> overdue;  // targets missed: "first_attempt", "call_task", "door"
};

struct Handling {
  std::optional<GeoPoint> location;  // where the person is, for the door visit
  std::string address;
  std::vector<PendingAttempt> pending;  // automatic attempts awaiting results
  int robocalls = 0;                    // robocalls queued so far
  int sms = 0;                          // messages queued so far
  // How often each reaction row of the action plan has matched, by row id.
  std::vector<std::pair<std::string, int>> row_hits;
  std::optional<CallTask> task;
  bool visit_needed = false;  // the plan asked for a door visit not yet under way
  std::vector<Visit> visits;  // oldest first; at most the last one is under way
  bool stop_payment_proposed = false;
  std::vector<StopPayment> stop_payments;
  Sla sla;
  std::vector<Timer> timers;
};

// Timer helpers: at most one timer per (kind, ref).
void set_timer(Handling& h, std::string_view kind, Millis due_at, std::string_view ref = {});
void cancel_timer(Handling& h, std::string_view kind, std::string_view ref = {});
const Timer* find_timer(const Handling& h, std::string_view kind, std::string_view ref = {});
// The earliest due time, or nullopt when nothing is pending. The store indexes it.
std::optional<Millis> next_due(const Handling& h);

// The visit under way (dispatched, acknowledged, en route or on scene), if any.
const Visit* current_visit(const Handling& h);
Visit* current_visit(Handling& h);
StopPayment* find_stop_payment(Handling& h, std::string_view id);
const StopPayment* find_stop_payment(const Handling& h, std::string_view id);

// JSON text of the handling state and back; an empty text or "{}" is an empty state.
std::string to_json(const Handling& h);
Handling handling_from_json(std::string_view text);

}  // namespace quanzu::cases

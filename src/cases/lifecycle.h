// The case state machine. Pure: given the current case and a requested event, either the
// change to make or why it is not allowed (Code::kConflict for an illegal transition,
// Code::kInvalid for a malformed request).
//
//   unrouted --attempt--> unrouted         open --attempt--> in_progress
//   unrouted|open|in_progress --outcome--> closed
//   closed --reopen(reason)--> in_progress  (any status) --note--> same status
//   unrouted|open|in_progress --reroute(reason)--> open at the new station (unrouted -> open),
//                                             or closed as handed_off when out of area
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "cases/case.h"
#include "grading/rules.h"

namespace quanzu::cases {

struct AttemptRequest {
  Channel channel = Channel::kManualCall;
  std::string result;  // checked against the channel's results
  std::optional<std::int64_t> duration_seconds;
  std::string note;
  // An automatic attempt's reference (handling.h PendingAttempt); "" for a person's report.
  std::string ref;
};
struct NoteRequest {
  std::string text;
};
struct OutcomeRequest {
  Outcome outcome = Outcome::kWarned;
  std::optional<Fen> amount_protected;  // required for dissuaded, refused otherwise
  std::string note;
};
struct ReopenRequest {
  std::string reason;
};
// "Not in our area": a new location or an explicit station, with a reason. The caller
// resolves it (routing) before apply(): `to` is the new station, or absent with
// `handoff_to` set when the person is outside the deployment.
struct RerouteRequest {
  std::optional<std::string> station_code;
  std::optional<instruction::Location> location;
  std::string reason;
  // Filled by the service from routing:
  std::optional<Station> to;
  std::string method;      // "manual" (station picked) or how the location was routed
  std::string handoff_to;  // where a person outside the deployment is, when known
  std::string note;        // how routing decided
};

struct EventRequest {
  enum class Kind { kAttempt, kNote, kOutcome, kReopen, kReroute } kind = Kind::kNote;
  AttemptRequest attempt;
  NoteRequest note;
  OutcomeRequest outcome;
  ReopenRequest reopen;
  RerouteRequest reroute;
};

// A case found to belong to a fraud cluster (由点及面) after it was graded.
struct ClusterLink {
  std::string key;          // "account:6222...", "domain:fake-task.example"
  int people = 0;           // distinct phones in the cluster now
  std::string via_case_id;  // the arrival that formed or grew the cluster
  std::string rule_id;      // the cluster rule; its effect raises the case
  grading::Effect effect;
};

// Raises `current` by the cluster rule (a closed case keeps its level) and records a
// "cluster_linked" event. Fails with kConflict when the rule already graded this case.
Result<Case> link_cluster(const Case& current, const ClusterLink& link, const std::string& actor,
                          Millis at);

// The notice sent to whoever takes over a case outside the deployment (channel "handoff").
Outbound handoff_notice(const Case& c, const std::string& handoff_to, const std::string& note,
                        Millis at);

// The results a channel can report, e.g. manual_call: answered, hung_up, unreachable,
// no_answer, rejected, busy, wrong_person.
const std::vector<std::string>& results_of(Channel channel);

// Applies `request` to a copy of `current` at time `at` by `actor`: status, outcome,
// amount, version, updated_at and one new TimelineEvent appended to `timeline` (only the
// new event is in the returned case's timeline).
Result<Case> apply(const Case& current, const EventRequest& request, const std::string& actor,
                   Millis at);

}  // namespace quanzu::cases

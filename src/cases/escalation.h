// Escalation: what the action plan (plan.h) makes of a case's arrival, of each attempt
// result and of each deadline. Pure: every function takes the case as it is and returns or
// edits the case as it must become (handling state, timers, outbound SMS/robocalls, timeline
// events by "system" naming the plan row that acted). The store writes all of it in one
// transaction, which is what makes each action happen exactly once.
//
// Door visits need the responders (dispatch/) and stop-payments have their own life cycle
// (stoppay/): here a visit is only *requested* (visit_needed + a "dispatch" timer due at
// once) and a stop-payment only *proposed*; the case service does the rest.
#pragma once

#include <string>

#include "base/result.h"
#include "cases/case.h"
#include "cases/lifecycle.h"
#include "cases/plan.h"

namespace quanzu::cases {

// Prepares a new case for handling: the plan's first actions (SMS and robocalls queued as
// outbound messages awaiting results, a call task with its due time) and the SLA target for
// the first attempt. Appends no timeline event: the "created" event lists what was started.
void start_handling(Case& c, const Plans& plans, Millis now);

// Applies `request` through the state machine (lifecycle.h), then lets the plan react to it:
// an attempt result counts toward the plan's reactions, updates the call task and the SLA
// figures; a closed case cancels what is pending (stop-payments go on by themselves).
Result<Case> record_event(const Case& current, const EventRequest& request, const Plans& plans,
                          const std::string& actor, Millis now);

// An automatic attempt (`ref`) was accepted by its channel: the first attempt time of the SLA.
// kConflict when nothing with that ref is pending or it was already placed.
Result<Case> attempt_placed(const Case& current, const std::string& ref, Millis now);

// Fires a pending timer of the case's own kinds (robocall_retry, sms_retry, task_due,
// first_attempt_due, door_due). kConflict when no such timer is pending and due at `now` —
// it already fired, or was cancelled: the caller does nothing.
Result<Case> fire_timer(const Case& current, const Timer& timer, const Plans& plans, Millis now);

// Asks for a door visit now (the plan's "visit" action; also an operator's request).
// Returns false when one is already needed or under way.
bool request_visit(Case& next, const LevelPlan& plan, const std::string& why, Millis now);

// The case was raised (e.g. a fraud cluster formed) from `before`: the first actions of the
// new level's plan that have not happened yet are taken now, and a sooner first-attempt
// target replaces the old one.
void level_raised(Case& next, instruction::Level before, const Plans& plans, Millis now);

// Appends a timeline event to `next` (seq is given by the store).
void add_event(Case& next, std::string kind, const std::string& actor, std::string data_json,
               Millis now);

// Whether a result means the person was reached / the try failed to reach them.
bool is_contact(Channel channel, std::string_view result);

inline constexpr std::string_view kSmsRetry = "sms_retry";

}  // namespace quanzu::cases

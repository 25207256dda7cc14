// The life of one door visit (上门劝阻), as pure functions on cases::Visit. The moves:
//
//   dispatched   -> acknowledged | en_route (rode off without acknowledging) | declined
//                   | timed_out (only the acknowledgement timer) | cancelled
//   acknowledged -> en_route | cancelled
//   en_route     -> on_scene | done (the result came before arrival) | cancelled
//   on_scene     -> done | cancelled
//
// done (with a result: met, not_home, refused, not_found), declined, timed_out and cancelled
// (the case closed or moved) end the visit and free its responder; nothing moves an ended
// visit.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "cases/handling.h"
#include "cases/responder.h"
#include "dispatch/chooser.h"

namespace quanzu::dispatch {

// Dispatched, acknowledged, en route or on scene: the visit holds its responder.
bool under_way(cases::VisitStatus status);

// The statuses advance() may move a visit in `status` to, in the order of the enum; empty
// once the visit has ended. For the console's buttons and for error messages.
std::vector<cases::VisitStatus> next_statuses(cases::VisitStatus status);

// The words of cases::VisitStatus as they appear in messages: "dispatched", "en_route", ...
std::string_view status_word(cases::VisitStatus status);

// True for the results a visit ends with: "met", "not_home", "refused", "not_found".
bool is_visit_result(std::string_view result);

// A new visit in status dispatched for the chosen responder, its acknowledgement due
// options.ack_timeout after `now`. The caller sets the kVisitAck timer at ack_due_at and
// claims the responder (claim_responder) in the same transaction.
cases::Visit start_visit(std::string id, const Choice& choice, Millis now,
                         const DispatchOptions& options);

// The visit moved to `to` at `now`, with the time of that step set (acknowledged_at,
// en_route_at, on_scene_at; ended_at for done, declined, timed_out and cancelled) and, for
// done, `result`. `v` is not changed.
//
// `responder_id` is who asks: the visit's own responder, or "" for the platform itself (a
// timer, a change of the case, a station operator recording what the responder radioed in).
//
// Fails with Code::kConflict, with a message that names the visit and its status (and, for a
// move that is not allowed, the moves that are), when:
//   - `responder_id` is another responder's ("visit C1-V2 is held by responder R1, not R2");
//   - the move is not one of next_statuses(v.status), including a repeat of the current
//     status and any move of an ended visit;
//   - a responder asks for timed_out (only the platform's acknowledgement timer does that)
//     or for cancelled (the platform cancels when the case closes or moves, or a station
//     operator does; a responder declines instead, before setting off);
//   - timed_out is asked before v.ack_due_at.
// Fails with Code::kInvalid (field "result") when `to` is done and `result` is not
// is_visit_result(), or when `to` is not done and a result is given.
Result<cases::Visit> advance(const cases::Visit& v, cases::VisitStatus to,
                             std::string_view responder_id, Millis now,
                             std::string_view result = {});

// The responders that declined or timed out on these visits (of one case), each once, in
// the order of the visits: the excluded_ids for choose().
std::vector<std::string> excluded_responders(const std::vector<cases::Visit>& visits);

// The claim that gives a new visit its responder (who must be free and on duty), and the
// one that frees the responder when the visit ends (who must still hold it).
cases::ResponderClaim claim_responder(const cases::Visit& v, std::string_view case_id);
cases::ResponderClaim release_responder(const cases::Visit& v);

}  // namespace quanzu::dispatch

#include "cases/escalation.h"

#include <algorithm>

#include <boost/json.hpp>

namespace quanzu::cases {
namespace {

namespace json = boost::json;

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

int& hits_of(Handling& h, const std::string& row) {
  for (auto& [id, n] : h.row_hits) {
    if (id == row) return n;
  }
  h.row_hits.emplace_back(row, 0);
  return h.row_hits.back().second;
}

// The message a channel adapter turns into an SMS or a robocall. Templates are the
// adapter's business; it gets what it needs to fill them in.
Outbound attempt_message(const Case& c, std::string_view channel, const std::string& ref, Millis now) {
  json::object o{{"type", channel},
                 {"ref", ref},
                 {"case_id", c.id},
                 {"phone", c.phone},
                 {"level", instruction::name(c.level)},
                 {"scam_type", instruction::name(c.scam_type)},
                 {"at_ms", now}};
  if (c.station) {
    o["station"] = json::object{{"code", c.station->code}, {"name", c.station->name}};
  }
  return Outbound{std::string(channel), json::serialize(o)};
}

void queue_attempt(Case& c, Channel channel, Millis now) {
  Handling& h = c.handling;
  const int n = channel == Channel::kSms ? ++h.sms : ++h.robocalls;
  const std::string channel_name(name(channel));
  std::string ref = c.id + "/" + channel_name + "/" + std::to_string(n);
  c.outbound.push_back(attempt_message(c, channel_name, ref, now));
  h.pending.push_back(PendingAttempt{std::move(ref), channel_name, now, std::nullopt});
}

void open_task(Case& c, const LevelPlan& plan, const std::string& reason, Millis now) {
  Handling& h = c.handling;
  if (h.task && !h.task->done_at) return;  // one open task at a time
  CallTask task;
  task.created_at = now;
  task.due_at = now + plan.task_due;
  task.reason = reason;
  h.task = std::move(task);
  set_timer(h, timer::kTaskDue, now + plan.task_due);
}

void close_task(Handling& h, Millis now) {
  if (h.task && !h.task->done_at) h.task->done_at = now;
  cancel_timer(h, timer::kTaskDue);
}

void mark_overdue(Case& next, const std::string& target, Millis due, Millis now) {
  auto& overdue = next.handling.sla.overdue;
  if (!contains(overdue, target)) overdue.push_back(target);
  add_event(next, "overdue", "system",
            json::serialize(json::object{{"target", target}, {"due_at_ms", due}, {"late_ms", now - due}}),
            now);
}

// The plan's reactions to one attempt result.
void react(Case& next, const AttemptRequest& attempt, const Plans& plans, Millis now) {
  const LevelPlan& plan = plans.of(next.level);
  Handling& h = next.handling;
  for (const Reaction& row : plan.on) {
    if (std::find(row.channels.begin(), row.channels.end(), attempt.channel) == row.channels.end()) continue;
    if (!contains(row.results, attempt.result)) continue;
    const int n = ++hits_of(h, row.id);
    if (n < row.from || n > row.to) continue;
    json::object data{{"reaction", row.id},
                      {"action", name(row.action)},
                      {"on", std::string(name(attempt.channel)) + ":" + attempt.result},
                      {"match", n}};
    switch (row.action) {
      case Action::kSms:
      case Action::kRobocall: {
        const Channel channel = row.action == Action::kSms ? Channel::kSms : Channel::kRobocall;
        if (row.after > 0) {
          const Millis due = now + row.after;
          set_timer(h, channel == Channel::kSms ? kSmsRetry : timer::kRobocallRetry, due);
          data["due_at_ms"] = due;
        } else {
          queue_attempt(next, channel, now);
        }
        break;
      }
      case Action::kCallTask:
        open_task(next, plan, "reaction " + row.id, now);
        data["due_at_ms"] = h.task->due_at;
        break;
      case Action::kVisit:
        if (!request_visit(next, plan, "reaction " + row.id, now)) data["note"] = "a visit is already needed or under way";
        break;
      case Action::kCloseWarned:
        if (next.status != Status::kClosed) {
          next.status = Status::kClosed;
          next.outcome = Outcome::kWarned;
          data["outcome"] = "warned";
          data["status"] = "closed";
        }
        break;
      case Action::kProposeStopPayment:
        h.stop_payment_proposed = true;
        break;
    }
    add_event(next, "plan", "system", json::serialize(data), now);
  }
}

// A closed case needs nothing more from the plan: tasks end, visits are called off (their
// responders freed), pending deadlines go. Stop-payments keep their own deadlines.
void finish(Case& next, Millis now) {
  Handling& h = next.handling;
  close_task(h, now);
  h.visit_needed = false;
  h.pending.clear();
  if (Visit* v = current_visit(h)) {
    v->status = VisitStatus::kCancelled;
    v->ended_at = now;
    next.responder_claims.push_back(ResponderClaim{v->responder_id, v->id, "", ""});
  }
  std::erase_if(h.timers, [](const Timer& t) {
    return t.kind != timer::kStopPaymentWarn && t.kind != timer::kStopPaymentExpiry;
  });
}

}  // namespace

void add_event(Case& next, std::string kind, const std::string& actor, std::string data_json,
               Millis now) {
  TimelineEvent e;
  e.at = now;
  e.kind = std::move(kind);
  e.actor = actor;
  e.data = std::move(data_json);
  next.timeline.push_back(std::move(e));
}

bool is_contact(Channel channel, std::string_view result) {
  switch (channel) {
    case Channel::kSms: return false;  // delivered is not a conversation
    case Channel::kVisit: return result == "met" || result == "refused";
    default: return result == "answered" || result == "refused";
  }
}

bool request_visit(Case& next, const LevelPlan& plan, const std::string& why, Millis now) {
  Handling& h = next.handling;
  if (h.visit_needed || current_visit(h)) return false;
  h.visit_needed = true;
  if (!h.sla.visit_requested_at) {
    h.sla.visit_requested_at = now;
    if (plan.door_arrival_target > 0) {
      h.sla.door_due = now + plan.door_arrival_target;
      set_timer(h, timer::kDoorDue, h.sla.door_due);
    }
  }
  set_timer(h, timer::kDispatch, now);
  (void)why;
  return true;
}

void start_handling(Case& c, const Plans& plans, Millis now) {
  if (c.status == Status::kClosed) return;  // handed off at arrival: nothing to do here
  const LevelPlan& plan = plans.of(c.level);
  for (Action a : plan.first) {
    switch (a) {
      case Action::kSms: queue_attempt(c, Channel::kSms, now); break;
      case Action::kRobocall: queue_attempt(c, Channel::kRobocall, now); break;
      case Action::kCallTask: open_task(c, plan, "first action", now); break;
      default: break;  // the plan parser allows only the three above
    }
  }
  if (plan.first_attempt_target > 0) {
    c.handling.sla.first_attempt_due = now + plan.first_attempt_target;
    set_timer(c.handling, timer::kFirstAttemptDue, c.handling.sla.first_attempt_due);
  }
}

void level_raised(Case& next, instruction::Level before, const Plans& plans, Millis now) {
  if (next.status == Status::kClosed || next.level <= before) return;
  const LevelPlan& plan = plans.of(next.level);
  Handling& h = next.handling;
  json::array taken;
  for (Action a : plan.first) {
    if (a == Action::kSms && h.sms == 0) {
      queue_attempt(next, Channel::kSms, now);
      taken.emplace_back("sms");
    } else if (a == Action::kRobocall && h.robocalls == 0) {
      queue_attempt(next, Channel::kRobocall, now);
      taken.emplace_back("robocall");
    } else if (a == Action::kCallTask && !h.task) {
      open_task(next, plan, "level raised", now);
      taken.emplace_back("call_task");
    }
  }
  if (plan.first_attempt_target > 0 && !h.sla.first_attempt_at) {
    const Millis due = now + plan.first_attempt_target;
    if (h.sla.first_attempt_due == 0 || due < h.sla.first_attempt_due) {
      h.sla.first_attempt_due = due;
      set_timer(h, timer::kFirstAttemptDue, due);
    }
  }
  if (!taken.empty()) {
    add_event(next, "plan", "system",
              json::serialize(json::object{{"level", instruction::name(next.level)},
                                           {"from_level", instruction::name(before)},
                                           {"actions", std::move(taken)}}),
              now);
  }
}

Result<Case> record_event(const Case& current, const EventRequest& request, const Plans& plans,
                          const std::string& actor, Millis now) {
  if (request.kind == EventRequest::Kind::kAttempt && !request.attempt.ref.empty()) {
    const auto& pending = current.handling.pending;
    auto it = std::find_if(pending.begin(), pending.end(),
                           [&](const PendingAttempt& p) { return p.ref == request.attempt.ref; });
    if (it == pending.end()) {
      return fail(Code::kConflict, "no pending attempt " + request.attempt.ref +
                                       " on case " + current.id + " (already reported?)");
    }
    if (it->channel != name(request.attempt.channel)) {
      return fail_fields({{"channel", "attempt " + request.attempt.ref + " is a " + it->channel}});
    }
  }
  auto applied = apply(current, request, actor, now);
  if (!applied) return applied;
  Case next = std::move(*applied);
  Handling& h = next.handling;
  if (request.kind == EventRequest::Kind::kAttempt) {
    const AttemptRequest& attempt = request.attempt;
    if (!attempt.ref.empty()) {
      // A result can come before the dispatcher noted the message as placed (a quick
      // delivery receipt): then it went out by now, which is the first attempt too.
      for (const auto& p : h.pending) {
        if (p.ref == attempt.ref && !p.placed_at && !h.sla.first_attempt_at) h.sla.first_attempt_at = now;
      }
      std::erase_if(h.pending, [&](const PendingAttempt& p) { return p.ref == attempt.ref; });
    }
    // An SMS receipt does not make an attempt: the message went out when it was placed.
    if (attempt.channel != Channel::kSms && !h.sla.first_attempt_at) h.sla.first_attempt_at = now;
    if (is_contact(attempt.channel, attempt.result) && !h.sla.first_contact_at) h.sla.first_contact_at = now;
    if (h.sla.first_attempt_at) cancel_timer(h, timer::kFirstAttemptDue);
    if (attempt.channel == Channel::kManualCall && h.task && !h.task->done_at) {
      h.task->attempts++;
      h.task->last_result = attempt.result;
      // Someone was reached: the task is done; otherwise the operator keeps trying while the
      // plan decides whether a visit takes over.
      if (is_contact(attempt.channel, attempt.result) || attempt.result == "wrong_person") close_task(h, now);
    }
    if (attempt.channel == Channel::kVisit) {
      // The responder at the door reports: the visit ends and the responder is free again.
      if (Visit* v = current_visit(h)) {
        if (!v->on_scene_at) v->on_scene_at = now;
        v->status = VisitStatus::kDone;
        v->result = attempt.result;
        v->ended_at = now;
        cancel_timer(h, timer::kVisitAck, v->id);
        next.responder_claims.push_back(ResponderClaim{v->responder_id, v->id, "", ""});
      }
      if (!h.sla.door_arrival_at) {
        h.sla.door_arrival_at = now;
        cancel_timer(h, timer::kDoorDue);
      }
    }
    react(next, attempt, plans, now);
  }
  if (request.kind == EventRequest::Kind::kReroute && next.station &&
      (!current.station || current.station->code != next.station->code) && h.task && !h.task->done_at) {
    // The new station's operators get the task with a fresh due time.
    const LevelPlan& plan = plans.of(next.level);
    h.task->due_at = now + plan.task_due;
    h.task->overdue = false;
    set_timer(h, timer::kTaskDue, h.task->due_at);
  }
  if (next.status == Status::kClosed && current.status != Status::kClosed) finish(next, now);
  return next;
}

Result<Case> attempt_placed(const Case& current, const std::string& ref, Millis now) {
  Case next = current;
  next.timeline.clear();
  next.instruction_raw.clear();
  Handling& h = next.handling;
  auto it = std::find_if(h.pending.begin(), h.pending.end(),
                         [&](const PendingAttempt& p) { return p.ref == ref; });
  if (it == h.pending.end() || it->placed_at) {
    return fail(Code::kConflict, "attempt " + ref + " is not waiting to be placed");
  }
  it->placed_at = now;
  const std::string channel = it->channel;
  if (!h.sla.first_attempt_at) {
    h.sla.first_attempt_at = now;
    cancel_timer(h, timer::kFirstAttemptDue);
  }
  next.version = current.version + 1;
  next.updated_at = now;
  add_event(next, "attempt_placed", "system",
            json::serialize(json::object{{"channel", channel}, {"ref", ref}}), now);
  return next;
}

Result<Case> fire_timer(const Case& current, const Timer& timer, const Plans& plans, Millis now) {
  const Timer* pending = find_timer(current.handling, timer.kind, timer.ref);
  if (!pending || pending->due_at > now) {
    return fail(Code::kConflict, "timer " + timer.kind + " of case " + current.id + " is not due");
  }
  const Millis due = pending->due_at;
  Case next = current;
  next.timeline.clear();
  next.instruction_raw.clear();
  Handling& h = next.handling;
  cancel_timer(h, timer.kind, timer.ref);
  if (timer.kind == timer::kRobocallRetry || timer.kind == kSmsRetry) {
    const Channel channel = timer.kind == kSmsRetry ? Channel::kSms : Channel::kRobocall;
    if (next.status != Status::kClosed) {
      queue_attempt(next, channel, now);
      add_event(next, "plan", "system",
                json::serialize(json::object{{"action", name(channel)}, {"timer", timer.kind}}), now);
    }
  } else if (timer.kind == timer::kTaskDue) {
    if (h.task && !h.task->done_at && !h.task->overdue) {
      h.task->overdue = true;
      mark_overdue(next, "call_task", due, now);
    }
  } else if (timer.kind == timer::kFirstAttemptDue) {
    if (!h.sla.first_attempt_at) mark_overdue(next, "first_attempt", due, now);
  } else if (timer.kind == timer::kDoorDue) {
    if (!h.sla.door_arrival_at) mark_overdue(next, "door", due, now);
  } else {
    return fail(Code::kInvalid, "timer " + timer.kind + " is not the case's own");
  }
  (void)plans;
  next.version = current.version + 1;
  next.updated_at = now;
  // With nothing left to do (the target was met in time) the timer just goes, quietly.
  return next;
}

}  // namespace quanzu::cases

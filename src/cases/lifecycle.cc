#include "cases/lifecycle.h"

#include <algorithm>

#include <boost/json.hpp>

#include "grading/grader.h"

namespace quanzu::cases {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// Whole yuan as an integer, so that 300 reads "300" and not "3E2".
boost::json::value cny_json(Fen fen) {
  if (fen % 100 == 0) return boost::json::value(fen / 100);
  return boost::json::value(static_cast<double>(fen) / 100.0);
}

tl::unexpected<Error> conflict(std::string message) {
  return fail(Code::kConflict, std::move(message));
}

}  // namespace

Outbound handoff_notice(const Case& c, const std::string& handoff_to, const std::string& note,
                        Millis at) {
  boost::json::object o{{"type", "handoff"},
                        {"case_id", c.id},
                        {"instruction_id", c.instruction_id},
                        {"handoff_to", handoff_to.empty() ? boost::json::value(nullptr) : boost::json::value(handoff_to)},
                        {"reason", note},
                        {"level", instruction::name(c.level)},
                        {"trigger", instruction::name(c.trigger)},
                        {"scam_type", instruction::name(c.scam_type)},
                        {"issued_at_ms", c.issued_at},
                        {"at_ms", at},
                        {"subject", boost::json::object{{"phone", c.phone}, {"name", c.subject_name}}}};
  if (c.at_risk) o["at_risk_fen"] = c.at_risk;
  return Outbound{"handoff", boost::json::serialize(o)};
}

Result<Case> link_cluster(const Case& current, const ClusterLink& link, const std::string& actor,
                          Millis at) {
  if (std::find(current.reasons.begin(), current.reasons.end(), link.rule_id) != current.reasons.end()) {
    return conflict("case " + current.id + " is already graded by " + link.rule_id);
  }
  Case next = current;
  next.timeline.clear();
  next.instruction_raw.clear();
  if (current.status != Status::kClosed) {
    next.level = grading::apply_effect(current.level, link.effect, std::nullopt);
  }
  next.reasons.push_back(link.rule_id);
  next.version = current.version + 1;
  next.updated_at = at;
  boost::json::object data{{"key", link.key},
                           {"people", link.people},
                           {"via_case", link.via_case_id},
                           {"rule", link.rule_id},
                           {"from_level", instruction::name(current.level)},
                           {"level", instruction::name(next.level)}};
  TimelineEvent event;
  event.at = at;
  event.kind = "cluster_linked";
  event.actor = actor;
  event.data = boost::json::serialize(data);
  next.timeline.push_back(std::move(event));
  return next;
}

const std::vector<std::string>& results_of(Channel channel) {
  static const std::vector<std::string> kSms{"delivered", "failed", "expired"};
  static const std::vector<std::string> kRobocall{"answered", "rejected", "busy", "no_answer",
                                                  "unreachable"};
  static const std::vector<std::string> kCall{"answered", "hung_up",      "unreachable",
                                              "no_answer", "rejected",    "busy",
                                              "wrong_person", "refused"};
  static const std::vector<std::string> kVisit{"met", "not_home", "refused", "not_found"};
  static const std::vector<std::string> kFamily{"answered", "no_answer", "unreachable",
                                                "refused"};
  switch (channel) {
    case Channel::kSms: return kSms;
    case Channel::kRobocall: return kRobocall;
    case Channel::kManualCall: return kCall;
    case Channel::kVisit: return kVisit;
    case Channel::kFamily: return kFamily;
  }
  return kCall;
}

Result<Case> apply(const Case& current, const EventRequest& request, const std::string& actor,
                   Millis at) {
  Case next = current;
  next.timeline.clear();
  next.instruction_raw.clear();
  boost::json::object data;
  std::string kind;

  switch (request.kind) {
    case EventRequest::Kind::kAttempt: {
      const auto& attempt = request.attempt;
      const auto& allowed = results_of(attempt.channel);
      if (std::find(allowed.begin(), allowed.end(), attempt.result) == allowed.end()) {
        return fail_fields({{"result", "unknown result \"" + attempt.result + "\" for channel " +
                                           std::string(name(attempt.channel)) +
                                           "; expected one of: " + join(allowed)}});
      }
      if (current.status == Status::kClosed) {
        return conflict("case " + current.id + " is closed (" +
                        std::string(current.outcome ? name(*current.outcome) : "no outcome") +
                        "); reopen it before recording attempts");
      }
      // An unrouted case stays in the centre's queue until a station owns it.
      if (current.status == Status::kOpen) next.status = Status::kInProgress;
      kind = "attempt";
      data["channel"] = name(attempt.channel);
      data["result"] = attempt.result;
      if (attempt.duration_seconds) data["duration_seconds"] = *attempt.duration_seconds;
      if (!attempt.ref.empty()) data["ref"] = attempt.ref;
      if (!attempt.note.empty()) data["note"] = attempt.note;
      break;
    }
    case EventRequest::Kind::kNote: {
      if (request.note.text.empty()) return fail_fields({{"text", "is required"}});
      kind = "note";
      data["text"] = request.note.text;
      break;
    }
    case EventRequest::Kind::kOutcome: {
      const auto& outcome = request.outcome;
      if (outcome.outcome == Outcome::kDissuaded && !outcome.amount_protected) {
        return fail_fields({{"amount_protected_cny", "is required for outcome dissuaded"}});
      }
      if (outcome.outcome != Outcome::kDissuaded && outcome.amount_protected) {
        return fail_fields(
            {{"amount_protected_cny", "is only recorded with outcome dissuaded"}});
      }
      if (current.status == Status::kClosed) {
        return conflict("case " + current.id + " is already closed with outcome " +
                        std::string(current.outcome ? name(*current.outcome) : "none") +
                        "; reopen it first");
      }
      next.status = Status::kClosed;
      next.outcome = outcome.outcome;
      next.amount_protected = outcome.amount_protected.value_or(0);
      kind = "outcome";
      data["outcome"] = name(outcome.outcome);
      if (outcome.amount_protected) {
        data["amount_protected_cny"] = cny_json(*outcome.amount_protected);
      }
      data["from_status"] = name(current.status);
      if (!outcome.note.empty()) data["note"] = outcome.note;
      break;
    }
    case EventRequest::Kind::kReopen: {
      if (request.reopen.reason.empty()) return fail_fields({{"reason", "is required"}});
      if (current.status != Status::kClosed) {
        return conflict("case " + current.id + " is " + std::string(name(current.status)) +
                        ", not closed; only a closed case can be reopened");
      }
      next.status = current.station ? Status::kInProgress : Status::kUnrouted;
      if (current.outcome) data["previous_outcome"] = name(*current.outcome);
      next.outcome.reset();
      next.amount_protected = 0;
      kind = "reopened";
      data["reason"] = request.reopen.reason;
      break;
    }
    case EventRequest::Kind::kReroute: {
      const auto& r = request.reroute;
      if (r.reason.empty()) return fail_fields({{"reason", "is required"}});
      if (current.status == Status::kClosed) {
        return conflict("case " + current.id + " is closed; reopen it before re-routing");
      }
      if (r.to && current.station && r.to->code == current.station->code) {
        return conflict("case " + current.id + " is already at station " + r.to->code);
      }
      kind = "rerouted";
      data["reason"] = r.reason;
      data["from_station"] = current.station ? boost::json::value(current.station->code) : nullptr;
      data["method"] = r.method;
      if (!r.note.empty()) data["routing_note"] = r.note;
      if (r.to) {
        next.station = r.to;
        next.routing_method = r.method;
        data["to_station"] = r.to->code;
        // The new station starts its own handling: the case is open again in its queue.
        if (current.status == Status::kUnrouted) next.status = Status::kOpen;
      } else if (r.method == "out_of_area") {
        next.status = Status::kClosed;
        next.outcome = Outcome::kHandedOff;
        next.routing_method = r.method;
        data["to_station"] = nullptr;
        data["handoff_to"] = r.handoff_to;
        data["outcome"] = "handed_off";
        next.outbound.push_back(handoff_notice(next, r.handoff_to, r.note + "; " + r.reason, at));
      } else {
        return fail_fields({{"location", "could not be routed to a station: " + r.note}});
      }
      break;
    }
  }

  if (next.status != current.status) {
    data["status"] = name(next.status);
  }
  next.version = current.version + 1;
  next.updated_at = at;
  TimelineEvent event;
  event.at = at;
  event.kind = std::move(kind);
  event.actor = actor;
  event.data = boost::json::serialize(data);
  next.timeline.push_back(std::move(event));
  return next;
}

}  // namespace quanzu::cases

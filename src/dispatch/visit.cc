#include "dispatch/visit.h"

#include <algorithm>
#include <array>
#include <utility>

namespace quanzu::dispatch {
namespace {

using cases::Visit;
using cases::VisitStatus;

constexpr std::array kResults = {std::string_view("met"), std::string_view("not_home"),
                                 std::string_view("refused"), std::string_view("not_found")};

constexpr std::array kAllStatuses = {
    VisitStatus::kDispatched, VisitStatus::kAcknowledged, VisitStatus::kEnRoute,
    VisitStatus::kOnScene,    VisitStatus::kDone,         VisitStatus::kTimedOut,
    VisitStatus::kDeclined,   VisitStatus::kCancelled,
};

bool allowed(VisitStatus from, VisitStatus to) {
  using S = VisitStatus;
  if (to == S::kCancelled) return under_way(from);
  switch (from) {
    case S::kDispatched:
      return to == S::kAcknowledged || to == S::kEnRoute || to == S::kDeclined ||
             to == S::kTimedOut;
    case S::kAcknowledged:
      return to == S::kEnRoute;
    case S::kEnRoute:
      return to == S::kOnScene || to == S::kDone;
    case S::kOnScene:
      return to == S::kDone;
    case S::kDone:
    case S::kTimedOut:
    case S::kDeclined:
    case S::kCancelled:
      return false;
  }
  return false;
}

std::string allowed_text(VisitStatus from) {
  std::vector<VisitStatus> next = next_statuses(from);
  if (next.empty()) return "it has ended; nothing is allowed";
  std::string text = "allowed: ";
  for (size_t i = 0; i < next.size(); ++i) {
    if (i > 0) text += ", ";
    text += status_word(next[i]);
  }
  return text;
}

std::string where(const Visit& v) {
  return "visit " + v.id + " is " + std::string(status_word(v.status));
}

tl::unexpected<Error> invalid_result(std::string message) {
  return fail_fields({FieldError{"result", std::move(message)}});
}

}  // namespace

bool under_way(VisitStatus status) {
  return status == VisitStatus::kDispatched || status == VisitStatus::kAcknowledged ||
         status == VisitStatus::kEnRoute || status == VisitStatus::kOnScene;
}

std::vector<VisitStatus> next_statuses(VisitStatus status) {
  std::vector<VisitStatus> out;
  for (VisitStatus to : kAllStatuses) {
    if (allowed(status, to)) out.push_back(to);
  }
  return out;
}

std::string_view status_word(VisitStatus status) {
  switch (status) {
    case VisitStatus::kDispatched:
      return "dispatched";
    case VisitStatus::kAcknowledged:
      return "acknowledged";
    case VisitStatus::kEnRoute:
      return "en_route";
    case VisitStatus::kOnScene:
      return "on_scene";
    case VisitStatus::kDone:
      return "done";
    case VisitStatus::kTimedOut:
      return "timed_out";
    case VisitStatus::kDeclined:
      return "declined";
    case VisitStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

bool is_visit_result(std::string_view result) {
  return std::find(kResults.begin(), kResults.end(), result) != kResults.end();
}

Visit start_visit(std::string id, const Choice& choice, Millis now,
                  const DispatchOptions& options) {
  Visit v;
  v.id = std::move(id);
  v.responder_id = choice.responder.id;
  v.responder_station = choice.responder.station_code;
  v.status = VisitStatus::kDispatched;
  v.dispatched_at = now;
  v.ack_due_at = now + options.ack_timeout;
  v.distance_m = choice.distance_m;
  v.estimated_travel = choice.travel;
  return v;
}

Result<Visit> advance(const Visit& v, VisitStatus to, std::string_view responder_id, Millis now,
                      std::string_view result) {
  if (!responder_id.empty() && responder_id != v.responder_id) {
    return fail(Code::kConflict, "visit " + v.id + " is held by responder " + v.responder_id +
                                     ", not " + std::string(responder_id));
  }
  if (to == v.status) {
    return fail(Code::kConflict, where(v) + " already; " + allowed_text(v.status));
  }
  if (!allowed(v.status, to)) {
    return fail(Code::kConflict, where(v) + "; it cannot become " + std::string(status_word(to)) +
                                     "; " + allowed_text(v.status));
  }
  if (to == VisitStatus::kCancelled && !responder_id.empty()) {
    return fail(Code::kConflict, where(v) +
                                     "; only the station or the platform cancels a visit "
                                     "(a responder declines before setting off)");
  }
  if (to == VisitStatus::kTimedOut) {
    if (!responder_id.empty()) {
      return fail(Code::kConflict, where(v) +
                                       "; only its acknowledgement timer times it out "
                                       "(a responder declines instead)");
    }
    if (now < v.ack_due_at) {
      return fail(Code::kConflict, where(v) + "; its acknowledgement is due only at " +
                                       format_rfc3339(v.ack_due_at) + ", not yet timed out");
    }
  }
  if (to == VisitStatus::kDone) {
    if (!is_visit_result(result)) {
      return invalid_result(result.empty()
                                ? "a visit ends with a result: met, not_home, refused or not_found"
                                : "unknown result \"" + std::string(result) +
                                      "\"; one of met, not_home, refused, not_found");
    }
  } else if (!result.empty()) {
    return invalid_result("only a visit that is done has a result; it is becoming " +
                          std::string(status_word(to)));
  }

  Visit out = v;
  out.status = to;
  switch (to) {
    case VisitStatus::kAcknowledged:
      out.acknowledged_at = now;
      break;
    case VisitStatus::kEnRoute:
      out.en_route_at = now;
      break;
    case VisitStatus::kOnScene:
      out.on_scene_at = now;
      break;
    case VisitStatus::kDone:
      out.result = std::string(result);
      out.ended_at = now;
      break;
    case VisitStatus::kTimedOut:
    case VisitStatus::kDeclined:
    case VisitStatus::kCancelled:
      out.ended_at = now;
      break;
    case VisitStatus::kDispatched:
      break;  // never allowed(): nothing moves back to dispatched
  }
  return out;
}

std::vector<std::string> excluded_responders(const std::vector<Visit>& visits) {
  std::vector<std::string> out;
  for (const Visit& v : visits) {
    if (v.status != VisitStatus::kDeclined && v.status != VisitStatus::kTimedOut) continue;
    if (std::find(out.begin(), out.end(), v.responder_id) == out.end()) {
      out.push_back(v.responder_id);
    }
  }
  return out;
}

cases::ResponderClaim claim_responder(const Visit& v, std::string_view case_id) {
  return cases::ResponderClaim{v.responder_id, "", v.id, std::string(case_id)};
}

cases::ResponderClaim release_responder(const Visit& v) {
  return cases::ResponderClaim{v.responder_id, v.id, "", ""};
}

}  // namespace quanzu::dispatch

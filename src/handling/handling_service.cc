#include "handling/handling_service.h"

#include <algorithm>
#include <cmath>

#include <boost/json.hpp>

namespace quanzu::handling {
namespace {

namespace json = boost::json;
using cases::Case;

tl::unexpected<Error> conflict(std::string message) {
  return fail(Code::kConflict, std::move(message));
}

// A copy of `current` to change, with the version bumped and nothing of the old timeline.
Case next_of(const Case& current, Millis now) {
  Case next = current;
  next.timeline.clear();
  next.instruction_raw.clear();
  next.version = current.version + 1;
  next.updated_at = now;
  return next;
}

// The timer must still be pending and due; firing it removes it.
Result<bool> take_timer(Case& next, const cases::Timer& timer, Millis now) {
  const cases::Timer* pending = cases::find_timer(next.handling, timer.kind, timer.ref);
  if (!pending || pending->due_at > now) {
    return conflict("timer " + timer.kind + " of case " + next.id + " is not due");
  }
  cases::cancel_timer(next.handling, timer.kind, timer.ref);
  return true;
}

bool valid_responder_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
  });
}

}  // namespace

HandlingService::HandlingService(store::CaseStore& store, const cases::Plans& plans,
                                 const geo::StationDirectory& stations,
                                 stoppay::DocumentStore& documents, const Clock& clock)
    : store_(store),
      plans_(plans),
      stations_(stations),
      documents_(documents),
      clock_(clock),
      neighbourhood_(stations),
      travel_(plans.dispatch.speed_kmh, plans.dispatch.detour_factor) {}

dispatch::DispatchOptions HandlingService::dispatch_options() const {
  dispatch::DispatchOptions o;
  o.ack_timeout = plans_.dispatch.ack_timeout;
  o.position_max_age = plans_.dispatch.position_max_age;
  o.neighbour_stations = static_cast<size_t>(plans_.dispatch.neighbour_stations);
  return o;
}

stoppay::Options HandlingService::stop_payment_options() const {
  stoppay::Options o;
  o.duration = plans_.stop_payment.duration;
  o.extension = plans_.stop_payment.extension;
  o.max_extensions = plans_.stop_payment.max_extensions;
  o.warn_before = plans_.stop_payment.warn_before;
  return o;
}

size_t HandlingService::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_.size();
}

void HandlingService::finish_fire(const std::string& case_id) {
  std::lock_guard lock(mu_);
  if (auto it = in_flight_.find(case_id); it != in_flight_.end()) in_flight_.erase(it);
}

size_t HandlingService::fire_due(size_t limit) {
  const Millis now = clock_.now();
  auto due = store_.due_cases(now, limit);
  if (!due) return 0;
  size_t queued = 0;
  for (const auto& d : *due) {
    {
      std::lock_guard lock(mu_);
      if (in_flight_.count(d.case_id)) continue;
    }
    auto c = store_.get(d.case_id);
    if (!c || !*c) continue;
    std::vector<cases::Timer> timers;
    for (const auto& t : (*c)->handling.timers) {
      if (t.due_at <= now) timers.push_back(t);
    }
    if (timers.empty()) continue;
    {
      std::lock_guard lock(mu_);
      for (size_t i = 0; i < timers.size(); ++i) in_flight_.insert(d.case_id);
    }
    for (const auto& t : timers) fire(d.case_id, t);
    ++queued;
  }
  return queued;
}

void HandlingService::fire(const std::string& case_id, const cases::Timer& timer) {
  if (timer.kind == cases::timer::kDispatch) {
    fire_dispatch(case_id, timer);
    return;
  }
  const Millis now = clock_.now();
  store::Mutator mutate;
  if (timer.kind == cases::timer::kVisitAck) {
    mutate = [timer, now](const Case& current) -> Result<Case> {
      Case next = next_of(current, now);
      if (auto ok = take_timer(next, timer, now); !ok) return tl::unexpected(ok.error());
      cases::Visit* v = cases::current_visit(next.handling);
      if (v && v->id == timer.ref && v->status == cases::VisitStatus::kDispatched) {
        auto timed_out = dispatch::advance(*v, cases::VisitStatus::kTimedOut, "", now);
        if (!timed_out) return tl::unexpected(timed_out.error());
        *v = *timed_out;
        next.responder_claims.push_back(dispatch::release_responder(*v));
        cases::add_event(next, "visit_timed_out", "system",
                         json::serialize(json::object{{"visit", v->id}, {"responder", v->responder_id}}), now);
        if (next.status != cases::Status::kClosed) {
          next.handling.visit_needed = true;
          cases::set_timer(next.handling, cases::timer::kDispatch, now);
        }
      }
      return next;
    };
  } else if (timer.kind == cases::timer::kStopPaymentWarn || timer.kind == cases::timer::kStopPaymentExpiry) {
    mutate = [this, timer, now](const Case& current) -> Result<Case> {
      return stoppay::on_timer(current, timer, now, stop_payment_options());
    };
  } else {
    mutate = [this, timer, now](const Case& current) {
      return cases::fire_timer(current, timer, plans_, now);
    };
  }
  store_.update(case_id, std::move(mutate), [this, case_id](Result<Case>) { finish_fire(case_id); });
}

void HandlingService::fire_dispatch(const std::string& case_id, const cases::Timer& timer) {
  const Millis now = clock_.now();
  auto read = store_.get(case_id);
  std::optional<dispatch::Choice> choice;
  std::vector<std::string> asked;
  if (read && *read && (*read)->handling.visit_needed) {
    const Case& c = **read;
    const std::string owning = c.station ? c.station->code : std::string();
    std::optional<cases::GeoPoint> target = c.handling.location;
    if (!target && c.station) {
      if (const auto* info = stations_.station(c.station->code)) {
        target = cases::GeoPoint{info->position.lat, info->position.lon};
      }
    }
    if (target) {
      asked = owning.empty() ? std::vector<std::string>{}
                             : dispatch::stations_to_ask(owning, neighbourhood_, dispatch_options());
      store::ResponderFilter filter{asked, true, true};
      auto candidates = store_.responders(filter);
      if (candidates) {
        choice = dispatch::choose(*target, owning, *candidates,
                                  dispatch::excluded_responders(c.handling.visits), neighbourhood_,
                                  travel_, now, dispatch_options());
      }
    }
  }
  const dispatch::DispatchOptions options = dispatch_options();
  const Millis retry_after = plans_.dispatch.retry_after;
  store_.update(
      case_id,
      [timer, now, choice, asked, options, retry_after](const Case& current) -> Result<Case> {
        Case next = next_of(current, now);
        if (auto ok = take_timer(next, timer, now); !ok) return tl::unexpected(ok.error());
        cases::Handling& h = next.handling;
        if (!h.visit_needed || next.status == cases::Status::kClosed || cases::current_visit(h)) {
          h.visit_needed = false;
          return next;
        }
        if (!choice) {
          cases::set_timer(h, cases::timer::kDispatch, now + retry_after);
          json::array stations;
          for (const auto& s : asked) stations.emplace_back(s);
          // Said once, not at every retry: the case shows it is waiting.
          const bool first = std::none_of(h.row_hits.begin(), h.row_hits.end(),
                                          [](const auto& r) { return r.first == "dispatch_waiting"; });
          if (first) {
            h.row_hits.emplace_back("dispatch_waiting", 1);
            cases::add_event(next, "dispatch_waiting", "system",
                             json::serialize(json::object{
                                 {"stations_asked", std::move(stations)},
                                 {"note", "no responder on duty and free nearby; asking again every " +
                                              std::to_string(retry_after / 1000) + " s"}}),
                             now);
          }
          return next;
        }
        const cases::Visit v = dispatch::start_visit(next.id + "-V" + std::to_string(h.visits.size() + 1),
                                                     *choice, now, options);
        h.visits.push_back(v);
        h.visit_needed = false;
        std::erase_if(h.row_hits, [](const auto& r) { return r.first == "dispatch_waiting"; });
        cases::set_timer(h, cases::timer::kVisitAck, v.ack_due_at, v.id);
        next.responder_claims.push_back(dispatch::claim_responder(v, next.id));
        if (next.status == cases::Status::kOpen) next.status = cases::Status::kInProgress;
        cases::add_event(next, "visit_dispatched", "system",
                         json::serialize(json::object{
                             {"visit", v.id},
                             {"responder", v.responder_id},
                             {"responder_station", v.responder_station},
                             {"own_station", choice->own_station},
                             {"distance_m", std::lround(v.distance_m)},
                             {"estimated_travel_s", v.estimated_travel / 1000},
                             {"ack_due_at_ms", v.ack_due_at}}),
                         now);
        return next;
      },
      [this, case_id](Result<Case>) { finish_fire(case_id); });
}

void HandlingService::attempt_placed(const std::string& ref, store::Done<Case> done) {
  const std::string case_id = ref.substr(0, ref.find('/'));
  const Millis now = clock_.now();
  store_.update(case_id, [ref, now](const Case& current) { return cases::attempt_placed(current, ref, now); },
                std::move(done));
}

void HandlingService::attempt_result(const std::string& ref, const std::string& result,
                                     std::optional<std::int64_t> duration_seconds,
                                     store::Done<Case> done) {
  const size_t slash = ref.find('/');
  const size_t slash2 = slash == std::string::npos ? slash : ref.find('/', slash + 1);
  auto channel = slash2 == std::string::npos
                     ? std::nullopt
                     : cases::parse_channel(std::string_view(ref).substr(slash + 1, slash2 - slash - 1));
  if (!channel) {
    done(fail_fields({{"ref", "\"" + ref + "\" is not an attempt reference (<case>/<channel>/<n>)"}}));
    return;
  }
  cases::EventRequest request;
  request.kind = cases::EventRequest::Kind::kAttempt;
  request.attempt.channel = *channel;
  request.attempt.result = result;
  request.attempt.duration_seconds = duration_seconds;
  request.attempt.ref = ref;
  const Millis now = clock_.now();
  store_.update(
      ref.substr(0, slash),
      [this, request, channel, now](const Case& current) {
        return cases::record_event(current, request, plans_, "channel:" + std::string(cases::name(*channel)), now);
      },
      std::move(done));
}

void HandlingService::request_visit(const std::string& case_id, const std::string& actor,
                                    const std::string& reason, store::Done<Case> done) {
  if (reason.empty()) {
    done(fail_fields({{"reason", "is required"}}));
    return;
  }
  const Millis now = clock_.now();
  store_.update(
      case_id,
      [this, actor, reason, now](const Case& current) -> Result<Case> {
        if (current.status == cases::Status::kClosed) {
          return conflict("case " + current.id + " is closed; reopen it before sending someone");
        }
        Case next = next_of(current, now);
        if (!cases::request_visit(next, plans_.of(next.level), reason, now)) {
          return conflict("case " + current.id + " already has a door visit needed or under way");
        }
        cases::add_event(next, "visit_requested", actor, json::serialize(json::object{{"reason", reason}}), now);
        return next;
      },
      std::move(done));
}

void HandlingService::visit_report(const std::string& case_id, VisitReport report,
                                   store::Done<Case> done) {
  const Millis now = clock_.now();
  store_.update(
      case_id,
      [report = std::move(report), now](const Case& current) -> Result<Case> {
        Case next = next_of(current, now);
        cases::Handling& h = next.handling;
        cases::Visit* v = cases::current_visit(h);
        if (!v) return conflict("case " + current.id + " has no visit under way");
        auto moved = dispatch::advance(*v, report.status, report.responder_id, now);
        if (!moved) return tl::unexpected(moved.error());
        *v = *moved;
        json::object data{{"visit", v->id}, {"responder", v->responder_id}, {"status", cases::name(v->status)}};
        if (!report.note.empty()) data["note"] = report.note;
        switch (v->status) {
          case cases::VisitStatus::kDeclined:
            cases::cancel_timer(h, cases::timer::kVisitAck, v->id);
            next.responder_claims.push_back(dispatch::release_responder(*v));
            h.visit_needed = true;
            cases::set_timer(h, cases::timer::kDispatch, now);
            break;
          case cases::VisitStatus::kAcknowledged:
          case cases::VisitStatus::kEnRoute:
            cases::cancel_timer(h, cases::timer::kVisitAck, v->id);
            break;
          case cases::VisitStatus::kOnScene:
            cases::cancel_timer(h, cases::timer::kVisitAck, v->id);
            if (!h.sla.door_arrival_at) {
              h.sla.door_arrival_at = now;
              cases::cancel_timer(h, cases::timer::kDoorDue);
              if (h.sla.visit_requested_at) data["door_arrival_s"] = (now - *h.sla.visit_requested_at) / 1000;
            }
            break;
          default:
            break;
        }
        cases::add_event(next, "visit_" + std::string(cases::name(v->status)), report.responder_id,
                         json::serialize(data), now);
        return next;
      },
      std::move(done));
}

void HandlingService::stop_payment(const std::string& case_id, StopPaymentRequest request,
                                   const std::string& actor, store::Done<Case> done) {
  const Millis now = clock_.now();
  const stoppay::Options options = stop_payment_options();
  store_.update(
      case_id,
      [request = std::move(request), actor, now, options](const Case& current) -> Result<Case> {
        using Kind = StopPaymentRequest::Kind;
        switch (request.kind) {
          case Kind::kRequest:
            return stoppay::request(current, stoppay::Request{request.account, request.bank, request.reason},
                                    actor, now);
          case Kind::kExtend:
            return stoppay::extend(current, request.stop_payment_id, request.reason, actor, now, options);
          case Kind::kRequestRelease:
            return stoppay::request_release(current, request.stop_payment_id, request.reason, actor, now);
          case Kind::kApproveRelease:
            return stoppay::approve_release(current, request.stop_payment_id, actor, now);
        }
        return fail(Code::kInvalid, "unknown stop-payment request");
      },
      std::move(done));
}

void HandlingService::attach_document(const std::string& case_id, const std::string& stop_payment_id,
                                      const std::string& bytes, const std::string& name,
                                      const std::string& content_type, const std::string& actor,
                                      store::Done<Case> done) {
  const Millis now = clock_.now();
  auto current = store_.get(case_id);
  if (!current) {
    done(tl::unexpected(current.error()));
    return;
  }
  if (!*current) {
    done(fail(Code::kNotFound, "no case " + case_id));
    return;
  }
  if (!cases::find_stop_payment((*current)->handling, stop_payment_id)) {
    done(fail(Code::kNotFound, "case " + case_id + " has no stop-payment " + stop_payment_id));
    return;
  }
  auto doc = documents_.put(bytes, name, content_type, actor, now);
  if (!doc) {
    done(tl::unexpected(doc.error()));
    return;
  }
  store_.update(
      case_id,
      [stop_payment_id, document = *doc, now](const Case& c) {
        return stoppay::attach(c, stop_payment_id, document, now);
      },
      std::move(done));
}

void HandlingService::bank_callback(const stoppay::BankCallback& callback, store::Done<Case> done) {
  const size_t at = callback.stop_payment_id.rfind("-S");
  if (at == std::string::npos || at == 0) {
    done(fail_fields({{"stop_payment_id", "\"" + callback.stop_payment_id + "\" is not one of ours"}}));
    return;
  }
  const Millis now = clock_.now();
  const stoppay::Options options = stop_payment_options();
  store_.update(
      callback.stop_payment_id.substr(0, at),
      [callback, now, options](const Case& current) {
        return stoppay::bank_answer(current, callback.stop_payment_id, callback.answer, now, options);
      },
      std::move(done));
}

void HandlingService::update_responder(const std::string& id, ResponderUpdate update, bool create,
                                       store::Done<cases::Responder> done) {
  if (!valid_responder_id(id)) {
    done(fail_fields({{"id", "1-64 letters, digits, '-' or '_'"}}));
    return;
  }
  std::vector<FieldError> errors;
  if (update.station_code && !stations_.station(*update.station_code)) {
    errors.push_back({"station_code", "no station " + *update.station_code + " in this deployment"});
  }
  if (update.name && update.name->empty()) errors.push_back({"name", "must not be empty"});
  if (update.position &&
      !(std::isfinite(update.position->lat) && std::isfinite(update.position->lon) &&
        update.position->lat >= -90 && update.position->lat <= 90 && update.position->lon >= -180 &&
        update.position->lon <= 180)) {
    errors.push_back({"position", "lat must be within -90..90 and lon within -180..180"});
  }
  if (create) {
    if (!update.name) errors.push_back({"name", "is required"});
    if (!update.station_code) errors.push_back({"station_code", "is required"});
  }
  if (!errors.empty()) {
    done(fail_fields(std::move(errors)));
    return;
  }
  const Millis now = clock_.now();
  store_.update_responder(
      id,
      [id, update = std::move(update), create, now](const std::optional<cases::Responder>& current)
          -> Result<cases::Responder> {
        if (create && current) return conflict("responder " + id + " already exists");
        if (!create && !current) return fail(Code::kNotFound, "no responder " + id);
        cases::Responder r = current.value_or(cases::Responder{});
        r.id = id;
        if (update.name) r.name = *update.name;
        if (update.phone) r.phone = *update.phone;
        if (update.station_code) {
          if (current && !current->visit_id.empty() && *update.station_code != current->station_code) {
            return conflict("responder " + id + " holds visit " + current->visit_id + "; finish it before changing station");
          }
          r.station_code = *update.station_code;
        }
        if (update.on_duty) {
          if (!*update.on_duty && current && !current->visit_id.empty()) {
            return conflict("responder " + id + " holds visit " + current->visit_id +
                            "; finish or decline it before going off duty");
          }
          r.on_duty = *update.on_duty;
        }
        if (update.position) {
          const Millis at = update.position_at.value_or(now);
          // Reports can arrive out of order: an older one does not replace a newer one.
          if (at >= r.position_at) {
            r.position = update.position;
            r.position_at = at;
          }
        }
        r.updated_at = now;
        return r;
      },
      std::move(done));
}

}  // namespace quanzu::handling

#include "cases/handling.h"

#include <algorithm>
#include <array>
#include <utility>

#include <boost/json.hpp>

#include "base/enum_names.h"

namespace quanzu::cases {
namespace {

namespace json = boost::json;

constexpr EnumNames<VisitStatus, 8> kVisitStatuses{{
    {VisitStatus::kDispatched, "dispatched"},
    {VisitStatus::kAcknowledged, "acknowledged"},
    {VisitStatus::kEnRoute, "en_route"},
    {VisitStatus::kOnScene, "on_scene"},
    {VisitStatus::kDone, "done"},
    {VisitStatus::kTimedOut, "timed_out"},
    {VisitStatus::kDeclined, "declined"},
    {VisitStatus::kCancelled, "cancelled"},
}};
constexpr EnumNames<StopPaymentStatus, 6> kStopPaymentStatuses{{
    {StopPaymentStatus::kRequested, "requested"},
    {StopPaymentStatus::kActive, "active"},
    {StopPaymentStatus::kRejected, "rejected"},
    {StopPaymentStatus::kReleaseRequested, "release_requested"},
    {StopPaymentStatus::kReleased, "released"},
    {StopPaymentStatus::kExpired, "expired"},
}};


// Writing: absent optionals and empty strings are left out, so the document stays small.
void put(json::object& o, std::string_view key, const std::optional<Millis>& v) {
  if (v) o[key] = *v;
}
void put(json::object& o, std::string_view key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}

// Reading: a missing or mistyped member reads as absent. The document is only ever written
// by to_json, so a mismatch means an older or newer version of it, not bad input.
const json::value* member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}
std::optional<Millis> get_millis(const json::object& o, std::string_view key) {
  const json::value* v = member(o, key);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<Millis>(v->as_uint64());
  return std::nullopt;
}
Millis get_millis_or(const json::object& o, std::string_view key, Millis fallback = 0) {
  return get_millis(o, key).value_or(fallback);
}
std::string get_string(const json::object& o, std::string_view key) {
  const json::value* v = member(o, key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
bool get_bool(const json::object& o, std::string_view key) {
  const json::value* v = member(o, key);
  return v && v->is_bool() && v->as_bool();
}
double get_double(const json::object& o, std::string_view key) {
  const json::value* v = member(o, key);
  if (!v) return 0;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  return 0;
}
template <typename F>
void for_each_object(const json::object& o, std::string_view key, F&& f) {
  const json::value* v = member(o, key);
  if (!v || !v->is_array()) return;
  for (const auto& item : v->as_array()) {
    if (item.is_object()) f(item.as_object());
  }
}

json::object visit_json(const Visit& v) {
  json::object o{{"id", v.id},
                 {"responder_id", v.responder_id},
                 {"responder_station", v.responder_station},
                 {"status", name(v.status)},
                 {"dispatched_at", v.dispatched_at},
                 {"ack_due_at", v.ack_due_at},
                 {"distance_m", v.distance_m},
                 {"estimated_travel_ms", v.estimated_travel}};
  put(o, "acknowledged_at", v.acknowledged_at);
  put(o, "en_route_at", v.en_route_at);
  put(o, "on_scene_at", v.on_scene_at);
  put(o, "ended_at", v.ended_at);
  put(o, "result", v.result);
  return o;
}

Visit visit_from(const json::object& o) {
  Visit v;
  v.id = get_string(o, "id");
  v.responder_id = get_string(o, "responder_id");
  v.responder_station = get_string(o, "responder_station");
  v.status = parse_visit_status(get_string(o, "status")).value_or(VisitStatus::kCancelled);
  v.dispatched_at = get_millis_or(o, "dispatched_at");
  v.ack_due_at = get_millis_or(o, "ack_due_at");
  v.distance_m = get_double(o, "distance_m");
  v.estimated_travel = get_millis_or(o, "estimated_travel_ms");
  v.acknowledged_at = get_millis(o, "acknowledged_at");
  v.en_route_at = get_millis(o, "en_route_at");
  v.on_scene_at = get_millis(o, "on_scene_at");
  v.ended_at = get_millis(o, "ended_at");
  v.result = get_string(o, "result");
  return v;
}

json::object stop_payment_json(const StopPayment& s) {
  json::object o{{"id", s.id},
                 {"account", s.account},
                 {"bank", s.bank},
                 {"reason", s.reason},
                 {"officer", s.officer},
                 {"status", name(s.status)},
                 {"requested_at", s.requested_at},
                 {"extensions", s.extensions}};
  put(o, "active_at", s.active_at);
  put(o, "expires_at", s.expires_at);
  put(o, "bank_reference", s.bank_reference);
  put(o, "release_requested_at", s.release_requested_at);
  put(o, "release_reason", s.release_reason);
  put(o, "approved_by", s.approved_by);
  put(o, "approved_at", s.approved_at);
  put(o, "ended_at", s.ended_at);
  if (s.expiry_warned) o["expiry_warned"] = true;
  json::array docs;
  for (const auto& d : s.documents) {
    docs.push_back(json::object{{"id", d.id},
                                {"name", d.name},
                                {"content_type", d.content_type},
                                {"size", d.size},
                                {"at", d.at},
                                {"by", d.by}});
  }
  if (!docs.empty()) o["documents"] = std::move(docs);
  return o;
}

StopPayment stop_payment_from(const json::object& o) {
  StopPayment s;
  s.id = get_string(o, "id");
  s.account = get_string(o, "account");
  s.bank = get_string(o, "bank");
  s.reason = get_string(o, "reason");
  s.officer = get_string(o, "officer");
  s.status = parse_stop_payment_status(get_string(o, "status")).value_or(StopPaymentStatus::kExpired);
  s.requested_at = get_millis_or(o, "requested_at");
  s.extensions = static_cast<int>(get_millis_or(o, "extensions"));
  s.active_at = get_millis(o, "active_at");
  s.expires_at = get_millis(o, "expires_at");
  s.bank_reference = get_string(o, "bank_reference");
  s.release_requested_at = get_millis(o, "release_requested_at");
  s.release_reason = get_string(o, "release_reason");
  s.approved_by = get_string(o, "approved_by");
  s.approved_at = get_millis(o, "approved_at");
  s.ended_at = get_millis(o, "ended_at");
  s.expiry_warned = get_bool(o, "expiry_warned");
  for_each_object(o, "documents", [&](const json::object& d) {
    s.documents.push_back(Document{get_string(d, "id"), get_string(d, "name"),
                                   get_string(d, "content_type"), get_millis_or(d, "size"),
                                   get_millis_or(d, "at"), get_string(d, "by")});
  });
  return s;
}

}  // namespace

std::string_view name(VisitStatus v) { return enum_name(kVisitStatuses, v); }
std::optional<VisitStatus> parse_visit_status(std::string_view s) {
  return enum_value(kVisitStatuses, s);
}
std::string_view name(StopPaymentStatus v) { return enum_name(kStopPaymentStatuses, v); }
std::optional<StopPaymentStatus> parse_stop_payment_status(std::string_view s) {
  return enum_value(kStopPaymentStatuses, s);
}

void set_timer(Handling& h, std::string_view kind, Millis due_at, std::string_view ref) {
  for (auto& t : h.timers) {
    if (t.kind == kind && t.ref == ref) {
      t.due_at = due_at;
      return;
    }
  }
  h.timers.push_back(Timer{std::string(kind), due_at, std::string(ref)});
}

void cancel_timer(Handling& h, std::string_view kind, std::string_view ref) {
  std::erase_if(h.timers, [&](const Timer& t) { return t.kind == kind && t.ref == ref; });
}

const Timer* find_timer(const Handling& h, std::string_view kind, std::string_view ref) {
  for (const auto& t : h.timers) {
    if (t.kind == kind && t.ref == ref) return &t;
  }
  return nullptr;
}

std::optional<Millis> next_due(const Handling& h) {
  std::optional<Millis> earliest;
  for (const auto& t : h.timers) {
    if (!earliest || t.due_at < *earliest) earliest = t.due_at;
  }
  return earliest;
}

const Visit* current_visit(const Handling& h) {
  if (h.visits.empty()) return nullptr;
  const Visit& last = h.visits.back();
  switch (last.status) {
    case VisitStatus::kDispatched:
    case VisitStatus::kAcknowledged:
    case VisitStatus::kEnRoute:
    case VisitStatus::kOnScene:
      return &last;
    default:
      return nullptr;
  }
}

Visit* current_visit(Handling& h) {
  return const_cast<Visit*>(current_visit(static_cast<const Handling&>(h)));
}

const StopPayment* find_stop_payment(const Handling& h, std::string_view id) {
  for (const auto& s : h.stop_payments) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

StopPayment* find_stop_payment(Handling& h, std::string_view id) {
  return const_cast<StopPayment*>(find_stop_payment(static_cast<const Handling&>(h), id));
}

std::string to_json(const Handling& h) {
  json::object o;
  if (h.location) o["location"] = json::object{{"lat", h.location->lat}, {"lon", h.location->lon}};
  put(o, "address", h.address);
  if (!h.pending.empty()) {
    json::array a;
    for (const auto& p : h.pending) {
      json::object po{{"ref", p.ref}, {"channel", p.channel}, {"queued_at", p.queued_at}};
      put(po, "placed_at", p.placed_at);
      a.push_back(std::move(po));
    }
    o["pending"] = std::move(a);
  }
  if (h.robocalls) o["robocalls"] = h.robocalls;
  if (h.sms) o["sms"] = h.sms;
  if (!h.row_hits.empty()) {
    json::object hits;
    for (const auto& [row, n] : h.row_hits) hits[row] = n;
    o["row_hits"] = std::move(hits);
  }
  if (h.task) {
    json::object t{{"created_at", h.task->created_at},
                   {"due_at", h.task->due_at},
                   {"reason", h.task->reason},
                   {"attempts", h.task->attempts}};
    put(t, "done_at", h.task->done_at);
    put(t, "last_result", h.task->last_result);
    if (h.task->overdue) t["overdue"] = true;
    o["task"] = std::move(t);
  }
  if (h.visit_needed) o["visit_needed"] = true;
  if (!h.visits.empty()) {
    json::array a;
    for (const auto& v : h.visits) a.push_back(visit_json(v));
    o["visits"] = std::move(a);
  }
  if (h.stop_payment_proposed) o["stop_payment_proposed"] = true;
  if (!h.stop_payments.empty()) {
    json::array a;
    for (const auto& s : h.stop_payments) a.push_back(stop_payment_json(s));
    o["stop_payments"] = std::move(a);
  }
  json::object sla;
  put(sla, "first_attempt_at", h.sla.first_attempt_at);
  put(sla, "first_contact_at", h.sla.first_contact_at);
  put(sla, "visit_requested_at", h.sla.visit_requested_at);
  put(sla, "door_arrival_at", h.sla.door_arrival_at);
  if (h.sla.first_attempt_due) sla["first_attempt_due"] = h.sla.first_attempt_due;
  if (h.sla.door_due) sla["door_due"] = h.sla.door_due;
  if (!h.sla.overdue.empty()) {
    json::array a;
    for (const auto& s : h.sla.overdue) a.push_back(json::value(s));
    sla["overdue"] = std::move(a);
  }
  if (!sla.empty()) o["sla"] = std::move(sla);
  if (!h.timers.empty()) {
    json::array a;
    for (const auto& t : h.timers) {
      json::object to{{"kind", t.kind}, {"due_at", t.due_at}};
      put(to, "ref", t.ref);
      a.push_back(std::move(to));
    }
    o["timers"] = std::move(a);
  }
  return json::serialize(o);
}

Handling handling_from_json(std::string_view text) {
  Handling h;
  if (text.empty()) return h;
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return h;
  const json::object& o = doc.as_object();
  if (const json::value* loc = member(o, "location"); loc && loc->is_object()) {
    h.location = GeoPoint{get_double(loc->as_object(), "lat"), get_double(loc->as_object(), "lon")};
  }
  h.address = get_string(o, "address");
  for_each_object(o, "pending", [&](const json::object& p) {
    h.pending.push_back(PendingAttempt{get_string(p, "ref"), get_string(p, "channel"),
                                       get_millis_or(p, "queued_at"), get_millis(p, "placed_at")});
  });
  h.robocalls = static_cast<int>(get_millis_or(o, "robocalls"));
  h.sms = static_cast<int>(get_millis_or(o, "sms"));
  if (const json::value* hits = member(o, "row_hits"); hits && hits->is_object()) {
    for (const auto& kv : hits->as_object()) {
      if (kv.value().is_int64()) {
        h.row_hits.emplace_back(std::string(kv.key()), static_cast<int>(kv.value().as_int64()));
      }
    }
  }
  if (const json::value* t = member(o, "task"); t && t->is_object()) {
    const json::object& to = t->as_object();
    CallTask task;
    task.created_at = get_millis_or(to, "created_at");
    task.due_at = get_millis_or(to, "due_at");
    task.reason = get_string(to, "reason");
    task.attempts = static_cast<int>(get_millis_or(to, "attempts"));
    task.done_at = get_millis(to, "done_at");
    task.last_result = get_string(to, "last_result");
    task.overdue = get_bool(to, "overdue");
    h.task = std::move(task);
  }
  h.visit_needed = get_bool(o, "visit_needed");
  for_each_object(o, "visits", [&](const json::object& v) { h.visits.push_back(visit_from(v)); });
  h.stop_payment_proposed = get_bool(o, "stop_payment_proposed");
  for_each_object(o, "stop_payments",
                  [&](const json::object& s) { h.stop_payments.push_back(stop_payment_from(s)); });
  if (const json::value* s = member(o, "sla"); s && s->is_object()) {
    const json::object& so = s->as_object();
    h.sla.first_attempt_at = get_millis(so, "first_attempt_at");
    h.sla.first_contact_at = get_millis(so, "first_contact_at");
    h.sla.visit_requested_at = get_millis(so, "visit_requested_at");
    h.sla.door_arrival_at = get_millis(so, "door_arrival_at");
    h.sla.first_attempt_due = get_millis_or(so, "first_attempt_due");
    h.sla.door_due = get_millis_or(so, "door_due");
    if (const json::value* od = member(so, "overdue"); od && od->is_array()) {
      for (const auto& item : od->as_array()) {
        if (item.is_string()) h.sla.overdue.emplace_back(item.as_string());
      }
    }
  }
  for_each_object(o, "timers", [&](const json::object& t) {
    h.timers.push_back(Timer{get_string(t, "kind"), get_millis_or(t, "due_at"), get_string(t, "ref")});
  });
  return h;
}

}  // namespace quanzu::cases

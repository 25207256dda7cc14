#include "api/json_mapping.h"

#include <cmath>

#include "base/mask.h"
#include "base/time.h"

namespace quanzu::api {
namespace json = boost::json;
using cases::Case;

boost::json::value cny(std::int64_t fen) {
  if (fen % 100 == 0) return json::value(fen / 100);
  return json::value(static_cast<double>(fen) / 100.0);
}

namespace {

json::object common(const Case& c, int offset) {
  json::object o;
  o["id"] = c.id;
  o["instruction_id"] = c.instruction_id;
  o["level"] = instruction::name(c.level);
  o["level_zh"] = instruction::label_zh(c.level);
  json::array reasons;
  for (const auto& r : c.reasons) reasons.emplace_back(r);
  o["reasons"] = std::move(reasons);
  o["rules_version"] = c.rules_version;
  if (c.station) {
    o["station"] = json::object{{"code", c.station->code},
                                {"name", c.station->name},
                                {"district_adcode", c.station->district_adcode}};
  } else {
    o["station"] = nullptr;
  }
  o["routing_method"] = c.routing_method;
  o["status"] = cases::name(c.status);
  if (c.outcome) o["outcome"] = cases::name(*c.outcome);
  else o["outcome"] = nullptr;
  o["amount_protected_cny"] = cny(c.amount_protected);
  o["at_risk_cny"] = cny(c.at_risk);
  o["trigger"] = instruction::name(c.trigger);
  o["scam_type"] = instruction::name(c.scam_type);
  o["issued_at"] = format_rfc3339(c.issued_at, offset);
  o["created_at"] = format_rfc3339(c.created_at, offset);
  o["updated_at"] = format_rfc3339(c.updated_at, offset);
  o["version"] = c.version;
  return o;
}

}  // namespace

namespace {

json::value time_or_null(const std::optional<Millis>& at, int offset) {
  return at ? json::value(format_rfc3339(*at, offset)) : json::value(nullptr);
}

json::object visit_json(const cases::Visit& v, int offset) {
  json::object o{{"id", v.id},
                 {"responder", v.responder_id},
                 {"responder_station", v.responder_station},
                 {"status", cases::name(v.status)},
                 {"dispatched_at", format_rfc3339(v.dispatched_at, offset)},
                 {"ack_due_at", format_rfc3339(v.ack_due_at, offset)},
                 {"distance_m", static_cast<std::int64_t>(v.distance_m + 0.5)},
                 {"estimated_travel_s", v.estimated_travel / 1000},
                 {"acknowledged_at", time_or_null(v.acknowledged_at, offset)},
                 {"en_route_at", time_or_null(v.en_route_at, offset)},
                 {"on_scene_at", time_or_null(v.on_scene_at, offset)},
                 {"ended_at", time_or_null(v.ended_at, offset)}};
  if (!v.result.empty()) o["result"] = v.result;
  return o;
}

json::object stop_payment_json(const cases::StopPayment& sp, bool full, int offset) {
  json::object o{{"id", sp.id},
                 {"status", cases::name(sp.status)},
                 {"bank", sp.bank},
                 {"account", full ? sp.account : mask_account(sp.account)},
                 {"requested_at", format_rfc3339(sp.requested_at, offset)},
                 {"expires_at", time_or_null(sp.expires_at, offset)},
                 {"expiry_warned", sp.expiry_warned},
                 {"extensions", sp.extensions}};
  if (full) {
    o["reason"] = sp.reason;
    o["officer"] = sp.officer;
    o["active_at"] = time_or_null(sp.active_at, offset);
    o["bank_reference"] = sp.bank_reference;
    o["release_requested_at"] = time_or_null(sp.release_requested_at, offset);
    o["release_reason"] = sp.release_reason;
    o["approved_by"] = sp.approved_by;
    o["approved_at"] = time_or_null(sp.approved_at, offset);
    o["ended_at"] = time_or_null(sp.ended_at, offset);
    json::array docs;
    for (const auto& d : sp.documents) {
      docs.push_back(json::object{{"id", d.id},
                                  {"name", d.name},
                                  {"content_type", d.content_type},
                                  {"size", d.size},
                                  {"at", format_rfc3339(d.at, offset)},
                                  {"by", d.by}});
    }
    o["documents"] = std::move(docs);
  }
  return o;
}

// The handling state on the wire: a short form for lists and the stream, all of it in the
// detail of one case.
json::object handling_json(const cases::Handling& h, bool full, int offset) {
  json::object o;
  if (h.task) {
    json::object t{{"created_at", format_rfc3339(h.task->created_at, offset)},
                   {"due_at", format_rfc3339(h.task->due_at, offset)},
                   {"open", !h.task->done_at.has_value()},
                   {"overdue", h.task->overdue},
                   {"attempts", h.task->attempts}};
    if (full) {
      t["reason"] = h.task->reason;
      t["done_at"] = time_or_null(h.task->done_at, offset);
      t["last_result"] = h.task->last_result;
    }
    o["call_task"] = std::move(t);
  } else {
    o["call_task"] = nullptr;
  }
  o["visit_needed"] = h.visit_needed;
  const cases::Visit* current = cases::current_visit(h);
  o["visit"] = current ? json::value(visit_json(*current, offset)) : json::value(nullptr);
  json::object sla{{"first_attempt_at", time_or_null(h.sla.first_attempt_at, offset)},
                   {"first_contact_at", time_or_null(h.sla.first_contact_at, offset)},
                   {"door_arrival_at", time_or_null(h.sla.door_arrival_at, offset)}};
  if (h.sla.first_attempt_due) sla["first_attempt_due"] = format_rfc3339(h.sla.first_attempt_due, offset);
  if (h.sla.door_due) sla["door_due"] = format_rfc3339(h.sla.door_due, offset);
  json::array overdue;
  for (const auto& target : h.sla.overdue) overdue.emplace_back(target);
  sla["overdue"] = std::move(overdue);
  o["sla"] = std::move(sla);
  o["stop_payment_proposed"] = h.stop_payment_proposed;
  json::array sps;
  for (const auto& sp : h.stop_payments) sps.push_back(stop_payment_json(sp, full, offset));
  o["stop_payments"] = std::move(sps);
  if (!full && h.location) {
    // Lists and the stream put open cases on a map: to ~100 m, not the person's door.
    o["approx_location"] = json::object{{"lat", std::round(h.location->lat * 1000) / 1000},
                                        {"lon", std::round(h.location->lon * 1000) / 1000}};
  }
  if (full) {
    if (h.location) o["location"] = json::object{{"lat", h.location->lat}, {"lon", h.location->lon}};
    if (!h.address.empty()) o["address"] = h.address;
    json::array visits;
    for (const auto& v : h.visits) visits.push_back(visit_json(v, offset));
    o["visits"] = std::move(visits);
    json::array pending;
    for (const auto& p : h.pending) {
      pending.push_back(json::object{{"ref", p.ref},
                                     {"channel", p.channel},
                                     {"queued_at", format_rfc3339(p.queued_at, offset)},
                                     {"placed_at", time_or_null(p.placed_at, offset)}});
    }
    o["pending_attempts"] = std::move(pending);
    json::array timers;
    for (const auto& t : h.timers) {
      json::object item{{"kind", t.kind}, {"due_at", format_rfc3339(t.due_at, offset)}};
      if (!t.ref.empty()) item["ref"] = t.ref;
      timers.push_back(std::move(item));
    }
    o["deadlines"] = std::move(timers);
  }
  return o;
}

}  // namespace

json::object case_summary(const Case& c, int offset) {
  json::object o = common(c, offset);
  json::object subject{{"phone", mask_phone(c.phone)}, {"name", mask_name(c.subject_name)}};
  if (c.age) subject["age"] = *c.age;
  o["subject"] = std::move(subject);
  o["handling"] = handling_json(c.handling, false, offset);
  return o;
}

json::object event_json(const cases::TimelineEvent& e, int offset) {
  json::object item{{"seq", e.seq}, {"at", format_rfc3339(e.at, offset)}, {"kind", e.kind}, {"actor", e.actor}};
  boost::system::error_code ec;
  json::value data = json::parse(e.data, ec);
  if (!ec && data.is_object()) {
    for (auto& [key, value] : data.as_object()) {
      if (!item.contains(key)) item[key] = value;
    }
  }
  return item;
}

namespace {

// The instruction as received with the person's own numbers and name masked: subject.phone,
// subject.name, subject.id_number, funds.victim_account.number; location without its
// address, coordinates and cell. Indicators (the fraudsters'
// numbers and sites) stay as they are.
void mask_instruction(json::value& raw) {
  if (!raw.is_object()) return;
  auto mask_field = [](json::object& o, const char* key, std::string (*how)(std::string_view)) {
    if (json::value* v = o.if_contains(key); v && v->is_string()) *v = how(v->as_string());
  };
  if (json::value* subject = raw.as_object().if_contains("subject"); subject && subject->is_object()) {
    mask_field(subject->as_object(), "phone", mask_phone);
    mask_field(subject->as_object(), "name", mask_name);
    mask_field(subject->as_object(), "id_number", mask_id_number);
  }
  if (json::value* where = raw.as_object().if_contains("location"); where && where->is_object()) {
    // The street address and exact position say where the person is: kept for full views.
    json::object& o = where->as_object();
    if (o.contains("address")) o["address"] = "***";
    for (const char* key : {"lat", "lon", "cell_id"}) o.erase(key);
  }
  if (json::value* funds = raw.as_object().if_contains("funds"); funds && funds->is_object()) {
    if (json::value* acct = funds->as_object().if_contains("victim_account"); acct && acct->is_object()) {
      mask_field(acct->as_object(), "number", mask_account);
    }
  }
}

}  // namespace

json::object case_detail(const Case& c, int offset, bool full) {
  json::object o = common(c, offset);
  json::object subject{{"phone", full ? c.phone : mask_phone(c.phone)},
                       {"name", full ? c.subject_name : mask_name(c.subject_name)}};
  if (c.age) subject["age"] = *c.age;
  o["subject"] = std::move(subject);
  o["handling"] = handling_json(c.handling, full, offset);
  json::array timeline;
  for (const auto& e : c.timeline) timeline.push_back(event_json(e, offset));
  o["timeline"] = std::move(timeline);
  boost::system::error_code ec;
  json::value raw = json::parse(c.instruction_raw, ec);
  if (ec) {
    o["instruction"] = full ? json::value(c.instruction_raw) : json::value(nullptr);
  } else {
    if (!full) mask_instruction(raw);
    o["instruction"] = std::move(raw);
  }
  return o;
}

namespace {

json::object sla_figure_json(const cases::SlaFigure& f) {
  json::object o{{"count", f.count}, {"median_s", f.median_s}, {"p90_s", f.p90_s}};
  if (f.with_target > 0) {
    o["with_target"] = f.with_target;
    o["met"] = f.met;
    o["met_ratio"] = static_cast<double>(f.met) / static_cast<double>(f.with_target);
  }
  return o;
}

json::object sla_group_json(const cases::SlaGroup& g) {
  return json::object{{"cases", g.cases},
                      {"first_attempt", sla_figure_json(g.first_attempt)},
                      {"first_contact", sla_figure_json(g.first_contact)},
                      {"door_arrival", sla_figure_json(g.door_arrival)},
                      {"open_overdue", g.open_overdue}};
}

}  // namespace

json::object sla_json(const cases::SlaSummary& sla, const geo::StationDirectory& stations) {
  json::object o = sla_group_json(sla.all);
  json::object levels;
  for (const auto& [level, g] : sla.by_level) levels[level] = sla_group_json(g);
  o["by_level"] = std::move(levels);
  json::array by_station;
  for (const auto& [code, g] : sla.by_station) {
    json::object item = sla_group_json(g);
    item["code"] = code.empty() ? json::value(nullptr) : json::value(code);
    if (const auto* st = code.empty() ? nullptr : stations.station(code)) item["name"] = st->station.name;
    by_station.push_back(std::move(item));
  }
  o["by_station"] = std::move(by_station);
  return o;
}

json::object stats_json(const store::Stats& s, const geo::StationDirectory& stations) {
  auto counts = [](const std::map<std::string, std::int64_t>& m) {
    json::object o;
    for (const auto& [k, v] : m) o[k] = v;
    return o;
  };
  json::object o;
  o["cases"] = s.cases;
  o["by_level"] = counts(s.by_level);
  o["by_status"] = counts(s.by_status);
  o["by_outcome"] = counts(s.by_outcome);
  o["by_scam_type"] = counts(s.by_scam_type);
  json::array by_station;
  for (const auto& [code, n] : s.by_station) {
    json::object item{{"code", code.empty() ? json::value(nullptr) : json::value(code)}, {"cases", n}};
    if (code.empty()) {
      item["name"] = "未分配 (unrouted)";
    } else if (const auto* st = stations.station(code)) {
      item["name"] = st->station.name;
      item["district_adcode"] = st->station.district_adcode;
    }
    by_station.push_back(std::move(item));
  }
  o["by_station"] = std::move(by_station);
  o["by_day"] = counts(s.by_day);
  json::object level_by_day;
  for (const auto& [day, m] : s.level_by_day) level_by_day[day] = counts(m);
  o["level_by_day"] = std::move(level_by_day);
  o["people_dissuaded"] = s.people_dissuaded;
  o["amount_protected_cny"] = cny(s.amount_protected);
  return o;
}

json::object whatif_json(const cases::WhatIfReport& r, int offset) {
  auto counts = [](const std::map<std::string, std::int64_t>& m) {
    json::object o;
    for (const auto& [k, v] : m) o[k] = v;
    return o;
  };
  auto strings = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  json::object stations;
  for (const auto& [code, impact] : r.by_station) {
    stations[code.empty() ? "unrouted" : code] =
        json::object{{"before", counts(impact.before)}, {"after", counts(impact.after)}};
  }
  json::array sample;
  for (const auto& c : r.sample) {
    sample.push_back(json::object{{"case_id", c.case_id},
                                  {"instruction_id", c.instruction_id},
                                  {"station", c.station.empty() ? json::value(nullptr) : json::value(c.station)},
                                  {"from", instruction::name(c.from)},
                                  {"to", instruction::name(c.to)},
                                  {"reasons_before", strings(c.reasons_before)},
                                  {"reasons_after", strings(c.reasons_after)}});
  }
  return json::object{{"current_version", r.current_version},
                      {"draft_version", r.draft_version},
                      {"since", format_rfc3339(r.since, offset)},
                      {"until", format_rfc3339(r.until, offset)},
                      {"cases", r.cases},
                      {"changed", r.changed},
                      {"raised", r.raised},
                      {"lowered", r.lowered},
                      {"by_level_before", counts(r.by_level_before)},
                      {"by_level_after", counts(r.by_level_after)},
                      {"transitions", counts(r.transitions)},
                      {"by_station", std::move(stations)},
                      {"sample", std::move(sample)}};
}

std::string sse_message(const store::Change& change, int offset) {
  json::object data{{"seq", change.seq},
                    {"kind", change.kind},
                    {"at", format_rfc3339(change.at, offset)},
                    {"case", case_summary(change.kase, offset)}};
  std::string out = "id: " + std::to_string(change.seq) + "\nevent: case\ndata: ";
  out += json::serialize(data);
  out += "\n\n";
  return out;
}

namespace {

std::optional<std::string> get_string(const json::object& o, const char* key,
                                      std::vector<FieldError>& errors, bool required,
                                      size_t max_bytes = 4000) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) errors.push_back({key, "is required"});
    return std::nullopt;
  }
  if (!it->value().is_string()) {
    errors.push_back({key, "must be a string"});
    return std::nullopt;
  }
  std::string value(it->value().as_string());
  if (value.size() > max_bytes) {
    errors.push_back({key, "is longer than " + std::to_string(max_bytes) + " bytes"});
    return std::nullopt;
  }
  return value;
}

}  // namespace

Result<cases::EventRequest> parse_event_request(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return fail(Code::kInvalid, "body is not JSON: " + ec.message());
  if (!v.is_object()) return fail(Code::kInvalid, "body must be a JSON object");
  const json::object& o = v.as_object();
  std::vector<FieldError> errors;
  cases::EventRequest r;
  auto kind = get_string(o, "kind", errors, true);
  if (!kind) return fail_fields(std::move(errors));
  if (*kind == "attempt") {
    r.kind = cases::EventRequest::Kind::kAttempt;
    if (auto ch = get_string(o, "channel", errors, true)) {
      if (auto parsed = cases::parse_channel(*ch)) r.attempt.channel = *parsed;
      else errors.push_back({"channel", "unknown value \"" + *ch + "\"; expected one of: sms, robocall, manual_call, visit, family"});
    }
    if (auto result = get_string(o, "result", errors, true)) r.attempt.result = *result;
    if (auto it = o.find("duration_seconds"); it != o.end() && !it->value().is_null()) {
      if (it->value().is_int64() && it->value().as_int64() >= 0) {
        r.attempt.duration_seconds = it->value().as_int64();
      } else if (it->value().is_uint64()) {
        errors.push_back({"duration_seconds", "is too large"});
      } else {
        errors.push_back({"duration_seconds", "must be a non-negative integer"});
      }
    }
    if (auto note = get_string(o, "note", errors, false)) r.attempt.note = *note;
  } else if (*kind == "note") {
    r.kind = cases::EventRequest::Kind::kNote;
    if (auto text = get_string(o, "text", errors, true)) r.note.text = *text;
  } else if (*kind == "outcome") {
    r.kind = cases::EventRequest::Kind::kOutcome;
    if (auto out = get_string(o, "outcome", errors, true)) {
      if (auto parsed = cases::parse_outcome(*out)) r.outcome.outcome = *parsed;
      else errors.push_back({"outcome", "unknown value \"" + *out + "\"; expected one of: dissuaded, warned, already_defrauded, not_fraud, unreachable, handed_off, duplicate"});
    }
    if (auto it = o.find("amount_protected_cny"); it != o.end() && !it->value().is_null()) {
      const json::value& a = it->value();
      if (!a.is_number()) {
        errors.push_back({"amount_protected_cny", "must be a number"});
      } else {
        double yuan = a.to_number<double>();
        if (!(yuan >= 0 && yuan <= 1e11)) {
          errors.push_back({"amount_protected_cny", "must be between 0 and 100000000000"});
        } else {
          r.outcome.amount_protected = static_cast<std::int64_t>(std::llround(yuan * 100));
        }
      }
    }
    if (auto note = get_string(o, "note", errors, false)) r.outcome.note = *note;
  } else if (*kind == "reroute") {
    r.kind = cases::EventRequest::Kind::kReroute;
    if (auto reason = get_string(o, "reason", errors, true)) r.reroute.reason = *reason;
    r.reroute.station_code = get_string(o, "station", errors, false, 64);
    if (auto it = o.find("location"); it != o.end() && !it->value().is_null()) {
      if (!it->value().is_object()) {
        errors.push_back({"location", "must be an object with lat and lon, adcode or cell_id"});
      } else {
        const json::object& l = it->value().as_object();
        instruction::Location loc;
        auto number = [&](const char* key, double lo, double hi) -> std::optional<double> {
          auto f = l.find(key);
          if (f == l.end() || f->value().is_null()) return std::nullopt;
          if (!f->value().is_number()) {
            errors.push_back({std::string("location.") + key, "must be a number"});
            return std::nullopt;
          }
          double v = f->value().to_number<double>();
          if (!(v >= lo && v <= hi)) {
            errors.push_back({std::string("location.") + key, "must be between " + std::to_string(static_cast<int>(lo)) + " and " + std::to_string(static_cast<int>(hi))});
            return std::nullopt;
          }
          return v;
        };
        loc.lat = number("lat", -90, 90);
        loc.lon = number("lon", -180, 180);
        if (loc.lat.has_value() != loc.lon.has_value()) errors.push_back({"location", "give lat and lon together"});
        std::vector<FieldError> sub;
        if (auto crs = get_string(l, "crs", sub, false, 16)) {
          if (auto c = instruction::parse_crs(*crs)) loc.crs = *c;
          else errors.push_back({"location.crs", "unknown value \"" + *crs + "\"; expected one of: gcj02, wgs84"});
        }
        if (auto adcode = get_string(l, "adcode", sub, false, 16)) {
          if (adcode->size() != 6 || adcode->find_first_not_of("0123456789") != std::string::npos) {
            errors.push_back({"location.adcode", "must be 6 digits"});
          } else {
            loc.adcode = *adcode;
          }
        }
        loc.cell_id = get_string(l, "cell_id", sub, false, 64);
        for (auto& e : sub) errors.push_back({"location." + e.field, e.message});
        if (!loc.lat && !loc.adcode && !loc.cell_id) {
          errors.push_back({"location", "needs lat and lon, adcode or cell_id"});
        }
        r.reroute.location = std::move(loc);
      }
    }
    if (!r.reroute.station_code && !r.reroute.location) {
      errors.push_back({"station", "give a station code, or a location"});
    } else if (r.reroute.station_code && r.reroute.location) {
      errors.push_back({"station", "give a station code or a location, not both"});
    }
  } else if (*kind == "reopen") {
    r.kind = cases::EventRequest::Kind::kReopen;
    if (auto reason = get_string(o, "reason", errors, true)) r.reopen.reason = *reason;
  } else {
    errors.push_back({"kind", "unknown value \"" + *kind + "\"; expected one of: attempt, note, outcome, reopen, reroute"});
  }
  if (!errors.empty()) return fail_fields(std::move(errors));
  return r;
}

}  // namespace quanzu::api

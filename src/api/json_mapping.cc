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

json::object case_summary(const Case& c, int offset) {
  json::object o = common(c, offset);
  json::object subject{{"phone", mask_phone(c.phone)}, {"name", mask_name(c.subject_name)}};
  if (c.age) subject["age"] = *c.age;
  o["subject"] = std::move(subject);
  return o;
}

json::object case_detail(const Case& c, int offset) {
  json::object o = common(c, offset);
  json::object subject{{"phone", c.phone}, {"name", c.subject_name}};
  if (c.age) subject["age"] = *c.age;
  o["subject"] = std::move(subject);
  json::array timeline;
  for (const auto& e : c.timeline) {
    json::object item;
    item["seq"] = e.seq;
    item["at"] = format_rfc3339(e.at, offset);
    item["kind"] = e.kind;
    item["actor"] = e.actor;
    boost::system::error_code ec;
    json::value data = json::parse(e.data, ec);
    if (!ec && data.is_object()) {
      for (auto& [key, value] : data.as_object()) {
        if (!item.contains(key)) item[key] = value;
      }
    }
    timeline.push_back(std::move(item));
  }
  o["timeline"] = std::move(timeline);
  boost::system::error_code ec;
  json::value raw = json::parse(c.instruction_raw, ec);
  o["instruction"] = ec ? json::value(c.instruction_raw) : std::move(raw);
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

// The handling routes of the API (处置): call tasks, door visits, responders, stop-payments
// with their documents, the bank's signed callback and results from channel gateways.
//
//   GET  /api/v1/tasks?station=S                open call tasks, soonest due first
//   GET  /api/v1/stop-payments?station=S        unfinished stop-payments, soonest expiry first
//   GET  /api/v1/responders?station=S&on_duty=true
//   POST /api/v1/responders                     {"id", "name", "station_code", "phone"?, "on_duty"?}
//   GET  /api/v1/responders/{id}                with the visit it holds and that case
//   POST /api/v1/responders/{id}                {"on_duty"?, "position"?: {"lat","lon","at"?,"crs"?}, ...}
//   POST /api/v1/cases/{id}/events              kinds dispatch | visit | stop_payment (here)
//   POST /api/v1/cases/{id}/stop-payments/{sp}/documents?name=N   body: the file
//   GET  /api/v1/documents/{sha256}
//   POST /api/v1/bank/callback                  signed by the bank (stoppay/bank_callback.h)
//   POST /api/v1/attempts                       {"ref", "result", "duration_seconds"?}
#include <cmath>
#include <set>

#include <boost/json.hpp>

#include "api/api.h"
#include "api/http_util.h"
#include "api/json_mapping.h"
#include "base/mask.h"
#include "base/time.h"
#include "geo/coords.h"

namespace quanzu::api {
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

const json::value* member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->value().is_null() ? nullptr : &it->value();
}

std::optional<std::string> string_field(const json::object& o, std::string_view key,
                                        std::vector<FieldError>& errors, bool required,
                                        size_t max_bytes = 2000) {
  const json::value* v = member(o, key);
  if (!v) {
    if (required) errors.push_back({std::string(key), "is required"});
    return std::nullopt;
  }
  if (!v->is_string()) {
    errors.push_back({std::string(key), "must be a string"});
    return std::nullopt;
  }
  if (v->as_string().size() > max_bytes) {
    errors.push_back({std::string(key), "is longer than " + std::to_string(max_bytes) + " bytes"});
    return std::nullopt;
  }
  return std::string(v->as_string());
}

std::optional<double> number_field(const json::object& o, std::string_view key, const std::string& path,
                                   std::vector<FieldError>& errors, bool required) {
  const json::value* v = member(o, key);
  if (!v) {
    if (required) errors.push_back({path, "is required"});
    return std::nullopt;
  }
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  errors.push_back({path, "must be a number"});
  return std::nullopt;
}

std::optional<bool> bool_field(const json::object& o, std::string_view key, std::vector<FieldError>& errors) {
  const json::value* v = member(o, key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    errors.push_back({std::string(key), "must be true or false"});
    return std::nullopt;
  }
  return v->as_bool();
}

Result<json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return fail(Code::kInvalid, "body is not JSON: " + ec.message());
  if (!v.is_object()) return fail(Code::kInvalid, "body must be a JSON object");
  return std::move(v.as_object());
}

json::object responder_json(const cases::Responder& r, int offset) {
  json::object o{{"id", r.id},
                 {"name", r.name},
                 {"phone", r.phone},
                 {"station_code", r.station_code},
                 {"on_duty", r.on_duty},
                 {"visit_id", r.visit_id.empty() ? json::value(nullptr) : json::value(r.visit_id)},
                 {"case_id", r.case_id.empty() ? json::value(nullptr) : json::value(r.case_id)},
                 {"updated_at", format_rfc3339(r.updated_at, offset)}};
  if (r.position) {
    o["position"] = json::object{{"lat", r.position->lat},
                                 {"lon", r.position->lon},
                                 {"at", format_rfc3339(r.position_at, offset)}};
  } else {
    o["position"] = nullptr;
  }
  return o;
}

// The responder fields of a POST body; `create` requires what a new registration needs.
Result<handling::ResponderUpdate> parse_responder_update(const json::object& o, Millis now) {
  std::vector<FieldError> errors;
  handling::ResponderUpdate u;
  static const std::set<std::string_view> kKnown{"id", "name", "phone", "station_code", "on_duty", "position"};
  for (const auto& kv : o) {
    if (!kKnown.count(kv.key())) {
      errors.push_back({std::string(kv.key()), "unknown field; expected id, name, phone, station_code, on_duty, position"});
    }
  }
  u.name = string_field(o, "name", errors, false, 200);
  u.phone = string_field(o, "phone", errors, false, 40);
  u.station_code = string_field(o, "station_code", errors, false, 64);
  u.on_duty = bool_field(o, "on_duty", errors);
  if (const json::value* p = member(o, "position")) {
    if (!p->is_object()) {
      errors.push_back({"position", "must be an object {\"lat\", \"lon\", \"at\"?, \"crs\"?}"});
    } else {
      const json::object& po = p->as_object();
      auto lat = number_field(po, "lat", "position.lat", errors, true);
      auto lon = number_field(po, "lon", "position.lon", errors, true);
      auto crs = string_field(po, "crs", errors, false, 10);
      auto at = string_field(po, "at", errors, false, 64);
      std::optional<Millis> when;
      if (at) {
        when = parse_rfc3339(*at);
        if (!when) errors.push_back({"position.at", "must be an RFC 3339 time"});
        else if (*when > now + 60'000) errors.push_back({"position.at", "is in the future"});
      }
      if (crs && *crs != "gcj02" && *crs != "wgs84") errors.push_back({"position.crs", "must be gcj02 or wgs84"});
      if (lat && lon) {
        if (!(*lat >= -90 && *lat <= 90)) errors.push_back({"position.lat", "must be within -90..90"});
        else if (!(*lon >= -180 && *lon <= 180)) errors.push_back({"position.lon", "must be within -180..180"});
        else {
          cases::GeoPoint point{*lat, *lon};
          // Phones report WGS84 (GPS); everything here is GCJ-02, as the map and the areas.
          if (crs && *crs == "wgs84") {
            const geo::Point g = geo::wgs84_to_gcj02(geo::Point{*lon, *lat});
            point = cases::GeoPoint{g.lat, g.lon};
          }
          u.position = point;
          u.position_at = when;
        }
      }
    }
  }
  if (!errors.empty()) return fail_fields(std::move(errors));
  return u;
}

}  // namespace

void Api::answer_case(const std::shared_ptr<Exchange>& exchange, Result<cases::Case> r) {
  if (!r) {
    ++metrics_.events_refused;
    return answer(*exchange, error_response(r.error()));
  }
  ++metrics_.events_recorded;
  json::object body = case_summary(*r, options_.utc_offset_minutes);
  json::array events;
  for (const auto& e : r->timeline) events.push_back(event_json(e, options_.utc_offset_minutes));
  // The event asked for is the first; the plan's reactions follow it.
  if (!events.empty()) body["event"] = events.front();
  body["events"] = std::move(events);
  answer(*exchange, json_response(200, body));
}

bool Api::handle_handling(Request& request, const std::string& path,
                          const std::shared_ptr<Exchange>& exchange, const Who& who) {
  using P = auth::Permission;
  const auto method = request.method();
  auto refused = [&](P p) {
    (void)require(who, p, *exchange);
    return true;
  };
  auto not_allowed = [&](const char* allow) {
    Response r = error_response(405, std::string(request.method_string()) + " is not allowed on " + path);
    r.headers.emplace_back("Allow", allow);
    answer(*exchange, std::move(r));
    return true;
  };
  auto unavailable = [&] {
    answer(*exchange, error_response(503, "handling is not configured on this server"));
    return true;
  };
  if (path == "/api/v1/tasks") {
    if (method != http::verb::get) return not_allowed("GET");
    if (!auth::allowed(who, P::kReadCases)) return refused(P::kReadCases);
    list_tasks(request, *exchange, who);
    return true;
  }
  if (path == "/api/v1/stop-payments") {
    if (method != http::verb::get) return not_allowed("GET");
    if (!auth::allowed(who, P::kReadCases)) return refused(P::kReadCases);
    list_stop_payments(request, *exchange, who);
    return true;
  }
  if (path == "/api/v1/responders" || path.starts_with("/api/v1/responders/")) {
    if (!handling_) return unavailable();
    responders_route(request, path, exchange, who);
    return true;
  }
  if (path == "/api/v1/bank/callback") {
    if (method != http::verb::post) return not_allowed("POST");
    if (!auth::allowed(who, P::kBankCallback)) return refused(P::kBankCallback);
    if (!handling_) return unavailable();
    bank_callback(request, exchange, who);
    return true;
  }
  if (path == "/api/v1/attempts") {
    if (method != http::verb::post) return not_allowed("POST");
    if (!auth::allowed(who, P::kAttemptResults)) return refused(P::kAttemptResults);
    if (!handling_) return unavailable();
    attempt_result(request, exchange, who);
    return true;
  }
  static constexpr std::string_view kDocuments = "/api/v1/documents/";
  if (path.starts_with(kDocuments)) {
    if (method != http::verb::get) return not_allowed("GET");
    if (!auth::allowed(who, P::kReadCases)) return refused(P::kReadCases);
    if (!documents_) return unavailable();
    get_document(path.substr(kDocuments.size()), *exchange, who);
    return true;
  }
  // /api/v1/cases/{id}/stop-payments/{sp}/documents
  static constexpr std::string_view kCases = "/api/v1/cases/";
  static constexpr std::string_view kSp = "/stop-payments/";
  static constexpr std::string_view kDocs = "/documents";
  if (path.starts_with(kCases) && path.ends_with(kDocs)) {
    const std::string_view rest = std::string_view(path).substr(kCases.size());
    const size_t sp = rest.find(kSp);
    if (sp == std::string_view::npos || sp == 0) return false;
    const std::string case_id(rest.substr(0, sp));
    const std::string_view tail = rest.substr(sp + kSp.size());
    const std::string sp_id(tail.substr(0, tail.size() - kDocs.size()));
    if (sp_id.empty() || sp_id.find('/') != std::string::npos || case_id.find('/') != std::string::npos) return false;
    if (method != http::verb::post) return not_allowed("POST");
    if (!auth::allowed(who, P::kUploadDocuments)) return refused(P::kUploadDocuments);
    if (!handling_) return unavailable();
    upload_document(request, case_id, sp_id, exchange, who);
    return true;
  }
  return false;
}

bool Api::post_handling_event(const std::string& case_id, const json::object& o, const Who& caller,
                              const std::shared_ptr<Exchange>& exchange) {
  const json::value* kind = member(o, "kind");
  if (!kind || !kind->is_string()) return false;
  const std::string_view k = kind->as_string();
  if (k != "dispatch" && k != "visit" && k != "stop_payment") return false;
  if (!handling_) {
    answer(*exchange, error_response(503, "handling is not configured on this server"));
    return true;
  }
  auto done = [this, exchange](Result<cases::Case> r) { answer_case(exchange, std::move(r)); };
  std::vector<FieldError> errors;
  // Who acts is who logged in (the four-eyes check of a stop-payment release compares these
  // names); a client can no longer name someone else.
  if (member(o, "actor")) errors.push_back({"actor", "is not accepted: the actor is the logged-in user"});
  const std::string who = caller.name;
  if (k == "dispatch") {
    auto reason = string_field(o, "reason", errors, true);
    if (!errors.empty()) {
      done(fail_fields(std::move(errors)));
      return true;
    }
    handling_->request_visit(case_id, who, *reason, std::move(done));
    return true;
  }
  if (k == "visit") {
    handling::VisitReport report;
    auto status = string_field(o, "status", errors, true, 32);
    auto responder = string_field(o, "responder", errors, true, 64);
    auto note = string_field(o, "note", errors, false);
    if (status) {
      auto parsed = cases::parse_visit_status(*status);
      if (!parsed || (*parsed != cases::VisitStatus::kAcknowledged && *parsed != cases::VisitStatus::kEnRoute &&
                      *parsed != cases::VisitStatus::kOnScene && *parsed != cases::VisitStatus::kDeclined)) {
        errors.push_back({"status", "unknown value \"" + *status +
                                        "\"; expected one of: acknowledged, en_route, on_scene, declined "
                                        "(the result is an attempt with channel visit)"});
      } else {
        report.status = *parsed;
      }
    }
    if (!errors.empty()) {
      done(fail_fields(std::move(errors)));
      return true;
    }
    report.responder_id = *responder;
    report.note = note.value_or("");
    handling_->visit_report(case_id, std::move(report), std::move(done));
    return true;
  }
  // stop_payment
  handling::StopPaymentRequest r;
  auto action = string_field(o, "action", errors, true, 32);
  using Kind = handling::StopPaymentRequest::Kind;
  if (action) {
    if (*action == "request") r.kind = Kind::kRequest;
    else if (*action == "extend") r.kind = Kind::kExtend;
    else if (*action == "release_request") r.kind = Kind::kRequestRelease;
    else if (*action == "approve_release") r.kind = Kind::kApproveRelease;
    else errors.push_back({"action", "unknown value \"" + *action + "\"; expected one of: request, extend, release_request, approve_release"});
  }
  if (action && r.kind == Kind::kRequest) {
    r.account = string_field(o, "account", errors, true, 64).value_or("");
    r.bank = string_field(o, "bank", errors, true, 200).value_or("");
  } else if (action) {
    r.stop_payment_id = string_field(o, "stop_payment_id", errors, true, 100).value_or("");
  }
  r.reason = string_field(o, "reason", errors, action && r.kind != Kind::kApproveRelease).value_or("");
  if (!errors.empty()) {
    done(fail_fields(std::move(errors)));
    return true;
  }
  handling_->stop_payment(case_id, std::move(r), who, std::move(done));
  return true;
}

void Api::list_tasks(const Request& request, Exchange& exchange, const Who& who) {
  const Target target = split_target(request.target());
  std::optional<std::string> station;
  if (auto it = target.query.find("station"); it != target.query.end()) station = it->second;
  if (!scope_to_station(who, station, exchange)) return;
  size_t limit = options_.default_page;
  std::vector<FieldError> errors;
  if (auto it = target.query.find("limit"); it != target.query.end()) read_limit(it->second, limit, errors);
  if (station && !station->empty() && !stations_.station(*station)) {
    errors.push_back({"station", "no station " + *station + " in this deployment"});
  }
  if (!errors.empty()) return answer(exchange, error_response(fail_fields(std::move(errors)).value()));
  auto tasks = store_.open_tasks(station, limit);
  if (!tasks) return answer(exchange, error_response(tasks.error()));
  const Millis now = clock_.now();
  json::array items;
  size_t overdue = 0;
  for (const auto& c : *tasks) {
    json::object item = case_summary(c, options_.utc_offset_minutes);
    const bool late = c.handling.task && c.handling.task->due_at <= now;
    if (late) ++overdue;
    item["task_overdue"] = late;
    item["task_due_in_s"] = c.handling.task ? (c.handling.task->due_at - now) / 1000 : 0;
    items.push_back(std::move(item));
  }
  answer(exchange, json_response(200, json::object{{"tasks", std::move(items)}, {"overdue", overdue}}));
}

void Api::list_stop_payments(const Request& request, Exchange& exchange, const Who& who) {
  const Target target = split_target(request.target());
  std::optional<std::string> station;
  if (auto it = target.query.find("station"); it != target.query.end()) station = it->second;
  if (!scope_to_station(who, station, exchange)) return;
  size_t limit = options_.default_page;
  std::vector<FieldError> errors;
  if (auto it = target.query.find("limit"); it != target.query.end()) read_limit(it->second, limit, errors);
  if (!errors.empty()) return answer(exchange, error_response(fail_fields(std::move(errors)).value()));
  auto found = store_.stop_payment_cases(station, limit);
  if (!found) return answer(exchange, error_response(found.error()));
  const Millis now = clock_.now();
  const Millis warn = handling_ ? handling_->plans().stop_payment.warn_before : 6 * 3'600'000LL;
  json::array items;
  for (const auto& c : *found) {
    for (const auto* sp : stoppay::unfinished(c.handling)) {
      json::object item{{"id", sp->id},
                        {"case_id", c.id},
                        {"station", c.station ? json::value(c.station->code) : json::value(nullptr)},
                        {"status", cases::name(sp->status)},
                        {"bank", sp->bank},
                        {"account", mask_account(sp->account)},
                        {"requested_at", format_rfc3339(sp->requested_at, options_.utc_offset_minutes)}};
      if (sp->expires_at) {
        item["expires_at"] = format_rfc3339(*sp->expires_at, options_.utc_offset_minutes);
        item["expires_in_s"] = (*sp->expires_at - now) / 1000;
        item["expiring"] = *sp->expires_at - now <= warn;
      } else {
        item["expires_at"] = nullptr;
        item["expiring"] = false;
      }
      items.push_back(std::move(item));
    }
  }
  answer(exchange, json_response(200, json::object{{"stop_payments", std::move(items)}}));
}

void Api::responders_route(Request& request, const std::string& path,
                           const std::shared_ptr<Exchange>& exchange, const Who& who) {
  using P = auth::Permission;
  const auto method = request.method();
  const bool is_station = auth::case_scope(who) == auth::CaseScope::kStation;
  const bool is_responder = who.is_user() && who.role == auth::Role::kResponder;
  const int offset = options_.utc_offset_minutes;
  auto done = [this, exchange, offset](Result<cases::Responder> r) {
    if (!r) return answer(*exchange, error_response(r.error()));
    answer(*exchange, json_response(200, responder_json(*r, offset)));
  };
  if (path == "/api/v1/responders") {
    if (method == http::verb::get) {
      if (!require(who, P::kReadResponders, *exchange)) return;
      if (is_responder) return answer(*exchange, error_response(403, "responders see only themselves: /api/v1/responders/" + who.responder_id));
      const Target target = split_target(request.target());
      store::ResponderFilter filter;
      if (auto it = target.query.find("station"); it != target.query.end()) filter.stations.push_back(it->second);
      if (is_station) {
        if (!filter.stations.empty() && filter.stations.front() != who.station_code) {
          return answer(*exchange, error_response(403, "station accounts see only their own station's responders"));
        }
        filter.stations = {who.station_code};
      }
      if (auto it = target.query.find("on_duty"); it != target.query.end()) filter.on_duty_only = it->second == "true";
      if (auto it = target.query.find("free"); it != target.query.end()) filter.free_only = it->second == "true";
      auto found = store_.responders(filter);
      if (!found) return answer(*exchange, error_response(found.error()));
      json::array items;
      for (const auto& r : *found) items.push_back(responder_json(r, offset));
      return answer(*exchange, json_response(200, json::object{{"responders", std::move(items)}}));
    }
    if (method != http::verb::post) {
      Response r = error_response(405, std::string(request.method_string()) + " is not allowed on " + path);
      r.headers.emplace_back("Allow", "GET, POST");
      return answer(*exchange, std::move(r));
    }
    if (!require(who, P::kManageResponders, *exchange)) return;
    auto body = parse_object(request.body());
    if (!body) return answer(*exchange, error_response(body.error()));
    std::vector<FieldError> errors;
    auto id = string_field(*body, "id", errors, true, 64);
    auto update = parse_responder_update(*body, clock_.now());
    if (!update) for (auto& e : update.error().fields) errors.push_back(e);
    if (update && is_station) {
      if (!update->station_code) update->station_code = who.station_code;
      else if (*update->station_code != who.station_code) errors.push_back({"station_code", "must be your own station, " + who.station_code});
    }
    if (!errors.empty()) return answer(*exchange, error_response(fail_fields(std::move(errors)).value()));
    if (!audit(&who, "responder_register", "responder:" + *id, json::object{{"station_code", update->station_code.value_or("")}}, *exchange)) return;
    return handling_->update_responder(*id, std::move(*update), true, std::move(done));
  }
  const std::string id = path.substr(std::string_view("/api/v1/responders/").size());
  if (id.empty() || id.find('/') != std::string::npos) {
    return answer(*exchange, error_response(404, "no such resource: " + path));
  }
  // Who may see or change this responder: itself, its station's accounts, everyone else
  // with the permission. Others get 404, as for an unknown id.
  auto found = store_.responder(id);
  if (!found) return answer(*exchange, error_response(found.error()));
  const bool self = is_responder && id == who.responder_id;
  const bool in_scope = *found && (self || (!is_responder && (!is_station || (*found)->station_code == who.station_code)));
  if (!in_scope) {
    if (*found) audit_denied(who, "responder:" + id, *exchange);
    return answer(*exchange, error_response(404, "no responder " + id));
  }
  if (method == http::verb::get) {
    if (!require(who, P::kReadResponders, *exchange)) return;
    json::object body = responder_json(**found, offset);
    if (!(*found)->case_id.empty()) {
      if (auto c = store_.get((*found)->case_id); c && *c) {
        json::object task = case_summary(**c, offset);
        // The responder needs the address and where to go, not the person's history.
        if (auth::sees_personal_data(who)) {
          if ((*c)->handling.location) {
            task["location"] = json::object{{"lat", (*c)->handling.location->lat}, {"lon", (*c)->handling.location->lon}};
          }
          task["address"] = (*c)->handling.address;
          if (!audit(&who, "view_personal_data", "case:" + (*c)->id, json::object{{"via", "responder:" + id}}, *exchange)) return;
        }
        body["task"] = std::move(task);
      }
    }
    return answer(*exchange, json_response(200, body));
  }
  if (method != http::verb::post) {
    Response r = error_response(405, std::string(request.method_string()) + " is not allowed on " + path);
    r.headers.emplace_back("Allow", "GET, POST");
    return answer(*exchange, std::move(r));
  }
  if (!require(who, self ? P::kUpdateSelf : P::kManageResponders, *exchange)) return;
  auto body = parse_object(request.body());
  if (!body) return answer(*exchange, error_response(body.error()));
  auto update = parse_responder_update(*body, clock_.now());
  if (!update) return answer(*exchange, error_response(update.error()));
  if (const json::value* given = member(*body, "id"); given && (!given->is_string() || given->as_string() != id)) {
    return answer(*exchange, error_response(fail_fields({{"id", "does not match the responder in the path"}}).value()));
  }
  std::vector<FieldError> errors;
  if (self) {
    // A responder sets its duty and reports its position; who it is and where it belongs are
    // its station's to change.
    for (const char* key : {"name", "phone", "station_code"}) {
      if (member(*body, key)) errors.push_back({key, "cannot be changed by the responder; ask the station"});
    }
  } else if (is_station && update->station_code && *update->station_code != who.station_code) {
    errors.push_back({"station_code", "must be your own station, " + who.station_code});
  }
  if (!errors.empty()) return answer(*exchange, error_response(fail_fields(std::move(errors)).value()));
  // Position reports (every few seconds from a phone) are not audited; every other change is.
  const bool position_only = update->position && !update->on_duty && !update->name && !update->phone && !update->station_code;
  if (!position_only) {
    json::object detail;
    if (update->on_duty) detail["on_duty"] = *update->on_duty;
    if (update->station_code) detail["station_code"] = *update->station_code;
    if (update->name) detail["name_changed"] = true;
    if (update->phone) detail["phone_changed"] = true;
    if (!audit(&who, "responder_update", "responder:" + id, detail, *exchange)) return;
  }
  handling_->update_responder(id, std::move(*update), false, std::move(done));
}

void Api::bank_callback(Request& request, const std::shared_ptr<Exchange>& exchange, const Who& who) {
  if (bank_secret_.empty()) {
    return answer(*exchange, error_response(503, "no bank secret is configured ([bank] secret_file)"));
  }
  auto header = [&](std::string_view name) -> std::string {
    auto it = request.find(boost::beast::string_view(name.data(), name.size()));
    return it == request.end() ? std::string() : std::string(it->value());
  };
  auto verified = stoppay::verify_bank_callback(bank_secret_, header(stoppay::kTimestampHeader),
                                                header(stoppay::kSignatureHeader), request.body(),
                                                clock_.now());
  if (!verified) {
    const auto& fields = verified.error().fields;
    const bool auth = fields.size() == 1 && (fields[0].field == stoppay::kTimestampHeader ||
                                            fields[0].field == stoppay::kSignatureHeader);
    if (auth) {
      return answer(*exchange, json_response(401, json::object{{"error", verified.error().message},
                                                               {"errors", errors_json(fields)}}));
    }
    return answer(*exchange, error_response(verified.error()));
  }
  if (!audit(&who, "bank_callback", "stop_payment", json::object{{"bytes", request.body().size()}}, *exchange)) return;
  handling_->bank_callback(*verified, [this, exchange](Result<cases::Case> r) {
    // A repeated answer (the bank retrying) changes nothing; tell it so, without an error.
    if (!r && r.error().code == Code::kConflict) {
      return answer(*exchange, json_response(200, json::object{{"status", "unchanged"}, {"note", r.error().message}}));
    }
    answer_case(exchange, std::move(r));
  });
}

void Api::attempt_result(Request& request, const std::shared_ptr<Exchange>& exchange, const Who& who) {
  auto body = parse_object(request.body());
  if (!body) return answer(*exchange, error_response(body.error()));
  std::vector<FieldError> errors;
  auto ref = string_field(*body, "ref", errors, true, 200);
  auto result = string_field(*body, "result", errors, true, 40);
  std::optional<std::int64_t> duration;
  if (auto d = number_field(*body, "duration_seconds", "duration_seconds", errors, false)) {
    if (*d < 0 || *d > 86400 || std::floor(*d) != *d) errors.push_back({"duration_seconds", "must be a whole number of seconds, 0..86400"});
    else duration = static_cast<std::int64_t>(*d);
  }
  if (!errors.empty()) return answer(*exchange, error_response(fail_fields(std::move(errors)).value()));
  if (!audit(&who, "attempt_result", "attempt:" + *ref, json::object{{"result", *result}}, *exchange)) return;
  handling_->attempt_result(*ref, *result, duration,
                            [this, exchange](Result<cases::Case> r) { answer_case(exchange, std::move(r)); });
}

void Api::upload_document(Request& request, const std::string& case_id, const std::string& sp_id,
                          const std::shared_ptr<Exchange>& exchange, const Who& who) {
  if (!may_change_case(who, case_id, *exchange)) return;
  const Target target = split_target(request.target());
  std::string name = "document";
  if (auto it = target.query.find("name"); it != target.query.end() && !it->second.empty()) name = it->second;
  std::string type;
  if (auto it = request.find(http::field::content_type); it != request.end()) type = std::string(it->value());
  if (auto semi = type.find(';'); semi != std::string::npos) type.resize(semi);
  if (!audit(&who, "document_upload", "case:" + case_id,
             json::object{{"stop_payment_id", sp_id}, {"name", name}, {"bytes", request.body().size()}}, *exchange)) {
    return;
  }
  handling_->attach_document(case_id, sp_id, request.body(), name, type, who.name,
                             [this, exchange](Result<cases::Case> r) { answer_case(exchange, std::move(r)); });
}

void Api::get_document(const std::string& id, Exchange& exchange, const Who& who) {
  // Release documents are the person's papers (ID card, bank statements).
  if (!auth::sees_personal_data(who)) {
    return answer(exchange, error_response(403, "this role may not see a person's documents"));
  }
  auto bytes = documents_->get(id);
  if (!bytes) return answer(exchange, error_response(bytes.error()));
  if (!audit(&who, "view_document", "document:" + id, json::object{}, exchange)) return;
  Response r;
  r.content_type = std::string(stoppay::sniff_content_type(*bytes));
  r.body = std::move(*bytes);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Content-Disposition", "attachment");
  answer(exchange, std::move(r));
}

}  // namespace quanzu::api

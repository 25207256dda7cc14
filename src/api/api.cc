#include "api/api.h"

#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

#include <boost/json.hpp>

#include "api/http_util.h"
#include "api/json_mapping.h"

namespace quanzu::api {
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

// "2023-11-29T00:00:00+08:00", or a duration back from now ("24h", "30d").
std::optional<Millis> parse_instant(const std::string& text, Millis now) {
  if (auto t = parse_rfc3339(text)) return t;
  if (auto d = parse_duration(text)) return now - *d;
  return std::nullopt;
}

// Cursor text: "<created_at>.<case id>".
std::string cursor_text(const store::Cursor& c) { return std::to_string(c.created_at) + "." + c.id; }

std::optional<store::Cursor> parse_cursor(std::string_view s) {
  size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot + 1 >= s.size()) return std::nullopt;
  auto at = parse_int(s.substr(0, dot));
  if (!at) return std::nullopt;
  return store::Cursor{*at, std::string(s.substr(dot + 1))};
}

void count_status(ApiMetrics& m, unsigned status) {
  if (status < 400) ++m.responses_2xx;
  else if (status < 500) ++m.responses_4xx;
  else ++m.responses_5xx;
}

}  // namespace

unsigned http_status(Code code) {
  switch (code) {
    case Code::kInvalid: return 400;
    case Code::kNotFound: return 404;
    case Code::kConflict: return 409;
    case Code::kTooLarge: return 413;
    case Code::kUnavailable: return 503;
    case Code::kInternal: return 500;
  }
  return 500;
}

Api::Api(cases::CaseService& service, store::CaseStore& store, const geo::StationDirectory& stations,
         LiveStream& stream, const Clock& clock, ApiOptions options)
    : service_(service),
      store_(store),
      stations_(stations),
      stream_(stream),
      clock_(clock),
      options_(std::move(options)),
      started_at_(clock.now()) {}

void Api::answer(Exchange& exchange, Response response) {
  count_status(metrics_, response.status);
  exchange.respond(std::move(response));
}

void Api::handle(Request&& request, std::shared_ptr<Exchange> exchange) {
  const Target target = split_target(request.target());
  const auto method = request.method();
  const std::string& path = target.path;
  auto method_not_allowed = [&](const char* allow) {
    Response r = error_response(405, std::string(request.method_string()) + " is not allowed on " + path);
    r.headers.emplace_back("Allow", allow);
    answer(*exchange, std::move(r));
  };

  using P = auth::Permission;
  if (path == "/api/v1/session") return session_route(request, exchange);
  if (path.starts_with("/api/")) {
    const std::optional<Who> found = authenticate(request, *exchange);
    if (!found) return;
    const Who& who = *found;
    if (handle_handling(request, path, exchange, who)) return;
    if (path == "/api/v1/instructions") {
      if (method != http::verb::post) return method_not_allowed("POST");
      if (!require(who, P::kIngest, *exchange)) return;
      return ingest(request, exchange, who);
    }
    if (path == "/api/v1/cases") {
      if (method != http::verb::get) return method_not_allowed("GET");
      if (!require(who, P::kReadCases, *exchange)) return;
      return list_cases(request, *exchange, who);
    }
    static constexpr std::string_view kCasePrefix = "/api/v1/cases/";
    if (path.starts_with(kCasePrefix)) {
      std::string_view rest = std::string_view(path).substr(kCasePrefix.size());
      size_t slash = rest.find('/');
      std::string id(rest.substr(0, slash));
      if (id.empty()) return answer(*exchange, error_response(404, "no such resource: " + path));
      if (slash == std::string_view::npos) {
        if (method != http::verb::get) return method_not_allowed("GET");
        if (!require(who, P::kReadCases, *exchange)) return;
        return get_case(id, *exchange, who);
      }
      if (rest.substr(slash) == "/events") {
        if (method != http::verb::post) return method_not_allowed("POST");
        return post_event(std::move(id), request, exchange, who);
      }
      return answer(*exchange, error_response(404, "no such resource: " + path));
    }
    if (path == "/api/v1/clusters") {
      if (method != http::verb::get) return method_not_allowed("GET");
      if (!require(who, P::kReadClusters, *exchange)) return;
      return list_clusters(request, *exchange);
    }
    if (path == "/api/v1/stats") {
      if (method != http::verb::get) return method_not_allowed("GET");
      if (!require(who, P::kReadStats, *exchange)) return;
      return stats(request, *exchange, who);
    }
    if (path == "/api/v1/stream") {
      if (method != http::verb::get) return method_not_allowed("GET");
      if (!require(who, P::kStream, *exchange)) return;
      return stream(request, exchange, who);
    }
    if (path == "/api/v1/rules/whatif") {
      if (method != http::verb::post) return method_not_allowed("POST");
      if (!require(who, P::kWhatIf, *exchange)) return;
      return rules_whatif(request, *exchange);
    }
    if (path == "/api/v1/rules") {
      if (method == http::verb::get) {
        if (!require(who, P::kReadRules, *exchange)) return;
        return get_rules(*exchange);
      }
      if (method == http::verb::post) {
        if (!require(who, P::kChangeRules, *exchange)) return;
        return post_rules(request, *exchange, who);
      }
      return method_not_allowed("GET, POST");
    }
    if (path == "/api/v1/audit") {
      if (method != http::verb::get) return method_not_allowed("GET");
      return audit_route(request, *exchange, who);
    }
  }
  if (path == "/healthz" || path == "/metrics") {
    if (method != http::verb::get && method != http::verb::head) return method_not_allowed("GET");
  }
  if (path == "/healthz") return health(*exchange);
  if (path == "/metrics") {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.render(store_.metrics(), server_ ? server_->stats() : ServerStats{});
    if (auto backlog = store_.outbox_backlog()) {
      r.body += "# HELP quanzu_outbox_backlog Outbound messages (SMS, robocalls, bank, hand-off) not yet delivered.\n"
                "# TYPE quanzu_outbox_backlog gauge\nquanzu_outbox_backlog " + std::to_string(*backlog) + "\n";
    }
    if (extra_metrics_) r.body += extra_metrics_();
    // Deadlines past due and not yet fired: near 0 while the timer worker keeps up.
    if (auto due = store_.due_cases(clock_.now() - 1000, 10000)) {
      r.body += "# HELP quanzu_deadlines_late Cases with a deadline more than 1 s past due and not yet fired.\n"
                "# TYPE quanzu_deadlines_late gauge\nquanzu_deadlines_late " + std::to_string(due->size()) + "\n";
    }
    if (auto responders = store_.responders(store::ResponderFilter{})) {
      std::int64_t on_duty = 0, busy = 0;
      for (const auto& x : *responders) {
        on_duty += x.on_duty;
        busy += !x.visit_id.empty();
      }
      r.body += "# HELP quanzu_responders Responders registered, on duty, and holding a visit.\n"
                "# TYPE quanzu_responders gauge\n"
                "quanzu_responders{state=\"registered\"} " + std::to_string(responders->size()) + "\n"
                "quanzu_responders{state=\"on_duty\"} " + std::to_string(on_duty) + "\n"
                "quanzu_responders{state=\"busy\"} " + std::to_string(busy) + "\n";
    }
    return answer(*exchange, std::move(r));
  }
  if (path == "/" || path == "/api/v1") {
    json::object index{{"service", "quanzu"},
                       {"endpoints", json::array{"POST /api/v1/session", "GET /api/v1/session",
                                                 "DELETE /api/v1/session", "GET /api/v1/audit",
                                                 "POST /api/v1/instructions", "GET /api/v1/cases",
                                                 "GET /api/v1/cases/{id}",
                                                 "POST /api/v1/cases/{id}/events",
                                                 "GET /api/v1/stats", "GET /api/v1/stream", "GET /api/v1/clusters",
                                                 "GET /api/v1/rules", "POST /api/v1/rules",
                                                 "POST /api/v1/rules/whatif",
                                                 "GET /healthz", "GET /metrics"}}};
    return answer(*exchange, json_response(200, index));
  }
  answer(*exchange, error_response(404, "no such resource: " + path));
}

void Api::ingest(Request& request, std::shared_ptr<Exchange> exchange, const Who& who) {
  const auto start = Steady::now();
  instruction::Format format = instruction::Format::kAuto;
  std::string_view type = request[http::field::content_type];
  if (type.starts_with("application/x-ndjson") || type.starts_with("application/ndjson")) {
    format = instruction::Format::kNdjson;
  }
  auto parsed = instruction::parse_batch(request.body(), format, options_.limits);
  if (!parsed) {
    ++metrics_.bodies_rejected;
    return answer(*exchange, error_response(parsed.error()));
  }
  auto items = std::make_shared<std::vector<instruction::ParsedItem>>(std::move(*parsed));
  std::vector<instruction::Instruction> valid;
  valid.reserve(items->size());
  for (auto& item : *items) {
    if (item.instruction) valid.push_back(std::move(*item.instruction));
  }
  auto finish = [this, items, exchange, start](
                    const Result<std::vector<store::IngestOutcome>>& stored) {
    if (!stored) {
      Response r = error_response(stored.error());
      answer(*exchange, std::move(r));
      return;
    }
    // One arena for the whole answer (a node per item and field), freed at once.
    json::monotonic_resource resource;
    json::array results(&resource);
    results.reserve(items->size());
    size_t next = 0;
    for (const auto& item : *items) {
      json::object o({{"id", item.id}}, &resource);
      if (item.instruction) {
        const auto& outcome = (*stored)[next++];
        o["status"] = outcome.created ? "created" : "duplicate";
        o["case_id"] = outcome.case_id;
        ++(outcome.created ? metrics_.instructions_created : metrics_.instructions_duplicate);
      } else {
        o["status"] = "rejected";
        o["errors"] = errors_json(item.instruction.error().fields.empty()
                                      ? std::vector<FieldError>{{"", item.instruction.error().message}}
                                      : item.instruction.error().fields);
        ++metrics_.instructions_rejected;
      }
      results.push_back(std::move(o));
    }
    metrics_.ingest_latency.record(seconds_since(start));
    json::object body(&resource);
    body["results"] = std::move(results);
    answer(*exchange, json_response(200, body));
  };
  if (valid.empty()) return finish(std::vector<store::IngestOutcome>{});
  ++metrics_.ingest_in_flight;
  // Who sent what goes to the audit log while the store writes the instructions (both with
  // group commit, neither on this thread); the answer waits for both, and is a 503 when the
  // audit entry could not be written (the sender retries; instructions are idempotent).
  struct Join {
    std::mutex mu;
    std::optional<Result<std::vector<store::IngestOutcome>>> stored;
    std::optional<Result<auth::AuditEntry>> audited;
  };
  auto join = std::make_shared<Join>();
  auto complete = [this, join, finish, exchange] {
    // Called with join->mu held, once both have arrived.
    --metrics_.ingest_in_flight;
    if (join->audited && !*join->audited) {
      ++metrics_.audit_failures;
      auto why = join->audited->error().message;
      return exchange->post([this, exchange, why] {
        answer(*exchange, error_response(503, "the audit log cannot be written (" + why + "); resend"));
      });
    }
    exchange->post([finish, r = std::move(*join->stored)] { finish(r); });
  };
  if (access_.audit) {
    json::array ids;
    for (size_t i = 0; i < valid.size() && i < 100; ++i) ids.emplace_back(valid[i].id);
    auto entry = audit_entry(&who, "ingest", "", json::object{{"instructions", valid.size()}, {"ids", std::move(ids)}},
                             *exchange);
    access_.audit->append_async(std::move(entry), [join, complete](Result<auth::AuditEntry> r) {
      std::lock_guard lock(join->mu);
      join->audited = std::move(r);
      if (join->stored) complete();
    });
  } else {
    join->audited = auth::AuditEntry{};
  }
  service_.ingest(std::move(valid), [join, complete](Result<std::vector<store::IngestOutcome>> r) {
    std::lock_guard lock(join->mu);
    join->stored = std::move(r);
    if (join->audited) complete();
  });
}

void Api::read_limit(const std::string& value, size_t& limit, std::vector<FieldError>& errors) const {
  auto n = parse_int(value);
  if (!n || *n < 1 || static_cast<size_t>(*n) > options_.max_page) {
    errors.push_back({"limit", "must be an integer between 1 and " + std::to_string(options_.max_page)});
  } else {
    limit = static_cast<size_t>(*n);
  }
}

void Api::list_cases(const Request& request, Exchange& exchange, const Who& who) {
  const auto start = Steady::now();
  const Target target = split_target(request.target());
  store::Filter filter;
  std::vector<FieldError> errors;
  const Millis now = clock_.now();
  size_t limit = options_.default_page;
  std::optional<store::Cursor> cursor;
  for (const auto& [key, value] : target.query) {
    if (key == "station") {
      filter.station = value == "none" ? std::string() : value;
    } else if (key == "level") {
      if (!(filter.level = instruction::parse_level(value))) {
        errors.push_back({key, "unknown value \"" + value + "\"; expected one of: low, medium, high, extreme"});
      }
    } else if (key == "status") {
      if (!(filter.status = cases::parse_status(value))) {
        errors.push_back({key, "unknown value \"" + value + "\"; expected one of: unrouted, open, in_progress, closed"});
      }
    } else if (key == "outcome") {
      if (!(filter.outcome = cases::parse_outcome(value))) {
        errors.push_back({key, "unknown value \"" + value + "\""});
      }
    } else if (key == "since" || key == "until") {
      auto at = parse_instant(value, now);
      if (!at) errors.push_back({key, "must be an RFC 3339 date-time or a duration like 24h"});
      (key == "since" ? filter.since : filter.until) = at;
    } else if (key == "overdue") {
      if (value == "true") filter.overdue_only = true;
      else if (value != "false") errors.push_back({key, "must be true or false"});
    } else if (key == "limit") {
      read_limit(value, limit, errors);
    } else if (key == "cursor") {
      if (!(cursor = parse_cursor(value))) errors.push_back({key, "is not a cursor this server gave"});
    } else {
      errors.push_back({key, "is not a known filter; use station, level, status, outcome, since, until, overdue, limit, cursor"});
    }
  }
  if (!errors.empty()) return answer(exchange, error_response(fail_fields(std::move(errors)).value()));
  if (!scope_to_station(who, filter.station, exchange)) return;
  auto page = store_.list(filter, cursor, limit);
  if (!page) return answer(exchange, error_response(page.error()));
  json::array items;
  items.reserve(page->cases.size());
  for (const auto& c : page->cases) items.push_back(case_summary(c, options_.utc_offset_minutes));
  json::object body{{"cases", std::move(items)}};
  body["next_cursor"] = page->next ? json::value(cursor_text(*page->next)) : json::value(nullptr);
  metrics_.read_latency.record(seconds_since(start));
  answer(exchange, json_response(200, body));
}

void Api::get_case(std::string_view id, Exchange& exchange, const Who& who) {
  const auto start = Steady::now();
  auto got = visible_case(who, id, exchange);
  if (!got) return;
  const bool full = auth::sees_personal_data(who);
  json::object body = case_detail(*got, options_.utc_offset_minutes, full);
  // The other people who named the same accounts and sites (由点及面).
  json::array links;
  if (auto keys = store_.link_keys_of(id)) {
    for (const auto& key : *keys) {
      auto others = store_.links({key}, INT64_MIN, 200);
      if (!others) continue;
      json::array cases;
      std::set<std::string> phones;
      for (const auto& l : *others) {
        phones.insert(l.phone);
        if (l.case_id != id) cases.emplace_back(l.case_id);
      }
      json::object link{{"key", key}, {"people", phones.size()}};
      // Other stations' case ids only for those who may open them.
      if (auth::case_scope(who) == auth::CaseScope::kAll) link["other_cases"] = std::move(cases);
      links.push_back(std::move(link));
    }
  }
  body["links"] = std::move(links);
  if (full && !audit(&who, "view_personal_data", "case:" + std::string(id), json::object{}, exchange)) return;
  metrics_.read_latency.record(seconds_since(start));
  answer(exchange, json_response(200, body));
}

void Api::post_event(std::string case_id, Request& request, std::shared_ptr<Exchange> exchange,
                     const Who& who) {
  const auto start = Steady::now();
  boost::system::error_code ec;
  json::value body = json::parse(request.body(), ec);
  std::string kind;
  if (!ec && body.is_object()) {
    if (const json::value* k = body.as_object().if_contains("kind"); k && k->is_string()) kind = k->as_string();
  }
  // What the kind of event asks of the caller; an unknown kind is explained by the parser
  // to those who may post events at all.
  using P = auth::Permission;
  P needed = P::kCaseEvents;
  const bool responder = who.is_user() && who.role == auth::Role::kResponder;
  std::string channel;
  if (const json::value* c = body.is_object() ? body.as_object().if_contains("channel") : nullptr; c && c->is_string()) {
    channel = c->as_string();
  }
  if (kind == "note") needed = responder ? P::kVisitReports : P::kNotes;
  else if (kind == "visit" || (kind == "attempt" && channel == "visit")) needed = P::kVisitReports;
  // At the door the responder reports the result and closes the case it was sent to.
  else if (kind == "outcome" && responder) needed = P::kVisitReports;
  else if (kind == "stop_payment") {
    const json::value* action = body.as_object().if_contains("action");
    if (action && action->is_string() && action->as_string() == "approve_release") needed = P::kApproveRelease;
  }
  if (!require(who, needed, *exchange)) return;
  if (!may_change_case(who, case_id, *exchange)) return;
  if (responder && body.is_object()) {
    // A responder reports only its own visit, as itself.
    const json::value* r = body.as_object().if_contains("responder");
    if (r && (!r->is_string() || r->as_string() != who.responder_id)) {
      return answer(*exchange, error_response(fail_fields({{"responder", "must be your own responder id"}}).value()));
    }
    body.as_object()["responder"] = who.responder_id;
  }
  json::object detail{{"kind", kind}};
  if (!ec && body.is_object()) {
    for (const char* key : {"channel", "result", "outcome", "status", "action", "to_station", "amount_protected_cny"}) {
      if (const json::value* v = body.as_object().if_contains(key)) detail[key] = *v;
    }
  }
  if (!audit(&who, "case_event", "case:" + case_id, detail, *exchange)) return;
  if (!ec && body.is_object() && post_handling_event(case_id, body.as_object(), who, exchange)) return;
  auto parsed = parse_event_request(request.body());
  if (!parsed) {
    ++metrics_.events_refused;
    return answer(*exchange, error_response(parsed.error()));
  }
  std::string actor = who.name;
  service_.record(std::move(case_id), std::move(*parsed), std::move(actor),
                  [this, exchange, start](Result<cases::Case> r) {
                    if (!r) {
                      ++metrics_.events_refused;
                      return answer(*exchange, error_response(r.error()));
                    }
                    ++metrics_.events_recorded;
                    json::object body = case_summary(*r, options_.utc_offset_minutes);
                    // The event asked for is the first; the plan's reactions follow it.
                    if (!r->timeline.empty()) body["event"] = event_json(r->timeline.front(), options_.utc_offset_minutes);
                    metrics_.event_latency.record(seconds_since(start));
                    answer(*exchange, json_response(200, body));
                  });
}

void Api::list_clusters(const Request& request, Exchange& exchange) {
  const Target target = split_target(request.target());
  const Millis now = clock_.now();
  int window_days = rules_ ? rules_->current()->cluster_window_days : 7;
  Millis since = now - static_cast<Millis>(window_days) * 86400000;
  int min_people = 3;
  if (rules_) {
    for (const auto& r : rules_->current()->rules) {
      if (r.when.cluster_min_people) min_people = *r.when.cluster_min_people;
    }
  }
  size_t limit = options_.default_page;
  std::vector<FieldError> errors;
  for (const auto& [key, value] : target.query) {
    if (key == "since") {
      auto at = parse_instant(value, now);
      if (!at) errors.push_back({key, "must be an RFC 3339 date-time or a duration like 7d"});
      else since = *at;
    } else if (key == "min_people") {
      auto n = parse_int(value);
      if (!n || *n < 2 || *n > 1000) errors.push_back({key, "must be an integer from 2 to 1000"});
      else min_people = static_cast<int>(*n);
    } else if (key == "limit") {
      read_limit(value, limit, errors);
    } else {
      errors.push_back({key, "is not a known parameter; use since, min_people, limit"});
    }
  }
  if (!errors.empty()) return answer(exchange, error_response(fail_fields(std::move(errors)).value()));
  auto found = store_.clusters(since, min_people, limit);
  if (!found) return answer(exchange, error_response(found.error()));
  json::array clusters;
  for (const auto& c : *found) {
    json::array cases;
    if (auto members = store_.links({c.key}, since, 200)) {
      for (const auto& l : *members) cases.emplace_back(l.case_id);
    }
    clusters.push_back(json::object{{"key", c.key},
                                    {"people", c.people},
                                    {"cases", c.cases},
                                    {"case_ids", std::move(cases)},
                                    {"first_at", format_rfc3339(c.first_at, options_.utc_offset_minutes)},
                                    {"last_at", format_rfc3339(c.last_at, options_.utc_offset_minutes)}});
  }
  answer(exchange, json_response(200, json::object{{"since", format_rfc3339(since, options_.utc_offset_minutes)},
                                                   {"min_people", min_people},
                                                   {"clusters", std::move(clusters)}}));
}

void Api::stats(const Request& request, Exchange& exchange, const Who& who) {
  const auto start = Steady::now();
  const Target target = split_target(request.target());
  store::StatsFilter filter;
  filter.utc_offset_minutes = options_.utc_offset_minutes;
  std::vector<FieldError> errors;
  const Millis now = clock_.now();
  for (const auto& [key, value] : target.query) {
    if (key == "station") {
      filter.station = value == "none" ? std::string() : value;
    } else if (key == "since" || key == "until") {
      auto at = parse_instant(value, now);
      if (!at) errors.push_back({key, "must be an RFC 3339 date-time or a duration like 24h"});
      (key == "since" ? filter.since : filter.until) = at;
    } else {
      errors.push_back({key, "is not a known filter; use station, since, until"});
    }
  }
  if (!errors.empty()) return answer(exchange, error_response(fail_fields(std::move(errors)).value()));
  if (!scope_to_station(who, filter.station, exchange)) return;
  auto s = store_.stats(filter);
  if (!s) return answer(exchange, error_response(s.error()));
  metrics_.read_latency.record(seconds_since(start));
  json::object body = stats_json(*s, stations_);
  auto sla = store_.sla_rows(filter);
  if (!sla) return answer(exchange, error_response(sla.error()));
  body["sla"] = sla_json(cases::summarize_sla(*sla), stations_);
  answer(exchange, json_response(200, body));
}

void Api::stream(const Request& request, std::shared_ptr<Exchange> exchange, const Who& who) {
  std::optional<std::int64_t> last;
  std::string_view header = request["Last-Event-ID"];
  const Target target = split_target(request.target());
  if (header.empty()) {
    if (auto it = target.query.find("last_event_id"); it != target.query.end()) header = it->second;
  }
  if (!header.empty()) {
    last = parse_int(header);
    if (!last || *last < 0) {
      return answer(*exchange, error_response(400, "Last-Event-ID must be an event id this server sent"));
    }
  }
  Response head;
  head.content_type = "text/event-stream; charset=utf-8";
  count_status(metrics_, 200);
  std::optional<std::string> only_station;
  if (auth::case_scope(who) == auth::CaseScope::kStation) only_station = who.station_code;
  auto sink = exchange->open_stream(std::move(head));
  stream_.attach(std::move(sink), last, std::move(only_station));
}

namespace {

json::object effect_json(const grading::Effect& e) {
  using Kind = grading::Effect::Kind;
  switch (e.kind) {
    case Kind::kSet: return {{"set", instruction::name(e.level)}};
    case Kind::kRaise: return {{"raise", e.steps}};
    case Kind::kFloor: return {{"floor", instruction::name(e.level)}};
    case Kind::kCap: return {{"cap", instruction::name(e.level)}};
    case Kind::kFloorUpstream: return {{"floor", "upstream"}};
  }
  return {};
}

}  // namespace

void Api::get_rules(Exchange& exchange) {
  if (!rules_) return answer(exchange, error_response(404, "no rules are configured"));
  const auto current = rules_->current();
  json::array rules;
  for (const auto& r : current->rules) {
    rules.push_back(json::object{{"id", r.id},
                                 {"description", r.description},
                                 {"line", r.line},
                                 {"effect", effect_json(r.effect)}});
  }
  json::object body{{"version", current->version},
                    {"source", rules_->source_name()},
                    {"default_level", instruction::name(current->default_level)},
                    {"uses_history", current->uses_history()},
                    {"rules", std::move(rules)},
                    {"text", rules_->source_text()}};
  answer(exchange, json_response(200, body));
}

void Api::post_rules(Request& request, Exchange& exchange, const Who& who) {
  if (!save_rules_) return answer(exchange, error_response(404, "rules cannot be changed here"));
  if (!audit(&who, "rules_change", "rules", json::object{{"bytes", request.body().size()}}, exchange)) return;
  auto saved = save_rules_(request.body());
  if (!saved) return answer(exchange, error_response(saved.error()));
  answer(exchange, json_response(200, json::object{{"version", *saved}, {"status", "active"}}));
}

void Api::rules_whatif(Request& request, Exchange& exchange) {
  const Target target = split_target(request.target());
  const Millis now = clock_.now();
  Millis since = now - 30LL * 86400000, until = now + 1;
  std::vector<FieldError> errors;
  size_t sample = 20;
  for (const auto& [key, value] : target.query) {
    if (key == "since" || key == "until") {
      auto at = parse_instant(value, now);
      if (!at) errors.push_back({key, "must be an RFC 3339 date-time or a duration like 30d"});
      else (key == "since" ? since : until) = *at;
    } else if (key == "sample") {
      auto n = parse_int(value);
      if (!n || *n < 0 || *n > 500) errors.push_back({key, "must be an integer from 0 to 500"});
      else sample = static_cast<size_t>(*n);
    } else {
      errors.push_back({key, "is not a known parameter; use since, until, sample"});
    }
  }
  if (!errors.empty()) return answer(exchange, error_response(fail_fields(std::move(errors)).value()));
  auto draft = grading::load_rules(request.body(), "draft");
  if (!draft) return answer(exchange, error_response(draft.error()));
  const std::string current = rules_ ? rules_->current()->version : "";
  auto report = cases::what_if(store_, *draft, current, since, until, sample, options_.utc_offset_minutes);
  if (!report) return answer(exchange, error_response(report.error()));
  answer(exchange, json_response(200, whatif_json(*report, options_.utc_offset_minutes)));
}

void Api::health(Exchange& exchange) {
  const auto m = store_.metrics();
  auto probe = store_.changes_since(INT64_MAX, 1);
  json::object body{{"status", probe ? "ok" : "degraded"},
                    {"store", probe ? "ok" : probe.error().message},
                    {"store_queue_depth", m.queue_depth},
                    {"uptime_seconds", (clock_.now() - started_at_) / 1000}};
  // The channels' state: a link down does not make the server unhealthy (the outbox keeps
  // the messages), but whoever watches should see it.
  if (extra_health_) {
    json::object channels = extra_health_();
    bool all_up = true;
    for (const auto& [name, state] : channels) all_up = all_up && state.is_object() && state.as_object().at("up").as_bool();
    body["channels"] = std::move(channels);
    if (probe && !all_up) body["status"] = "degraded";
  }
  if (auto backlog = store_.outbox_backlog()) body["outbox_backlog"] = *backlog;
  answer(exchange, json_response(probe ? 200 : 503, body));
}

}  // namespace quanzu::api

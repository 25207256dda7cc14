// Authentication of every /api/v1 request, the session routes, the audit trail and the
// auditors' view of it:
//
//   POST   /api/v1/session   {"name", "password"} -> cookie + {"user", "csrf_token", ...}
//   GET    /api/v1/session   who is logged in (same answer), or 401
//   DELETE /api/v1/session   logout (X-CSRF-Token required)
//   GET    /api/v1/audit?since=&until=&actor=&action=&limit=   auditors only
//
// People send the session cookie and, on every request that changes something, the
// X-CSRF-Token they were given at login; machines send "Authorization: Bearer <token>".
#include <sstream>

#include <boost/json.hpp>

#include "api/api.h"
#include "api/http_util.h"
#include "base/time.h"

namespace quanzu::api {
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

std::string_view header(const Request& request, http::field field) {
  auto it = request.find(field);
  return it == request.end() ? std::string_view() : std::string_view(it->value().data(), it->value().size());
}

// The value of one cookie from the Cookie header(s), or "".
std::string cookie_value(const Request& request, std::string_view name) {
  for (auto it = request.find(http::field::cookie); it != request.end() && it->name() == http::field::cookie;
       ++it) {
    std::string_view all(it->value().data(), it->value().size());
    while (!all.empty()) {
      size_t semi = all.find(';');
      std::string_view pair = all.substr(0, semi);
      all = semi == std::string_view::npos ? std::string_view() : all.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    }
  }
  return {};
}

bool changes_state(http::verb method) {
  return method != http::verb::get && method != http::verb::head && method != http::verb::options;
}

json::object user_json(const auth::User& u) {
  return json::object{{"name", u.name},
                      {"role", auth::name(u.role)},
                      {"station_code", u.station_code.empty() ? json::value(nullptr) : json::value(u.station_code)},
                      {"responder_id", u.responder_id.empty() ? json::value(nullptr) : json::value(u.responder_id)}};
}

auth::Principal principal_of(const auth::User& u) {
  auth::Principal p;
  p.kind = auth::Principal::Kind::kUser;
  p.name = u.name;
  p.role = u.role;
  p.station_code = u.station_code;
  p.responder_id = u.responder_id;
  return p;
}

// How long after its visit ended a responder may still see and close the case.
constexpr Millis kResponderAfterVisit = 3'600'000;

Response unauthorized(const std::string& message) {
  Response r = error_response(401, message);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"quanzu\"");
  return r;
}

}  // namespace

Api::~Api() = default;

void Api::set_access(AccessSetup access) {
  access_ = access;
  tokens_ = access_.users ? std::make_unique<auth::TokenVerifier>(*access_.users, clock_) : nullptr;
  login_queue_ = std::make_unique<WorkQueue>(std::max<size_t>(1, access_.login_threads), 64);
}

std::optional<Api::Who> Api::authenticate(const Request& request, Exchange& exchange) {
  if (!access_.users || !access_.sessions || !tokens_) {
    answer(exchange, error_response(503, "authentication is not configured on this server"));
    return std::nullopt;
  }
  std::string_view authorization = header(request, http::field::authorization);
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (!authorization.starts_with(kBearer)) {
      answer(exchange, unauthorized("Authorization must be \"Bearer <API token>\""));
      return std::nullopt;
    }
    auto token = tokens_->verify(authorization.substr(kBearer.size()));
    if (!token) {
      if (token.error().kind == auth::TokenRefusal::Kind::kUnavailable) {
        answer(exchange, error_response(503, token.error().message));
      } else {
        answer(exchange, unauthorized(token.error().message));
      }
      return std::nullopt;
    }
    Who who;
    who.kind = auth::Principal::Kind::kToken;
    who.name = token->id;
    who.scopes = token->scopes;
    return who;
  }
  const std::string secret = cookie_value(request, kSessionCookie);
  if (secret.empty()) {
    answer(exchange, unauthorized("log in first (POST /api/v1/session) or send an API token "
                                  "(Authorization: Bearer)"));
    return std::nullopt;
  }
  auto live = access_.sessions->check(secret);
  if (!live) {
    answer(exchange, error_response(503, "the session store is unavailable: " + live.error().message));
    return std::nullopt;
  }
  if (!*live) {
    answer(exchange, unauthorized("the session has ended (logged out, idle too long, or the account was "
                                  "disabled); log in again"));
    return std::nullopt;
  }
  if (changes_state(request.method()) &&
      !auth::csrf_matches((*live)->session, std::string_view(request["X-CSRF-Token"]))) {
    answer(exchange, error_response(403, "missing or wrong X-CSRF-Token header (the csrf_token given at login)"));
    return std::nullopt;
  }
  return principal_of((*live)->user);
}

bool Api::require(const Who& who, auth::Permission p, Exchange& exchange) {
  if (auth::allowed(who, p)) return true;
  const std::string as = who.is_user() ? "the " + who.label() + " role" : "this token's scopes";
  answer(exchange, error_response(403, as + " may not do this (" + std::string(auth::name(p)) + ")"));
  return false;
}

bool Api::scope_to_station(const Who& who, std::optional<std::string>& station, Exchange& exchange) {
  switch (auth::case_scope(who)) {
    case auth::CaseScope::kAll: return true;
    case auth::CaseScope::kStation:
      if (station && *station != who.station_code) {
        audit_denied(who, "station:" + *station, exchange);
        answer(exchange, error_response(403, "station accounts see only their own station"));
        return false;
      }
      station = who.station_code;
      return true;
    default:
      answer(exchange, error_response(403, "responders see their visit at /api/v1/responders/{id}"));
      return false;
  }
}

auth::AuditEntry Api::audit_entry(const Who* who, std::string action, std::string target,
                                  const json::object& detail, const Exchange& exchange) const {
  auth::AuditEntry entry;
  entry.at = clock_.now();
  if (who) {
    entry.actor = who->name;
    entry.role = who->label();
  }
  entry.action = std::move(action);
  entry.target = std::move(target);
  entry.from = exchange.remote_address();
  entry.detail = json::serialize(detail);
  return entry;
}

bool Api::audit(const Who* who, std::string action, std::string target, const json::object& detail,
                Exchange& exchange) {
  if (!access_.audit) return true;
  auto appended = access_.audit->append(audit_entry(who, std::move(action), std::move(target), detail, exchange));
  if (appended) return true;
  ++metrics_.audit_failures;
  answer(exchange, error_response(503, "the audit log cannot be written (" + appended.error().message +
                                           "); nothing was done or shown"));
  return false;
}

void Api::audit_denied(const Who& who, const std::string& target, Exchange& exchange) {
  if (!access_.audit) return;
  if (!access_.audit->append(audit_entry(&who, "access_denied", target, json::object{}, exchange))) {
    ++metrics_.audit_failures;
  }
}

std::optional<cases::Case> Api::visible_case(const Who& who, std::string_view id, Exchange& exchange) {
  auto got = store_.get(id);
  if (!got) {
    answer(exchange, error_response(got.error()));
    return std::nullopt;
  }
  const std::string missing = "no case " + std::string(id);
  if (!*got) {
    answer(exchange, error_response(404, missing));
    return std::nullopt;
  }
  bool visible = false;
  switch (auth::case_scope(who)) {
    case auth::CaseScope::kAll: visible = true; break;
    case auth::CaseScope::kStation: visible = auth::sees_station(who, (*got)->station ? (*got)->station->code : ""); break;
    case auth::CaseScope::kResponder: {
      // The case of a visit it holds, or of one it finished within the hour (to report the
      // outcome and add notes after the door).
      const Millis now = clock_.now();
      for (const auto& v : (*got)->handling.visits) {
        if (!who.responder_id.empty() && v.responder_id == who.responder_id &&
            (!v.ended_at || now - *v.ended_at <= kResponderAfterVisit)) {
          visible = true;
        }
      }
      break;
    }
    case auth::CaseScope::kNone: break;
  }
  if (!visible) {
    audit_denied(who, "case:" + std::string(id), exchange);
    answer(exchange, error_response(404, missing));
    return std::nullopt;
  }
  return std::move(**got);
}

bool Api::may_change_case(const Who& who, std::string_view id, Exchange& exchange) {
  return auth::case_scope(who) == auth::CaseScope::kAll || visible_case(who, id, exchange).has_value();
}

void Api::session_route(Request& request, const std::shared_ptr<Exchange>& exchange) {
  const auto method = request.method();
  if (!access_.users || !access_.sessions || !access_.login || !login_queue_) {
    return answer(*exchange, error_response(503, "authentication is not configured on this server"));
  }
  if (method == http::verb::post) {
    boost::system::error_code ec;
    json::value v = json::parse(request.body(), ec);
    if (ec || !v.is_object()) return answer(*exchange, error_response(400, "body must be a JSON object {\"name\", \"password\"}"));
    std::vector<FieldError> errors;
    std::string name, password;
    for (const char* key : {"name", "password"}) {
      const json::value* f = v.as_object().if_contains(key);
      if (!f || !f->is_string() || f->as_string().empty()) errors.push_back({key, "is required (a string)"});
      else if (f->as_string().size() > 1024) errors.push_back({key, "is longer than 1024 bytes"});
      else (std::string_view(key) == "name" ? name : password) = std::string(f->as_string());
    }
    if (!errors.empty()) return answer(*exchange, error_response(fail_fields(std::move(errors)).value()));
    const std::string from = exchange->remote_address();
    // The address without its port, for the throttle.
    const std::string host = from.substr(0, from.rfind(':'));
    const bool secure = access_.cookie_secure;
    bool queued = login_queue_->submit([this, exchange, name, password, from, host, secure] {
      auto user = access_.login->login(name, password, host);
      if (!user) {
        const auto& refusal = user.error();
        if (!audit(nullptr, "login_failed", "user:" + name,
                   json::object{{"reason", auth::name(refusal.reason)}}, *exchange)) {
          return;
        }
        unsigned status = refusal.kind == auth::LoginRefusal::Kind::kThrottled ? 429
                          : refusal.kind == auth::LoginRefusal::Kind::kUnavailable ? 503
                                                                                   : 401;
        ++metrics_.logins_refused;
        return answer(*exchange, error_response(status, refusal.message));
      }
      auto opened = access_.sessions->open(*user, from);
      if (!opened) return answer(*exchange, error_response(opened.error()));
      Who who = principal_of(*user);
      if (!audit(&who, "login", "user:" + user->name, json::object{}, *exchange)) {
        (void)access_.sessions->close(opened->first);
        return;
      }
      ++metrics_.logins;
      Response r = json_response(200, json::object{{"user", user_json(*user)},
                                                   {"csrf_token", opened->second.csrf_token},
                                                   {"idle_timeout_seconds", access_.sessions->options().idle_timeout / 1000}});
      r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + opened->first +
                                               "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""));
      answer(*exchange, std::move(r));
    });
    if (!queued) answer(*exchange, error_response(503, "too many logins in progress; try again in a moment"));
    return;
  }
  if (method != http::verb::get && method != http::verb::delete_) {
    Response r = error_response(405, std::string(request.method_string()) + " is not allowed on /api/v1/session");
    r.headers.emplace_back("Allow", "GET, POST, DELETE");
    return answer(*exchange, std::move(r));
  }
  const std::string secret = cookie_value(request, kSessionCookie);
  auto live = access_.sessions->check(secret);
  if (!live) return answer(*exchange, error_response(503, "the session store is unavailable: " + live.error().message));
  if (!*live) return answer(*exchange, unauthorized("not logged in"));
  if (method == http::verb::get) {
    return answer(*exchange, json_response(200, json::object{{"user", user_json((*live)->user)},
                                                             {"csrf_token", (*live)->session.csrf_token},
                                                             {"idle_timeout_seconds", access_.sessions->options().idle_timeout / 1000}}));
  }
  if (!auth::csrf_matches((*live)->session, std::string_view(request["X-CSRF-Token"]))) {
    return answer(*exchange, error_response(403, "missing or wrong X-CSRF-Token header (the csrf_token given at login)"));
  }
  Who who = principal_of((*live)->user);
  if (!audit(&who, "logout", "user:" + who.name, json::object{}, *exchange)) return;
  if (auto closed = access_.sessions->close(secret); !closed) return answer(*exchange, error_response(closed.error()));
  Response r;
  r.status = 204;
  r.content_type.clear();
  r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" +
                                           (access_.cookie_secure ? "; Secure" : ""));
  answer(*exchange, std::move(r));
}

void Api::audit_route(const Request& request, Exchange& exchange, const Who& who) {
  if (!require(who, auth::Permission::kReadAudit, exchange)) return;
  if (!access_.audit) return answer(exchange, error_response(503, "no audit log is configured"));
  const Target target = split_target(request.target());
  auth::ExportOptions options;
  size_t limit = 100;
  std::string actor, action;
  std::vector<FieldError> errors;
  const Millis now = clock_.now();
  for (const auto& [key, value] : target.query) {
    if (key == "since" || key == "until") {
      std::optional<Millis> at = parse_rfc3339(value);
      if (!at) {
        if (auto d = parse_duration(value)) at = now - *d;
      }
      if (!at) errors.push_back({key, "must be an RFC 3339 date-time or a duration like 24h"});
      (key == "since" ? options.since : options.until) = at;
    } else if (key == "limit") {
      read_limit(value, limit, errors);
    } else if (key == "actor") {
      actor = value;
    } else if (key == "action") {
      action = value;
    } else {
      errors.push_back({key, "is not a known filter; use since, until, actor, action, limit"});
    }
  }
  if (!errors.empty()) return answer(exchange, error_response(fail_fields(std::move(errors)).value()));
  std::ostringstream out;
  auto summary = auth::export_audit(access_.audit->path(), options, out);
  if (!summary) return answer(exchange, error_response(summary.error()));
  std::vector<json::value> entries;
  std::istringstream lines(out.str());
  json::value chain;
  for (std::string line; std::getline(lines, line);) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    if (v.as_object().contains("chain_last_seq")) {
      chain = std::move(v);
      continue;
    }
    const json::object& o = v.as_object();
    auto field = [&](const char* k) {
      const json::value* f = o.if_contains(k);
      return f && f->is_string() ? std::string_view(f->as_string()) : std::string_view();
    };
    if (!actor.empty() && field("actor") != actor) continue;
    if (!action.empty() && field("action") != action) continue;
    entries.push_back(std::move(v));
  }
  json::array newest;
  for (size_t i = entries.size() > limit ? entries.size() - limit : 0; i < entries.size(); ++i) {
    newest.push_back(std::move(entries[i]));
  }
  if (!audit(&who, "audit_read", "", json::object{{"entries", newest.size()}}, exchange)) return;
  answer(exchange, json_response(200, json::object{{"entries", std::move(newest)}, {"chain", std::move(chain)}}));
}

}  // namespace quanzu::api

// The HTTP API under /api/v1 plus /healthz and /metrics: maps requests to the case
// service and the store, and results to JSON and status codes. Thin: no domain rules here.
#pragma once

#include <functional>
#include <memory>

#include <boost/json/object.hpp>

#include "api/http_server.h"
#include "api/live_stream.h"
#include "api/metrics.h"
#include "auth/access.h"
#include "auth/audit_log.h"
#include "auth/users/login_policy.h"
#include "auth/users/session.h"
#include "auth/users/token_check.h"
#include "base/clock.h"
#include "base/work_queue.h"
#include "cases/service.h"
#include "geo/jurisdictions.h"
#include "grading/active_rules.h"
#include "handling/handling_service.h"
#include "instruction/parser.h"
#include "store/store.h"

namespace quanzu::api {

struct ApiOptions {
  instruction::Limits limits;
  int utc_offset_minutes = 480;  // how times are written and days counted (Beijing time)
  size_t default_page = 50;
  size_t max_page = 500;
};

// Who may use the API (access_routes.cc). Without it every /api/v1 route answers 503:
// the API never runs open.
struct AccessSetup {
  auth::UserStore* users = nullptr;
  auth::LoginPolicy* login = nullptr;
  auth::SessionManager* sessions = nullptr;
  auth::AuditLog* audit = nullptr;  // every login, view of personal data and change
  bool cookie_secure = true;        // the session cookie's Secure attribute
  size_t login_threads = 2;         // argon2id runs here, not on the I/O threads
};

inline constexpr std::string_view kSessionCookie = "quanzu_session";

// The one place where error codes become HTTP statuses.
unsigned http_status(Code code);

class Api {
 public:
  // Everything passed in must outlive the Api.
  Api(cases::CaseService& service, store::CaseStore& store, const geo::StationDirectory& stations,
      LiveStream& stream, const Clock& clock, ApiOptions options);

  ~Api();
  void handle(Request&& request, std::shared_ptr<Exchange> exchange);
  void set_access(AccessSetup access);
  // Gauges of the transport, for /metrics.
  void set_server(const HttpServer* server) { server_ = server; }
  ApiMetrics& metrics() { return metrics_; }
  // Serves GET /api/v1/rules from `rules`; POST /api/v1/rules hands the text to `save`,
  // which validates, persists and activates it (answering the new version or why not).
  using SaveRules = std::function<Result<std::string>(const std::string& text)>;
  void set_rules(const grading::ActiveRules* rules, SaveRules save) {
    rules_ = rules;
    save_rules_ = std::move(save);
  }
  // More Prometheus text for /metrics (the channels' health), appended as it is.
  void set_extra_metrics(std::function<std::string()> f) { extra_metrics_ = std::move(f); }
  // The channels' state for /healthz: name -> {"up": bool, ...}.
  void set_extra_health(std::function<boost::json::object()> f) { extra_health_ = std::move(f); }
  // Serves the handling routes (handling_routes.cc): call tasks, door visits, responders,
  // stop-payments with their documents, the bank's signed callback (checked with
  // `bank_secret`; refused while it is empty) and results from channel gateways.
  void set_handling(handling::HandlingService* handling, stoppay::DocumentStore* documents,
                    std::string bank_secret) {
    handling_ = handling;
    documents_ = documents;
    bank_secret_ = std::move(bank_secret);
  }

 private:
  using Who = auth::Principal;
  void ingest(Request& request, std::shared_ptr<Exchange> exchange, const Who& who);
  void list_cases(const Request& request, Exchange& exchange, const Who& who);
  void get_case(std::string_view id, Exchange& exchange, const Who& who);
  void post_event(std::string case_id, Request& request, std::shared_ptr<Exchange> exchange, const Who& who);
  void stats(const Request& request, Exchange& exchange, const Who& who);
  void list_clusters(const Request& request, Exchange& exchange);
  void stream(const Request& request, std::shared_ptr<Exchange> exchange, const Who& who);
  void health(Exchange& exchange);
  void get_rules(Exchange& exchange);
  void post_rules(Request& request, Exchange& exchange, const Who& who);
  void rules_whatif(Request& request, Exchange& exchange);
  void answer(Exchange& exchange, Response response);
  // handling_routes.cc. True when `path` is a handling route (answered or being answered).
  bool handle_handling(Request& request, const std::string& path,
                       const std::shared_ptr<Exchange>& exchange, const Who& who);
  // True when the event's kind is one of the handling service's (dispatch, visit,
  // stop_payment); then it is answered.
  bool post_handling_event(const std::string& case_id, const boost::json::object& body,
                           const Who& who, const std::shared_ptr<Exchange>& exchange);
  void answer_case(const std::shared_ptr<Exchange>& exchange, Result<cases::Case> result);
  void list_tasks(const Request& request, Exchange& exchange, const Who& who);
  void list_stop_payments(const Request& request, Exchange& exchange, const Who& who);
  void responders_route(Request& request, const std::string& path,
                        const std::shared_ptr<Exchange>& exchange, const Who& who);
  void bank_callback(Request& request, const std::shared_ptr<Exchange>& exchange, const Who& who);
  void attempt_result(Request& request, const std::shared_ptr<Exchange>& exchange, const Who& who);
  void upload_document(Request& request, const std::string& case_id, const std::string& sp_id,
                       const std::shared_ptr<Exchange>& exchange, const Who& who);
  void get_document(const std::string& id, Exchange& exchange, const Who& who);

  // access_routes.cc.
  // The caller of an /api/v1 request, or nullopt after answering 401/403/503 (no or bad
  // credentials, a changing request without its CSRF token).
  std::optional<Who> authenticate(const Request& request, Exchange& exchange);
  // POST/GET/DELETE /api/v1/session.
  void session_route(Request& request, const std::shared_ptr<Exchange>& exchange);
  // GET /api/v1/audit: the audit log's latest entries, for auditors.
  void audit_route(const Request& request, Exchange& exchange, const Who& who);
  // Answers 403 and returns false unless `who` has `p`.
  bool require(const Who& who, auth::Permission p, Exchange& exchange);
  // Cuts a station filter to the caller's scope: station accounts always get their own (asking
  // for another is refused and recorded), responders none (they see their visit at
  // /responders/{id}). False after answering 403.
  bool scope_to_station(const Who& who, std::optional<std::string>& station, Exchange& exchange);
  // An audit entry of `action` by `who` (null: not authenticated) from the exchange's client.
  auth::AuditEntry audit_entry(const Who* who, std::string action, std::string target,
                               const boost::json::object& detail, const Exchange& exchange) const;
  // Appends to the audit log. False (after answering 503) when it cannot: an action that
  // cannot be recorded is not done, and personal data that cannot be logged is not shown.
  bool audit(const Who* who, std::string action, std::string target, const boost::json::object& detail,
             Exchange& exchange);
  // Records an authenticated caller's refused look at something outside its scope.
  void audit_denied(const Who& who, const std::string& target, Exchange& exchange);
  // The case `id` when `who` may see it; otherwise answers (404 when it is outside the
  // caller's scope: never saying that it exists) and returns nullopt.
  std::optional<cases::Case> visible_case(const Who& who, std::string_view id, Exchange& exchange);
  // Before a change: true when `who` may change case `id`. Callers who see every case are not
  // made to read it (the change itself answers 404 for a missing one); the others' case is read
  // and checked as by visible_case().
  bool may_change_case(const Who& who, std::string_view id, Exchange& exchange);
  // A page size from the query: 1..max_page, else an error naming "limit".
  void read_limit(const std::string& value, size_t& limit, std::vector<FieldError>& errors) const;

  cases::CaseService& service_;
  store::CaseStore& store_;
  const geo::StationDirectory& stations_;
  LiveStream& stream_;
  const Clock& clock_;
  ApiOptions options_;
  ApiMetrics metrics_;
  const HttpServer* server_ = nullptr;
  const grading::ActiveRules* rules_ = nullptr;
  SaveRules save_rules_;
  handling::HandlingService* handling_ = nullptr;
  stoppay::DocumentStore* documents_ = nullptr;
  std::string bank_secret_;
  std::function<std::string()> extra_metrics_;
  std::function<boost::json::object()> extra_health_;
  Millis started_at_;
  AccessSetup access_;
  std::unique_ptr<auth::TokenVerifier> tokens_;
  std::unique_ptr<WorkQueue> login_queue_;
};

}  // namespace quanzu::api

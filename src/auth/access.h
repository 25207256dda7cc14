// Who is asking and what they may do: the access rules of SPEC.md "Access and privacy" in
// one table, so the HTTP layer asks and never decides. Pure.
//
//   role/scope   cases seen          personal data   may change
//   admin        all                 masked          rules, responders
//   centre       all                 full (audited)  cases, rules, responders, ingest
//   station      its station's       full (audited)  its cases, its responders
//   responder    its visit's case    full (audited)  its visit, its duty and position
//   supervisor   all                 full (audited)  notes, stop-payment release approval
//   auditor      none                -               - (reads the audit log)
//   token read   all                 masked          -
//   token ingest/bank_callback/attempts: only their one route
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/users/token.h"
#include "auth/users/user.h"

namespace quanzu::auth {

// An authenticated caller: a person logged in, or a machine with an API token.
struct Principal {
  enum class Kind { kUser, kToken };
  Kind kind = Kind::kUser;
  std::string name;           // user name, or the token's id ("tok_...")
  Role role = Role::kAuditor;  // users only
  std::string station_code;   // station and responder users
  std::string responder_id;   // responder users: the responder they act as
  std::vector<Scope> scopes;  // tokens only

  // For the audit log: "station", or "token:ingest+read".
  std::string label() const;
  bool is_user() const { return kind == Kind::kUser; }
};

enum class Permission {
  kIngest,             // POST /instructions
  kReadCases,          // lists, detail (further limited by case_scope), tasks, stop-payments
  kCaseEvents,         // attempts, outcomes, re-routing, dispatch, stop-payment requests
  kNotes,              // notes on a case
  kVisitReports,       // visit steps and results
  kApproveRelease,     // the four-eyes approval of a stop-payment release
  kUploadDocuments,    // stop-payment release documents
  kReadStats,          // statistics and SLA figures (station users: their station's)
  kStream,             // the live event stream (station users: their station's cases)
  kReadClusters,       // cross-station fraud clusters
  kReadRules,
  kChangeRules,
  kWhatIf,
  kReadResponders,     // (responder users: only themselves)
  kManageResponders,   // register and change responders (station users: their station's)
  kUpdateSelf,         // a responder's own duty and position
  kBankCallback,
  kAttemptResults,     // channel gateways' results
  kReadAudit,
};

std::string_view name(Permission p);

bool allowed(const Principal& who, Permission p);

// Which cases a caller may see at all (list, fetch, change, stream).
enum class CaseScope { kAll, kStation, kResponder, kNone };
CaseScope case_scope(const Principal& who);

// True when `who` may see a case routed to `station_code` ("" while unrouted). Always false
// for kResponder: a responder sees only the case of the visit it holds (which may be in a
// neighbouring station's area), and the caller checks that.
bool sees_station(const Principal& who, std::string_view station_code);

// True when the case detail shows full phone, name, ID and account numbers to `who` (each
// such view is audited); otherwise they are masked as in lists.
bool sees_personal_data(const Principal& who);

}  // namespace quanzu::auth

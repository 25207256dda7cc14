#include "auth/access.h"

#include <algorithm>

#include "base/enum_names.h"

namespace quanzu::auth {
namespace {

using P = Permission;

constexpr EnumNames<Permission, 19> kPermissionNames{{
    {P::kIngest, "ingest"},
    {P::kReadCases, "read_cases"},
    {P::kCaseEvents, "case_events"},
    {P::kNotes, "notes"},
    {P::kVisitReports, "visit_reports"},
    {P::kApproveRelease, "approve_release"},
    {P::kUploadDocuments, "upload_documents"},
    {P::kReadStats, "read_stats"},
    {P::kStream, "stream"},
    {P::kReadClusters, "read_clusters"},
    {P::kReadRules, "read_rules"},
    {P::kChangeRules, "change_rules"},
    {P::kWhatIf, "whatif"},
    {P::kReadResponders, "read_responders"},
    {P::kManageResponders, "manage_responders"},
    {P::kUpdateSelf, "update_self"},
    {P::kBankCallback, "bank_callback"},
    {P::kAttemptResults, "attempt_results"},
    {P::kReadAudit, "read_audit"},
}};

bool role_allows(Role role, Permission p) {
  switch (role) {
    case Role::kAdmin:
      return p == P::kReadCases || p == P::kReadStats || p == P::kStream || p == P::kReadClusters ||
             p == P::kReadRules || p == P::kChangeRules || p == P::kWhatIf || p == P::kReadResponders ||
             p == P::kManageResponders;
    case Role::kCentre:
      return p != P::kApproveRelease && p != P::kBankCallback && p != P::kAttemptResults &&
             p != P::kReadAudit && p != P::kUpdateSelf;
    case Role::kStation:
      return p == P::kReadCases || p == P::kCaseEvents || p == P::kNotes || p == P::kVisitReports ||
             p == P::kUploadDocuments || p == P::kReadStats || p == P::kStream || p == P::kReadRules ||
             p == P::kReadResponders || p == P::kManageResponders;
    case Role::kResponder:
      return p == P::kReadCases || p == P::kVisitReports || p == P::kReadResponders || p == P::kUpdateSelf;
    case Role::kSupervisor:
      return p == P::kReadCases || p == P::kNotes || p == P::kApproveRelease || p == P::kReadStats ||
             p == P::kStream || p == P::kReadClusters || p == P::kReadRules || p == P::kWhatIf ||
             p == P::kReadResponders;
    case Role::kAuditor:
      return p == P::kReadAudit;
  }
  return false;
}

bool scope_allows(Scope scope, Permission p) {
  switch (scope) {
    case Scope::kIngest: return p == P::kIngest;
    case Scope::kRead:
      return p == P::kReadCases || p == P::kReadStats || p == P::kStream || p == P::kReadClusters ||
             p == P::kReadRules || p == P::kReadResponders;
    case Scope::kBankCallback: return p == P::kBankCallback;
    case Scope::kAttempts: return p == P::kAttemptResults;
  }
  return false;
}

}  // namespace

std::string Principal::label() const {
  if (kind == Kind::kUser) return std::string(auth::name(role));
  std::string out = "token:";
  for (size_t i = 0; i < scopes.size(); ++i) out += (i ? "+" : "") + std::string(auth::name(scopes[i]));
  return out;
}

std::string_view name(Permission p) { return enum_name(kPermissionNames, p); }

bool allowed(const Principal& who, Permission p) {
  if (who.kind == Principal::Kind::kUser) return role_allows(who.role, p);
  return std::any_of(who.scopes.begin(), who.scopes.end(), [p](Scope s) { return scope_allows(s, p); });
}

CaseScope case_scope(const Principal& who) {
  if (!allowed(who, P::kReadCases)) return CaseScope::kNone;
  if (who.kind == Principal::Kind::kToken) return CaseScope::kAll;
  switch (who.role) {
    case Role::kStation: return CaseScope::kStation;
    case Role::kResponder: return CaseScope::kResponder;
    default: return CaseScope::kAll;
  }
}

bool sees_station(const Principal& who, std::string_view station_code) {
  switch (case_scope(who)) {
    case CaseScope::kAll: return true;
    case CaseScope::kStation: return !station_code.empty() && station_code == who.station_code;
    case CaseScope::kResponder: return false;  // only the case of its visit, wherever it is
    case CaseScope::kNone: return false;
  }
  return false;
}

bool sees_personal_data(const Principal& who) {
  if (who.kind != Principal::Kind::kUser) return false;
  return who.role == Role::kCentre || who.role == Role::kStation || who.role == Role::kResponder ||
         who.role == Role::kSupervisor;
}

}  // namespace quanzu::auth

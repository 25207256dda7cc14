#include "auth/access.h"

#include <gtest/gtest.h>

namespace quanzu::auth {
namespace {

using P = Permission;

Principal user(Role role, std::string station = "", std::string responder = "") {
  Principal p;
  p.kind = Principal::Kind::kUser;
  p.name = std::string(name(role)) + "-1";
  p.role = role;
  p.station_code = std::move(station);
  p.responder_id = std::move(responder);
  return p;
}

Principal token(std::vector<Scope> scopes) {
  Principal p;
  p.kind = Principal::Kind::kToken;
  p.name = "tok_0123456789ab";
  p.scopes = std::move(scopes);
  return p;
}

TEST(Access, RolesOfTheSpec) {
  EXPECT_TRUE(allowed(user(Role::kCentre), P::kChangeRules));
  EXPECT_TRUE(allowed(user(Role::kCentre), P::kCaseEvents));
  EXPECT_FALSE(allowed(user(Role::kCentre), P::kApproveRelease));
  EXPECT_FALSE(allowed(user(Role::kCentre), P::kReadAudit));
  EXPECT_TRUE(allowed(user(Role::kStation, "S1"), P::kCaseEvents));
  EXPECT_FALSE(allowed(user(Role::kStation, "S1"), P::kChangeRules));
  EXPECT_FALSE(allowed(user(Role::kStation, "S1"), P::kReadClusters));
  EXPECT_TRUE(allowed(user(Role::kSupervisor), P::kApproveRelease));
  EXPECT_FALSE(allowed(user(Role::kSupervisor), P::kCaseEvents));
  EXPECT_TRUE(allowed(user(Role::kSupervisor), P::kNotes));
  EXPECT_TRUE(allowed(user(Role::kResponder, "S1", "R1"), P::kVisitReports));
  EXPECT_TRUE(allowed(user(Role::kResponder, "S1", "R1"), P::kUpdateSelf));
  EXPECT_FALSE(allowed(user(Role::kResponder, "S1", "R1"), P::kStream));
  EXPECT_FALSE(allowed(user(Role::kResponder, "S1", "R1"), P::kCaseEvents));
  EXPECT_FALSE(allowed(user(Role::kResponder, "S1", "R1"), P::kManageResponders));
  EXPECT_TRUE(allowed(user(Role::kAuditor), P::kReadAudit));
  EXPECT_FALSE(allowed(user(Role::kAuditor), P::kReadCases));
  EXPECT_TRUE(allowed(user(Role::kAdmin), P::kChangeRules));
  EXPECT_FALSE(allowed(user(Role::kAdmin), P::kCaseEvents));
  EXPECT_FALSE(allowed(user(Role::kAdmin), P::kReadAudit));
}

TEST(Access, NoOneButMachinesReportsForBanksAndGateways) {
  for (Role r : {Role::kAdmin, Role::kCentre, Role::kStation, Role::kResponder, Role::kSupervisor, Role::kAuditor}) {
    EXPECT_FALSE(allowed(user(r, "S1", "R1"), P::kBankCallback)) << name(r);
    EXPECT_FALSE(allowed(user(r, "S1", "R1"), P::kAttemptResults)) << name(r);
  }
  EXPECT_TRUE(allowed(token({Scope::kBankCallback}), P::kBankCallback));
  EXPECT_TRUE(allowed(token({Scope::kAttempts}), P::kAttemptResults));
}

TEST(Access, TokensGetOnlyTheirScopes) {
  const Principal ingest = token({Scope::kIngest});
  EXPECT_TRUE(allowed(ingest, P::kIngest));
  EXPECT_FALSE(allowed(ingest, P::kReadCases));
  EXPECT_FALSE(allowed(ingest, P::kBankCallback));
  const Principal read = token({Scope::kRead});
  EXPECT_TRUE(allowed(read, P::kReadCases));
  EXPECT_TRUE(allowed(read, P::kStream));
  EXPECT_FALSE(allowed(read, P::kIngest));
  EXPECT_FALSE(allowed(read, P::kCaseEvents));
  EXPECT_FALSE(sees_personal_data(read));
  const Principal both = token({Scope::kIngest, Scope::kRead});
  EXPECT_TRUE(allowed(both, P::kIngest) && allowed(both, P::kReadCases));
  EXPECT_EQ(both.label(), "token:ingest+read");
}

TEST(Access, CaseScopes) {
  const Principal station = user(Role::kStation, "S1");
  EXPECT_EQ(case_scope(station), CaseScope::kStation);
  EXPECT_TRUE(sees_station(station, "S1"));
  EXPECT_FALSE(sees_station(station, "S2"));
  EXPECT_FALSE(sees_station(station, ""));  // unrouted cases belong to the centre
  const Principal responder = user(Role::kResponder, "S1", "R1");
  EXPECT_EQ(case_scope(responder), CaseScope::kResponder);
  EXPECT_FALSE(sees_station(responder, "S1"));  // only the case of its visit
  EXPECT_EQ(case_scope(user(Role::kCentre)), CaseScope::kAll);
  EXPECT_EQ(case_scope(user(Role::kAuditor)), CaseScope::kNone);
  EXPECT_FALSE(sees_station(user(Role::kAuditor), "S1"));
  EXPECT_EQ(case_scope(token({Scope::kIngest})), CaseScope::kNone);
  EXPECT_EQ(case_scope(token({Scope::kRead})), CaseScope::kAll);
}

TEST(Access, PersonalDataOnlyForThoseWhoHandleThePerson) {
  EXPECT_TRUE(sees_personal_data(user(Role::kCentre)));
  EXPECT_TRUE(sees_personal_data(user(Role::kStation, "S1")));
  EXPECT_TRUE(sees_personal_data(user(Role::kResponder, "S1", "R1")));
  EXPECT_TRUE(sees_personal_data(user(Role::kSupervisor)));
  EXPECT_FALSE(sees_personal_data(user(Role::kAdmin)));
  EXPECT_FALSE(sees_personal_data(user(Role::kAuditor)));
}

}  // namespace
}  // namespace quanzu::auth

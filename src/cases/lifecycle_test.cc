#include "cases/lifecycle.h"

#include <gtest/gtest.h>

namespace quanzu::cases {
namespace {

Case open_case() {
  Case c;
  c.id = "C1";
  c.status = Status::kOpen;
  c.station = Station{"500105-01", "江北区第1派出所", "500105"};
  c.version = 1;
  return c;
}

EventRequest attempt(Channel channel, std::string result) {
  EventRequest r;
  r.kind = EventRequest::Kind::kAttempt;
  r.attempt.channel = channel;
  r.attempt.result = std::move(result);
  return r;
}

EventRequest outcome(Outcome o, std::optional<Fen> amount = std::nullopt) {
  EventRequest r;
  r.kind = EventRequest::Kind::kOutcome;
  r.outcome.outcome = o;
  r.outcome.amount_protected = amount;
  return r;
}

TEST(Lifecycle, AttemptMovesOpenToInProgress) {
  auto next = apply(open_case(), attempt(Channel::kManualCall, "hung_up"), "op1", 1000);
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_EQ(next->status, Status::kInProgress);
  EXPECT_EQ(next->version, 2);
  EXPECT_EQ(next->updated_at, 1000);
  ASSERT_EQ(next->timeline.size(), 1u);
  EXPECT_EQ(next->timeline[0].kind, "attempt");
  EXPECT_EQ(next->timeline[0].actor, "op1");
  EXPECT_EQ(next->timeline[0].data,
            R"({"channel":"manual_call","result":"hung_up","status":"in_progress"})");
}

TEST(Lifecycle, AttemptOnUnroutedCaseKeepsItInTheCentreQueue) {
  Case c = open_case();
  c.status = Status::kUnrouted;
  c.station.reset();
  auto next = apply(c, attempt(Channel::kRobocall, "answered"), "system", 1);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, Status::kUnrouted);
}

TEST(Lifecycle, UnknownResultForChannelNamesTheField) {
  auto next = apply(open_case(), attempt(Channel::kSms, "hung_up"), "op1", 1);
  ASSERT_FALSE(next.has_value());
  EXPECT_EQ(next.error().code, Code::kInvalid);
  ASSERT_EQ(next.error().fields.size(), 1u);
  EXPECT_EQ(next.error().fields[0].field, "result");
}

TEST(Lifecycle, DissuadedRequiresAmountAndClosesTheCase) {
  auto missing = apply(open_case(), outcome(Outcome::kDissuaded), "op1", 1);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().fields.at(0).field, "amount_protected_cny");

  auto closed = apply(open_case(), outcome(Outcome::kDissuaded, 30000), "op1", 2);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->status, Status::kClosed);
  EXPECT_EQ(closed->outcome, Outcome::kDissuaded);
  EXPECT_EQ(closed->amount_protected, 30000);
  EXPECT_NE(closed->timeline[0].data.find("\"amount_protected_cny\":300"), std::string::npos)
      << closed->timeline[0].data;
}

TEST(Lifecycle, AmountOnlyWithDissuaded) {
  auto r = apply(open_case(), outcome(Outcome::kWarned, 100), "op1", 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kInvalid);
}

TEST(Lifecycle, ClosedCaseRefusesAttemptsAndSecondOutcome) {
  auto closed = apply(open_case(), outcome(Outcome::kWarned), "op1", 1);
  ASSERT_TRUE(closed.has_value());
  auto again = apply(*closed, outcome(Outcome::kNotFraud), "op1", 2);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Code::kConflict);
  EXPECT_NE(again.error().message.find("already closed with outcome warned"), std::string::npos);
  auto late = apply(*closed, attempt(Channel::kManualCall, "answered"), "op1", 3);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, Code::kConflict);
}

TEST(Lifecycle, NotesAreAllowedInEveryStatus) {
  EventRequest note;
  note.kind = EventRequest::Kind::kNote;
  note.note.text = "当事人称不在江北";
  for (Status s : {Status::kUnrouted, Status::kOpen, Status::kInProgress, Status::kClosed}) {
    Case c = open_case();
    c.status = s;
    auto r = apply(c, note, "op1", 1);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, s);
  }
  note.note.text.clear();
  EXPECT_FALSE(apply(open_case(), note, "op1", 1).has_value());
}

TEST(Lifecycle, ReopenOnlyFromClosedAndClearsOutcome) {
  EventRequest reopen;
  reopen.kind = EventRequest::Kind::kReopen;
  reopen.reopen.reason = "person called back";
  auto bad = apply(open_case(), reopen, "sup", 1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kConflict);

  auto closed = apply(open_case(), outcome(Outcome::kDissuaded, 500), "op1", 1);
  ASSERT_TRUE(closed.has_value());
  auto reopened = apply(*closed, reopen, "sup", 2);
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ(reopened->status, Status::kInProgress);
  EXPECT_FALSE(reopened->outcome.has_value());
  EXPECT_EQ(reopened->amount_protected, 0);
}

EventRequest reroute_to(std::optional<Station> to, std::string method, std::string reason) {
  EventRequest r;
  r.kind = EventRequest::Kind::kReroute;
  r.reroute.to = std::move(to);
  r.reroute.method = std::move(method);
  r.reroute.reason = std::move(reason);
  return r;
}

TEST(Lifecycle, RerouteMovesTheCaseAndRecordsBothStations) {
  auto moved = apply(open_case(), reroute_to(Station{"500112-02", "渝北区第2派出所", "500112"}, "manual",
                                             "当事人称不在江北"), "op1", 5);
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  EXPECT_EQ(moved->station->code, "500112-02");
  EXPECT_EQ(moved->routing_method, "manual");
  EXPECT_EQ(moved->status, Status::kOpen);
  const std::string& data = moved->timeline.at(0).data;
  EXPECT_EQ(moved->timeline[0].kind, "rerouted");
  EXPECT_NE(data.find(R"("from_station":"500105-01")"), std::string::npos) << data;
  EXPECT_NE(data.find(R"("to_station":"500112-02")"), std::string::npos) << data;
}

TEST(Lifecycle, RerouteOfAnUnroutedCaseOpensIt) {
  Case c = open_case();
  c.status = Status::kUnrouted;
  c.station.reset();
  auto moved = apply(c, reroute_to(Station{"500105-01", "x", "500105"}, "point", "found"), "op", 1);
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->status, Status::kOpen);
}

TEST(Lifecycle, RerouteOutOfAreaClosesAsHandedOffWithANotice) {
  EventRequest r = reroute_to(std::nullopt, "out_of_area", "人在成都");
  r.reroute.handoff_to = "510104";
  auto moved = apply(open_case(), r, "op1", 7);
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->status, Status::kClosed);
  EXPECT_EQ(moved->outcome, Outcome::kHandedOff);
  ASSERT_EQ(moved->outbound.size(), 1u);
  EXPECT_EQ(moved->outbound[0].channel, "handoff");
  EXPECT_NE(moved->outbound[0].payload.find("510104"), std::string::npos);
}

TEST(Lifecycle, RerouteRefusals) {
  auto same = apply(open_case(), reroute_to(Station{"500105-01", "x", "500105"}, "manual", "r"), "op", 1);
  ASSERT_FALSE(same.has_value());
  EXPECT_EQ(same.error().code, Code::kConflict);
  auto no_reason = apply(open_case(), reroute_to(Station{"500112-01", "x", "500112"}, "manual", ""), "op", 1);
  ASSERT_FALSE(no_reason.has_value());
  EXPECT_EQ(no_reason.error().fields.at(0).field, "reason");
  Case closed = open_case();
  closed.status = Status::kClosed;
  auto late = apply(closed, reroute_to(Station{"500112-01", "x", "500112"}, "manual", "r"), "op", 1);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, Code::kConflict);
}

}  // namespace
}  // namespace quanzu::cases

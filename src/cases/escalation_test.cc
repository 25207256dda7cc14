#include "cases/escalation.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "cases/test_plans.h"

namespace quanzu::cases {
namespace {

constexpr Millis kT0 = 1701224760000;  // 2023-11-29 10:26 Beijing
constexpr Millis kSecond = 1000;
constexpr Millis kMinute = 60 * kSecond;

class EscalationTest : public ::testing::Test {
 protected:
  Case arrive(Level level, bool routed = true) {
    Case c;
    c.id = "C1";
    c.level = level;
    c.status = routed ? Status::kOpen : Status::kUnrouted;
    if (routed) c.station = Station{"500105-01", "江北区第1派出所", "500105"};
    c.phone = "13800138000";
    c.created_at = kT0;
    start_handling(c, plans_, kT0);
    return c;
  }

  // Stores `next` as the store would: the events and outbound messages are gone afterwards.
  static Case stored(Case next) {
    next.timeline.clear();
    next.outbound.clear();
    next.responder_claims.clear();
    return next;
  }

  Case record(const Case& c, Channel channel, const std::string& result, const std::string& ref = "",
              Millis at = kT0 + kMinute) {
    EventRequest r;
    r.kind = EventRequest::Kind::kAttempt;
    r.attempt.channel = channel;
    r.attempt.result = result;
    r.attempt.ref = ref;
    auto next = record_event(c, r, plans_, "tester", at);
    EXPECT_TRUE(next.has_value()) << (next ? "" : next.error().message);
    last_ = next ? *next : c;
    return stored(last_);
  }

  static std::vector<std::string> channels_of(const Case& c) {
    std::vector<std::string> out;
    for (const auto& m : c.outbound) out.push_back(m.channel);
    return out;
  }
  static bool has_event(const Case& c, const std::string& kind) {
    return std::any_of(c.timeline.begin(), c.timeline.end(), [&](const auto& e) { return e.kind == kind; });
  }

  Plans plans_ = shipped_plans();
  Case last_;  // the last recorded change, with its events and outbound messages
};

TEST_F(EscalationTest, ShippedPlansFollowTheSpecTable) {
  EXPECT_EQ(plans_.of(Level::kLow).first, (std::vector<Action>{Action::kSms}));
  EXPECT_EQ(plans_.of(Level::kMedium).first, (std::vector<Action>{Action::kSms, Action::kRobocall}));
  EXPECT_EQ(plans_.of(Level::kHigh).first,
            (std::vector<Action>{Action::kRobocall, Action::kSms, Action::kCallTask}));
  EXPECT_EQ(plans_.of(Level::kExtreme).first,
            (std::vector<Action>{Action::kRobocall, Action::kSms, Action::kCallTask}));
  EXPECT_EQ(plans_.of(Level::kLow).first_attempt_target, 60 * kMinute);
  EXPECT_EQ(plans_.of(Level::kMedium).first_attempt_target, 10 * kMinute);
  EXPECT_EQ(plans_.of(Level::kHigh).first_attempt_target, 2 * kMinute);
  EXPECT_EQ(plans_.of(Level::kExtreme).first_attempt_target, 30 * kSecond);
  EXPECT_EQ(plans_.of(Level::kExtreme).door_arrival_target, 20 * kMinute);
}

TEST_F(EscalationTest, LowSendsSmsAndClosesAsWarnedOnTheReceipt) {
  Case c = arrive(Level::kLow);
  EXPECT_EQ(channels_of(c), (std::vector<std::string>{"sms"}));
  ASSERT_EQ(c.handling.pending.size(), 1u);
  EXPECT_EQ(c.handling.pending[0].ref, "C1/sms/1");
  EXPECT_FALSE(c.handling.task.has_value());
  ASSERT_NE(find_timer(c.handling, timer::kFirstAttemptDue), nullptr);
  EXPECT_EQ(find_timer(c.handling, timer::kFirstAttemptDue)->due_at, kT0 + 60 * kMinute);

  c = stored(c);
  auto placed = attempt_placed(c, "C1/sms/1", kT0 + 2 * kSecond);
  ASSERT_TRUE(placed.has_value());
  EXPECT_EQ(placed->handling.sla.first_attempt_at, kT0 + 2 * kSecond);
  EXPECT_EQ(find_timer(placed->handling, timer::kFirstAttemptDue), nullptr);
  c = stored(*placed);

  c = record(c, Channel::kSms, "delivered", "C1/sms/1");
  EXPECT_EQ(c.status, Status::kClosed);
  EXPECT_EQ(c.outcome, Outcome::kWarned);
  EXPECT_TRUE(c.handling.timers.empty());
  EXPECT_TRUE(has_event(last_, "plan"));
}

TEST_F(EscalationTest, LowSmsFailureLeavesTheCaseOpen) {
  Case c = stored(arrive(Level::kLow));
  c = record(c, Channel::kSms, "failed", "C1/sms/1");
  EXPECT_NE(c.status, Status::kClosed);
  EXPECT_FALSE(has_event(last_, "plan"));
}

TEST_F(EscalationTest, MediumRetriesTheRobocallAfterTenMinutesThenMakesACallTask) {
  Case c = arrive(Level::kMedium);
  EXPECT_EQ(channels_of(c), (std::vector<std::string>{"sms", "robocall"}));
  EXPECT_FALSE(c.handling.task.has_value());
  c = stored(c);

  c = record(c, Channel::kRobocall, "no_answer", "C1/robocall/1", kT0 + kMinute);
  ASSERT_NE(find_timer(c.handling, timer::kRobocallRetry), nullptr);
  const Timer retry = *find_timer(c.handling, timer::kRobocallRetry);
  EXPECT_EQ(retry.due_at, kT0 + 11 * kMinute);
  EXPECT_TRUE(last_.outbound.empty());  // nothing sent before the delay

  // Not yet due: refused, nothing changes.
  EXPECT_EQ(fire_timer(c, retry, plans_, kT0 + 5 * kMinute).error().code, Code::kConflict);
  auto fired = fire_timer(c, retry, plans_, kT0 + 11 * kMinute);
  ASSERT_TRUE(fired.has_value());
  EXPECT_EQ(channels_of(*fired), (std::vector<std::string>{"robocall"}));
  EXPECT_EQ(find_timer(fired->handling, timer::kRobocallRetry), nullptr);
  c = stored(*fired);
  // Fired once: a second firing of the same timer is refused.
  EXPECT_EQ(fire_timer(c, retry, plans_, kT0 + 12 * kMinute).error().code, Code::kConflict);

  c = record(c, Channel::kRobocall, "busy", "C1/robocall/2", kT0 + 12 * kMinute);
  ASSERT_TRUE(c.handling.task.has_value());
  EXPECT_EQ(c.handling.task->due_at, kT0 + 22 * kMinute);
  EXPECT_EQ(find_timer(c.handling, timer::kRobocallRetry), nullptr);  // no third robocall
}

TEST_F(EscalationTest, MediumAnsweredRobocallIsAContactAndNeedsNoTask) {
  Case c = stored(arrive(Level::kMedium));
  c = record(c, Channel::kRobocall, "answered", "C1/robocall/1");
  EXPECT_TRUE(c.handling.sla.first_contact_at.has_value());
  EXPECT_FALSE(c.handling.task.has_value());
  EXPECT_EQ(find_timer(c.handling, timer::kRobocallRetry), nullptr);
}

TEST_F(EscalationTest, HighMakesACallTaskAtOnceAndSendsSomeoneAfterTwoFailures) {
  Case c = arrive(Level::kHigh);
  EXPECT_EQ(channels_of(c), (std::vector<std::string>{"robocall", "sms"}));
  ASSERT_TRUE(c.handling.task.has_value());
  EXPECT_EQ(c.handling.task->due_at, kT0 + 2 * kMinute);
  c = stored(c);

  c = record(c, Channel::kManualCall, "hung_up");
  EXPECT_FALSE(c.handling.visit_needed);
  EXPECT_EQ(c.handling.task->attempts, 1);
  EXPECT_FALSE(c.handling.task->done_at.has_value());

  c = record(c, Channel::kRobocall, "no_answer", "C1/robocall/1", kT0 + 3 * kMinute);
  EXPECT_TRUE(c.handling.visit_needed);
  ASSERT_NE(find_timer(c.handling, timer::kDispatch), nullptr);
  EXPECT_EQ(find_timer(c.handling, timer::kDispatch)->due_at, kT0 + 3 * kMinute);
  EXPECT_EQ(c.handling.sla.door_due, kT0 + 33 * kMinute);

  // A third failure does not ask again: one visit at a time.
  c = record(c, Channel::kManualCall, "unreachable", "", kT0 + 4 * kMinute);
  EXPECT_EQ(std::count_if(c.handling.timers.begin(), c.handling.timers.end(),
                          [](const Timer& t) { return t.kind == timer::kDispatch; }),
            1);
}

TEST_F(EscalationTest, ExtremeSendsSomeoneAfterAnyFailureAndProposesStopPaymentOnRefusal) {
  Case c = arrive(Level::kExtreme);
  EXPECT_EQ(channels_of(c), (std::vector<std::string>{"robocall", "sms"}));
  ASSERT_TRUE(c.handling.task.has_value());
  EXPECT_EQ(c.handling.task->due_at, kT0 + 30 * kSecond);
  EXPECT_EQ(c.handling.sla.first_attempt_due, kT0 + 30 * kSecond);
  c = stored(c);

  c = record(c, Channel::kManualCall, "hung_up", "", kT0 + 20 * kSecond);
  EXPECT_TRUE(c.handling.visit_needed);
  EXPECT_EQ(c.handling.sla.visit_requested_at, kT0 + 20 * kSecond);
  EXPECT_EQ(c.handling.sla.door_due, kT0 + 20 * kSecond + 20 * kMinute);
  EXPECT_EQ(c.handling.sla.first_attempt_at, kT0 + 20 * kSecond);

  c = record(c, Channel::kManualCall, "refused", "", kT0 + kMinute);
  EXPECT_TRUE(c.handling.stop_payment_proposed);
  EXPECT_TRUE(c.handling.task->done_at.has_value());  // someone answered
}

TEST_F(EscalationTest, VisitResultEndsTheVisitFreesTheResponderAndRecordsArrival) {
  Case c = stored(arrive(Level::kExtreme));
  c = record(c, Channel::kRobocall, "unreachable", "C1/robocall/1");
  Visit v;
  v.id = "C1-V1";
  v.responder_id = "R1";
  v.status = VisitStatus::kEnRoute;
  c.handling.visits.push_back(v);
  c.handling.visit_needed = false;
  c = record(c, Channel::kVisit, "refused", "", kT0 + 15 * kMinute);
  ASSERT_EQ(last_.responder_claims.size(), 1u);
  EXPECT_EQ(last_.responder_claims[0].responder_id, "R1");
  EXPECT_EQ(last_.responder_claims[0].expect_visit_id, "C1-V1");
  EXPECT_TRUE(last_.responder_claims[0].visit_id.empty());
  EXPECT_EQ(c.handling.visits.back().status, VisitStatus::kDone);
  EXPECT_EQ(c.handling.visits.back().result, "refused");
  EXPECT_EQ(c.handling.sla.door_arrival_at, kT0 + 15 * kMinute);
  EXPECT_EQ(find_timer(c.handling, timer::kDoorDue), nullptr);
  EXPECT_TRUE(c.handling.stop_payment_proposed);
}

TEST_F(EscalationTest, DeadlinesThatPassMarkTheCaseOverdueOnce) {
  Case c = stored(arrive(Level::kExtreme));
  const Timer task = *find_timer(c.handling, timer::kTaskDue);
  auto fired = fire_timer(c, task, plans_, kT0 + 31 * kSecond);
  ASSERT_TRUE(fired.has_value());
  EXPECT_TRUE(fired->handling.task->overdue);
  EXPECT_TRUE(has_event(*fired, "overdue"));
  EXPECT_EQ(fired->handling.sla.overdue, (std::vector<std::string>{"call_task"}));
  c = stored(*fired);
  const Timer first = *find_timer(c.handling, timer::kFirstAttemptDue);
  fired = fire_timer(c, first, plans_, kT0 + 31 * kSecond);
  ASSERT_TRUE(fired.has_value());
  EXPECT_EQ(fired->handling.sla.overdue, (std::vector<std::string>{"call_task", "first_attempt"}));
  EXPECT_EQ(next_due(fired->handling), std::nullopt);
}

TEST_F(EscalationTest, AResultIsTakenOnceAndOnlyForAnAttemptThatWasMade) {
  Case c = stored(arrive(Level::kMedium));
  c = record(c, Channel::kRobocall, "no_answer", "C1/robocall/1");
  EventRequest again;
  again.kind = EventRequest::Kind::kAttempt;
  again.attempt.channel = Channel::kRobocall;
  again.attempt.result = "no_answer";
  again.attempt.ref = "C1/robocall/1";
  auto repeated = record_event(c, again, plans_, "channel", kT0 + 2 * kMinute);
  ASSERT_FALSE(repeated.has_value());
  EXPECT_EQ(repeated.error().code, Code::kConflict);
  again.attempt.ref = "C1/robocall/9";
  EXPECT_EQ(record_event(c, again, plans_, "channel", kT0).error().code, Code::kConflict);
  again.attempt.ref = "C1/sms/1";
  EXPECT_EQ(record_event(c, again, plans_, "channel", kT0).error().code, Code::kInvalid);
}

TEST_F(EscalationTest, ClosingEndsTheTaskTheVisitAndTheDeadlinesButNotStopPayments) {
  Case c = stored(arrive(Level::kExtreme));
  Visit v;
  v.id = "C1-V1";
  v.responder_id = "R1";
  v.status = VisitStatus::kAcknowledged;
  c.handling.visits.push_back(v);
  set_timer(c.handling, timer::kStopPaymentExpiry, kT0 + 48 * 60 * kMinute, "C1-S1");
  EventRequest close;
  close.kind = EventRequest::Kind::kOutcome;
  close.outcome.outcome = Outcome::kDissuaded;
  close.outcome.amount_protected = 30000;
  auto next = record_event(c, close, plans_, "operator", kT0 + 5 * kMinute);
  ASSERT_TRUE(next.has_value());
  EXPECT_TRUE(next->handling.task->done_at.has_value());
  EXPECT_EQ(next->handling.visits.back().status, VisitStatus::kCancelled);
  ASSERT_EQ(next->responder_claims.size(), 1u);
  ASSERT_EQ(next->handling.timers.size(), 1u);
  EXPECT_EQ(next->handling.timers[0].kind, timer::kStopPaymentExpiry);
  EXPECT_TRUE(next->handling.pending.empty());
}

TEST_F(EscalationTest, UnroutedCasesGetTheirMessagesAndAWaitingTask) {
  Case c = arrive(Level::kHigh, /*routed=*/false);
  EXPECT_EQ(channels_of(c), (std::vector<std::string>{"robocall", "sms"}));
  EXPECT_TRUE(c.handling.task.has_value());  // in the centre's queue until a station owns it
}

TEST_F(EscalationTest, HandedOffCasesStartNothing) {
  Case c;
  c.id = "C2";
  c.level = Level::kExtreme;
  c.status = Status::kClosed;
  c.outcome = Outcome::kHandedOff;
  start_handling(c, plans_, kT0);
  EXPECT_TRUE(c.outbound.empty());
  EXPECT_TRUE(c.handling.timers.empty());
}

TEST_F(EscalationTest, ARaisedLevelTakesTheNewPlansFirstActions) {
  Case c = stored(arrive(Level::kMedium));
  Case next = c;
  next.level = Level::kExtreme;
  level_raised(next, Level::kMedium, plans_, kT0 + kMinute);
  ASSERT_TRUE(next.handling.task.has_value());
  EXPECT_EQ(next.handling.task->due_at, kT0 + kMinute + 30 * kSecond);
  EXPECT_EQ(next.handling.sla.first_attempt_due, kT0 + kMinute + 30 * kSecond);
  EXPECT_TRUE(next.outbound.empty());  // sms and robocall went out at arrival already
}

TEST_F(EscalationTest, HandlingSurvivesItsJsonForm) {
  Case c = stored(arrive(Level::kExtreme));
  c = record(c, Channel::kRobocall, "no_answer", "C1/robocall/1");
  Visit v;
  v.id = "C1-V1";
  v.responder_id = "R1";
  v.status = VisitStatus::kOnScene;
  v.on_scene_at = kT0 + 9 * kMinute;
  v.distance_m = 1234.5;
  c.handling.visits.push_back(v);
  StopPayment sp;
  sp.id = "C1-S1";
  sp.account = "6222020200112233445";
  sp.status = StopPaymentStatus::kActive;
  sp.expires_at = kT0 + 48 * 60 * kMinute;
  sp.documents.push_back(Document{std::string(64, 'a'), "申请.pdf", "application/pdf", 2048, kT0, "官"});
  c.handling.stop_payments.push_back(sp);
  c.handling.location = GeoPoint{29.575, 106.531};
  c.handling.address = "江北区石门";
  const std::string text = to_json(c.handling);
  const Handling back = handling_from_json(text);
  EXPECT_EQ(to_json(back), text);
  EXPECT_EQ(back.visits.at(0).on_scene_at, kT0 + 9 * kMinute);
  EXPECT_EQ(back.stop_payments.at(0).documents.at(0).name, "申请.pdf");
  EXPECT_EQ(back.row_hits, c.handling.row_hits);
  EXPECT_TRUE(handling_from_json("").timers.empty());
  EXPECT_TRUE(handling_from_json("not json").timers.empty());
}

TEST(PlansTest, ProblemsAreReportedWithTheirLines) {
  const char* text = R"([medium]
first = ["sms", "visit"]
task_due = "ten minutes"
colour = "red"

[[medium.on]]
id = "a"
channel = ["robocall"]
result = ["delivered"]
then = "visit"
after = "5m"

[[medium.on]]
id = "a"
channel = ["pigeon"]
result = ["no_answer"]
from = 3
to = 2
then = "call_task"

[dispatch]
speed_kmh = 0
)";
  auto plans = load_plans(text, "p.toml");
  ASSERT_FALSE(plans.has_value());
  const std::string& m = plans.error().message;
  EXPECT_NE(m.find("p.toml:2: first actions are sms, robocall or call_task, not \"visit\""), std::string::npos) << m;
  EXPECT_NE(m.find("p.toml:3: task_due"), std::string::npos) << m;
  EXPECT_NE(m.find("p.toml:4: unknown key \"colour\""), std::string::npos) << m;
  EXPECT_NE(m.find("no watched channel reports \"delivered\""), std::string::npos) << m;
  EXPECT_NE(m.find("only sms and robocall can wait"), std::string::npos) << m;
  EXPECT_NE(m.find("p.toml:13: reaction id \"a\" is used twice"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown channel \"pigeon\""), std::string::npos) << m;
  EXPECT_NE(m.find("from is after to"), std::string::npos) << m;
  EXPECT_NE(m.find("speed_kmh must be between"), std::string::npos) << m;
}

TEST(PlansTest, SyntaxErrorsNameTheLine) {
  auto plans = load_plans("[low\nfirst = [", "bad.toml");
  ASSERT_FALSE(plans.has_value());
  EXPECT_NE(plans.error().message.find("bad.toml:1"), std::string::npos) << plans.error().message;
}

}  // namespace
}  // namespace quanzu::cases

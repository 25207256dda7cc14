#include "dispatch/visit.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace quanzu::dispatch {
namespace {

using cases::Visit;
using S = cases::VisitStatus;

constexpr Millis kT0 = 1'700'000'000'000;
constexpr S kAll[] = {S::kDispatched, S::kAcknowledged, S::kEnRoute,  S::kOnScene,
                      S::kDone,       S::kTimedOut,     S::kDeclined, S::kCancelled};

Visit visit_in(S status) {
  Visit v;
  v.id = "C1-V1";
  v.responder_id = "R1";
  v.responder_station = "500105-01";
  v.status = status;
  v.dispatched_at = kT0;
  v.ack_due_at = kT0 + 60'000;
  return v;
}

// Every legal move, from the header's picture; everything else is illegal.
const std::set<std::pair<S, S>> kLegal = {
    {S::kDispatched, S::kAcknowledged},
    {S::kDispatched, S::kEnRoute},
    {S::kDispatched, S::kDeclined},
    {S::kDispatched, S::kTimedOut},
    {S::kDispatched, S::kCancelled},
    {S::kAcknowledged, S::kEnRoute},
    {S::kAcknowledged, S::kCancelled},
    {S::kEnRoute, S::kOnScene},
    {S::kEnRoute, S::kDone},
    {S::kEnRoute, S::kCancelled},
    {S::kOnScene, S::kDone},
    {S::kOnScene, S::kCancelled},
};

// Asks as the platform (who may make every legal move), a result only for done, late
// enough for timed_out.
Result<Visit> move(const Visit& v, S to) {
  return advance(v, to, "", v.ack_due_at + 1, to == S::kDone ? "met" : "");
}

TEST(VisitTest, EveryMoveLegalOrIllegal) {
  for (S from : kAll) {
    for (S to : kAll) {
      Result<Visit> r = move(visit_in(from), to);
      std::string label = std::string(status_word(from)) + " -> " + std::string(status_word(to));
      if (kLegal.count({from, to})) {
        ASSERT_TRUE(r.has_value()) << label << ": " << r.error().message;
        EXPECT_EQ(r->status, to) << label;
      } else {
        ASSERT_FALSE(r.has_value()) << label;
        EXPECT_EQ(r.error().code, Code::kConflict) << label;
        // The message says what the status is.
        EXPECT_NE(r.error().message.find("visit C1-V1 is " + std::string(status_word(from))),
                  std::string::npos)
            << label << ": " << r.error().message;
      }
    }
  }
}

TEST(VisitTest, NextStatusesMatchTheLegalMoves) {
  for (S from : kAll) {
    std::vector<S> expected;
    for (S to : kAll) {
      if (kLegal.count({from, to})) expected.push_back(to);
    }
    EXPECT_EQ(next_statuses(from), expected) << status_word(from);
  }
}

TEST(VisitTest, UnderWay) {
  EXPECT_TRUE(under_way(S::kDispatched));
  EXPECT_TRUE(under_way(S::kAcknowledged));
  EXPECT_TRUE(under_way(S::kEnRoute));
  EXPECT_TRUE(under_way(S::kOnScene));
  EXPECT_FALSE(under_way(S::kDone));
  EXPECT_FALSE(under_way(S::kTimedOut));
  EXPECT_FALSE(under_way(S::kDeclined));
  EXPECT_FALSE(under_way(S::kCancelled));
}

TEST(VisitTest, StatusWords) {
  std::set<std::string_view> words;
  for (S s : kAll) words.insert(status_word(s));
  EXPECT_EQ(words, (std::set<std::string_view>{"dispatched", "acknowledged", "en_route", "on_scene",
                                               "done", "timed_out", "declined", "cancelled"}));
}

TEST(VisitTest, TheWholeWayWithItsTimes) {
  Visit v = visit_in(S::kDispatched);
  auto a = advance(v, S::kAcknowledged, "R1", kT0 + 20'000);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->acknowledged_at, kT0 + 20'000);
  EXPECT_EQ(v.status, S::kDispatched);  // the input is untouched
  auto e = advance(*a, S::kEnRoute, "R1", kT0 + 30'000);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->en_route_at, kT0 + 30'000);
  auto o = advance(*e, S::kOnScene, "R1", kT0 + 600'000);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->on_scene_at, kT0 + 600'000);
  EXPECT_FALSE(o->ended_at.has_value());
  auto d = advance(*o, S::kDone, "R1", kT0 + 900'000, "refused");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->status, S::kDone);
  EXPECT_EQ(d->result, "refused");
  EXPECT_EQ(d->ended_at, kT0 + 900'000);
  // Earlier steps keep their times.
  EXPECT_EQ(d->acknowledged_at, kT0 + 20'000);
  EXPECT_EQ(d->en_route_at, kT0 + 30'000);
  EXPECT_EQ(d->on_scene_at, kT0 + 600'000);
  EXPECT_EQ(d->id, "C1-V1");
  EXPECT_EQ(d->responder_id, "R1");
}

TEST(VisitTest, RidesOffWithoutAcknowledging) {
  auto e = advance(visit_in(S::kDispatched), S::kEnRoute, "R1", kT0 + 5'000);
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->acknowledged_at.has_value());
  EXPECT_EQ(e->en_route_at, kT0 + 5'000);
}

TEST(VisitTest, ResultBeforeArrival) {
  auto d = advance(visit_in(S::kEnRoute), S::kDone, "R1", kT0 + 5'000, "not_found");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->result, "not_found");
  EXPECT_EQ(d->ended_at, kT0 + 5'000);
  EXPECT_FALSE(d->on_scene_at.has_value());
}

TEST(VisitTest, EndingsSetEndedAt) {
  for (S end : {S::kDeclined, S::kCancelled}) {
    auto r = advance(visit_in(S::kDispatched), end, "", kT0 + 1'000);
    ASSERT_TRUE(r.has_value()) << status_word(end);
    EXPECT_EQ(r->ended_at, kT0 + 1'000);
    EXPECT_FALSE(under_way(r->status));
  }
  auto t = advance(visit_in(S::kDispatched), S::kTimedOut, "", kT0 + 60'000);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->ended_at, kT0 + 60'000);
  for (S from : {S::kAcknowledged, S::kEnRoute, S::kOnScene}) {
    auto c = advance(visit_in(from), S::kCancelled, "", kT0 + 2'000);
    ASSERT_TRUE(c.has_value()) << status_word(from);
    EXPECT_EQ(c->ended_at, kT0 + 2'000);
  }
}

TEST(VisitTest, OnlyItsOwnResponderMovesIt) {
  auto r = advance(visit_in(S::kDispatched), S::kAcknowledged, "R2", kT0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kConflict);
  EXPECT_EQ(r.error().message, "visit C1-V1 is held by responder R1, not R2");
  // Also for moves that would be legal, and endings.
  for (S to : {S::kEnRoute, S::kDeclined, S::kCancelled}) {
    EXPECT_FALSE(advance(visit_in(S::kDispatched), to, "R2", kT0).has_value());
  }
  EXPECT_FALSE(advance(visit_in(S::kOnScene), S::kDone, "R2", kT0, "met").has_value());
  // The responder itself and the platform may.
  EXPECT_TRUE(advance(visit_in(S::kDispatched), S::kDeclined, "R1", kT0).has_value());
  EXPECT_TRUE(advance(visit_in(S::kDispatched), S::kCancelled, "", kT0).has_value());
  EXPECT_TRUE(advance(visit_in(S::kOnScene), S::kDone, "", kT0, "met").has_value());
}

TEST(VisitTest, OnlyThePlatformCancels) {
  for (S from : {S::kDispatched, S::kAcknowledged, S::kEnRoute, S::kOnScene}) {
    auto r = advance(visit_in(from), S::kCancelled, "R1", kT0);
    ASSERT_FALSE(r.has_value()) << status_word(from);
    EXPECT_EQ(r.error().code, Code::kConflict);
    EXPECT_NE(r.error().message.find("declines before setting off"), std::string::npos);
    EXPECT_TRUE(advance(visit_in(from), S::kCancelled, "", kT0).has_value());
  }
}

TEST(VisitTest, OnlyTheTimerTimesOut) {
  Visit v = visit_in(S::kDispatched);
  auto by_responder = advance(v, S::kTimedOut, "R1", v.ack_due_at);
  ASSERT_FALSE(by_responder.has_value());
  EXPECT_EQ(by_responder.error().code, Code::kConflict);
  EXPECT_NE(by_responder.error().message.find("declines instead"), std::string::npos);

  auto early = advance(v, S::kTimedOut, "", v.ack_due_at - 1);
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, Code::kConflict);
  EXPECT_NE(early.error().message.find("not yet timed out"), std::string::npos);

  EXPECT_TRUE(advance(v, S::kTimedOut, "", v.ack_due_at).has_value());
}

TEST(VisitTest, MessagesSayWhatIsAllowed) {
  auto r = advance(visit_in(S::kAcknowledged), S::kOnScene, "R1", kT0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "visit C1-V1 is acknowledged; it cannot become on_scene; allowed: en_route, "
            "cancelled");

  auto declined_late = advance(visit_in(S::kEnRoute), S::kDeclined, "R1", kT0);
  ASSERT_FALSE(declined_late.has_value());
  EXPECT_EQ(declined_late.error().message,
            "visit C1-V1 is en_route; it cannot become declined; allowed: on_scene, done, "
            "cancelled");

  auto repeat = advance(visit_in(S::kEnRoute), S::kEnRoute, "R1", kT0);
  ASSERT_FALSE(repeat.has_value());
  EXPECT_EQ(repeat.error().code, Code::kConflict);
  EXPECT_EQ(repeat.error().message,
            "visit C1-V1 is en_route already; allowed: on_scene, done, cancelled");

  auto ended = advance(visit_in(S::kDone), S::kCancelled, "", kT0);
  ASSERT_FALSE(ended.has_value());
  EXPECT_EQ(ended.error().message,
            "visit C1-V1 is done; it cannot become cancelled; it has ended; nothing is allowed");

  auto back = advance(visit_in(S::kOnScene), S::kDispatched, "", kT0);
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().message,
            "visit C1-V1 is on_scene; it cannot become dispatched; allowed: done, cancelled");
}

TEST(VisitTest, ResultsAreChecked) {
  for (const char* result : {"met", "not_home", "refused", "not_found"}) {
    EXPECT_TRUE(is_visit_result(result));
    auto d = advance(visit_in(S::kOnScene), S::kDone, "R1", kT0, result);
    ASSERT_TRUE(d.has_value()) << result;
    EXPECT_EQ(d->result, result);
  }
  EXPECT_FALSE(is_visit_result(""));
  EXPECT_FALSE(is_visit_result("dissuaded"));

  auto missing = advance(visit_in(S::kOnScene), S::kDone, "R1", kT0);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Code::kInvalid);
  ASSERT_EQ(missing.error().fields.size(), 1u);
  EXPECT_EQ(missing.error().fields[0].field, "result");

  auto unknown = advance(visit_in(S::kOnScene), S::kDone, "R1", kT0, "MET");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, Code::kInvalid);
  EXPECT_NE(unknown.error().message.find("unknown result \"MET\""), std::string::npos);

  auto stray = advance(visit_in(S::kEnRoute), S::kOnScene, "R1", kT0, "met");
  ASSERT_FALSE(stray.has_value());
  EXPECT_EQ(stray.error().code, Code::kInvalid);

  // An illegal move is a conflict whatever the result says.
  auto too_early = advance(visit_in(S::kAcknowledged), S::kDone, "R1", kT0, "met");
  ASSERT_FALSE(too_early.has_value());
  EXPECT_EQ(too_early.error().code, Code::kConflict);
  auto from_dispatched = advance(visit_in(S::kDispatched), S::kDone, "R1", kT0, "met");
  ASSERT_FALSE(from_dispatched.has_value());
  EXPECT_EQ(from_dispatched.error().code, Code::kConflict);
}

TEST(VisitTest, StartVisitFromAChoice) {
  Choice c;
  c.responder.id = "500105-02-R03";
  c.responder.station_code = "500105-02";
  c.distance_m = 1234.5;
  c.travel = 200'000;
  c.own_station = false;
  DispatchOptions o;
  o.ack_timeout = 45'000;
  Visit v = start_visit("C1-V2", c, kT0, o);
  EXPECT_EQ(v.id, "C1-V2");
  EXPECT_EQ(v.responder_id, "500105-02-R03");
  EXPECT_EQ(v.responder_station, "500105-02");
  EXPECT_EQ(v.status, S::kDispatched);
  EXPECT_EQ(v.dispatched_at, kT0);
  EXPECT_EQ(v.ack_due_at, kT0 + 45'000);
  EXPECT_EQ(v.distance_m, 1234.5);
  EXPECT_EQ(v.estimated_travel, 200'000);
  EXPECT_FALSE(v.acknowledged_at || v.en_route_at || v.on_scene_at || v.ended_at);
}

TEST(VisitTest, ExcludedResponders) {
  auto with = [](std::string responder, S status) {
    Visit v = visit_in(status);
    v.responder_id = std::move(responder);
    return v;
  };
  std::vector<Visit> visits = {with("R1", S::kTimedOut),  with("R2", S::kDeclined),
                               with("R3", S::kCancelled), with("R1", S::kTimedOut),
                               with("R4", S::kDone),      with("R5", S::kDispatched)};
  EXPECT_EQ(excluded_responders(visits), (std::vector<std::string>{"R1", "R2"}));
  EXPECT_TRUE(excluded_responders({}).empty());
}

TEST(VisitTest, Claims) {
  Visit v = visit_in(S::kDispatched);
  cases::ResponderClaim take = claim_responder(v, "C1");
  EXPECT_EQ(take.responder_id, "R1");
  EXPECT_EQ(take.expect_visit_id, "");
  EXPECT_EQ(take.visit_id, "C1-V1");
  EXPECT_EQ(take.case_id, "C1");
  cases::ResponderClaim free = release_responder(v);
  EXPECT_EQ(free.responder_id, "R1");
  EXPECT_EQ(free.expect_visit_id, "C1-V1");
  EXPECT_EQ(free.visit_id, "");
  EXPECT_EQ(free.case_id, "");
}

}  // namespace
}  // namespace quanzu::dispatch

#include "store/testing/store_contract.h"

#include <atomic>
#include <set>
#include <thread>

namespace quanzu::store::testing {

using cases::Case;
using cases::Status;

Result<std::vector<IngestOutcome>> ingest_sync(CaseStore& store, std::vector<NewCase> batch) {
  std::promise<Result<std::vector<IngestOutcome>>> promise;
  auto future = promise.get_future();
  store.ingest(std::move(batch), [&](Result<std::vector<IngestOutcome>> r) {
    promise.set_value(std::move(r));
  });
  return future.get();
}

Result<Case> update_sync(CaseStore& store, const std::string& id, Mutator mutate) {
  std::promise<Result<Case>> promise;
  auto future = promise.get_future();
  store.update(id, std::move(mutate), [&](Result<Case> r) { promise.set_value(std::move(r)); });
  return future.get();
}

NewCase sample_case(const std::string& instruction_id, Millis at, const std::string& station) {
  static std::atomic<int> counter{0};
  NewCase n;
  Case& c = n.kase;
  c.id = "C" + std::to_string(at) + "-" + std::to_string(counter++);
  c.instruction_id = instruction_id;
  c.level = instruction::Level::kHigh;
  c.reasons = {"r.one", "r.two"};
  c.rules_version = "v1";
  if (!station.empty()) {
    c.station = cases::Station{station, "江北区第1派出所", station.substr(0, 6)};
    c.status = Status::kOpen;
    c.routing_method = "adcode";
  } else {
    c.status = Status::kUnrouted;
    c.routing_method = "none";
  }
  c.created_at = c.updated_at = at;
  c.issued_at = at - 1000;
  c.trigger = instruction::Trigger::kPendingTransfer;
  c.scam_type = instruction::ScamType::kFakeInvestment;
  c.phone = "13800138000";
  c.subject_name = "何某";
  c.age = 34;
  c.at_risk = 500000;
  c.timeline.push_back({1, at, "created", "system", R"({"level":"high"})"});
  n.instruction_raw = R"({"id":")" + instruction_id + R"(","x-unknown":[1,2.50]})";
  return n;
}

namespace {

Mutator close_dissuaded(instruction::Fen amount, Millis at) {
  return [=](const Case& current) -> Result<Case> {
    if (current.status == Status::kClosed) return fail(Code::kConflict, "closed");
    Case next = current;
    next.status = Status::kClosed;
    next.outcome = cases::Outcome::kDissuaded;
    next.amount_protected = amount;
    next.version = current.version + 1;
    next.updated_at = at;
    next.timeline = {{0, at, "outcome", "op", R"({"outcome":"dissuaded"})"}};
    return next;
  };
}

TEST_P(StoreContract, StoresAndReadsACaseWhole) {
  auto store = GetParam()();
  auto r = ingest_sync(*store, {sample_case("I-1", 1000)});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].created);
  auto got = store->get((*r)[0].case_id);
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->has_value());
  const Case& c = **got;
  EXPECT_EQ(c.instruction_id, "I-1");
  EXPECT_EQ(c.level, instruction::Level::kHigh);
  EXPECT_EQ(c.reasons, (std::vector<std::string>{"r.one", "r.two"}));
  ASSERT_TRUE(c.station.has_value());
  EXPECT_EQ(c.station->code, "500105-01");
  EXPECT_EQ(c.status, Status::kOpen);
  EXPECT_EQ(c.age, 34);
  EXPECT_EQ(c.at_risk, 500000);
  EXPECT_EQ(c.instruction_raw, R"({"id":"I-1","x-unknown":[1,2.50]})");
  ASSERT_EQ(c.timeline.size(), 1u);
  EXPECT_EQ(c.timeline[0].kind, "created");
  EXPECT_EQ(c.timeline[0].seq, 1);
}

TEST_P(StoreContract, UnknownCaseIsAbsentNotAnError) {
  auto store = GetParam()();
  auto got = store->get("C-nope");
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->has_value());
  auto upd = update_sync(*store, "C-nope", close_dissuaded(1, 1));
  ASSERT_FALSE(upd.has_value());
  EXPECT_EQ(upd.error().code, Code::kNotFound);
}

TEST_P(StoreContract, ReplayAnswersDuplicateWithTheExistingCase) {
  auto store = GetParam()();
  auto first = ingest_sync(*store, {sample_case("I-1", 1000)});
  ASSERT_TRUE(first.has_value());
  auto again = ingest_sync(*store, {sample_case("I-1", 2000), sample_case("I-2", 2000)});
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE((*again)[0].created);
  EXPECT_EQ((*again)[0].case_id, (*first)[0].case_id);
  EXPECT_TRUE((*again)[1].created);
}

TEST_P(StoreContract, RepeatedIdInsideOneBatchIsStoredOnce) {
  auto store = GetParam()();
  auto r = ingest_sync(*store, {sample_case("I-1", 1000), sample_case("I-1", 1000)});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE((*r)[0].created);
  EXPECT_FALSE((*r)[1].created);
  EXPECT_EQ((*r)[0].case_id, (*r)[1].case_id);
  auto page = store->list({}, std::nullopt, 10);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->cases.size(), 1u);
}

TEST_P(StoreContract, UpdateAppendsEventsAndRefusalsChangeNothing) {
  auto store = GetParam()();
  auto r = ingest_sync(*store, {sample_case("I-1", 1000)});
  ASSERT_TRUE(r.has_value());
  const std::string id = (*r)[0].case_id;
  auto closed = update_sync(*store, id, close_dissuaded(30000, 5000));
  ASSERT_TRUE(closed.has_value()) << closed.error().message;
  EXPECT_EQ(closed->timeline.at(0).seq, 2);
  auto refused = update_sync(*store, id, close_dissuaded(1, 6000));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Code::kConflict);
  auto got = store->get(id);
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->status, Status::kClosed);
  EXPECT_EQ((*got)->amount_protected, 30000);
  EXPECT_EQ((*got)->version, 2);
  ASSERT_EQ((*got)->timeline.size(), 2u);
  EXPECT_EQ((*got)->timeline[1].kind, "outcome");
}

TEST_P(StoreContract, ListFiltersAndPagesNewestFirstWithoutGapsOrRepeats) {
  auto store = GetParam()();
  std::vector<NewCase> batch;
  for (int i = 0; i < 25; ++i) {
    batch.push_back(sample_case("I-" + std::to_string(i), 1000 + (i / 2) * 10,
                                i % 5 == 0 ? "" : (i % 2 ? "500105-01" : "500103-01")));
  }
  auto stored = ingest_sync(*store, std::move(batch));
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  std::set<std::string> seen;
  std::optional<Cursor> cursor;
  Millis previous = INT64_MAX;
  int pages = 0;
  do {
    auto page = store->list({}, cursor, 7);
    ASSERT_TRUE(page.has_value());
    for (const auto& c : page->cases) {
      EXPECT_LE(c.created_at, previous);
      previous = c.created_at;
      EXPECT_TRUE(seen.insert(c.id).second) << "repeated " << c.id;
    }
    cursor = page->next;
    ++pages;
  } while (cursor && pages < 10);
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(pages, 4);

  Filter unrouted;
  unrouted.station = "";
  auto u = store->list(unrouted, std::nullopt, 100);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->cases.size(), 5u);
  Filter jb;
  jb.station = "500105-01";
  jb.since = 1050;
  auto j = store->list(jb, std::nullopt, 100);
  ASSERT_TRUE(j.has_value());
  for (const auto& c : j->cases) {
    EXPECT_EQ(c.station->code, "500105-01");
    EXPECT_GE(c.created_at, 1050);
  }
  EXPECT_EQ(j->cases.size(), 6u);  // odd i >= 10, not multiples of 5
}

TEST_P(StoreContract, StatsCountByLevelOutcomeScamTypeStationAndDay) {
  auto store = GetParam()();
  const Millis day1 = 1701224760000;  // 2023-11-29 10:26 +08:00
  const Millis day2 = day1 + 86400000;
  auto r = ingest_sync(*store, {sample_case("I-1", day1), sample_case("I-2", day1, ""),
                                sample_case("I-3", day2)});
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(update_sync(*store, (*r)[0].case_id, close_dissuaded(30000, day1)).has_value());
  ASSERT_TRUE(update_sync(*store, (*r)[2].case_id, close_dissuaded(12345, day2)).has_value());
  auto s = store->stats({});
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->cases, 3);
  EXPECT_EQ(s->by_level.at("high"), 3);
  EXPECT_EQ(s->by_outcome.at("dissuaded"), 2);
  EXPECT_EQ(s->by_scam_type.at("fake_investment"), 3);
  EXPECT_EQ(s->by_scam_type.size(), 1u);
  EXPECT_EQ(s->by_status.at("closed"), 2);
  EXPECT_EQ(s->by_status.at("unrouted"), 1);
  EXPECT_EQ(s->by_station.at("500105-01"), 2);
  EXPECT_EQ(s->by_station.at(""), 1);
  EXPECT_EQ(s->by_day.at("2023-11-29"), 2);
  EXPECT_EQ(s->by_day.at("2023-11-30"), 1);
  EXPECT_EQ(s->level_by_day.at("2023-11-30").at("high"), 1);
  EXPECT_EQ(s->people_dissuaded, 1);  // the same phone twice is one person
  EXPECT_EQ(s->amount_protected, 42345);
  StatsFilter first_day;
  first_day.until = day1 + 3600000;
  auto f = store->stats(first_day);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->cases, 2);
}

TEST_P(StoreContract, ChangesArriveInOrderLiveAndOnReplay) {
  auto store = GetParam()();
  std::vector<Change> live;
  std::mutex mu;
  store->set_change_listener([&](const std::vector<Change>& changes) {
    std::lock_guard lock(mu);
    live.insert(live.end(), changes.begin(), changes.end());
  });
  auto r = ingest_sync(*store, {sample_case("I-1", 1000), sample_case("I-2", 1000)});
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(update_sync(*store, (*r)[0].case_id, close_dissuaded(100, 2000)).has_value());
  std::lock_guard lock(mu);
  ASSERT_EQ(live.size(), 3u);
  EXPECT_EQ(live[2].kind, "outcome");
  EXPECT_EQ(live[2].kase.status, Status::kClosed);
  EXPECT_LT(live[0].seq, live[1].seq);
  EXPECT_LT(live[1].seq, live[2].seq);
  EXPECT_EQ(store->last_change_seq(), live[2].seq);
  auto replay = store->changes_since(live[0].seq, 100);
  ASSERT_TRUE(replay.has_value());
  ASSERT_EQ(replay->size(), 2u);
  EXPECT_EQ((*replay)[0].seq, live[1].seq);
  EXPECT_EQ((*replay)[1].kind, "outcome");
}

TEST_P(StoreContract, ConcurrentWritersShareCommitsAndLoseNothing) {
  auto store = GetParam()();
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = ingest_sync(*store, {sample_case("T" + std::to_string(t) + "-" + std::to_string(i),
                                                  1000 + i)});
        if (r && (*r)[0].created) ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), kThreads * kEach);
  auto s = store->stats({});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->cases, kThreads * kEach);
  auto m = store->metrics();
  EXPECT_EQ(m.committed_writes, kThreads * kEach);
  EXPECT_LE(m.commits, m.committed_writes);
}


Result<cases::Responder> responder_sync(CaseStore& store, const std::string& id, ResponderMutator mutate) {
  std::promise<Result<cases::Responder>> promise;
  auto future = promise.get_future();
  store.update_responder(id, std::move(mutate), [&](Result<cases::Responder> r) { promise.set_value(std::move(r)); });
  return future.get();
}

ResponderMutator register_responder(const std::string& station, bool on_duty, Millis at) {
  return [=](const std::optional<cases::Responder>& current) -> Result<cases::Responder> {
    cases::Responder r = current.value_or(cases::Responder{});
    r.name = "小张";
    r.station_code = station;
    r.on_duty = on_duty;
    r.position = cases::GeoPoint{29.575, 106.531};
    r.position_at = at;
    r.updated_at = at;
    // A registration cannot hand out visits: the store keeps visit_id as it is.
    r.visit_id = "sneaky";
    return r;
  };
}

// A change that gives the case's visit to `responder` (or takes it back).
Mutator claim(const std::string& responder, const std::string& expect, const std::string& visit, Millis at) {
  return [=](const Case& current) -> Result<Case> {
    Case next = current;
    next.timeline = {{0, at, "visit_dispatched", "system", "{}"}};
    next.version = current.version + 1;
    next.updated_at = at;
    next.responder_claims.push_back({responder, expect, visit, visit.empty() ? "" : current.id});
    return next;
  };
}

TEST_P(StoreContract, TheEarliestDeadlineOfEachCaseIsIndexedAndGoesWhenFired) {
  auto store = GetParam()();
  NewCase a = sample_case("T-A", 1000, "500105-01");
  cases::set_timer(a.kase.handling, cases::timer::kTaskDue, 5000);
  cases::set_timer(a.kase.handling, cases::timer::kFirstAttemptDue, 3000);
  NewCase b = sample_case("T-B", 1000, "500105-01");
  cases::set_timer(b.kase.handling, cases::timer::kDoorDue, 9000);
  NewCase none = sample_case("T-C", 1000, "500105-01");
  auto r = ingest_sync(*store, {a, b, none});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto due = store->due_cases(2999, 10);
  ASSERT_TRUE(due.has_value());
  EXPECT_TRUE(due->empty());
  due = store->due_cases(9000, 10);
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].case_id, (*r)[0].case_id);
  EXPECT_EQ((*due)[0].due_at, 3000);
  EXPECT_EQ((*due)[1].due_at, 9000);
  // Removing the earliest moves the index to the next one of that case.
  auto fired = update_sync(*store, (*r)[0].case_id, [](const Case& current) -> Result<Case> {
    Case next = current;
    cases::cancel_timer(next.handling, cases::timer::kFirstAttemptDue);
    next.version++;
    return next;
  });
  ASSERT_TRUE(fired.has_value()) << fired.error().message;
  due = store->due_cases(4000, 10);
  EXPECT_TRUE(due->empty());
  due = store->due_cases(5000, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].due_at, 5000);
  auto got = store->get((*r)[0].case_id);
  ASSERT_TRUE(got.has_value() && got->has_value());
  ASSERT_EQ((**got).handling.timers.size(), 1u);
  EXPECT_EQ((**got).handling.timers[0].kind, cases::timer::kTaskDue);
}

cases::CallTask task(Millis created, Millis due) {
  cases::CallTask t;
  t.created_at = created;
  t.due_at = due;
  t.reason = "first action";
  return t;
}

TEST_P(StoreContract, OpenCallTasksAndUnfinishedStopPaymentsAreListedByStation) {
  auto store = GetParam()();
  NewCase a = sample_case("Q-A", 1000, "500105-01");
  a.kase.handling.task = task(1000, 8000);
  NewCase b = sample_case("Q-B", 1001, "500105-01");
  b.kase.handling.task = task(1001, 4000);
  NewCase c = sample_case("Q-C", 1002, "500112-01");
  c.kase.handling.task = task(1002, 2000);
  NewCase done = sample_case("Q-D", 1003, "500105-01");
  done.kase.handling.task = task(1003, 1000);
  done.kase.handling.task->done_at = 1500;
  cases::StopPayment sp;
  sp.id = "X-S1";
  sp.status = cases::StopPaymentStatus::kActive;
  sp.expires_at = 99000;
  c.kase.handling.stop_payments.push_back(sp);
  auto r = ingest_sync(*store, {a, b, c, done});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto tasks = store->open_tasks(std::string("500105-01"), 10);
  ASSERT_TRUE(tasks.has_value());
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ((*tasks)[0].instruction_id, "Q-B");  // soonest due first
  EXPECT_EQ((*tasks)[1].instruction_id, "Q-A");
  EXPECT_EQ(store->open_tasks(std::nullopt, 10)->size(), 3u);
  auto sps = store->stop_payment_cases(std::string("500112-01"), 10);
  ASSERT_TRUE(sps.has_value());
  ASSERT_EQ(sps->size(), 1u);
  EXPECT_EQ((*sps)[0].handling.stop_payments.at(0).id, "X-S1");
  EXPECT_TRUE(store->stop_payment_cases(std::string("500105-01"), 10)->empty());
  // Closing the case takes its task off the queue; a released stop-payment leaves the list.
  auto closed = update_sync(*store, (*r)[2].case_id, [](const Case& current) -> Result<Case> {
    Case next = current;
    next.status = Status::kClosed;
    next.handling.stop_payments[0].status = cases::StopPaymentStatus::kReleased;
    next.version++;
    return next;
  });
  ASSERT_TRUE(closed.has_value()) << closed.error().message;
  EXPECT_EQ(store->open_tasks(std::nullopt, 10)->size(), 2u);
  EXPECT_TRUE(store->stop_payment_cases(std::nullopt, 10)->empty());
}

TEST_P(StoreContract, NobodyHoldsTwoVisitsAndOnlyOnDutyRespondersTakeOne) {
  auto store = GetParam()();
  ASSERT_TRUE(responder_sync(*store, "R1", register_responder("500105-01", true, 1000)).has_value());
  ASSERT_TRUE(responder_sync(*store, "R2", register_responder("500105-01", false, 1000)).has_value());
  auto r1 = store->responder("R1");
  ASSERT_TRUE(r1.has_value() && r1->has_value());
  EXPECT_TRUE((**r1).visit_id.empty());  // registration cannot hand out a visit
  EXPECT_EQ((**r1).station_code, "500105-01");
  auto r = ingest_sync(*store, {sample_case("V-A", 1000, "500105-01"), sample_case("V-B", 1000, "500105-01")});
  ASSERT_TRUE(r.has_value());
  const std::string a = (*r)[0].case_id, b = (*r)[1].case_id;

  // Two cases claim R1 at once: exactly one gets the responder; the other changes nothing.
  std::promise<Result<Case>> pa, pb;
  store->update(a, claim("R1", "", a + "-V1", 2000), [&](Result<Case> x) { pa.set_value(std::move(x)); });
  store->update(b, claim("R1", "", b + "-V1", 2000), [&](Result<Case> x) { pb.set_value(std::move(x)); });
  auto ra = pa.get_future().get();
  auto rb = pb.get_future().get();
  ASSERT_NE(ra.has_value(), rb.has_value());
  const auto& lost = ra ? rb : ra;
  EXPECT_EQ(lost.error().code, Code::kConflict);
  const std::string winner = ra ? a : b, loser = ra ? b : a;
  EXPECT_EQ((**store->responder("R1")).case_id, winner);
  EXPECT_EQ((**store->get(loser)).version, 1);  // nothing of the refused change was stored
  // Off duty: no visit.
  EXPECT_EQ(update_sync(*store, loser, claim("R2", "", loser + "-V1", 2100)).error().code, Code::kConflict);
  // Only the holder's release frees the responder.
  EXPECT_EQ(update_sync(*store, loser, claim("R1", loser + "-V1", "", 2200)).error().code, Code::kConflict);
  ASSERT_TRUE(update_sync(*store, winner, claim("R1", winner + "-V1", "", 2300)).has_value());
  EXPECT_TRUE((**store->responder("R1")).visit_id.empty());
  ASSERT_TRUE(update_sync(*store, loser, claim("R1", "", loser + "-V1", 2400)).has_value());

  store::ResponderFilter free_on_duty{{"500105-01"}, true, true};
  EXPECT_TRUE(store->responders(free_on_duty)->empty());
  store::ResponderFilter all{{"500105-01"}, false, false};
  EXPECT_EQ(store->responders(all)->size(), 2u);
  EXPECT_EQ(store->responders(store::ResponderFilter{})->size(), 2u);
}

TEST_P(StoreContract, ARefusedResponderChangeStoresNothing) {
  auto store = GetParam()();
  auto refused = responder_sync(*store, "R9", [](const std::optional<cases::Responder>&) -> Result<cases::Responder> {
    return fail(Code::kNotFound, "no responder R9");
  });
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Code::kNotFound);
  EXPECT_FALSE(store->responder("R9")->has_value());
}
}  // namespace
}  // namespace quanzu::store::testing

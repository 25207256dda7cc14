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

TEST_P(StoreContract, StatsCountByLevelOutcomeStationAndDay) {
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

}  // namespace
}  // namespace quanzu::store::testing

// The handling use cases on the manual clock over a real SQLite store, with a restart (store
// and services closed and opened again on the same file) in the middle of every path: each
// deadline fires once after it, none is lost, none is doubled.
#include "handling/handling_service.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "cases/service.h"
#include "cases/test_plans.h"
#include "geo/router.h"
#include "instruction/parser.h"
#include "store/sqlite/sqlite_store.h"

namespace quanzu::handling {
namespace {

using cases::Case;
using cases::VisitStatus;
constexpr Millis kSecond = 1000, kMinute = 60 * kSecond;

std::string read_source(const std::string& relative) {
  const char* dir = std::getenv("QUANZU_SOURCE_DIR");
  std::ifstream in(std::string(dir ? dir : ".") + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string instruction(const std::string& id, const std::string& trigger) {
  return R"({"id":")" + id + R"(","issued_at":"2023-11-29T10:26:00+08:00","trigger":")" + trigger +
         R"(","scam_type":"click_farming_rebate","subject":{"phone":"139)" + std::to_string(10000000 + id.size() * 7919 + id.back()) +
         R"("},"location":{"adcode":"500105"}})";
}

class HandlingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("quanzu-handling-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto districts = geo::load_districts(read_source("data/chongqing-districts.geojson"));
    ASSERT_TRUE(districts.has_value()) << districts.error().message;
    stations_ = geo::StationDirectory::synthetic(std::move(*districts), 2);
    router_ = std::make_unique<geo::Router>(stations_, geo::brute_force_lookups(stations_));
    auto rules = grading::load_rules(read_source("config/rules.toml"), "rules.toml");
    ASSERT_TRUE(rules.has_value()) << rules.error().message;
    rules_ = std::make_unique<grading::ActiveRules>(std::move(*rules));
    open();
  }
  void TearDown() override {
    close();
    std::filesystem::remove_all(dir_);
  }

  void open() {
    auto store = store::sqlite::SqliteStore::open({(dir_ / "db.sqlite").string()});
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    documents_ = std::make_unique<stoppay::FileDocumentStore>(dir_ / "documents");
    cases_ = std::make_unique<cases::CaseService>(*store_, *router_, *rules_, plans_, clock_);
    handling_ = std::make_unique<HandlingService>(*store_, plans_, stations_, *documents_, clock_);
  }
  void close() {
    handling_.reset();
    cases_.reset();
    store_.reset();  // writes what is queued, then stops
  }
  // A restart: everything in memory is gone; only the database file stays.
  void restart() {
    close();
    open();
  }

  std::string arrive(const std::string& id, const std::string& trigger) {
    auto in = instruction::parse_instruction(instruction(id, trigger));
    EXPECT_TRUE(in.has_value()) << (in ? "" : in.error().message);
    std::promise<Result<std::vector<store::IngestOutcome>>> p;
    cases_->ingest({*in}, [&](Result<std::vector<store::IngestOutcome>> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.has_value() && r->at(0).created);
    return r ? r->at(0).case_id : "";
  }
  Case get(const std::string& id) {
    auto c = store_->get(id);
    EXPECT_TRUE(c.has_value() && c->has_value());
    return c && *c ? **c : Case{};
  }
  template <typename F>
  Result<Case> wait_for(F&& start) {
    std::promise<Result<Case>> p;
    start([&](Result<Case> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  Result<Case> result(const std::string& ref, const std::string& r) {
    return wait_for([&](auto done) { handling_->attempt_result(ref, r, std::nullopt, done); });
  }
  Result<Case> record(const std::string& id, cases::Channel channel, const std::string& r, const std::string& who = "op") {
    cases::EventRequest e;
    e.kind = cases::EventRequest::Kind::kAttempt;
    e.attempt.channel = channel;
    e.attempt.result = r;
    return wait_for([&](auto done) { cases_->record(id, e, who, done); });
  }
  Result<Case> visit(const std::string& id, const std::string& responder, VisitStatus status) {
    return wait_for([&](auto done) { handling_->visit_report(id, VisitReport{responder, status, ""}, done); });
  }
  // Fires what is due now and waits until those changes are written.
  size_t fire() {
    const size_t n = handling_->fire_due();
    for (int i = 0; i < 2000 && handling_->in_flight() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(handling_->in_flight(), 0u);
    return n;
  }
  void add_responder(const std::string& id, double dlat) {
    const auto* station = stations_.station("500105-01");
    ASSERT_NE(station, nullptr);
    ResponderUpdate u;
    u.name = "小张";
    u.station_code = "500105-01";
    u.on_duty = true;
    u.position = cases::GeoPoint{station->position.lat + dlat, station->position.lon};
    std::promise<Result<cases::Responder>> p;
    handling_->update_responder(id, u, true, [&](Result<cases::Responder> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }
  static std::vector<std::string> pending(const Case& c, const std::string& channel) {
    std::vector<std::string> out;
    for (const auto& p : c.handling.pending) {
      if (p.channel == channel) out.push_back(p.ref);
    }
    return out;
  }
  static int events(const Case& c, const std::string& kind) {
    return static_cast<int>(std::count_if(c.timeline.begin(), c.timeline.end(), [&](const auto& e) { return e.kind == kind; }));
  }
  std::string holder(const std::string& responder) {
    auto r = store_->responder(responder);
    return r && *r ? (**r).visit_id : "?";
  }

  std::filesystem::path dir_;
  ManualClock clock_{1701224760000};
  cases::Plans plans_ = cases::shipped_plans();
  geo::StationDirectory stations_;
  std::unique_ptr<geo::Router> router_;
  std::unique_ptr<grading::ActiveRules> rules_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<stoppay::FileDocumentStore> documents_;
  std::unique_ptr<cases::CaseService> cases_;
  std::unique_ptr<HandlingService> handling_;
};

TEST_F(HandlingServiceTest, LowClosesAsWarnedOnTheSmsReceiptAcrossARestart) {
  const std::string id = arrive("L-1", "fraud_url_visit");
  Case c = get(id);
  ASSERT_EQ(c.level, instruction::Level::kLow);
  ASSERT_EQ(pending(c, "sms").size(), 1u);
  restart();
  ASSERT_TRUE(result(pending(c, "sms")[0], "delivered").has_value());
  c = get(id);
  EXPECT_EQ(c.status, cases::Status::kClosed);
  EXPECT_EQ(c.outcome, cases::Outcome::kWarned);
  EXPECT_TRUE(c.handling.timers.empty());
}

TEST_F(HandlingServiceTest, MediumRobocallRetryFiresOnceAfterARestartThenACallTask) {
  const std::string id = arrive("M-1", "fraud_app_install");
  Case c = get(id);
  ASSERT_EQ(c.level, instruction::Level::kMedium);
  ASSERT_TRUE(result(pending(c, "robocall").at(0), "no_answer").has_value());
  clock_.advance(9 * kMinute);
  EXPECT_EQ(fire(), 0u);  // not yet: the retry is 10 minutes after the result
  restart();
  clock_.advance(kMinute);
  EXPECT_EQ(fire(), 1u);
  EXPECT_EQ(fire(), 0u);  // fired once
  restart();
  EXPECT_EQ(fire(), 0u);  // and not again after another restart
  c = get(id);
  ASSERT_EQ(pending(c, "robocall"), (std::vector<std::string>{id + "/robocall/2"}));
  ASSERT_TRUE(result(id + "/robocall/2", "rejected").has_value());
  c = get(id);
  ASSERT_TRUE(c.handling.task.has_value());
  EXPECT_EQ(c.handling.task->due_at, clock_.now() + 10 * kMinute);
  restart();
  clock_.advance(10 * kMinute);
  fire();
  c = get(id);
  EXPECT_TRUE(c.handling.task->overdue);
  EXPECT_EQ(events(c, "overdue"), 1);
}

TEST_F(HandlingServiceTest, HighSendsTheNearestAndTheNextWhenTheFirstDoesNotAcknowledge) {
  const std::string id = arrive("H-1", "pending_transfer");
  ASSERT_EQ(get(id).level, instruction::Level::kHigh);
  add_responder("NEAR", 0.002);
  add_responder("FAR", 0.02);
  ASSERT_TRUE(record(id, cases::Channel::kManualCall, "hung_up").has_value());
  EXPECT_EQ(fire(), 0u);  // one failure is not enough at high
  ASSERT_TRUE(record(id, cases::Channel::kManualCall, "unreachable").has_value());
  restart();
  EXPECT_EQ(fire(), 1u);
  Case c = get(id);
  const cases::Visit* v = cases::current_visit(c.handling);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->responder_id, "NEAR");
  EXPECT_EQ(holder("NEAR"), v->id);
  restart();
  clock_.advance(plans_.dispatch.ack_timeout - 1);
  EXPECT_EQ(fire(), 0u);
  clock_.advance(1);
  fire();  // the time-out, which asks for the next responder at once
  fire();  // that dispatch
  restart();
  EXPECT_EQ(fire(), 0u);
  c = get(id);
  v = cases::current_visit(c.handling);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->responder_id, "FAR");
  EXPECT_EQ(events(c, "visit_timed_out"), 1);
  EXPECT_EQ(holder("NEAR"), "");
  EXPECT_EQ(holder("FAR"), v->id);
  for (VisitStatus s : {VisitStatus::kAcknowledged, VisitStatus::kEnRoute, VisitStatus::kOnScene}) {
    clock_.advance(2 * kMinute);
    ASSERT_TRUE(visit(id, "FAR", s).has_value());
    restart();
  }
  // The acknowledgement deadline went with the acknowledgement: nothing fires later.
  clock_.advance(plans_.dispatch.ack_timeout * 5);
  fire();
  c = get(id);
  EXPECT_EQ(events(c, "visit_timed_out"), 1);
  EXPECT_EQ(c.handling.sla.door_arrival_at, clock_.now() - plans_.dispatch.ack_timeout * 5);
  ASSERT_TRUE(record(id, cases::Channel::kVisit, "met", "FAR").has_value());
  EXPECT_EQ(holder("FAR"), "");
}

TEST_F(HandlingServiceTest, ExtremeMissesItsFirstAttemptTargetWhenNothingGoesOut) {
  const std::string id = arrive("X-1", "completed_transfer");
  ASSERT_EQ(get(id).level, instruction::Level::kExtreme);
  restart();
  clock_.advance(30 * kSecond);
  fire();
  Case c = get(id);
  EXPECT_EQ(c.handling.sla.overdue, (std::vector<std::string>{"call_task", "first_attempt"}));
  EXPECT_EQ(events(c, "overdue"), 2);
  // Any failed attempt: a responder is wanted; with nobody on duty the case waits and says so once.
  ASSERT_TRUE(result(pending(c, "robocall").at(0), "unreachable").has_value());
  fire();
  clock_.advance(plans_.dispatch.retry_after);
  fire();
  restart();
  clock_.advance(plans_.dispatch.retry_after);
  fire();
  c = get(id);
  EXPECT_TRUE(c.handling.visit_needed);
  EXPECT_EQ(events(c, "dispatch_waiting"), 1);
  add_responder("LATE", 0.001);
  clock_.advance(plans_.dispatch.retry_after);
  fire();
  c = get(id);
  ASSERT_NE(cases::current_visit(c.handling), nullptr);
  EXPECT_EQ(cases::current_visit(c.handling)->responder_id, "LATE");
  // Refusal at the door: the plan proposes a stop-payment.
  ASSERT_TRUE(record(id, cases::Channel::kVisit, "refused", "LATE").has_value());
  EXPECT_TRUE(get(id).handling.stop_payment_proposed);
  // Door arrival met its target (the visit result counts as arrival when none was reported).
  EXPECT_TRUE(get(id).handling.sla.door_arrival_at.has_value());
}

TEST_F(HandlingServiceTest, StopPaymentWarnsAndExpiresOnceAcrossRestarts) {
  const std::string id = arrive("S-1", "completed_transfer");
  StopPaymentRequest request;
  request.account = "6222020200112233445";
  request.bank = "工商银行";
  request.reason = "拒绝劝阻";
  ASSERT_TRUE(wait_for([&](auto done) { handling_->stop_payment(id, request, "officer", done); }).has_value());
  const std::string sp = get(id).handling.stop_payments.at(0).id;
  stoppay::BankCallback accepted;
  accepted.stop_payment_id = sp;
  accepted.answer.reference = "B-1";
  restart();
  ASSERT_TRUE(wait_for([&](auto done) { handling_->bank_callback(accepted, done); }).has_value());
  // The bank repeats itself: refused as already done.
  EXPECT_EQ(wait_for([&](auto done) { handling_->bank_callback(accepted, done); }).error().code, Code::kConflict);
  const Millis duration = plans_.stop_payment.duration, warn = plans_.stop_payment.warn_before;
  clock_.advance(duration - warn);
  restart();
  fire();
  fire();
  Case c = get(id);
  EXPECT_EQ(events(c, "stop_payment_expiring"), 1);
  EXPECT_EQ(c.handling.stop_payments[0].status, cases::StopPaymentStatus::kActive);
  clock_.advance(warn);
  restart();
  fire();
  restart();
  fire();
  c = get(id);
  EXPECT_EQ(c.handling.stop_payments[0].status, cases::StopPaymentStatus::kExpired);
  EXPECT_EQ(events(c, "stop_payment_expired"), 1);
  EXPECT_TRUE(store_->stop_payment_cases(std::nullopt, 10)->empty());
}

}  // namespace
}  // namespace quanzu::handling

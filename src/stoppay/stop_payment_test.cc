#include "stoppay/stop_payment.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace quanzu::stoppay {
namespace {

namespace json = boost::json;
using cases::Case;
using cases::StopPaymentStatus;

constexpr Millis kT0 = 1'701'224'760'000;  // 2023-11-29T10:26:00+08:00
constexpr Millis kMinute = 60'000;
const std::string kDocId(64, 'a');
const std::string kDocId2(64, 'b');

Case open_case() {
  Case c;
  c.id = "C1";
  c.status = cases::Status::kInProgress;
  c.version = 3;
  c.handling.stop_payment_proposed = true;
  return c;
}

Request good_request(std::string account = "6222 0212 3456 7890") {
  return Request{std::move(account), "工商银行", "不听劝阻，准备转账"};
}

cases::Document doc(const std::string& id, std::string by = "officer1") {
  cases::Document d;
  d.id = id;
  d.name = "解除申请.pdf";
  d.content_type = "application/pdf";
  d.size = 1234;
  d.by = std::move(by);
  return d;
}

// What the store does with a change: keeps the case, queues its messages.
struct Store {
  Case c = open_case();
  std::vector<cases::Outbound> sent;
  std::vector<cases::TimelineEvent> timeline;

  void keep(Result<Case> next) {
    ASSERT_TRUE(next.has_value()) << next.error().message;
    ASSERT_EQ(next->timeline.size(), 1u) << "one new event per change";
    EXPECT_EQ(next->version, c.version + 1);
    timeline.push_back(next->timeline[0]);
    for (auto& o : next->outbound) sent.push_back(o);
    next->outbound.clear();
    next->timeline.clear();
    c = std::move(*next);
  }
  const cases::StopPayment& sp(std::string_view id = "C1-S1") const {
    const auto* found = cases::find_stop_payment(c.handling, id);
    EXPECT_NE(found, nullptr);
    return *found;
  }
  json::object last_event_data() const { return json::parse(timeline.back().data).as_object(); }
  json::object last_message() const {
    EXPECT_EQ(sent.back().channel, "bank");
    return json::parse(sent.back().payload).as_object();
  }
};

std::optional<Millis> due(const Case& c, std::string_view kind, std::string_view ref = "C1-S1") {
  const auto* t = cases::find_timer(c.handling, kind, ref);
  if (t == nullptr) return std::nullopt;
  return t->due_at;
}

BankAnswer accepted(std::optional<Millis> expires_at = std::nullopt) {
  return BankAnswer{Decision::kAccepted, "ICBC-2023-0001", expires_at, ""};
}
BankAnswer rejected() { return BankAnswer{Decision::kRejected, "", std::nullopt, "账户已冻结"}; }
BankAnswer released() {
  return BankAnswer{Decision::kReleased, "ICBC-2023-0001", std::nullopt, ""};
}

void expect_error(const Result<Case>& r, Code code, std::string_view field_or_text = {}) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code) << r.error().message;
  if (field_or_text.empty()) return;
  if (code == Code::kInvalid) {
    bool named = false;
    for (const auto& f : r.error().fields) named = named || f.field == field_or_text;
    EXPECT_TRUE(named) << r.error().message;
  } else {
    EXPECT_NE(r.error().message.find(field_or_text), std::string::npos) << r.error().message;
  }
}

// An active stop-payment C1-S1 from kT0, expiring at kT0 + 48h.
Store active_store() {
  Store s;
  s.keep(request(s.c, good_request(), "officer1", kT0));
  s.keep(bank_answer(s.c, "C1-S1", accepted(), kT0));
  return s;
}

TEST(StopPayment, WholeLifeCycleToReleased) {
  const Options o;
  Store s;
  s.keep(request(s.c, good_request(), "officer1", kT0));
  {
    const auto& sp = s.sp();
    EXPECT_EQ(sp.id, "C1-S1");
    EXPECT_EQ(sp.account, "6222021234567890");
    EXPECT_EQ(sp.bank, "工商银行");
    EXPECT_EQ(sp.officer, "officer1");
    EXPECT_EQ(sp.status, StopPaymentStatus::kRequested);
    EXPECT_EQ(sp.requested_at, kT0);
    EXPECT_FALSE(s.c.handling.stop_payment_proposed);
    EXPECT_TRUE(s.c.handling.timers.empty());
    EXPECT_EQ(s.c.version, 4);
    EXPECT_EQ(s.c.updated_at, kT0);
    EXPECT_EQ(s.timeline.back().kind, "stop_payment_requested");
    EXPECT_EQ(s.timeline.back().actor, "officer1");
    EXPECT_EQ(s.timeline.back().at, kT0);
    auto data = s.last_event_data();
    EXPECT_EQ(data["stop_payment_id"], "C1-S1");
    EXPECT_EQ(data["account"], "6222021234567890");
    EXPECT_EQ(data["status"], "requested");
    ASSERT_EQ(s.sent.size(), 1u);
    auto m = s.last_message();
    EXPECT_EQ(m["type"], "request");
    EXPECT_EQ(m["stop_payment_id"], "C1-S1");
    EXPECT_EQ(m["case_id"], "C1");
    EXPECT_EQ(m["account"], "6222021234567890");
    EXPECT_EQ(m["bank"], "工商银行");
    EXPECT_EQ(m["reason"], "不听劝阻，准备转账");
    EXPECT_EQ(m["officer"], "officer1");
    EXPECT_EQ(m["at_ms"], kT0);
    EXPECT_FALSE(m.contains("expires_at_ms"));
  }
  ASSERT_EQ(unfinished(s.c.handling).size(), 1u);

  const Millis t1 = kT0 + 3 * kMinute;
  s.keep(bank_answer(s.c, "C1-S1", accepted(), t1, o));
  {
    const auto& sp = s.sp();
    EXPECT_EQ(sp.status, StopPaymentStatus::kActive);
    EXPECT_EQ(sp.active_at, t1);
    EXPECT_EQ(sp.expires_at, t1 + 48 * kHour);
    EXPECT_EQ(sp.bank_reference, "ICBC-2023-0001");
    EXPECT_EQ(s.timeline.back().kind, "stop_payment_active");
    EXPECT_EQ(s.timeline.back().actor, "bank");
    EXPECT_EQ(s.last_event_data()["from_status"], "requested");
    EXPECT_EQ(s.last_event_data()["expires_at_ms"], t1 + 48 * kHour);
    EXPECT_EQ(due(s.c, cases::timer::kStopPaymentWarn), t1 + 42 * kHour);
    EXPECT_EQ(due(s.c, cases::timer::kStopPaymentExpiry), t1 + 48 * kHour);
    EXPECT_EQ(s.c.handling.timers.size(), 2u);
    EXPECT_EQ(s.sent.size(), 1u) << "no message for the bank's own answer";
  }

  const Millis t2 = kT0 + 20 * kHour;
  s.keep(extend(s.c, "C1-S1", "仍在与骗子联系", "officer1", t2, o));
  {
    const auto& sp = s.sp();
    EXPECT_EQ(sp.status, StopPaymentStatus::kActive);
    EXPECT_EQ(sp.extensions, 1);
    EXPECT_EQ(sp.expires_at, t1 + 96 * kHour);
    EXPECT_EQ(due(s.c, cases::timer::kStopPaymentWarn), t1 + 90 * kHour);
    EXPECT_EQ(due(s.c, cases::timer::kStopPaymentExpiry), t1 + 96 * kHour);
    EXPECT_EQ(s.c.handling.timers.size(), 2u);
    EXPECT_EQ(s.timeline.back().kind, "stop_payment_extended");
    EXPECT_EQ(s.last_event_data()["previous_expires_at_ms"], t1 + 48 * kHour);
    ASSERT_EQ(s.sent.size(), 2u);
    auto m = s.last_message();
    EXPECT_EQ(m["type"], "extend");
    EXPECT_EQ(m["stop_payment_id"], "C1-S1");
    EXPECT_EQ(m["bank_reference"], "ICBC-2023-0001");
    EXPECT_EQ(m["expires_at_ms"], t1 + 96 * kHour);
    EXPECT_EQ(m["previous_expires_at_ms"], t1 + 48 * kHour);
    EXPECT_EQ(m["extensions"], 1);
    EXPECT_EQ(m["extend_reason"], "仍在与骗子联系");
    EXPECT_EQ(m["at_ms"], t2);
  }

  const Millis t3 = t2 + kHour;
  s.keep(attach(s.c, "C1-S1", doc(kDocId), t3));
  EXPECT_EQ(s.timeline.back().kind, "stop_payment_document_attached");
  EXPECT_EQ(s.timeline.back().actor, "officer1");
  EXPECT_EQ(s.last_event_data()["document_id"], kDocId.c_str());
  ASSERT_EQ(s.sp().documents.size(), 1u);
  EXPECT_EQ(s.sp().documents[0].at, t3);

  s.keep(request_release(s.c, "C1-S1", "当事人已醒悟，申请解除", "officer1", t3 + kMinute));
  EXPECT_EQ(s.sp().status, StopPaymentStatus::kReleaseRequested);
  EXPECT_EQ(s.sp().release_requested_at, t3 + kMinute);
  EXPECT_EQ(s.timeline.back().kind, "stop_payment_release_requested");
  EXPECT_EQ(s.last_event_data()["from_status"], "active");

  // A second document is still welcome while the release awaits approval.
  s.keep(attach(s.c, "C1-S1", doc(kDocId2), t3 + 2 * kMinute));
  EXPECT_EQ(s.sp().documents.size(), 2u);

  s.keep(approve_release(s.c, "C1-S1", "supervisor1", t3 + 3 * kMinute));
  {
    const auto& sp = s.sp();
    EXPECT_EQ(sp.status, StopPaymentStatus::kReleaseRequested);
    EXPECT_EQ(sp.approved_by, "supervisor1");
    EXPECT_EQ(sp.approved_at, t3 + 3 * kMinute);
    EXPECT_EQ(s.timeline.back().kind, "stop_payment_release_approved");
    EXPECT_EQ(s.timeline.back().actor, "supervisor1");
    ASSERT_EQ(s.sent.size(), 3u);
    auto m = s.last_message();
    EXPECT_EQ(m["type"], "release");
    EXPECT_EQ(m["approved_by"], "supervisor1");
    EXPECT_EQ(m["release_reason"], "当事人已醒悟，申请解除");
    EXPECT_EQ(m["account"], "6222021234567890");
    EXPECT_EQ(m["bank_reference"], "ICBC-2023-0001");
    EXPECT_EQ(s.c.handling.timers.size(), 2u) << "it still expires until the bank releases";
  }

  s.keep(bank_answer(s.c, "C1-S1", released(), t3 + 30 * kMinute, o));
  EXPECT_EQ(s.sp().status, StopPaymentStatus::kReleased);
  EXPECT_EQ(s.sp().ended_at, t3 + 30 * kMinute);
  EXPECT_EQ(s.timeline.back().kind, "stop_payment_released");
  EXPECT_TRUE(s.c.handling.timers.empty());
  EXPECT_TRUE(unfinished(s.c.handling).empty());
  // The bank retries its callback: already done.
  expect_error(bank_answer(s.c, "C1-S1", released(), t3 + 31 * kMinute), Code::kConflict,
               "released");
}

TEST(StopPayment, RejectedEndsItAndFreesTheAccount) {
  Store s;
  s.keep(request(s.c, good_request(), "officer1", kT0));
  s.keep(bank_answer(s.c, "C1-S1", rejected(), kT0 + kMinute));
  EXPECT_EQ(s.sp().status, StopPaymentStatus::kRejected);
  EXPECT_EQ(s.sp().ended_at, kT0 + kMinute);
  EXPECT_EQ(s.timeline.back().kind, "stop_payment_rejected");
  EXPECT_EQ(s.last_event_data()["bank_reason"], "账户已冻结");
  EXPECT_TRUE(s.c.handling.timers.empty());
  EXPECT_TRUE(unfinished(s.c.handling).empty());

  expect_error(bank_answer(s.c, "C1-S1", rejected(), kT0 + 2 * kMinute), Code::kConflict,
               "rejected");
  expect_error(bank_answer(s.c, "C1-S1", accepted(), kT0 + 2 * kMinute), Code::kConflict);
  expect_error(extend(s.c, "C1-S1", "r", "officer1", kT0 + 2 * kMinute), Code::kConflict);
  expect_error(attach(s.c, "C1-S1", doc(kDocId), kT0 + 2 * kMinute), Code::kConflict);

  // The same account can be asked again, as a new stop-payment.
  s.keep(request(s.c, good_request("6222021234567890"), "officer2", kT0 + 5 * kMinute));
  EXPECT_EQ(s.c.handling.stop_payments.back().id, "C1-S2");
  EXPECT_EQ(unfinished(s.c.handling).size(), 1u);
}

TEST(StopPayment, WarnsThenExpires) {
  const Options o;
  Store s = active_store();
  const Millis expires = kT0 + 48 * kHour;
  const cases::Timer warn =
      *cases::find_timer(s.c.handling, cases::timer::kStopPaymentWarn, "C1-S1");
  EXPECT_EQ(warn.due_at, expires - 6 * kHour);

  s.keep(on_timer(s.c, warn, warn.due_at, o));
  EXPECT_TRUE(s.sp().expiry_warned);
  EXPECT_EQ(s.sp().status, StopPaymentStatus::kActive);
  EXPECT_EQ(s.timeline.back().kind, "stop_payment_expiring");
  EXPECT_EQ(s.timeline.back().actor, "system");
  EXPECT_EQ(s.last_event_data()["expires_in_ms"], 6 * kHour);
  EXPECT_EQ(s.last_event_data()["extensions_left"], 2);
  EXPECT_FALSE(due(s.c, cases::timer::kStopPaymentWarn));
  EXPECT_EQ(due(s.c, cases::timer::kStopPaymentExpiry), expires);
  expect_error(on_timer(s.c, warn, warn.due_at + 1, o), Code::kConflict, "nothing to do");

  const cases::Timer expiry{std::string(cases::timer::kStopPaymentExpiry), expires, "C1-S1"};
  s.keep(on_timer(s.c, expiry, expires + 1500, o));
  EXPECT_EQ(s.sp().status, StopPaymentStatus::kExpired);
  EXPECT_EQ(s.sp().ended_at, expires + 1500);
  EXPECT_EQ(s.timeline.back().kind, "stop_payment_expired");
  EXPECT_EQ(s.last_event_data()["from_status"], "active");
  EXPECT_TRUE(s.c.handling.timers.empty());
  EXPECT_TRUE(unfinished(s.c.handling).empty());
  EXPECT_EQ(s.sent.size(), 1u) << "the bank lets it run out on its own";

  // Stale: the stop-payment ended.
  expect_error(on_timer(s.c, expiry, expires + 2000, o), Code::kConflict, "nothing to do");
  expect_error(on_timer(s.c, warn, expires + 2000, o), Code::kConflict, "nothing to do");
  expect_error(bank_answer(s.c, "C1-S1", released(), expires + 2000), Code::kConflict);
  expect_error(extend(s.c, "C1-S1", "r", "officer1", expires + 2000), Code::kConflict);
}

TEST(StopPayment, AwaitingReleaseStillExpires) {
  Store s = active_store();
  s.keep(attach(s.c, "C1-S1", doc(kDocId), kT0 + kHour));
  s.keep(request_release(s.c, "C1-S1", "申请解除", "officer1", kT0 + kHour));
  const Millis expires = *s.sp().expires_at;
  s.keep(on_timer(s.c, {std::string(cases::timer::kStopPaymentExpiry), expires, "C1-S1"}, expires));
  EXPECT_EQ(s.sp().status, StopPaymentStatus::kExpired);
  EXPECT_EQ(s.last_event_data()["from_status"], "release_requested");
  EXPECT_EQ(s.last_event_data()["note"], "expired while the release awaited approval");
  expect_error(approve_release(s.c, "C1-S1", "supervisor1", expires + 1), Code::kConflict);
}

TEST(StopPayment, ApprovedReleaseExpiresBeforeTheBankAnswers) {
  Store s = active_store();
  s.keep(attach(s.c, "C1-S1", doc(kDocId), kT0 + kHour));
  s.keep(request_release(s.c, "C1-S1", "申请解除", "officer1", kT0 + kHour));
  s.keep(approve_release(s.c, "C1-S1", "supervisor1", kT0 + 2 * kHour));
  const Millis expires = *s.sp().expires_at;
  s.keep(on_timer(s.c, {std::string(cases::timer::kStopPaymentExpiry), expires, "C1-S1"}, expires));
  EXPECT_EQ(s.sp().status, StopPaymentStatus::kExpired);
  EXPECT_EQ(s.last_event_data()["note"], "expired while the bank was releasing it");
  // The bank's late "released" is refused; the caller treats it as done.
  expect_error(bank_answer(s.c, "C1-S1", released(), expires + kMinute), Code::kConflict,
               "expired");
}

TEST(StopPayment, BankExpiryIsUsedAndAShortOneWarnsAtOnce) {
  Store s;
  s.keep(request(s.c, good_request(), "officer1", kT0));
  s.keep(bank_answer(s.c, "C1-S1", accepted(kT0 + 2 * kHour), kT0 + kMinute));
  EXPECT_EQ(s.sp().expires_at, kT0 + 2 * kHour);
  EXPECT_EQ(due(s.c, cases::timer::kStopPaymentWarn), kT0 + kMinute);
  EXPECT_EQ(due(s.c, cases::timer::kStopPaymentExpiry), kT0 + 2 * kHour);
}

TEST(StopPayment, RequestChecksEachField) {
  const Case c = open_case();
  expect_error(request(c, good_request("6222abc1234"), "officer1", kT0), Code::kInvalid, "account");
  expect_error(request(c, good_request("12345"), "officer1", kT0), Code::kInvalid, "account");
  expect_error(request(c, good_request(std::string(33, '1')), "officer1", kT0), Code::kInvalid,
               "account");
  expect_error(request(c, good_request("  "), "officer1", kT0), Code::kInvalid, "account");
  expect_error(request(c, good_request("-123456"), "officer1", kT0), Code::kInvalid, "account");
  EXPECT_TRUE(request(c, good_request("123456"), "officer1", kT0).has_value());
  EXPECT_TRUE(request(c, good_request(std::string(32, '9')), "officer1", kT0).has_value());

  auto all = request(c, Request{"", " ", ""}, "", kT0);
  ASSERT_FALSE(all.has_value());
  EXPECT_EQ(all.error().code, Code::kInvalid);
  std::vector<std::string> fields;
  for (const auto& f : all.error().fields) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"account", "bank", "reason", "officer"}));
  expect_error(request(c, Request{"123456", std::string(101, 'x'), "r"}, "o", kT0), Code::kInvalid,
               "bank");
}

TEST(StopPayment, OneUnfinishedStopPaymentPerAccount) {
  Store s;
  s.keep(request(s.c, good_request(), "officer1", kT0));
  expect_error(request(s.c, good_request("6222021234567890"), "officer2", kT0 + 1), Code::kConflict,
               "C1-S1");
  s.keep(bank_answer(s.c, "C1-S1", accepted(), kT0 + 2));
  expect_error(request(s.c, good_request(), "officer2", kT0 + 3), Code::kConflict, "active");
  // Another account of the same person is fine.
  s.keep(request(s.c, good_request("6217 0000 1111 2222"), "officer1", kT0 + 4));
  EXPECT_EQ(s.c.handling.stop_payments.back().id, "C1-S2");
  EXPECT_EQ(unfinished(s.c.handling).size(), 2u);
}

TEST(StopPayment, BankAnswerIllegalSteps) {
  Store s;
  s.keep(request(s.c, good_request(), "officer1", kT0));
  expect_error(bank_answer(s.c, "C1-S9", accepted(), kT0), Code::kNotFound, "C1-S9");
  expect_error(
      bank_answer(s.c, "C1-S1", BankAnswer{Decision::kAccepted, "", std::nullopt, ""}, kT0),
      Code::kInvalid, "reference");
  expect_error(bank_answer(s.c, "C1-S1", accepted(kT0), kT0), Code::kInvalid, "expires_at");
  expect_error(bank_answer(s.c, "C1-S1", released(), kT0), Code::kConflict, "approved");

  s.keep(bank_answer(s.c, "C1-S1", accepted(), kT0 + 1));
  // The bank retries its answer: already done.
  expect_error(bank_answer(s.c, "C1-S1", accepted(), kT0 + 2), Code::kConflict, "active");
  expect_error(bank_answer(s.c, "C1-S1", rejected(), kT0 + 2), Code::kConflict);
  expect_error(bank_answer(s.c, "C1-S1", released(), kT0 + 2), Code::kConflict);

  s.keep(attach(s.c, "C1-S1", doc(kDocId), kT0 + 3));
  s.keep(request_release(s.c, "C1-S1", "申请解除", "officer1", kT0 + 4));
  expect_error(bank_answer(s.c, "C1-S1", released(), kT0 + 5), Code::kConflict, "not approved");
}

TEST(StopPayment, ExtendIllegalSteps) {
  Options o;
  Store s;
  s.keep(request(s.c, good_request(), "officer1", kT0));
  expect_error(extend(s.c, "C1-S1", "r", "officer1", kT0, o), Code::kConflict, "requested");
  s.keep(bank_answer(s.c, "C1-S1", accepted(), kT0));
  expect_error(extend(s.c, "C1-S1", "", "officer1", kT0, o), Code::kInvalid, "reason");
  expect_error(extend(s.c, "C1-S1", "r", " ", kT0, o), Code::kInvalid, "officer");
  expect_error(extend(s.c, "nope", "r", "officer1", kT0, o), Code::kNotFound);
  s.keep(extend(s.c, "C1-S1", "r1", "officer1", kT0 + 1, o));
  s.keep(extend(s.c, "C1-S1", "r2", "officer1", kT0 + 2, o));
  EXPECT_EQ(s.sp().extensions, 2);
  EXPECT_EQ(s.sp().expires_at, kT0 + 144 * kHour);
  expect_error(extend(s.c, "C1-S1", "r3", "officer1", kT0 + 3, o), Code::kConflict, "at most 2");
  o.max_extensions = 3;
  // Too late: it ran out (the expiry timer has not fired yet).
  expect_error(extend(s.c, "C1-S1", "r3", "officer1", kT0 + 144 * kHour, o), Code::kConflict,
               "ran out");
  s.keep(extend(s.c, "C1-S1", "r3", "officer1", kT0 + 3, o));
  EXPECT_EQ(s.sp().extensions, 3);
}

TEST(StopPayment, ExtendRearmsTheWarningAndMakesTheOldTimerStale) {
  const Options o;
  Store s = active_store();
  const cases::Timer warn =
      *cases::find_timer(s.c.handling, cases::timer::kStopPaymentWarn, "C1-S1");
  s.keep(on_timer(s.c, warn, warn.due_at, o));
  EXPECT_TRUE(s.sp().expiry_warned);
  const cases::Timer old_expiry =
      *cases::find_timer(s.c.handling, cases::timer::kStopPaymentExpiry, "C1-S1");

  s.keep(extend(s.c, "C1-S1", "r", "officer1", warn.due_at + kMinute, o));
  EXPECT_FALSE(s.sp().expiry_warned);
  EXPECT_EQ(due(s.c, cases::timer::kStopPaymentWarn), kT0 + 90 * kHour);
  EXPECT_EQ(due(s.c, cases::timer::kStopPaymentExpiry), kT0 + 96 * kHour);
  // The expiry timer read before the extension fires late: nothing to do.
  expect_error(on_timer(s.c, old_expiry, old_expiry.due_at, o), Code::kConflict, "moved");
  // Even without the stored timer (the caller removed it first), the expiry is not yet.
  Case without = s.c;
  cases::cancel_timer(without.handling, cases::timer::kStopPaymentExpiry, "C1-S1");
  expect_error(on_timer(without, old_expiry, old_expiry.due_at, o), Code::kConflict, "runs until");
}

TEST(StopPayment, TimerIllegalSteps) {
  const Options o;
  Store s = active_store();
  expect_error(on_timer(s.c, {"visit_ack", kT0, "C1-S1"}, kT0, o), Code::kInvalid, "kind");
  expect_error(on_timer(s.c, {std::string(cases::timer::kStopPaymentWarn), kT0, "C1-S7"}, kT0, o),
               Code::kNotFound);
  const cases::Timer warn =
      *cases::find_timer(s.c.handling, cases::timer::kStopPaymentWarn, "C1-S1");
  expect_error(on_timer(s.c, warn, warn.due_at - 1, o), Code::kConflict, "not due");
  // A requested stop-payment has no timers to fire.
  Store r;
  r.keep(request(r.c, good_request(), "officer1", kT0));
  expect_error(on_timer(r.c, {std::string(cases::timer::kStopPaymentExpiry), kT0, "C1-S1"}, kT0, o),
               Code::kConflict, "requested");
}

TEST(StopPayment, AttachIllegalSteps) {
  Store s;
  s.keep(request(s.c, good_request(), "officer1", kT0));
  expect_error(attach(s.c, "C1-S1", doc(kDocId), kT0), Code::kConflict, "requested");
  s.keep(bank_answer(s.c, "C1-S1", accepted(), kT0));
  expect_error(attach(s.c, "C1-S1", doc("../../etc/passwd"), kT0), Code::kInvalid, "document.id");
  expect_error(attach(s.c, "C1-S1", doc(std::string(64, 'A')), kT0), Code::kInvalid, "document.id");
  auto bad = doc(kDocId);
  bad.content_type = "text/html";
  expect_error(attach(s.c, "C1-S1", bad, kT0), Code::kInvalid, "document.content_type");
  bad = doc(kDocId);
  bad.size = 0;
  expect_error(attach(s.c, "C1-S1", bad, kT0), Code::kInvalid, "document.size");
  expect_error(attach(s.c, "C1-S1", doc(kDocId, ""), kT0), Code::kInvalid, "document.by");
  expect_error(attach(s.c, "C1-S2", doc(kDocId), kT0), Code::kNotFound);
  s.keep(attach(s.c, "C1-S1", doc(kDocId), kT0 + 1));
  expect_error(attach(s.c, "C1-S1", doc(kDocId, "officer2"), kT0 + 2), Code::kConflict,
               "already attached");
}

TEST(StopPayment, ReleaseIllegalSteps) {
  Store s;
  s.keep(request(s.c, good_request(), "officer1", kT0));
  expect_error(request_release(s.c, "C1-S1", "r", "officer1", kT0), Code::kConflict, "requested");
  expect_error(approve_release(s.c, "C1-S1", "supervisor1", kT0), Code::kConflict, "requested");
  s.keep(bank_answer(s.c, "C1-S1", accepted(), kT0));
  expect_error(request_release(s.c, "C1-S1", "r", "officer1", kT0), Code::kConflict,
               "no documents");
  expect_error(request_release(s.c, "C1-S1", "", "officer1", kT0), Code::kInvalid, "reason");
  expect_error(request_release(s.c, "C1-S1", "r", "", kT0), Code::kInvalid, "by");
  expect_error(approve_release(s.c, "C1-S1", "supervisor1", kT0), Code::kConflict, "active");
  s.keep(attach(s.c, "C1-S1", doc(kDocId), kT0 + 1));
  s.keep(request_release(s.c, "C1-S1", "r", "officer1", kT0 + 2));
  expect_error(request_release(s.c, "C1-S1", "r", "officer1", kT0 + 3), Code::kConflict,
               "release_requested");
  expect_error(extend(s.c, "C1-S1", "r", "officer1", kT0 + 3), Code::kConflict,
               "release_requested");
  expect_error(approve_release(s.c, "C1-S1", "", kT0 + 3), Code::kInvalid, "supervisor");
  expect_error(approve_release(s.c, "C1-S1", "officer1", kT0 + 3), Code::kConflict,
               "cannot approve");
  s.keep(approve_release(s.c, "C1-S1", "supervisor1", kT0 + 4));
  expect_error(approve_release(s.c, "C1-S1", "supervisor2", kT0 + 5), Code::kConflict,
               "already approved");
  EXPECT_EQ(s.sent.size(), 2u) << "one request, one release";
}

TEST(StopPayment, ChangesKeepTheRestOfTheCase) {
  Case c = open_case();
  c.timeline.push_back(cases::TimelineEvent{1, kT0 - 1, "created", "system", "{}"});
  c.instruction_raw = "{}";
  c.outbound.push_back(cases::Outbound{"sms", "{}"});
  cases::set_timer(c.handling, cases::timer::kTaskDue, kT0 + kMinute);
  auto next = request(c, good_request(), "officer1", kT0);
  ASSERT_TRUE(next.has_value());
  ASSERT_EQ(next->timeline.size(), 1u);
  EXPECT_EQ(next->timeline[0].kind, "stop_payment_requested");
  ASSERT_EQ(next->outbound.size(), 2u) << "messages are appended";
  EXPECT_EQ(next->outbound[1].channel, "bank");
  EXPECT_EQ(next->handling.timers.size(), 1u);
  EXPECT_EQ(next->status, c.status);
}

TEST(StopPayment, OptionsAreChecked) {
  EXPECT_TRUE(validate(Options{}).empty());
  Options bad;
  bad.duration = 0;
  bad.extension = -1;
  bad.max_extensions = -1;
  bad.warn_before = 0;
  EXPECT_EQ(validate(bad).size(), 4u);
  Options late;
  late.warn_before = late.duration;
  ASSERT_EQ(validate(late).size(), 1u);
  EXPECT_EQ(validate(late)[0].field, "warn_before");
}

TEST(StopPayment, DecisionNames) {
  for (auto d : {Decision::kAccepted, Decision::kRejected, Decision::kReleased}) {
    EXPECT_EQ(parse_decision(name(d)), d);
  }
  EXPECT_FALSE(parse_decision("Accepted"));
}

}  // namespace
}  // namespace quanzu::stoppay

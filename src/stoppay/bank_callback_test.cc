#include "stoppay/bank_callback.h"

#include <gtest/gtest.h>

namespace quanzu::stoppay {
namespace {

constexpr Millis kT0 = 1'701'224'760'000;
constexpr Millis kMinute = 60'000;
const std::string kSecret = "s3cret";
const std::string kBody =
    R"({"stop_payment_id":"C1-S1","decision":"accepted","reference":"ICBC-1"})";

Result<BankCallback> verify(std::string_view body, Millis signed_at = kT0, Millis now = kT0,
                            std::string_view secret = kSecret) {
  const std::string ts = std::to_string(signed_at);
  return verify_bank_callback(kSecret, ts, sign_bank_callback(secret, signed_at, body), body, now);
}

void expect_field(const Result<BankCallback>& r, Code code, std::string_view field) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code) << r.error().message;
  bool named = false;
  for (const auto& f : r.error().fields) named = named || f.field == field;
  EXPECT_TRUE(named) << r.error().message;
}

TEST(BankCallback, SignatureIsTheWebhookScheme) {
  // HMAC-SHA256("s3cret", "1701224760000." + body), as channels/webhook signs (and Python's
  // hmac module computes).
  EXPECT_EQ(sign_bank_callback(kSecret, kT0, kBody),
            "sha256=4edb390cf99c03f1e9749f95d6c45113ad5b8b15a61405341fc93526d76bb727");
}

TEST(BankCallback, GoodSignatureIsRead) {
  auto r = verify(kBody);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->stop_payment_id, "C1-S1");
  EXPECT_EQ(r->answer.decision, Decision::kAccepted);
  EXPECT_EQ(r->answer.reference, "ICBC-1");
  EXPECT_FALSE(r->answer.expires_at);
  EXPECT_EQ(r->signed_at, kT0);

  // Upper-case hex is the same signature.
  std::string sig = sign_bank_callback(kSecret, kT0, kBody);
  for (size_t i = 7; i < sig.size(); ++i) sig[i] = static_cast<char>(std::toupper(sig[i]));
  EXPECT_TRUE(verify_bank_callback(kSecret, std::to_string(kT0), sig, kBody, kT0).has_value());
}

TEST(BankCallback, AllFieldsAreRead) {
  const std::string body =
      R"({"stop_payment_id":"C1-S2","decision":"accepted","reference":"R-9",)"
      R"("expires_at":"2023-12-01T10:26:00+08:00","reason":"ok","extra":{"x":1}})";
  auto r = verify(body);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->answer.expires_at, kT0 + 48 * kHour);
  EXPECT_EQ(r->answer.reason, "ok");

  auto rejected = verify(R"({"stop_payment_id":"C1-S2","decision":"rejected","reason":"冻结"})");
  ASSERT_TRUE(rejected.has_value()) << rejected.error().message;
  EXPECT_EQ(rejected->answer.decision, Decision::kRejected);
  EXPECT_EQ(rejected->answer.reference, "");

  auto released = verify(
      R"({"stop_payment_id":"C1-S2","decision":"released","reference":"R-9","expires_at":null})");
  ASSERT_TRUE(released.has_value()) << released.error().message;
  EXPECT_EQ(released->answer.decision, Decision::kReleased);
}

TEST(BankCallback, WrongSecretIsRefused) {
  expect_field(verify(kBody, kT0, kT0, "other"), Code::kInvalid, kSignatureHeader);
}

TEST(BankCallback, AlteredBodyIsRefused) {
  const std::string sig = sign_bank_callback(kSecret, kT0, kBody);
  std::string altered = kBody;
  altered.replace(altered.find("accepted"), 8, "released");
  expect_field(verify_bank_callback(kSecret, std::to_string(kT0), sig, altered, kT0),
               Code::kInvalid, kSignatureHeader);
  // Nor can the timestamp be moved under the same signature.
  expect_field(verify_bank_callback(kSecret, std::to_string(kT0 + 1), sig, kBody, kT0),
               Code::kInvalid, kSignatureHeader);
  // Nor the "." moved between timestamp and body.
  expect_field(verify_bank_callback(kSecret, std::to_string(kT0), sig, "." + kBody, kT0),
               Code::kInvalid, kSignatureHeader);
}

TEST(BankCallback, MalformedSignatureHeader) {
  const std::string good = sign_bank_callback(kSecret, kT0, kBody);
  const std::string ts = std::to_string(kT0);
  for (const std::string& sig :
       {std::string(), good.substr(7), "sha1=" + good.substr(7), good.substr(0, good.size() - 2),
        good + "00", good.substr(0, good.size() - 1) + "g", "sha256=" + std::string(64, ' '),
        " " + good}) {
    expect_field(verify_bank_callback(kSecret, ts, sig, kBody, kT0), Code::kInvalid,
                 kSignatureHeader);
  }
}

TEST(BankCallback, StaleAndFutureTimestampsAreRefused) {
  EXPECT_TRUE(verify(kBody, kT0, kT0 + 5 * kMinute).has_value()) << "at the edge";
  EXPECT_TRUE(verify(kBody, kT0, kT0 - 5 * kMinute).has_value()) << "at the edge";
  expect_field(verify(kBody, kT0, kT0 + 5 * kMinute + 1), Code::kInvalid, kTimestampHeader);
  expect_field(verify(kBody, kT0, kT0 - 5 * kMinute - 1), Code::kInvalid, kTimestampHeader);
  EXPECT_TRUE(verify_bank_callback(kSecret, std::to_string(kT0),
                                   sign_bank_callback(kSecret, kT0, kBody), kBody,
                                   kT0 + 9 * kMinute, 10 * kMinute)
                  .has_value());
}

TEST(BankCallback, MalformedTimestampHeader) {
  for (const std::string ts : {"", "abc", "1701224760000 ", "+1701224760000", "-1", "1.7e12",
                               "17012247600000000", " 1701224760000"}) {
    const std::string sig = "sha256=" + std::string(64, '0');
    expect_field(verify_bank_callback(kSecret, ts, sig, kBody, kT0), Code::kInvalid,
                 kTimestampHeader);
  }
}

TEST(BankCallback, ConfigurationAndSizeErrors) {
  auto r =
      verify_bank_callback("", std::to_string(kT0), sign_bank_callback("", kT0, kBody), kBody, kT0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kInternal);

  const std::string huge(kMaxCallbackBytes + 1, ' ');
  r = verify(huge);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kTooLarge);
}

TEST(BankCallback, MalformedJson) {
  expect_field(verify("{not json"), Code::kInvalid, "body");
  expect_field(verify(""), Code::kInvalid, "body");
  expect_field(verify("[1,2]"), Code::kInvalid, "body");
  expect_field(verify(R"("accepted")"), Code::kInvalid, "body");
}

TEST(BankCallback, BadFieldsAreNamed) {
  expect_field(verify(R"({"decision":"accepted","reference":"R"})"), Code::kInvalid,
               "stop_payment_id");
  expect_field(verify(R"({"stop_payment_id":12,"decision":"accepted","reference":"R"})"),
               Code::kInvalid, "stop_payment_id");
  expect_field(verify(R"({"stop_payment_id":"","decision":"accepted","reference":"R"})"),
               Code::kInvalid, "stop_payment_id");
  expect_field(verify(R"({"stop_payment_id":"C1-S1","reference":"R"})"), Code::kInvalid,
               "decision");
  expect_field(verify(R"({"stop_payment_id":"C1-S1","decision":"ok","reference":"R"})"),
               Code::kInvalid, "decision");
  expect_field(verify(R"({"stop_payment_id":"C1-S1","decision":true})"), Code::kInvalid,
               "decision");
  expect_field(verify(R"({"stop_payment_id":"C1-S1","decision":"accepted"})"), Code::kInvalid,
               "reference");
  expect_field(verify(R"({"stop_payment_id":"C1-S1","decision":"accepted","reference":7})"),
               Code::kInvalid, "reference");
  expect_field(verify(R"({"stop_payment_id":"C1-S1","decision":"accepted","reference":"R",)"
                      R"("expires_at":"tomorrow"})"),
               Code::kInvalid, "expires_at");
  expect_field(verify(R"({"stop_payment_id":"C1-S1","decision":"accepted","reference":"R",)"
                      R"("expires_at":1701224760000})"),
               Code::kInvalid, "expires_at");
  expect_field(verify(R"({"stop_payment_id":"C1-S1","decision":"rejected","reason":[]})"),
               Code::kInvalid, "reason");

  // Every field at fault is named at once.
  auto all = verify(R"({"decision":"maybe","expires_at":"x"})");
  ASSERT_FALSE(all.has_value());
  std::vector<std::string> fields;
  for (const auto& f : all.error().fields) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"stop_payment_id", "decision", "expires_at"}));
}

}  // namespace
}  // namespace quanzu::stoppay

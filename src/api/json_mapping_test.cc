#include "api/json_mapping.h"

#include <gtest/gtest.h>

#include "api/api.h"

namespace quanzu::api {
namespace {

cases::Case sample() {
  cases::Case c;
  c.id = "C1";
  c.instruction_id = "CQ-1";
  c.level = instruction::Level::kExtreme;
  c.reasons = {"r1"};
  c.station = cases::Station{"500105-01", "江北区第1派出所", "500105"};
  c.status = cases::Status::kClosed;
  c.outcome = cases::Outcome::kDissuaded;
  c.amount_protected = 30050;
  c.phone = "13800138000";
  c.subject_name = "何某某";
  c.created_at = 1701224760000;
  c.timeline.push_back({1, 1701224760000, "created", "system", R"({"level":"extreme"})"});
  c.instruction_raw = R"({"id":"CQ-1","extra":{"kept":true}})";
  return c;
}

TEST(JsonMapping, ListsMaskPersonalDataAndDetailShowsIt) {
  auto summary = boost::json::serialize(case_summary(sample(), 480));
  EXPECT_NE(summary.find("138****8000"), std::string::npos);
  EXPECT_EQ(summary.find("13800138000"), std::string::npos);
  EXPECT_EQ(summary.find("何某某"), std::string::npos);
  auto detail = case_detail(sample(), 480);
  EXPECT_EQ(detail["subject"].as_object()["phone"].as_string(), "13800138000");
  EXPECT_EQ(detail["level"].as_string(), "extreme");
  EXPECT_EQ(detail["station"].as_object()["code"].as_string(), "500105-01");
  EXPECT_EQ(detail["timeline"].as_array()[0].as_object()["level"].as_string(), "extreme");
  EXPECT_EQ(detail["created_at"].as_string(), "2023-11-29T10:26:00.000+08:00");
  EXPECT_TRUE(detail["instruction"].as_object()["extra"].as_object()["kept"].as_bool());
  EXPECT_DOUBLE_EQ(detail["amount_protected_cny"].to_number<double>(), 300.5);
}

TEST(JsonMapping, ListsPlaceACaseOnlyToAbout100Metres) {
  auto c = sample();
  c.handling.location = cases::GeoPoint{29.575678, 106.531234};
  auto summary = case_summary(c, 480);
  const auto& approx = summary["handling"].as_object()["approx_location"].as_object();
  EXPECT_DOUBLE_EQ(approx.at("lat").as_double(), 29.576);
  EXPECT_DOUBLE_EQ(approx.at("lon").as_double(), 106.531);
  EXPECT_FALSE(summary["handling"].as_object().contains("location"));
  auto detail = case_detail(c, 480);
  EXPECT_DOUBLE_EQ(detail["handling"].as_object()["location"].as_object()["lat"].as_double(), 29.575678);
}

TEST(JsonMapping, UnroutedCaseHasNullStation) {
  auto c = sample();
  c.station.reset();
  c.outcome.reset();
  auto o = case_summary(c, 480);
  EXPECT_TRUE(o["station"].is_null());
  EXPECT_TRUE(o["outcome"].is_null());
}

TEST(JsonMapping, EventRequestsNameTheFieldAtFault) {
  auto ok = parse_event_request(R"({"kind":"outcome","outcome":"dissuaded","amount_protected_cny":300})");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->outcome.amount_protected, 30000);

  auto bad_channel = parse_event_request(R"({"kind":"attempt","channel":"pigeon","result":"answered"})");
  ASSERT_FALSE(bad_channel.has_value());
  EXPECT_EQ(bad_channel.error().fields.at(0).field, "channel");

  auto no_kind = parse_event_request(R"({"text":"x"})");
  ASSERT_FALSE(no_kind.has_value());
  EXPECT_EQ(no_kind.error().fields.at(0).field, "kind");

  auto amount_type = parse_event_request(R"({"kind":"outcome","outcome":"dissuaded","amount_protected_cny":"300"})");
  ASSERT_FALSE(amount_type.has_value());
  EXPECT_EQ(amount_type.error().fields.at(0).field, "amount_protected_cny");

  EXPECT_FALSE(parse_event_request("not json").has_value());
  EXPECT_FALSE(parse_event_request("[1]").has_value());
}

TEST(JsonMapping, SseMessageCarriesTheSequenceAsId) {
  store::Change change{42, 1701224760000, "created", sample(), {}};
  std::string m = sse_message(change, 480);
  EXPECT_EQ(m.rfind("id: 42\nevent: case\ndata: {", 0), 0u) << m;
  EXPECT_EQ(m.substr(m.size() - 2), "\n\n");
  EXPECT_EQ(m.find("13800138000"), std::string::npos);
}

TEST(ErrorCodes, EachMapsToOneStatus) {
  EXPECT_EQ(http_status(Code::kInvalid), 400u);
  EXPECT_EQ(http_status(Code::kNotFound), 404u);
  EXPECT_EQ(http_status(Code::kConflict), 409u);
  EXPECT_EQ(http_status(Code::kTooLarge), 413u);
  EXPECT_EQ(http_status(Code::kUnavailable), 503u);
  EXPECT_EQ(http_status(Code::kInternal), 500u);
}

}  // namespace
}  // namespace quanzu::api

#include "instruction/parser.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <string>

namespace quanzu::instruction {
namespace {

namespace json = boost::json;

// The example of SPEC.md "Instruction format", byte for byte.
constexpr std::string_view kSpecExample = R"({
  "id": "CQ-JB-20231129-000123",
  "issued_at": "2023-11-29T10:26:00+08:00",
  "source": "national",
  "trigger": "completed_transfer",
  "scam_type": "click_farming_rebate",
  "indicators": [{"kind": "url", "value": "hxxp://fake-task.example", "contact_count": 3, "call_seconds": 0}],
  "subject": {"phone": "13800138000", "name": "何某", "id_number": "500105199001011234", "age": 34, "gender": "M"},
  "location": {"lat": 29.5750, "lon": 106.5310, "crs": "gcj02", "adcode": "500105", "cell_id": "460-00-12345-678", "address": "江北区石门..."},
  "funds": {"at_risk_cny": 5000, "transferred_cny": 300, "victim_account": {"bank": "…", "number": "6222…"}},
  "upstream_level": "extreme"
})";

constexpr std::string_view kMinimal =
    R"({"id":"A-1","issued_at":"2023-11-29T10:26:00+08:00","trigger":"fraud_contact",)"
    R"("subject":{"phone":"13800138000"},"location":{"adcode":"500105"}})";

// The minimal instruction after `edit` ran on its JSON tree.
std::string minimal_with(const std::function<void(json::object&)>& edit) {
  json::value v = json::parse(kMinimal);
  edit(v.as_object());
  return json::serialize(v);
}

json::object& sub(json::object& o, std::string_view key) { return o[key].as_object(); }

// Fails the test unless `r` is rejected with exactly one error on `field` whose message
// contains `message`.
void expect_error(const Result<Instruction>& r, std::string_view field, std::string_view message) {
  ASSERT_FALSE(r.has_value()) << "expected an error on " << field;
  EXPECT_EQ(r.error().code, Code::kInvalid);
  bool found = false;
  std::string all;
  for (const FieldError& e : r.error().fields) {
    all += e.field + ": " + e.message + "\n";
    if (e.field == field && e.message.find(message) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << "wanted " << field << ": " << message << "\ngot:\n" << all;
  EXPECT_EQ(r.error().fields.size(), 1u) << all;
}

Result<Instruction> parse_with(const std::function<void(json::object&)>& edit) {
  return parse_instruction(minimal_with(edit));
}

// ---- enums -------------------------------------------------------------------------------

template <typename E>
void expect_round_trip(std::optional<E> (*parse)(std::string_view), int count) {
  for (int i = 0; i < count; ++i) {
    const E e = static_cast<E>(i);
    ASSERT_FALSE(name(e).empty()) << i;
    EXPECT_EQ(parse(name(e)), e) << name(e);
  }
  EXPECT_TRUE(name(static_cast<E>(count)).empty());
  EXPECT_EQ(parse("nope"), std::nullopt);
  EXPECT_EQ(parse(""), std::nullopt);
}

TEST(EnumNames, RoundTrip) {
  expect_round_trip(parse_level, 4);
  expect_round_trip(parse_source, 7);
  expect_round_trip(parse_trigger, 7);
  expect_round_trip(parse_scam_type, 12);
  expect_round_trip(parse_indicator_kind, 7);
  expect_round_trip(parse_gender, 3);
  expect_round_trip(parse_crs, 2);
}

TEST(EnumNames, WireNames) {
  EXPECT_EQ(name(Level::kExtreme), "extreme");
  EXPECT_EQ(name(Source::kHotline), "hotline");
  EXPECT_EQ(name(Trigger::kCashWithdrawalBooked), "cash_withdrawal_booked");
  EXPECT_EQ(name(ScamType::kImpersonatePoliceGov), "impersonate_police_gov");
  EXPECT_EQ(name(ScamType::kUnknown), "unknown");
  EXPECT_EQ(name(IndicatorKind::kImId), "im_id");
  EXPECT_EQ(name(Gender::kMale), "M");
  EXPECT_EQ(name(Gender::kFemale), "F");
  EXPECT_EQ(name(Gender::kUnknown), "U");
  EXPECT_EQ(name(Crs::kWgs84), "wgs84");
  EXPECT_EQ(parse_gender("m"), std::nullopt);
  EXPECT_EQ(parse_level("Extreme"), std::nullopt);
}

TEST(EnumNames, ChineseLabels) {
  EXPECT_EQ(label_zh(Level::kLow), "低危");
  EXPECT_EQ(label_zh(Level::kMedium), "中危");
  EXPECT_EQ(label_zh(Level::kHigh), "高危");
  EXPECT_EQ(label_zh(Level::kExtreme), "特危");
}

// ---- the SPEC example ----------------------------------------------------------------------

TEST(ParseInstruction, SpecExampleMapsEveryField) {
  auto r = parse_instruction(kSpecExample);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const Instruction& in = *r;
  EXPECT_EQ(in.id, "CQ-JB-20231129-000123");
  EXPECT_EQ(in.issued_at, 1701224760000);  // 2023-11-29T02:26:00Z
  EXPECT_EQ(in.source, Source::kNational);
  EXPECT_EQ(in.trigger, Trigger::kCompletedTransfer);
  EXPECT_EQ(in.scam_type, ScamType::kClickFarmingRebate);
  ASSERT_EQ(in.indicators.size(), 1u);
  EXPECT_EQ(in.indicators[0].kind, IndicatorKind::kUrl);
  EXPECT_EQ(in.indicators[0].value, "hxxp://fake-task.example");
  EXPECT_EQ(in.indicators[0].contact_count, 3);
  EXPECT_EQ(in.indicators[0].call_seconds, 0);
  EXPECT_EQ(in.subject.phone, "13800138000");
  EXPECT_EQ(in.subject.name, "何某");
  EXPECT_EQ(in.subject.id_number, "500105199001011234");
  EXPECT_EQ(in.subject.age, 34);
  EXPECT_EQ(in.subject.gender, Gender::kMale);
  EXPECT_DOUBLE_EQ(*in.location.lat, 29.5750);
  EXPECT_DOUBLE_EQ(*in.location.lon, 106.5310);
  EXPECT_EQ(in.location.crs, Crs::kGcj02);
  EXPECT_EQ(in.location.adcode, "500105");
  EXPECT_EQ(in.location.cell_id, "460-00-12345-678");
  EXPECT_EQ(in.location.address, "江北区石门...");
  EXPECT_EQ(in.funds.at_risk, 500000);
  EXPECT_EQ(in.funds.transferred, 30000);
  EXPECT_EQ(in.funds.victim_bank, "…");
  EXPECT_EQ(in.funds.victim_account, "6222…");
  EXPECT_EQ(in.upstream_level, Level::kExtreme);
  EXPECT_EQ(in.raw, kSpecExample);
}

TEST(ParseInstruction, SpecExampleInABatch) {
  auto r = parse_batch(kSpecExample);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, "CQ-JB-20231129-000123");
  ASSERT_TRUE((*r)[0].instruction.has_value());
  EXPECT_EQ((*r)[0].instruction->raw, kSpecExample);
}

TEST(ParseInstruction, MinimalHasDefaults) {
  auto r = parse_instruction(kMinimal);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->source, std::nullopt);
  EXPECT_EQ(r->scam_type, ScamType::kUnknown);
  EXPECT_TRUE(r->indicators.empty());
  EXPECT_EQ(r->location.crs, Crs::kGcj02);
  EXPECT_EQ(r->location.lat, std::nullopt);
  EXPECT_EQ(r->funds.at_risk, std::nullopt);
  EXPECT_EQ(r->upstream_level, std::nullopt);
  EXPECT_EQ(r->subject.gender, std::nullopt);
}

TEST(ParseInstruction, RawKeepsUnknownFieldsAndNumberFormatting) {
  const std::string text =
      R"({"id":"A-1", "issued_at":"2023-11-29T10:26:00Z","trigger":"other","x_vendor":{"a":[1,2.50,1e3]},)"
      R"("subject":{"phone":"13800138000","x":"\u4f55"},"location":{"lat":29.57500,"lon":1.06531E2},)"
      R"("funds":{"at_risk_cny":5.0E3}})";
  auto r = parse_instruction(text);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->raw, text);
  EXPECT_DOUBLE_EQ(*r->location.lon, 106.531);
  EXPECT_EQ(r->funds.at_risk, 500000);
}

TEST(ParseInstruction, RawOfEachBatchItemIsItsExactSpan) {
  const std::string a =
      R"({"id":"A","issued_at":"2023-11-29T10:26:00+08:00","trigger":"other",)"
      R"("subject":{"phone":"13800138000"},"location":{"cell_id":"x"},"z":[ 1 , {"s":"]}\"["} ]})";
  const std::string b =
      R"({ "id" : "B" , "issued_at":"2023-11-29T10:26:00.123+08:00","trigger":"other",)"
      R"("subject":{"phone":"+86 138-0013-8000"},"location":{"adcode":500105},"n":-0.0e-0 })";
  auto r = parse_batch(" \n[ " + a + " ,\n\t" + b + "\r\n] \n");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  ASSERT_TRUE((*r)[0].instruction.has_value());
  ASSERT_TRUE((*r)[1].instruction.has_value()) << (*r)[1].instruction.error().message;
  EXPECT_EQ((*r)[0].instruction->raw, a);
  EXPECT_EQ((*r)[1].instruction->raw, b);
  EXPECT_EQ((*r)[1].instruction->issued_at % 1000, 123);
  EXPECT_EQ((*r)[1].instruction->subject.phone, "+86 138-0013-8000");
  EXPECT_EQ((*r)[1].instruction->location.adcode, "500105");
}

TEST(ParseInstruction, NullOptionalFieldsAreAbsent) {
  auto r = parse_with([](json::object& o) {
    o["source"] = nullptr;
    o["scam_type"] = nullptr;
    o["indicators"] = nullptr;
    o["funds"] = nullptr;
    o["upstream_level"] = nullptr;
    sub(o, "subject")["age"] = nullptr;
    sub(o, "subject")["name"] = nullptr;
    sub(o, "location")["crs"] = nullptr;
    sub(o, "location")["lat"] = nullptr;
  });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->scam_type, ScamType::kUnknown);
  EXPECT_EQ(r->subject.age, std::nullopt);
}

TEST(ParseInstruction, UnknownFieldsAnywhereAreIgnored) {
  auto r = parse_with([](json::object& o) {
    o["future"] = json::array{1, 2};
    sub(o, "subject")["nickname"] = "x";
    sub(o, "location")["floor"] = 3;
    o["indicators"] = json::array{json::object{{"kind", "ip"}, {"value", "1.2.3.4"}, {"v2", true}}};
  });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->indicators[0].kind, IndicatorKind::kIp);
  EXPECT_EQ(r->indicators[0].contact_count, std::nullopt);
}

// ---- required fields -----------------------------------------------------------------------

TEST(Required, Id) {
  expect_error(parse_with([](json::object& o) { o.erase("id"); }), "id", "is required");
  expect_error(parse_with([](json::object& o) { o["id"] = nullptr; }), "id", "is required");
}

TEST(Required, IssuedAt) {
  expect_error(parse_with([](json::object& o) { o.erase("issued_at"); }), "issued_at",
               "is required");
}

TEST(Required, Trigger) {
  expect_error(parse_with([](json::object& o) { o.erase("trigger"); }), "trigger", "is required");
}

TEST(Required, SubjectPhone) {
  expect_error(parse_with([](json::object& o) { sub(o, "subject").erase("phone"); }),
               "subject.phone", "is required");
  expect_error(parse_with([](json::object& o) { o.erase("subject"); }), "subject.phone",
               "is required");
  expect_error(parse_with([](json::object& o) { o["subject"] = nullptr; }), "subject.phone",
               "is required");
}

TEST(Required, Location) {
  expect_error(parse_with([](json::object& o) { o.erase("location"); }), "location",
               "lat and lon, adcode or cell_id");
  expect_error(parse_with([](json::object& o) {
                 o["location"] = json::object{{"crs", "wgs84"}};
               }),
               "location", "needs lat and lon, adcode or cell_id");
  expect_error(parse_with([](json::object& o) {
                 o["location"] = json::object{{"adcode", nullptr}, {"address", "x"}};
               }),
               "location", "needs");
}

TEST(Required, AnyOneLocationFormIsEnough) {
  EXPECT_TRUE(parse_with([](json::object& o) {
                o["location"] = json::object{{"lat", 29.5}, {"lon", 106.5}};
              }).has_value());
  EXPECT_TRUE(parse_with([](json::object& o) {
                o["location"] = json::object{{"cell_id", "460-00-1-2"}};
              }).has_value());
  auto wgs = parse_with([](json::object& o) {
    o["location"] = json::object{{"lat", 0}, {"lon", 0}, {"crs", "wgs84"}};
  });
  ASSERT_TRUE(wgs.has_value());
  EXPECT_EQ(wgs->location.crs, Crs::kWgs84);
  EXPECT_EQ(wgs->location.lat, 0.0);
}

TEST(Required, LatAndLonGoTogether) {
  expect_error(parse_with([](json::object& o) { sub(o, "location")["lat"] = 29.5; }),
               "location.lon", "is required when location.lat is given");
  expect_error(parse_with([](json::object& o) { sub(o, "location")["lon"] = 106.5; }),
               "location.lat", "is required when location.lon is given");
}

// ---- wrong JSON types ----------------------------------------------------------------------

struct TypeCase {
  std::function<void(json::object&)> edit;
  const char* field;
  const char* message;
};

TEST(WrongType, EachFieldNamesTheType) {
  const TypeCase cases[] = {
      {[](json::object& o) { o["id"] = 12; }, "id", "must be a string"},
      {[](json::object& o) { o["issued_at"] = 1701224760; }, "issued_at", "must be a string"},
      {[](json::object& o) { o["trigger"] = 1; }, "trigger", "must be a string"},
      {[](json::object& o) { o["source"] = true; }, "source", "must be a string"},
      {[](json::object& o) { o["scam_type"] = json::array{}; }, "scam_type", "must be a string"},
      {[](json::object& o) { o["upstream_level"] = 3; }, "upstream_level", "must be a string"},
      {[](json::object& o) { o["indicators"] = json::object{}; }, "indicators", "must be an array"},
      {[](json::object& o) { o["indicators"] = json::array{"url"}; }, "indicators[0]",
       "must be an object"},
      {[](json::object& o) {
         o["indicators"] = json::array{json::object{{"kind", 1}, {"value", "v"}}};
       },
       "indicators[0].kind", "must be a string"},
      {[](json::object& o) {
         o["indicators"] = json::array{json::object{{"kind", "app"}, {"value", 5}}};
       },
       "indicators[0].value", "must be a string"},
      {[](json::object& o) {
         o["indicators"] =
             json::array{json::object{{"kind", "app"}, {"value", "v"}, {"contact_count", "3"}}};
       },
       "indicators[0].contact_count", "must be an integer"},
      {[](json::object& o) {
         o["indicators"] =
             json::array{json::object{{"kind", "app"}, {"value", "v"}, {"call_seconds", 1.5}}};
       },
       "indicators[0].call_seconds", "must be an integer"},
      {[](json::object& o) { o["subject"] = "13800138000"; }, "subject", "must be an object"},
      {[](json::object& o) { sub(o, "subject")["phone"] = 13800138000; }, "subject.phone",
       "must be a string"},
      {[](json::object& o) { sub(o, "subject")["name"] = json::array{}; }, "subject.name",
       "must be a string"},
      {[](json::object& o) { sub(o, "subject")["id_number"] = 500105199001011234; },
       "subject.id_number", "must be a string"},
      {[](json::object& o) { sub(o, "subject")["age"] = "34"; }, "subject.age",
       "must be an integer"},
      {[](json::object& o) { sub(o, "subject")["age"] = 34.5; }, "subject.age",
       "must be an integer"},
      {[](json::object& o) { sub(o, "subject")["gender"] = 1; }, "subject.gender",
       "must be a string"},
      {[](json::object& o) {
         o["location"] = json::array{29.5, 106.5};
       },
       "location", "must be an object"},
      {[](json::object& o) {
         o["location"] = json::object{{"lat", "29.5"}, {"lon", 106.5}};
       },
       "location.lat", "must be a number"},
      {[](json::object& o) {
         o["location"] = json::object{{"lat", 29.5}, {"lon", false}};
       },
       "location.lon", "must be a number"},
      {[](json::object& o) { sub(o, "location")["crs"] = 4326; }, "location.crs",
       "must be a string"},
      {[](json::object& o) { sub(o, "location")["adcode"] = true; }, "location.adcode",
       "must be a string"},
      {[](json::object& o) { sub(o, "location")["cell_id"] = 460; }, "location.cell_id",
       "must be a string"},
      {[](json::object& o) { sub(o, "location")["address"] = json::object{}; }, "location.address",
       "must be a string"},
      {[](json::object& o) { o["funds"] = 5000; }, "funds", "must be an object"},
      {[](json::object& o) {
         o["funds"] = json::object{{"at_risk_cny", "5000"}};
       },
       "funds.at_risk_cny", "must be a number"},
      {[](json::object& o) {
         o["funds"] = json::object{{"transferred_cny", true}};
       },
       "funds.transferred_cny", "must be a number"},
      {[](json::object& o) {
         o["funds"] = json::object{{"victim_account", "6222"}};
       },
       "funds.victim_account", "must be an object"},
      {[](json::object& o) {
         o["funds"] = json::object{{"victim_account", json::object{{"bank", 1}}}};
       },
       "funds.victim_account.bank", "must be a string"},
      {[](json::object& o) {
         o["funds"] = json::object{{"victim_account", json::object{{"number", 6222}}}};
       },
       "funds.victim_account.number", "must be a string"},
  };
  for (const TypeCase& c : cases) {
    SCOPED_TRACE(c.field);
    expect_error(parse_with(c.edit), c.field, c.message);
  }
}

TEST(WrongType, TopLevelMustBeAnObject) {
  auto r = parse_instruction("[1,2]");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kInvalid);
  ASSERT_EQ(r.error().fields.size(), 1u);
  EXPECT_EQ(r.error().fields[0].message, "must be a JSON object");
}

// ---- unknown enum values -------------------------------------------------------------------

TEST(UnknownEnum, MessageQuotesTheValueAndListsTheChoices) {
  auto r = parse_with([](json::object& o) { o["trigger"] = "xyz"; });
  expect_error(r, "trigger",
               "unknown value \"xyz\"; expected one of: fraud_url_visit, fraud_app_install, "
               "fraud_contact, pending_transfer, completed_transfer, cash_withdrawal_booked, "
               "other");
}

TEST(UnknownEnum, EachEnumField) {
  expect_error(parse_with([](json::object& o) { o["source"] = "county"; }), "source",
               "unknown value \"county\"; expected one of: national, provincial");
  expect_error(parse_with([](json::object& o) { o["scam_type"] = "Romance"; }), "scam_type",
               "expected one of: click_farming_rebate,");
  expect_error(parse_with([](json::object& o) { o["upstream_level"] = "critical"; }),
               "upstream_level", "expected one of: low, medium, high, extreme");
  expect_error(parse_with([](json::object& o) {
                 o["indicators"] = json::array{json::object{{"kind", "email"}, {"value", "a"}}};
               }),
               "indicators[0].kind", "unknown value \"email\"");
  expect_error(parse_with([](json::object& o) { sub(o, "subject")["gender"] = "male"; }),
               "subject.gender", "expected one of: M, F, U");
  expect_error(parse_with([](json::object& o) { sub(o, "location")["crs"] = "bd09"; }),
               "location.crs", "expected one of: gcj02, wgs84");
}

TEST(UnknownEnum, LongOrOddValuesAreQuotedSafely) {
  auto r = parse_with([](json::object& o) { o["source"] = std::string(100, 'a') + "\"\n"; });
  expect_error(r, "source", "unknown value \"" + std::string(40, 'a') + "...\"");
  auto q = parse_with([](json::object& o) { o["source"] = "a\"b\x01"; });
  expect_error(q, "source", R"("a\"b\u0001")");
}

// ---- ranges and formats --------------------------------------------------------------------

TEST(Range, Id) {
  auto with_id = [](std::string id) { return parse_with([&](json::object& o) { o["id"] = id; }); };
  EXPECT_TRUE(with_id(std::string(128, 'x')).has_value());
  EXPECT_TRUE(with_id("a").has_value());
  EXPECT_TRUE(with_id("CQ JB/1~!").has_value());
  for (std::string bad : {std::string(129, 'x'), std::string(), std::string(" lead"),
                          std::string("trail "), std::string("tab\there"), std::string("何某")}) {
    SCOPED_TRACE(bad);
    expect_error(with_id(bad), "id", "must be 1-128 printable characters");
  }
}

TEST(Range, IssuedAt) {
  auto with_time = [](std::string t) {
    return parse_with([&](json::object& o) { o["issued_at"] = t; });
  };
  EXPECT_TRUE(with_time("2023-11-29T02:26:00Z").has_value());
  EXPECT_TRUE(with_time("2024-02-29T23:59:59.999-05:00").has_value());
  EXPECT_EQ(with_time("2023-11-29T02:26:00Z")->issued_at, 1701224760000);
  for (const char* bad : {"2023-02-30T10:00:00+08:00", "2023-11-29T10:26:00", "2023-11-29",
                          "2023-13-01T00:00:00Z", "2023-11-29T24:00:00Z", "yesterday", ""}) {
    SCOPED_TRACE(bad);
    expect_error(with_time(bad), "issued_at", "is not an RFC 3339 date-time");
  }
}

TEST(Range, LatLon) {
  auto at = [](json::value lat, json::value lon) {
    return parse_with([&](json::object& o) {
      o["location"] = json::object{{"lat", lat}, {"lon", lon}};
    });
  };
  EXPECT_TRUE(at(90, 180).has_value());
  EXPECT_TRUE(at(-90, -180).has_value());
  EXPECT_TRUE(at(-90.0, 180.0).has_value());
  expect_error(at(90.0001, 0), "location.lat", "must be between -90 and 90");
  expect_error(at(-91, 0), "location.lat", "must be between -90 and 90");
  expect_error(at(0, 180.5), "location.lon", "must be between -180 and 180");
  expect_error(at(0, -181), "location.lon", "must be between -180 and 180");
  expect_error(at(0, 18446744073709551615ull), "location.lon", "must be between");
}

TEST(Range, Age) {
  auto age = [](json::value a) {
    return parse_with([&](json::object& o) { sub(o, "subject")["age"] = a; });
  };
  EXPECT_EQ(age(0)->subject.age, 0);
  EXPECT_EQ(age(130)->subject.age, 130);
  EXPECT_EQ(age(65.0)->subject.age, 65);
  expect_error(age(-1), "subject.age", "must be between 0 and 130");
  expect_error(age(131), "subject.age", "must be between 0 and 130");
  expect_error(age(1e300), "subject.age", "must be between 0 and 130");
}

TEST(Range, Money) {
  auto funds = [](json::value v) {
    return parse_with([&](json::object& o) {
      o["funds"] = json::object{{"at_risk_cny", v}, {"transferred_cny", 0}};
    });
  };
  EXPECT_EQ(funds(0)->funds.at_risk, 0);
  EXPECT_EQ(funds(0)->funds.transferred, 0);
  EXPECT_EQ(funds(0.29)->funds.at_risk, 29);
  EXPECT_EQ(funds(1234.56)->funds.at_risk, 123456);
  EXPECT_EQ(funds(100000000000)->funds.at_risk, 10000000000000);
  EXPECT_EQ(funds(1e11)->funds.at_risk, 10000000000000);
  expect_error(funds(100000000001), "funds.at_risk_cny", "must be between 0 and 100000000000");
  expect_error(funds(1.00000001e11), "funds.at_risk_cny", "must be between");
  expect_error(funds(-0.01), "funds.at_risk_cny", "must be between");
  expect_error(funds(-1), "funds.at_risk_cny", "must be between");
  expect_error(funds(18446744073709551615ull), "funds.at_risk_cny", "must be between");
}

TEST(Range, IndicatorCounts) {
  auto counts = [](json::value c, json::value s) {
    return parse_with([&](json::object& o) {
      o["indicators"] = json::array{json::object{
          {"kind", "phone"}, {"value", "+1"}, {"contact_count", c}, {"call_seconds", s}}};
    });
  };
  auto ok = counts(0, 1200);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->indicators[0].call_seconds, 1200);
  expect_error(counts(-1, 0), "indicators[0].contact_count", "must not be negative");
  expect_error(counts(0, -5), "indicators[0].call_seconds", "must not be negative");
  expect_error(counts(18446744073709551615ull, 0), "indicators[0].contact_count", "is too large");
}

TEST(Range, IndicatorCountLimit) {
  Limits limits;
  limits.max_indicators = 2;
  auto with_n = [&](size_t n) {
    return parse_instruction(minimal_with([&](json::object& o) {
                               json::array a;
                               for (size_t i = 0; i < n; ++i) {
                                 a.push_back(json::object{{"kind", "url"}, {"value", "u"}});
                               }
                               o["indicators"] = a;
                             }),
                             limits);
  };
  EXPECT_EQ(with_n(2)->indicators.size(), 2u);
  expect_error(with_n(3), "indicators", "must have at most 2 entries");
}

TEST(Range, IndicatorRequiresKindAndValue) {
  auto r = parse_with([](json::object& o) {
    o["indicators"] = json::array{json::object{{"kind", "url"}, {"value", "u"}}, json::object{}};
  });
  ASSERT_FALSE(r.has_value());
  ASSERT_EQ(r.error().fields.size(), 2u);
  EXPECT_EQ(r.error().fields[0].field, "indicators[1].kind");
  EXPECT_EQ(r.error().fields[0].message, "is required");
  EXPECT_EQ(r.error().fields[1].field, "indicators[1].value");
}

TEST(Range, StringLengths) {
  auto subject = [](const char* key, std::string v) {
    return parse_with([&](json::object& o) { sub(o, "subject")[key] = v; });
  };
  auto location = [](const char* key, std::string v) {
    return parse_with([&](json::object& o) { sub(o, "location")[key] = v; });
  };
  std::string name63;
  for (int i = 0; i < 21; ++i) name63 += "何";
  EXPECT_TRUE(subject("name", name63).has_value());
  EXPECT_TRUE(subject("name", std::string(64, 'n')).has_value());
  expect_error(subject("name", name63 + "何"), "subject.name", "is longer than 64 bytes");
  EXPECT_TRUE(location("cell_id", std::string(64, 'c')).has_value());
  expect_error(location("cell_id", std::string(65, 'c')), "location.cell_id",
               "is longer than 64 bytes");
  expect_error(location("cell_id", ""), "location.cell_id", "must not be empty");
  EXPECT_TRUE(location("address", std::string(512, 'a')).has_value());
  expect_error(location("address", std::string(513, 'a')), "location.address",
               "is longer than 512 bytes");

  Limits limits;
  limits.max_string_bytes = 32;
  auto value = [&](std::string v) {
    return parse_instruction(
        minimal_with([&](json::object& o) {
          o["indicators"] = json::array{json::object{{"kind", "url"}, {"value", v}}};
        }),
        limits);
  };
  EXPECT_TRUE(value(std::string(32, 'v')).has_value());
  expect_error(value(std::string(33, 'v')), "indicators[0].value", "is longer than 32 bytes");
}

TEST(Range, Phone) {
  auto phone = [](std::string p) {
    return parse_with([&](json::object& o) { sub(o, "subject")["phone"] = p; });
  };
  for (const char* good : {"13800138000", "+86 138-0013-8000", "12345", "95110",
                           "+12345678901234567890", " 023-6789 1234 "}) {
    SCOPED_TRACE(good);
    auto r = phone(good);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->subject.phone, good);  // kept as given
  }
  for (const char* bad : {"1234", "123456789012345678901", "138abc00000", "86+13800138000",
                          "++8613800138000", "", "+", "(023)67891234"}) {
    SCOPED_TRACE(bad);
    expect_error(phone(bad), "subject.phone", "must be a phone number");
  }
}

TEST(Range, IdNumber) {
  auto idn = [](std::string s) {
    return parse_with([&](json::object& o) { sub(o, "subject")["id_number"] = s; });
  };
  EXPECT_TRUE(idn("500105900101123").has_value());
  EXPECT_TRUE(idn("50010519900101123X").has_value());
  EXPECT_TRUE(idn("50010519900101123x").has_value());
  EXPECT_TRUE(idn("500105199001011234").has_value());
  for (const char* bad : {"5001051990010112", "50010519900101123Y", "5001051990010112345",
                          "X00105199001011234", "50010519900101123", ""}) {
    SCOPED_TRACE(bad);
    expect_error(idn(bad), "subject.id_number", "must be 15 digits, or 17 digits");
  }
}

TEST(Range, Adcode) {
  auto adcode = [](json::value v) {
    return parse_with([&](json::object& o) { o["location"] = json::object{{"adcode", v}}; });
  };
  EXPECT_EQ(adcode("500105")->location.adcode, "500105");
  EXPECT_EQ(adcode(500105)->location.adcode, "500105");
  EXPECT_EQ(adcode("000000")->location.adcode, "000000");
  for (json::value bad :
       {json::value("50010"), json::value("5001050"), json::value("50010a"), json::value(50010),
        json::value(5001050), json::value(500105.5), json::value(-500105)}) {
    SCOPED_TRACE(json::serialize(bad));
    expect_error(adcode(bad), "location.adcode", "must be 6 digits");
  }
}

TEST(Errors, AllProblemsOfAnItemAreCollected) {
  const std::string text =
      R"({"id":"","issued_at":"2023-02-30T00:00:00Z","trigger":"xyz","source":1,)"
      R"("indicators":[{"kind":"url","value":"u"},{"kind":"bad","value":"v","contact_count":-2}],)"
      R"("subject":{"phone":"abc","age":200,"gender":"X"},"location":{"lat":100,"lon":0},)"
      R"("funds":{"at_risk_cny":-1},"upstream_level":"max"})";
  auto r = parse_instruction(text);
  ASSERT_FALSE(r.has_value());
  std::vector<std::string> fields;
  for (const FieldError& e : r.error().fields) fields.push_back(e.field);
  const std::vector<std::string> expected = {"id",
                                             "issued_at",
                                             "source",
                                             "trigger",
                                             "indicators[1].kind",
                                             "indicators[1].contact_count",
                                             "subject.phone",
                                             "subject.age",
                                             "subject.gender",
                                             "location.lat",
                                             "funds.at_risk_cny",
                                             "upstream_level"};
  EXPECT_EQ(fields, expected);
  EXPECT_EQ(r.error().message, "id: must be 1-128 printable characters");
}

// ---- duplicate keys and depth --------------------------------------------------------------

TEST(DuplicateKeys, TopLevel) {
  auto r = parse_batch(
      R"({"id":"A-1","id":"A-2","issued_at":"2023-11-29T10:26:00+08:00","trigger":"other",)"
      R"("subject":{"phone":"13800138000"},"location":{"adcode":"500105"}})");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, "A-2");  // readable, though the item is rejected
  expect_error((*r)[0].instruction, "id", "duplicate key");
}

TEST(DuplicateKeys, NestedPathsAreNamed) {
  expect_error(parse_instruction(R"({"id":"A","subject":{"phone":"1","name":"x","phone":"2"}})"),
               "subject.phone", "duplicate key");
  expect_error(
      parse_instruction(
          R"({"id":"A","indicators":[{"kind":"url"},{"kind":"url","value":"v","kind":"ip"}]})"),
      "indicators[1].kind", "duplicate key");
  expect_error(parse_instruction(R"({"x":[[1,{"a":{"b":1,"b":2}}]]})"), "x[0][1].a.b",
               "duplicate key");
  // Same key in sibling objects is fine; a key repeated three times is reported once.
  expect_error(parse_instruction(R"({"a":{"k":1},"b":{"k":1},"c":{"k":1,"k":2,"k":3}})"), "c.k",
               "duplicate key");
  // Escapes are decoded before comparing.
  expect_error(parse_instruction(R"({"o":{"id":1,"\u0069d":2}})"), "o.id", "duplicate key");
}

TEST(DuplicateKeys, SimilarKeysAreNotDuplicates) {
  std::string text(kMinimal);
  text.insert(1, R"("aXbXc":1,"aYbXc":2,"x":{"aXbXc":1,"aXbYc":2,"":3,"\u0000":4},)");
  auto r = parse_instruction(text);
  EXPECT_TRUE(r.has_value()) << r.error().message;
}

TEST(DuplicateKeys, LargeObjects) {
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += "\"k57\":0}";
  expect_error(parse_instruction(text), "k57", "duplicate key");
}

std::string nested(size_t depth) {
  // The instruction object is level 1; "x" adds depth - 1 more levels.
  std::string open;
  std::string close;
  for (size_t i = 1; i < depth; ++i) {
    open += i % 2 == 0 ? "[" : "{\"x\":";
    close = (i % 2 == 0 ? "]" : "}") + close;
  }
  std::string body(kMinimal);
  body.insert(1, "\"x\":" + open + "1" + close + ",");
  return body;
}

TEST(Depth, LimitIsInclusive) {
  auto ok = parse_instruction(nested(16));
  EXPECT_TRUE(ok.has_value()) << ok.error().message;
  auto r = parse_instruction(nested(17));
  ASSERT_FALSE(r.has_value());
  ASSERT_EQ(r.error().fields.size(), 1u);
  EXPECT_EQ(r.error().fields[0].field, "x.x[0].x[0].x[0].x[0].x[0].x[0].x[0].x");
  EXPECT_EQ(r.error().fields[0].message, "is nested deeper than 16 levels");
}

TEST(Depth, CustomLimitRejectsOnlyThatItem) {
  Limits limits;
  limits.max_depth = 3;
  std::string good(kMinimal);
  auto r = parse_batch("[" + good + "," + nested(4) + "," + nested(3) + "]", Format::kAuto, limits);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_TRUE((*r)[0].instruction.has_value());
  expect_error((*r)[1].instruction, "x.x[0]", "is nested deeper than 3 levels");
  EXPECT_TRUE((*r)[2].instruction.has_value());
}

TEST(Depth, AbsurdNestingFailsTheBody) {
  std::string body = std::string(100000, '[') + std::string(100000, ']');
  auto r = parse_batch(body);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kInvalid);
  std::string obj = "{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  auto o = parse_batch(obj);
  ASSERT_FALSE(o.has_value());
  EXPECT_NE(o.error().message.find("nested deeper than 128 levels at line 1"), std::string::npos)
      << o.error().message;
  // Within the body bound but beyond the item bound: only the item is rejected.
  std::string deepish = "{\"a\":" + std::string(60, '[') + std::string(60, ']') + "}";
  auto d = parse_batch(deepish);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  expect_error((*d)[0].instruction, "a[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]",
               "nested deeper");
}

// ---- batches -------------------------------------------------------------------------------

std::string item(std::string_view id) {
  std::string s(kMinimal);
  s.replace(s.find("A-1"), 3, id);
  return s;
}

TEST(Batch, ArrayWithValidAndInvalidItems) {
  const std::string body = "[" + item("A") +
                           ", 42, {\"id\":\"B\",\"trigger\":\"nope\"}, \"s\", [], " + item("C") +
                           ", null]";
  auto r = parse_batch(body);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 7u);
  EXPECT_TRUE((*r)[0].instruction.has_value());
  EXPECT_EQ((*r)[0].id, "A");
  EXPECT_EQ((*r)[1].instruction.error().fields.at(0).message, "must be a JSON object");
  EXPECT_EQ((*r)[2].id, "B");
  ASSERT_FALSE((*r)[2].instruction.has_value());
  EXPECT_GE((*r)[2].instruction.error().fields.size(), 4u);
  EXPECT_FALSE((*r)[3].instruction.has_value());
  EXPECT_FALSE((*r)[4].instruction.has_value());
  EXPECT_TRUE((*r)[5].instruction.has_value());
  EXPECT_EQ((*r)[5].instruction->raw, item("C"));
  EXPECT_FALSE((*r)[6].instruction.has_value());
}

TEST(Batch, EmptyArrayHasNoItems) {
  auto r = parse_batch(" [ ] ");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST(Batch, TooManyItems) {
  Limits limits;
  limits.max_items = 2;
  const std::string two = "[" + item("A") + "," + item("B") + "]";
  const std::string three = "[" + item("A") + "," + item("B") + "," + item("C") + "]";
  EXPECT_TRUE(parse_batch(two, Format::kAuto, limits).has_value());
  auto r = parse_batch(three, Format::kAuto, limits);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kTooLarge);
  EXPECT_NE(r.error().message.find("max_items"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("2"), std::string::npos);

  const std::string lines = item("A") + "\n" + item("B") + "\n\n" + item("C") + "\n";
  auto n = parse_batch(lines, Format::kNdjson, limits);
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Code::kTooLarge);
  auto a = parse_batch(lines, Format::kAuto, limits);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, Code::kTooLarge);
}

TEST(Batch, ItemTooLarge) {
  Limits limits;
  limits.max_item_bytes = 200;
  std::string big = minimal_with([](json::object& o) { o["pad"] = std::string(200, 'p'); });
  auto r = parse_batch("[" + item("A") + "," + big + "]", Format::kAuto, limits);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE((*r)[0].instruction.has_value());
  expect_error((*r)[1].instruction, "", "is longer than 200 bytes");
  auto single = parse_batch(big, Format::kAuto, limits);
  ASSERT_TRUE(single.has_value());
  expect_error((*single)[0].instruction, "", "is longer than 200 bytes");
  auto line = parse_batch(item("A") + "\n" + big, Format::kNdjson, limits);
  ASSERT_TRUE(line.has_value());
  expect_error((*line)[1].instruction, "", "is longer than 200 bytes");
  auto direct = parse_instruction(big, limits);
  ASSERT_FALSE(direct.has_value());
  EXPECT_EQ(direct.error().code, Code::kTooLarge);
}

TEST(Ndjson, BlankLinesCrlfAndOneBadLine) {
  const std::string body =
      item("A") + "\r\n\n   \n" + "{\"id\": \"broken\",\n" + item("C") + "\r\n[1]\n" + item("D");
  for (Format f : {Format::kNdjson, Format::kAuto}) {
    auto r = parse_batch(body, f);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_EQ(r->size(), 5u);
    EXPECT_EQ((*r)[0].instruction->raw, item("A"));
    ASSERT_FALSE((*r)[1].instruction.has_value());
    const FieldError& e = (*r)[1].instruction.error().fields.at(0);
    EXPECT_EQ(e.field, "");
    EXPECT_EQ(e.message.rfind("line 4: invalid JSON: ", 0), 0u) << e.message;
    EXPECT_EQ((*r)[1].id, "");
    EXPECT_TRUE((*r)[2].instruction.has_value());
    EXPECT_EQ((*r)[2].instruction->raw, item("C"));
    EXPECT_EQ((*r)[3].instruction.error().fields.at(0).message, "must be a JSON object");
    EXPECT_EQ((*r)[4].id, "D");
  }
}

TEST(Ndjson, BadLineErrorNamesLineAndColumn) {
  auto r = parse_batch(item("A") + "\n\n  {\"id\": x}\n", Format::kNdjson);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  expect_error((*r)[1].instruction, "", "line 3: invalid JSON: syntax error at column 10");
}

TEST(Ndjson, NoValidLineFailsTheBody) {
  auto r = parse_batch("{oops}\nnope\n", Format::kNdjson);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kInvalid);
  EXPECT_NE(r.error().message.find("line 1"), std::string::npos) << r.error().message;
  auto blank = parse_batch("\n \r\n", Format::kNdjson);
  ASSERT_FALSE(blank.has_value());
  EXPECT_EQ(blank.error().code, Code::kInvalid);
}

TEST(Ndjson, AutoDetectsOnlyWhenFirstValueIsComplete) {
  auto r = parse_batch(item("A") + "\n" + item("B"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->size(), 2u);
  // A pretty-printed object is one item, not lines.
  auto pretty = parse_batch(kSpecExample, Format::kAuto);
  ASSERT_TRUE(pretty.has_value());
  EXPECT_EQ(pretty->size(), 1u);
  // The same body, declared as one JSON document, is not JSON.
  auto strict = parse_batch(item("A") + "\n" + item("B"), Format::kJson);
  ASSERT_FALSE(strict.has_value());
  EXPECT_EQ(strict.error().code, Code::kInvalid);
  EXPECT_NE(strict.error().message.find("line 2"), std::string::npos) << strict.error().message;
}

TEST(NotJson, FailsTheWholeBodySayingWhere) {
  for (std::string_view body :
       {std::string_view("hello"), std::string_view(""), std::string_view(" \n\t "),
        std::string_view("{\"id\":"), std::string_view("[{\"id\":\"a\"},"),
        std::string_view("{\"id\":\"a\"]"), std::string_view("[1 2]"),
        std::string_view("{\"a\":1,}"), std::string_view("// c\n{}")}) {
    SCOPED_TRACE(body);
    auto r = parse_batch(body);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Code::kInvalid);
  }
  auto r = parse_batch("[\n  {\"id\": \"a\"},\n  {\"id\": tru}\n]");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("byte"), std::string::npos) << r.error().message;
}

TEST(NotJson, InvalidUtf8) {
  std::string body(kMinimal);
  body.replace(body.find("A-1"), 3, "A\xff\xfe");
  auto r = parse_batch(body);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::kInvalid);
  auto i = parse_instruction(body);
  ASSERT_FALSE(i.has_value());
  EXPECT_EQ(i.error().code, Code::kInvalid);
}

TEST(NotJson, TopLevelScalar) {
  for (std::string_view body : {"42", "\"text\"", "null", "true"}) {
    auto r = parse_batch(body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().code, Code::kInvalid);
  }
}

TEST(Batch, HugeNumbersAreJustNumbers) {
  auto r = parse_batch(minimal_with([](json::object&) {
                       }).insert(1, "\"big\":1e999999,\"n\":123456789012345678901234567890,"));
  // Boost.JSON refuses exponents it cannot represent; either way nothing crashes and the
  // answer is a clear one.
  if (r.has_value()) {
    ASSERT_EQ(r->size(), 1u);
  } else {
    EXPECT_EQ(r.error().code, Code::kInvalid);
  }
}

}  // namespace
}  // namespace quanzu::instruction

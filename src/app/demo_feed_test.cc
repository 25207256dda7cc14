#include "app/demo_feed.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "instruction/parser.h"

namespace quanzu::app {
namespace {

namespace json = boost::json;

const geo::StationDirectory& directory() {
  static const geo::StationDirectory dir = [] {
    const char* root = std::getenv("QUANZU_SOURCE_DIR");
    std::ifstream in(std::string(root ? root : ".") + "/data/chongqing-districts.geojson");
    std::ostringstream text;
    text << in.rdbuf();
    Result<std::vector<geo::District>> districts = geo::load_districts(text.str());
    return geo::StationDirectory::synthetic(districts ? *districts : std::vector<geo::District>{},
                                            3);
  }();
  return dir;
}

// 2023-11-29 10:26:00 +08:00, the morning of the article.
constexpr Millis kStart = 1701224760000;

std::vector<std::string> generate(std::uint64_t seed, int n, bool with_errors = false) {
  DemoFeed feed(directory(), seed);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(feed.next(kStart + Millis{i} * 43'000, with_errors));
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Checks one generated instruction beyond what the parser checks: the shape the demo promises.
void check_instruction(const std::string& item, std::map<std::string, int>& triggers) {
  SCOPED_TRACE(item);
  Result<instruction::Instruction> parsed = instruction::parse_instruction(item);
  ASSERT_TRUE(parsed) << parsed.error().message;
  json::value v = json::parse(item);
  ASSERT_TRUE(v.is_object());
  const json::object& o = v.get_object();
  const instruction::Instruction& in = *parsed;

  ASSERT_TRUE(o.contains("source"));
  ASSERT_TRUE(instruction::parse_source(text(o, "source")));
  ASSERT_TRUE(instruction::parse_scam_type(text(o, "scam_type")));
  ++triggers[text(o, "trigger")];
  ASSERT_NE(in.trigger, instruction::Trigger::kOther);
  if (o.contains("upstream_level")) {
    ASSERT_TRUE(in.upstream_level.has_value());
  }

  // "CQ-<adcode>-<yyyymmdd>-<6 digits>"
  ASSERT_EQ(in.id.size(), 25u);
  EXPECT_EQ(in.id.substr(0, 3), "CQ-");
  ASSERT_TRUE(in.location.adcode.has_value()) << "every demo location names its district";
  EXPECT_EQ(in.id.substr(3, 6), *in.location.adcode);
  std::string day = day_of(in.issued_at);
  EXPECT_EQ(in.id.substr(10, 8), day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2));
  EXPECT_TRUE(all_digits(in.id.substr(19)));
  EXPECT_NE(text(o, "issued_at").find("+08:00"), std::string::npos);

  const std::string& phone = in.subject.phone;
  ASSERT_EQ(phone.size(), 11u);
  EXPECT_TRUE(all_digits(phone));
  EXPECT_NE(std::string_view("35789").find(phone[1]), std::string_view::npos) << phone;
  if (in.subject.name) {
    EXPECT_NE(in.subject.name->find("某"), std::string::npos);
    EXPECT_LE(in.subject.name->size(), 9u);
  }
  if (in.subject.age) {
    EXPECT_GE(*in.subject.age, 16);
    EXPECT_LE(*in.subject.age, 86);
  }
  if (in.subject.id_number) {
    const std::string& id = *in.subject.id_number;
    ASSERT_EQ(id.size(), 18u);
    ASSERT_TRUE(all_digits(id));
    EXPECT_NE(directory().district(id.substr(0, 6)), nullptr) << "issued in a Chongqing district";
    static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (id[static_cast<size_t>(i)] - '0') * kWeights[i];
    EXPECT_EQ(id[17], "10X98765432"[sum % 11]) << "check digit";
    ASSERT_TRUE(in.subject.age && in.subject.gender);
    EXPECT_EQ((id[16] - '0') % 2 == 1, *in.subject.gender == instruction::Gender::kMale);
    int year = std::stoi(id.substr(6, 4)), month = std::stoi(id.substr(10, 2)),
        dom = std::stoi(id.substr(12, 2));
    int ty = std::stoi(day.substr(0, 4)), tm = std::stoi(day.substr(5, 2)),
        td = std::stoi(day.substr(8, 2));
    int age = ty - year - ((tm < month || (tm == month && td < dom)) ? 1 : 0);
    EXPECT_EQ(age, *in.subject.age) << "birth date agrees with age";
  }

  const instruction::Location& loc = in.location;
  if (loc.lat) {
    ASSERT_TRUE(loc.lon.has_value());
    EXPECT_EQ(loc.crs, instruction::Crs::kGcj02);
    const geo::District* district = directory().district(*loc.adcode);
    ASSERT_NE(district, nullptr);
    EXPECT_TRUE(geo::contains(*district, geo::Point{*loc.lon, *loc.lat}))
        << "point inside " << district->name;
  }
  if (loc.cell_id) {
    const std::string& cell = *loc.cell_id;
    ASSERT_EQ(cell.size(), 16u) << cell;
    EXPECT_EQ(cell.substr(0, 4), "460-");
    EXPECT_EQ(cell.substr(7, 3), loc.adcode->substr(3)) << "the area code carries the district";
  }
  if (loc.address) {
    EXPECT_EQ(loc.address->rfind(directory().district(*loc.adcode)->name, 0), 0u);
  }

  using instruction::IndicatorKind;
  using instruction::Trigger;
  auto has = [&](IndicatorKind kind) {
    for (const instruction::Indicator& i : in.indicators) {
      if (i.kind == kind) return true;
    }
    return false;
  };
  switch (in.trigger) {
    case Trigger::kFraudUrlVisit:
      EXPECT_TRUE(has(IndicatorKind::kUrl));
      break;
    case Trigger::kFraudAppInstall:
      EXPECT_TRUE(has(IndicatorKind::kApp));
      break;
    case Trigger::kFraudContact:
      ASSERT_TRUE(has(IndicatorKind::kPhone));
      EXPECT_TRUE(in.indicators.front().contact_count && in.indicators.front().call_seconds);
      break;
    case Trigger::kPendingTransfer:
    case Trigger::kCompletedTransfer:
      EXPECT_TRUE(has(IndicatorKind::kAccount));
      break;
    default:
      break;
  }
  const bool moves_money = in.trigger == Trigger::kPendingTransfer ||
                           in.trigger == Trigger::kCompletedTransfer ||
                           in.trigger == Trigger::kCashWithdrawalBooked;
  if (moves_money && in.trigger != Trigger::kCompletedTransfer) {
    EXPECT_TRUE(in.funds.at_risk.has_value());
  }
  if (in.trigger == Trigger::kCompletedTransfer) {
    EXPECT_TRUE(in.funds.transferred.has_value());
  }
  if (in.funds.at_risk) {
    EXPECT_TRUE(moves_money);
    EXPECT_GE(*in.funds.at_risk, 500 * 100);
    EXPECT_LE(*in.funds.at_risk, 200000 * 100);
  }
}

TEST(DemoFeed, GeneratesValidRealisticInstructions) {
  ASSERT_EQ(directory().districts().size(), 38u) << "QUANZU_SOURCE_DIR must point at the source";
  const std::vector<std::string> items = generate(7, 2000);
  std::set<std::string> ids;
  std::map<std::string, int> triggers;
  std::map<std::string, int> phones;
  int large = 0, with_point = 0, cell_only = 0, adcode_only = 0, elderly = 0, levels = 0;
  for (const std::string& item : items) {
    check_instruction(item, triggers);
    if (testing::Test::HasFatalFailure()) return;
    json::object o = json::parse(item).as_object();
    ids.insert(std::string(o["id"].as_string()));
    ++phones[std::string(o["subject"].as_object()["phone"].as_string())];
    const json::object& loc = o["location"].as_object();
    if (loc.contains("lat")) ++with_point;
    if (!loc.contains("lat") && loc.contains("cell_id")) ++cell_only;
    if (!loc.contains("lat") && !loc.contains("cell_id")) ++adcode_only;
    if (o.contains("funds") && o["funds"].as_object().contains("at_risk_cny") &&
        o["funds"].as_object()["at_risk_cny"].as_int64() > 50000) {
      ++large;
    }
    const json::object& subject = o["subject"].as_object();
    if (subject.contains("age") && subject.at("age").as_int64() >= 60) ++elderly;
    if (o.contains("upstream_level")) ++levels;
  }
  EXPECT_EQ(ids.size(), items.size()) << "ids are unique";

  // The mix: each trigger near its share (35/15/25/15/6/4 %).
  const std::map<std::string, double> expected = {
      {"fraud_url_visit", 0.35},  {"fraud_app_install", 0.15},  {"fraud_contact", 0.25},
      {"pending_transfer", 0.15}, {"completed_transfer", 0.06}, {"cash_withdrawal_booked", 0.04}};
  for (const auto& [trigger, share] : expected) {
    EXPECT_NEAR(triggers[trigger] / 2000.0, share, 0.035) << trigger;
  }
  int repeats = 0;
  for (const auto& [phone, count] : phones) repeats += count - 1;
  EXPECT_GE(repeats, 20) << "about 3% repeat an earlier phone";
  EXPECT_LE(repeats, 120);
  EXPECT_GE(large, 3) << "a few above 50,000 CNY";
  EXPECT_LE(large, 80);
  EXPECT_GT(with_point, 1200);
  EXPECT_GT(cell_only, 150);
  EXPECT_GT(adcode_only, 150);
  EXPECT_GT(elderly, 60);
  EXPECT_GT(levels, 300);
}

TEST(DemoFeed, CentralDistrictsDominate) {
  const std::vector<std::string> items = generate(11, 2000);
  std::map<std::string, int> by_adcode;
  for (const std::string& item : items) {
    json::object o = json::parse(item).as_object();
    ++by_adcode[std::string(o["location"].as_object()["adcode"].as_string())];
  }
  int central = 0;
  for (const char* adcode :
       {"500103", "500105", "500108", "500106", "500107", "500112", "500113"}) {
    central += by_adcode[adcode];
  }
  EXPECT_GT(central, 2000 / 2) << "7 of 38 districts hold most warnings";
  EXPECT_GT(by_adcode.size(), 30u) << "but every district sees some";
}

TEST(DemoFeed, SameSeedSameFeedOtherSeedOtherFeed) {
  EXPECT_EQ(generate(42, 300, true), generate(42, 300, true));
  std::vector<std::string> a = generate(42, 300), b = generate(43, 300);
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  EXPECT_EQ(same, 0);
}

TEST(DemoFeed, WithErrorsSomeAreMalformedOnPurpose) {
  const std::vector<std::string> items = generate(5, 20000, true);
  std::map<std::string, int> rejected_fields;
  int rejected = 0;
  for (const std::string& item : items) {
    ASSERT_TRUE(json::parse(item).is_object()) << "malformed on purpose, but still JSON";
    Result<instruction::Instruction> parsed = instruction::parse_instruction(item);
    if (parsed) continue;
    ++rejected;
    ASSERT_EQ(parsed.error().fields.size(), 1u) << item;
    ++rejected_fields[parsed.error().fields.front().field];
  }
  EXPECT_GE(rejected, 60) << "about 1 in 200";
  EXPECT_LE(rejected, 150);
  for (const char* field : {"subject.phone", "trigger", "issued_at", "location.lat"}) {
    EXPECT_GT(rejected_fields[field], 0) << field;
  }
  EXPECT_EQ(rejected_fields.size(), 4u);

  for (const std::string& item : generate(5, 2000, false)) {
    EXPECT_TRUE(instruction::parse_instruction(item)) << item;
  }
}

TEST(DemoFeed, ArrivalsFollowTheRateOverADay) {
  const double per_minute = 1.3;  // ~1,900 a day, as the Jiangbei centre saw
  for (std::uint64_t seed : {1, 2, 3}) {
    DemoFeed feed(directory(), seed);
    const Millis midnight = 1701187200000;  // 2023-11-29 00:00 +08:00
    long total = 0;
    std::vector<long> by_hour(24, 0);
    for (int s = 0; s < 86400; ++s) {
      int n = feed.arrivals(midnight + Millis{s} * 1000, 1.0, per_minute);
      ASSERT_GE(n, 0);
      total += n;
      by_hour[static_cast<size_t>(s / 3600)] += n;
    }
    EXPECT_NEAR(static_cast<double>(total), per_minute * 1440, per_minute * 1440 * 0.2)
        << "seed " << seed;
    long night = by_hour[2] + by_hour[3] + by_hour[4] + by_hour[5];
    long evening = by_hour[19] + by_hour[20] + by_hour[21] + by_hour[22];
    EXPECT_GT(evening, 2 * night) << "seed " << seed;
  }
  DemoFeed feed(directory(), 9);
  EXPECT_EQ(feed.arrivals(kStart, 0, 10), 0);
  EXPECT_EQ(feed.arrivals(kStart, 60, 0), 0);
  // One long window gives the same mean as many short ones.
  long long_total = 0;
  for (int day = 0; day < 5; ++day) {
    long_total += feed.arrivals(kStart + Millis{day} * 86'400'000, 86400, 100);
  }
  EXPECT_NEAR(static_cast<double>(long_total), 5 * 144000.0, 5 * 144000.0 * 0.1);
}

TEST(DemoFeed, ArrivalsBurst) {
  // Over a week at a steady 60/min, some minute runs at well over twice its hour's rate.
  DemoFeed feed(directory(), 21);
  const Millis midnight = 1701187200000;
  double peak_ratio = 0;
  for (int minute = 0; minute < 7 * 1440; ++minute) {
    Millis at = midnight + Millis{minute} * 60'000;
    int n = feed.arrivals(at, 60, 60);
    // Expected without a burst is at most 60 * 1.75 (the evening peak).
    peak_ratio = std::max(peak_ratio, n / (60 * 1.75));
  }
  EXPECT_GT(peak_ratio, 2.0);
}

}  // namespace
}  // namespace quanzu::app

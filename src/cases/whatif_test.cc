#include "cases/whatif.h"

#include <unistd.h>

#include <filesystem>
#include <future>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "cases/test_plans.h"
#include "cases/service.h"
#include "instruction/parser.h"
#include "store/sqlite/sqlite_store.h"

namespace quanzu::cases {
namespace {

constexpr const char* kCurrent = R"(
version = "current"
[[rules]]
id = "base"
set = "medium"
[[rules]]
id = "transfer"
when.trigger = ["completed_transfer"]
set = "extreme"
[[rules]]
id = "repeat"
when.repeat_within_days = 30
raise = 1
)";

constexpr const char* kDraft = R"(
version = "draft"
[[rules]]
id = "base"
set = "low"
[[rules]]
id = "transfer"
when.trigger = ["completed_transfer"]
set = "extreme"
[[rules]]
id = "repeat"
when.repeat_within_days = 30
raise = 1
)";

std::string instruction_json(const std::string& id, const std::string& trigger,
                             const std::string& phone, const std::string& issued_at) {
  return R"({"id":")" + id + R"(","issued_at":")" + issued_at + R"(","trigger":")" + trigger +
         R"(","subject":{"phone":")" + phone + R"("},"location":{"adcode":"500105"}})";
}

TEST(WhatIf, CountsChangesByLevelAndStationWithBothExplanations) {
  const auto dir = std::filesystem::temp_directory_path() / ("quanzu-whatif-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = store::sqlite::SqliteStore::open({(dir / "db.sqlite").string()});
  ASSERT_TRUE(store.has_value()) << store.error().message;
  auto current = grading::load_rules(kCurrent, "current.toml");
  ASSERT_TRUE(current.has_value()) << current.error().message;
  grading::ActiveRules rules(*current);
  geo::District jb;
  jb.adcode = "500105";
  jb.name = "江北区";
  auto stations = geo::StationDirectory::synthetic({jb}, 1);
  ManualClock clock(1701224760000);
  geo::Router router(stations, geo::brute_force_lookups(stations));
  const Plans plans = shipped_plans();
  CaseService service(**store, router, rules, plans, clock);

  // Three separate arrivals, so that each sees the ones before as history.
  const std::vector<std::string> texts{
      instruction_json("W-1", "fraud_url_visit", "13900000001", "2023-11-29T10:00:00+08:00"),
      instruction_json("W-2", "completed_transfer", "13900000002", "2023-11-29T10:01:00+08:00"),
      instruction_json("W-3", "fraud_url_visit", "13900000001", "2023-11-29T10:02:00+08:00"),
  };
  for (const auto& text : texts) {
    auto in = instruction::parse_instruction(text);
    ASSERT_TRUE(in.has_value()) << in.error().message;
    std::promise<bool> stored;
    service.ingest({*in}, [&](Result<std::vector<store::IngestOutcome>> r) { stored.set_value(r.has_value()); });
    ASSERT_TRUE(stored.get_future().get());
    clock.advance(1000);
  }

  auto draft = grading::load_rules(kDraft, "draft.toml");
  ASSERT_TRUE(draft.has_value());
  auto report = what_if(**store, *draft, "current", 0, clock.now() + 1, 10);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->cases, 3);
  // W-1 medium -> low; W-2 stays extreme; W-3 (a repeat) high -> medium.
  EXPECT_EQ(report->changed, 2);
  EXPECT_EQ(report->lowered, 2);
  EXPECT_EQ(report->raised, 0);
  EXPECT_EQ(report->transitions.at("medium->low"), 1);
  EXPECT_EQ(report->transitions.at("high->medium"), 1);
  EXPECT_EQ(report->by_level_before.at("extreme"), 1);
  EXPECT_EQ(report->by_level_after.at("low"), 1);
  const auto& impact = report->by_station.at("500105-01");
  EXPECT_EQ(impact.before.at("high"), 1);
  EXPECT_EQ(impact.after.at("medium"), 1);
  ASSERT_EQ(report->sample.size(), 2u);
  EXPECT_EQ(report->sample[1].instruction_id, "W-3");
  EXPECT_EQ(report->sample[1].reasons_before, (std::vector<std::string>{"base", "repeat"}));
  EXPECT_EQ(report->sample[1].reasons_after, (std::vector<std::string>{"base", "repeat"}));
  EXPECT_EQ(report->draft_version, "draft");

  // Nothing was changed by looking.
  auto page = (*store)->list({}, std::nullopt, 10);
  ASSERT_TRUE(page.has_value());
  for (const auto& c : page->cases) EXPECT_EQ(c.rules_version, "current");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace quanzu::cases

#include "cases/sla.h"

#include <gtest/gtest.h>

namespace quanzu::cases {
namespace {

constexpr Millis kT0 = 1701224760000;

SlaRow row(std::string level, std::string station, std::optional<Millis> first_attempt_s,
           Millis target_s) {
  SlaRow r;
  r.level = std::move(level);
  r.station = std::move(station);
  r.created_at = kT0;
  if (first_attempt_s) r.first_attempt_at = kT0 + *first_attempt_s * 1000;
  r.first_attempt_due = kT0 + target_s * 1000;
  return r;
}

TEST(SlaTest, MediansPercentilesAndTargetsPerLevelAndStation) {
  std::vector<SlaRow> rows{row("extreme", "A", 10, 30), row("extreme", "A", 20, 30),
                           row("extreme", "B", 40, 30), row("low", "B", 100, 3600),
                           row("low", "B", std::nullopt, 3600)};
  rows[2].overdue = true;
  rows[2].visit_requested_at = kT0 + 60'000;
  rows[2].door_arrival_at = kT0 + 60'000 + 900'000;
  rows[2].door_due = kT0 + 60'000 + 1'200'000;
  rows[4].overdue = true;
  rows[4].closed = true;
  const SlaSummary s = summarize_sla(rows);
  EXPECT_EQ(s.all.cases, 5);
  EXPECT_EQ(s.all.first_attempt.count, 4);
  EXPECT_EQ(s.all.first_attempt.with_target, 4);
  EXPECT_EQ(s.all.first_attempt.met, 3);
  EXPECT_EQ(s.all.open_overdue, 1);  // the closed one does not count
  const SlaGroup& extreme = s.by_level.at("extreme");
  EXPECT_EQ(extreme.first_attempt.count, 3);
  EXPECT_DOUBLE_EQ(extreme.first_attempt.median_s, 20);
  EXPECT_DOUBLE_EQ(extreme.first_attempt.p90_s, 40);
  EXPECT_EQ(extreme.first_attempt.met, 2);
  EXPECT_EQ(extreme.door_arrival.count, 1);
  EXPECT_DOUBLE_EQ(extreme.door_arrival.median_s, 900);
  EXPECT_EQ(extreme.door_arrival.met, 1);
  EXPECT_EQ(s.by_station.at("B").cases, 3);
  EXPECT_EQ(s.by_station.at("A").first_attempt.met, 2);
}

TEST(SlaTest, NothingGivesZeros) {
  const SlaSummary s = summarize_sla({});
  EXPECT_EQ(s.all.cases, 0);
  EXPECT_EQ(s.all.first_attempt.count, 0);
  EXPECT_DOUBLE_EQ(s.all.first_attempt.median_s, 0);
  EXPECT_TRUE(s.by_level.empty());
}

}  // namespace
}  // namespace quanzu::cases

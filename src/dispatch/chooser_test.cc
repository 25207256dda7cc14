#include "dispatch/chooser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace quanzu::dispatch {
namespace {

constexpr Millis kNow = 1'700'000'000'000;
constexpr double kLat = 29.56;
constexpr double kLon = 106.57;
// One kilometre east of the target, roughly: 0.001° of longitude is 96.8 m at 29.56°N.
constexpr double kKmLon = 0.01033;

GeoPoint east(double km) { return {kLat, kLon + km * kKmLon}; }
constexpr GeoPoint kTarget{kLat, kLon};

geo::StationInfo station(std::string code, GeoPoint at) {
  return {cases::Station{std::move(code), "", "500000"}, geo::Point{at.lon, at.lat}};
}

// The owning station OWN at the target; neighbours N1, N2, N3 at 1, 2 and 3 km, FAR at 10 km.
const Neighbourhood& neighbourhood() {
  static const Neighbourhood n(geo::StationDirectory(
      {}, {station("OWN", kTarget), station("N1", east(1)), station("N2", east(2)),
           station("N3", east(3)), station("FAR", east(10))}));
  return n;
}

cases::Responder responder(std::string id, std::string station, GeoPoint at) {
  cases::Responder r;
  r.id = std::move(id);
  r.station_code = std::move(station);
  r.on_duty = true;
  r.position = at;
  r.position_at = kNow - 60'000;
  return r;
}

const StraightLineTravel kStraight;
const DispatchOptions kOptions;

std::optional<Choice> pick(const std::vector<cases::Responder>& responders,
                           const std::vector<std::string>& excluded = {},
                           const TravelTime& travel = kStraight,
                           const DispatchOptions& options = kOptions) {
  return choose(kTarget, "OWN", responders, excluded, neighbourhood(), travel, kNow, options);
}

std::string picked(const std::vector<cases::Responder>& responders,
                   const std::vector<std::string>& excluded = {}) {
  auto c = pick(responders, excluded);
  return c ? c->responder.id : "none";
}

// A river runs 1.5 km east of the target with one bridge far away: crossing it takes an
// extra 20 minutes whatever the straight line says.
class RiverTravel final : public TravelTime {
 public:
  Millis estimate(GeoPoint from, GeoPoint to) const override {
    Millis t = kStraight.estimate(from, to);
    bool across = (from.lon > kLon + 1.5 * kKmLon) != (to.lon > kLon + 1.5 * kKmLon);
    return across ? t + 1'200'000 : t;
  }
};

// Every trip takes the same time, so distance and id decide.
class ConstantTravel final : public TravelTime {
 public:
  Millis estimate(GeoPoint, GeoPoint) const override { return 300'000; }
};

TEST(ChooserTest, NearestByTravelTime) {
  std::vector<cases::Responder> rs = {responder("R1", "OWN", east(2.0)),
                                      responder("R2", "OWN", east(0.5)),
                                      responder("R3", "OWN", east(1.2))};
  auto c = pick(rs);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->responder.id, "R2");
  EXPECT_TRUE(c->own_station);
  EXPECT_NEAR(c->distance_m, 500, 5);
  EXPECT_EQ(c->distance_m, distance_m(east(0.5), kTarget));
  EXPECT_EQ(c->travel, kStraight.estimate(east(0.5), kTarget));
  EXPECT_EQ(c->responder.station_code, "OWN");
}

TEST(ChooserTest, TravelTimeDecidesNotTheStraightLine) {
  // The target is on the west bank. R1 is 1.6 km east, across the river; R2 is 2.5 km
  // west, on the target's side.
  std::vector<cases::Responder> rs = {responder("R1", "OWN", east(1.6)),
                                      responder("R2", "OWN", east(-2.5))};
  EXPECT_EQ(pick(rs)->responder.id, "R1");  // straight line: R1 is nearer
  RiverTravel river;
  auto c = pick(rs, {}, river);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->responder.id, "R2");
  EXPECT_EQ(c->travel, river.estimate(east(-2.5), kTarget));
}

TEST(ChooserTest, OwnStationFirstEvenIfANeighboursResponderIsNearer) {
  std::vector<cases::Responder> rs = {responder("N1-R1", "N1", east(0.1)),
                                      responder("OWN-R1", "OWN", east(-4))};
  auto c = pick(rs);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->responder.id, "OWN-R1");
  EXPECT_TRUE(c->own_station);
}

TEST(ChooserTest, FallsBackToTheNeighboursByTravelTimeNotByStationOrder) {
  cases::Responder busy = responder("OWN-R1", "OWN", east(0));
  busy.visit_id = "C9-V1";
  // N3's responder stands nearer the target than N1's.
  std::vector<cases::Responder> rs = {busy, responder("N1-R1", "N1", east(1.5)),
                                      responder("N3-R1", "N3", east(0.7)),
                                      responder("N2-R1", "N2", east(2.2))};
  auto c = pick(rs);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->responder.id, "N3-R1");
  EXPECT_FALSE(c->own_station);
  EXPECT_EQ(c->responder.station_code, "N3");
}

TEST(ChooserTest, OnlyTheNearestNeighbourStationsHelp) {
  std::vector<cases::Responder> rs = {responder("FAR-R1", "FAR", east(0.2)),
                                      responder("X-R1", "UNKNOWN", east(0.1))};
  EXPECT_EQ(picked(rs), "none");  // FAR is the 4th nearest; UNKNOWN is no station of ours

  rs.push_back(responder("N2-R1", "N2", east(3)));
  EXPECT_EQ(picked(rs), "N2-R1");
  DispatchOptions one;
  one.neighbour_stations = 1;  // only N1
  EXPECT_FALSE(pick(rs, {}, kStraight, one).has_value());
  DispatchOptions four;
  four.neighbour_stations = 4;  // N1, N2, N3, FAR
  EXPECT_EQ(pick(rs, {}, kStraight, four)->responder.id, "FAR-R1");
  DispatchOptions none;
  none.neighbour_stations = 0;
  EXPECT_FALSE(pick(rs, {}, kStraight, none).has_value());
}

TEST(ChooserTest, SkipsTheUnavailable) {
  cases::Responder off = responder("A-off", "OWN", east(0.1));
  off.on_duty = false;
  cases::Responder busy = responder("B-busy", "OWN", east(0.2));
  busy.visit_id = "C7-V2";
  cases::Responder stale = responder("C-stale", "OWN", east(0.3));
  stale.position_at = kNow - kOptions.position_max_age - 1;
  cases::Responder nowhere = responder("D-nowhere", "OWN", east(0.4));
  nowhere.position.reset();
  cases::Responder garbage = responder("E-garbage", "OWN", {std::nan(""), kLon});
  cases::Responder declined = responder("F-declined", "OWN", east(0.5));
  cases::Responder ok = responder("G-ok", "OWN", east(3));

  std::vector<cases::Responder> rs = {off, busy, stale, nowhere, garbage, declined, ok};
  EXPECT_EQ(picked(rs, {"F-declined"}), "G-ok");
  EXPECT_EQ(picked(rs), "F-declined");
  EXPECT_EQ(picked(rs, {"F-declined", "G-ok"}), "none");
}

TEST(ChooserTest, PositionAgeBoundaries) {
  cases::Responder edge = responder("R1", "OWN", east(1));
  edge.position_at = kNow - kOptions.position_max_age;  // exactly the limit: still fresh
  EXPECT_EQ(picked({edge}), "R1");
  edge.position_at = kNow + 5'000;  // the phone's clock runs ahead
  EXPECT_EQ(picked({edge}), "R1");
  edge.position_at = kNow - kOptions.position_max_age - 1;
  EXPECT_EQ(picked({edge}), "none");
  DispatchOptions lenient;
  lenient.position_max_age = 3'600'000;  // an hour
  EXPECT_TRUE(pick({edge}, {}, kStraight, lenient).has_value());
}

TEST(ChooserTest, NobodyGivesNullopt) {
  EXPECT_FALSE(pick({}).has_value());
  cases::Responder off = responder("R1", "OWN", east(1));
  off.on_duty = false;
  cases::Responder n_off = responder("R2", "N1", east(1));
  n_off.on_duty = false;
  EXPECT_FALSE(pick({off, n_off}).has_value());
}

TEST(ChooserTest, BadTargetOrNoOwningStationGivesNullopt) {
  std::vector<cases::Responder> rs = {responder("R1", "OWN", east(1))};
  EXPECT_FALSE(
      choose({std::nan(""), kLon}, "OWN", rs, {}, neighbourhood(), kStraight, kNow, kOptions)
          .has_value());
  EXPECT_FALSE(
      choose({kLat, 200}, "OWN", rs, {}, neighbourhood(), kStraight, kNow, kOptions).has_value());
  cases::Responder stationless = responder("R2", "", east(1));
  EXPECT_FALSE(choose(kTarget, "", {stationless}, {}, neighbourhood(), kStraight, kNow, kOptions)
                   .has_value());
}

TEST(ChooserTest, AStationTheNeighbourhoodDoesNotKnowUsesOnlyItsOwn) {
  std::vector<cases::Responder> rs = {responder("N1-R1", "N1", east(0.1)),
                                      responder("NEW-R1", "NEW", east(5))};
  auto c = choose(kTarget, "NEW", rs, {}, neighbourhood(), kStraight, kNow, kOptions);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->responder.id, "NEW-R1");
  rs.pop_back();
  EXPECT_FALSE(choose(kTarget, "NEW", rs, {}, neighbourhood(), kStraight, kNow, kOptions));
}

TEST(ChooserTest, TiesGoToTheSmallerDistanceThenTheSmallerId) {
  ConstantTravel same_time;
  std::vector<cases::Responder> rs = {responder("R1", "OWN", east(2)),
                                      responder("R2", "OWN", east(1)),
                                      responder("R3", "OWN", east(-1))};
  // R2 and R3 are equally far (east and west) and equally quick: the id decides.
  std::sort(rs.begin(), rs.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  do {
    auto c = pick(rs, {}, same_time);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->responder.id, "R2");
    EXPECT_EQ(c->travel, 300'000);
  } while (std::next_permutation(rs.begin(), rs.end(),
                                 [](const auto& a, const auto& b) { return a.id < b.id; }));

  // Same place, same everything: the smaller id, whatever the order.
  std::vector<cases::Responder> twins = {responder("R-b", "OWN", east(1)),
                                         responder("R-a", "OWN", east(1))};
  EXPECT_EQ(picked(twins), "R-a");
  std::reverse(twins.begin(), twins.end());
  EXPECT_EQ(picked(twins), "R-a");

  // Among neighbours too.
  std::vector<cases::Responder> ns = {responder("N2-R9", "N2", east(-1)),
                                      responder("N1-R9", "N1", east(1))};
  EXPECT_EQ(pick(ns, {}, same_time)->responder.id, "N1-R9");
}

TEST(ChooserTest, StationsToAsk) {
  EXPECT_EQ(stations_to_ask("OWN", neighbourhood(), kOptions),
            (std::vector<std::string>{"OWN", "N1", "N2", "N3"}));
  DispatchOptions one;
  one.neighbour_stations = 1;
  EXPECT_EQ(stations_to_ask("OWN", neighbourhood(), one), (std::vector<std::string>{"OWN", "N1"}));
  EXPECT_EQ(stations_to_ask("N3", neighbourhood(), kOptions),
            (std::vector<std::string>{"N3", "N2", "N1", "OWN"}));
  EXPECT_EQ(stations_to_ask("NEW", neighbourhood(), kOptions), (std::vector<std::string>{"NEW"}));
}

TEST(ChooserTest, Available) {
  cases::Responder r = responder("R1", "OWN", east(1));
  EXPECT_TRUE(available(r, {}, kNow, kOptions));
  EXPECT_FALSE(available(r, {"R0", "R1"}, kNow, kOptions));
  r.visit_id = "C1-V1";
  EXPECT_FALSE(available(r, {}, kNow, kOptions));
}

}  // namespace
}  // namespace quanzu::dispatch

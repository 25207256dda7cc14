#include "dispatch/travel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

namespace quanzu::dispatch {
namespace {

// 解放碑 (Jiefangbei, Yuzhong) and 江北国际机场 (the airport, Yubei).
constexpr GeoPoint kJiefangbei{29.5576, 106.5770};
constexpr GeoPoint kAirport{29.7194, 106.6417};
// 万州 (Wanzhou), far down the Yangtze.
constexpr GeoPoint kWanzhou{30.8078, 108.4089};

// Reference figures computed independently (3D chord between unit vectors on a sphere of
// 6371008.8 m, d = 2R·asin(chord/2)); Vincenty on the WGS84 ellipsoid gives 18,997.7 m and
// 224,346.8 m for the two Chongqing pairs, within 0.3% of the sphere.
TEST(DistanceTest, OneDegreeAlongTheEquatorAndAMeridian) {
  EXPECT_NEAR(distance_m({0, 0}, {0, 1}), 111195.08, 0.01);
  EXPECT_NEAR(distance_m({0, 0}, {1, 0}), 111195.08, 0.01);
}

TEST(DistanceTest, ChongqingFigures) {
  EXPECT_NEAR(distance_m(kJiefangbei, kAirport), 19047.04, 0.01);
  EXPECT_NEAR(distance_m(kJiefangbei, kWanzhou), 224337.41, 0.01);
  // Short distances do not lose precision: 0.001° of longitude at 29.56°N.
  EXPECT_NEAR(distance_m(kJiefangbei, {kJiefangbei.lat, kJiefangbei.lon + 0.001}), 96.724, 0.001);
  EXPECT_NEAR(distance_m(kJiefangbei, kAirport), 18997.75, 0.005 * 18997.75);  // ellipsoid
}

TEST(DistanceTest, SymmetricZeroAndAntipodal) {
  EXPECT_EQ(distance_m(kAirport, kJiefangbei), distance_m(kJiefangbei, kAirport));
  EXPECT_EQ(distance_m(kAirport, kAirport), 0);
  EXPECT_NEAR(distance_m({0, 0}, {0, 180}), std::numbers::pi * kEarthRadiusM, 1e-3);
  EXPECT_NEAR(distance_m({90, 0}, {-90, 0}), std::numbers::pi * kEarthRadiusM, 1e-3);
  // Across the antimeridian the short way round.
  EXPECT_NEAR(distance_m({0, 179.5}, {0, -179.5}), 111195.08, 0.01);
}

TEST(DistanceTest, NotFiniteGivesNan) {
  EXPECT_TRUE(std::isnan(distance_m({std::nan(""), 0}, {0, 0})));
  EXPECT_TRUE(std::isnan(distance_m({0, 0}, {0, std::numeric_limits<double>::infinity()})));
}

TEST(DistanceTest, Validity) {
  EXPECT_TRUE(is_valid(kJiefangbei));
  EXPECT_TRUE(is_valid({-90, -180}));
  EXPECT_TRUE(is_valid({90, 180}));
  EXPECT_FALSE(is_valid({90.1, 0}));
  EXPECT_FALSE(is_valid({0, -180.1}));
  EXPECT_FALSE(is_valid({std::nan(""), 0}));
  EXPECT_FALSE(is_valid({0, std::numeric_limits<double>::infinity()}));
}

TEST(StraightLineTravelTest, DefaultsAreAMotorcycleInCityTraffic) {
  StraightLineTravel travel;
  EXPECT_EQ(travel.speed_kmh(), 30);
  EXPECT_EQ(travel.detour(), 1.3);
  // 19,047.04 m × 1.3 = 24,761.15 m at 30 km/h (8.333 m/s): 2,971,337.7 ms.
  EXPECT_EQ(travel.estimate(kJiefangbei, kAirport), 2971338);
  EXPECT_EQ(travel.estimate(kAirport, kAirport), 0);
}

TEST(StraightLineTravelTest, SpeedAndDetourScaleTheTime) {
  StraightLineTravel straight(36, 1);                      // 10 m/s, no detour
  EXPECT_EQ(straight.estimate({0, 0}, {0, 1}), 11119509);  // 111,195.08 m, rounded up
  StraightLineTravel winding(36, 2);
  EXPECT_EQ(winding.estimate({0, 0}, {0, 1}), 22239017);
  StraightLineTravel fast(72, 1);
  EXPECT_EQ(fast.estimate({0, 0}, {0, 1}), 5559755);
}

TEST(StraightLineTravelTest, RoundsUpToTheMillisecond) {
  StraightLineTravel travel(36, 1);
  // 96.724 m at 10 m/s is 9,672.4 ms: never promise a responder sooner than the estimate.
  EXPECT_EQ(travel.estimate(kJiefangbei, {kJiefangbei.lat, kJiefangbei.lon + 0.001}), 9673);
}

TEST(StraightLineTravelTest, InvalidPointsSortLast) {
  StraightLineTravel travel;
  EXPECT_EQ(travel.estimate({std::nan(""), 0}, kAirport), std::numeric_limits<Millis>::max());
  EXPECT_EQ(travel.estimate(kAirport, {0, 200}), std::numeric_limits<Millis>::max());
}

TEST(StraightLineTravelTest, AbsurdlySlowSaturates) {
  auto slow = StraightLineTravel::make(1e-300, 1);
  ASSERT_TRUE(slow.has_value());
  EXPECT_EQ(slow->estimate(kJiefangbei, kWanzhou), std::numeric_limits<Millis>::max());
}

TEST(StraightLineTravelTest, MakeChecksConfiguration) {
  auto ok = StraightLineTravel::make(25, 1.5);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->speed_kmh(), 25);
  EXPECT_EQ(ok->detour(), 1.5);
  EXPECT_TRUE(StraightLineTravel::make(25, 1).has_value());

  auto bad = StraightLineTravel::make(0, 0.9);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalid);
  ASSERT_EQ(bad.error().fields.size(), 2u);
  EXPECT_EQ(bad.error().fields[0].field, "speed_kmh");
  EXPECT_EQ(bad.error().fields[1].field, "detour");
  EXPECT_FALSE(StraightLineTravel::make(-30, 1.3).has_value());
  EXPECT_FALSE(StraightLineTravel::make(std::nan(""), 1.3).has_value());
  EXPECT_FALSE(StraightLineTravel::make(30, std::numeric_limits<double>::infinity()).has_value());
}

TEST(StraightLineTravelTest, UsableThroughThePort) {
  StraightLineTravel concrete;
  const TravelTime& port = concrete;
  EXPECT_EQ(port.estimate(kJiefangbei, kAirport), concrete.estimate(kJiefangbei, kAirport));
}

}  // namespace
}  // namespace quanzu::dispatch

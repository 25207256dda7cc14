#include "dispatch/neighbours.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "dispatch/travel.h"
#include "geo/station_areas.h"

namespace quanzu::dispatch {
namespace {

using Codes = std::vector<std::string>;

geo::StationInfo station(std::string code, double lon, double lat) {
  return {cases::Station{std::move(code), "", "500000"}, geo::Point{lon, lat}};
}

Codes to_codes(std::span<const std::string> s) { return Codes(s.begin(), s.end()); }

// Five stations along the equator (0.01° ≈ 1.1 km): B and E stand at the same place, and a
// repeat of code A far away that lookups by code never see.
geo::StationDirectory small_directory() {
  return geo::StationDirectory(
      {}, {station("A", 0, 0), station("C", 0.03, 0), station("E", 0.01, 0), station("B", 0.01, 0),
           station("D", -0.02, 0), station("A", 5, 0)});
}

TEST(NeighboursTest, NearestFirstTiesByCode) {
  geo::StationDirectory d = small_directory();
  EXPECT_EQ(neighbour_stations(d, "A", 10), (Codes{"B", "E", "D", "C"}));
  EXPECT_EQ(neighbour_stations(d, "C", 10), (Codes{"B", "E", "A", "D"}));
  EXPECT_EQ(neighbour_stations(d, "B", 10), (Codes{"E", "A", "C", "D"}));
  EXPECT_EQ(neighbour_stations(d, "D", 2), (Codes{"A", "B"}));
  EXPECT_EQ(neighbour_stations(d, "A", 1), (Codes{"B"}));
  EXPECT_TRUE(neighbour_stations(d, "A", 0).empty());
  EXPECT_TRUE(neighbour_stations(d, "Z", 3).empty());
  EXPECT_TRUE(neighbour_stations(d, "", 3).empty());
}

TEST(NeighboursTest, NeighbourhoodAnswersTheSame) {
  geo::StationDirectory d = small_directory();
  Neighbourhood n(d);
  EXPECT_EQ(n.size(), 5u);  // the repeat of A counts once
  for (const char* code : {"A", "B", "C", "D", "E", "Z"}) {
    for (size_t k : {0, 1, 2, 3, 4, 5, 100}) {
      EXPECT_EQ(to_codes(n.nearest(code, k)), neighbour_stations(d, code, k)) << code << " " << k;
    }
  }
  EXPECT_EQ(to_codes(n.nearest("A", 3)), (Codes{"B", "E", "D"}));
}

TEST(NeighboursTest, EmptyAndSingle) {
  Neighbourhood empty;
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(empty.nearest("A", 3).empty());

  geo::StationDirectory one({}, {station("A", 0, 0)});
  Neighbourhood n(one);
  EXPECT_EQ(n.size(), 1u);
  EXPECT_TRUE(n.nearest("A", 3).empty());
  EXPECT_TRUE(neighbour_stations(one, "A", 3).empty());
}

TEST(NeighboursTest, StationWithoutAUsablePositionComesLast) {
  geo::StationDirectory d({}, {station("A", 0, 0), station("X", std::nan(""), 0),
                               station("B", 0.5, 0), station("W", 0, 400)});
  EXPECT_EQ(neighbour_stations(d, "A", 10), (Codes{"B", "W", "X"}));
  Neighbourhood n(d);
  EXPECT_EQ(to_codes(n.nearest("A", 10)), (Codes{"B", "W", "X"}));
}

std::string read_data(const std::string& name) {
  const char* root = std::getenv("QUANZU_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/data/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The shipped demo deployment: 38 districts and their synthetic station areas.
const geo::StationDirectory& chongqing() {
  static const geo::StationDirectory* directory = [] {
    auto districts = geo::load_districts(read_data("chongqing-districts.geojson"));
    auto areas = geo::load_station_areas(read_data("chongqing-stations.geojson"));
    std::vector<geo::StationInfo> stations;
    if (areas) {
      for (const geo::StationArea& a : *areas) {
        stations.push_back({cases::Station{a.code, a.name, a.district_adcode}, a.station_point});
      }
    }
    return new geo::StationDirectory(
        districts ? std::move(*districts) : std::vector<geo::District>{}, std::move(stations));
  }();
  return *directory;
}

GeoPoint building(const geo::StationDirectory& d, const std::string& code) {
  const geo::StationInfo* s = d.station(code);
  return {s->position.lat, s->position.lon};
}

TEST(NeighboursTest, ChongqingEveryStationRanksAllOthers) {
  const geo::StationDirectory& d = chongqing();
  ASSERT_GT(d.stations().size(), 200u) << "data/chongqing-stations.geojson not loaded";
  auto started = std::chrono::steady_clock::now();
  Neighbourhood n(d);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, std::chrono::seconds(2));  // ~250 stations: milliseconds in practice
  const size_t s = d.stations().size();
  ASSERT_EQ(n.size(), s);

  for (const geo::StationInfo& info : d.stations()) {
    const std::string& code = info.station.code;
    auto all = n.nearest(code, s);
    ASSERT_EQ(all.size(), s - 1) << code;
    std::set<std::string> distinct(all.begin(), all.end());
    EXPECT_EQ(distinct.size(), s - 1) << code;
    EXPECT_EQ(distinct.count(code), 0u) << code;
    GeoPoint from = building(d, code);
    for (size_t i = 1; i < all.size(); ++i) {
      double before = distance_m(from, building(d, all[i - 1]));
      double after = distance_m(from, building(d, all[i]));
      EXPECT_TRUE(before < after || (before == after && all[i - 1] < all[i]))
          << code << ": " << all[i - 1] << " then " << all[i];
    }
    EXPECT_EQ(to_codes(n.nearest(code, 3)), neighbour_stations(d, code, 3)) << code;
  }
}

TEST(NeighboursTest, ChongqingNeighboursAreNearby) {
  const geo::StationDirectory& d = chongqing();
  Neighbourhood n(d);
  ASSERT_GT(n.size(), 200u);
  // In the dense centre (渝中区 Yuzhong, 500103) the three nearest stations are a few km
  // away; everywhere the nearest one is well within a motorcycle's reach.
  for (const std::string& code : to_codes(n.nearest("500103-01", 3))) {
    EXPECT_LT(distance_m(building(d, "500103-01"), building(d, code)), 5000) << code;
  }
  for (const geo::StationInfo& info : d.stations()) {
    auto first = n.nearest(info.station.code, 1);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_LT(distance_m(building(d, info.station.code), building(d, first[0])), 40000)
        << info.station.code;
  }
}

}  // namespace
}  // namespace quanzu::dispatch

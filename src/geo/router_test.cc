#include "geo/router.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "geo/cell_sites.h"
#include "geo/coords.h"
#include "geo/spatial_index.h"
#include "geo/station_areas.h"

namespace quanzu::geo {
namespace {

std::string read(const std::string& name) {
  const char* root = std::getenv("QUANZU_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/data/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The shipped demo deployment: districts, station areas and the cell-site table.
class RouterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto districts = load_districts(read("chongqing-districts.geojson"));
    ASSERT_TRUE(districts.has_value()) << districts.error().message;
    auto areas = load_station_areas(read("chongqing-stations.geojson"));
    ASSERT_TRUE(areas.has_value()) << areas.error().message;
    auto cells = CellSites::parse(read("chongqing-cells.csv"));
    ASSERT_TRUE(cells.has_value()) << cells.error().message;
    std::vector<StationInfo> stations;
    std::vector<Area> index_areas;
    for (const auto& a : *areas) {
      stations.push_back({cases::Station{a.code, a.name, a.district_adcode}, a.station_point});
      index_areas.push_back({a.code, a.name, a.polygons});
    }
    directory_ = new StationDirectory(std::move(*districts), std::move(stations));
    station_index_ = new SpatialIndex(std::move(index_areas));
    district_index_ = new SpatialIndex(areas_from_districts(directory_->districts()));
    cells_ = new CellSites(std::move(*cells));
    Lookups l;
    l.station_at = [](Point p) -> const StationInfo* {
      const Area* a = station_index_->locate(p);
      return a ? directory_->station(a->code) : nullptr;
    };
    l.district_at = [](Point p) -> const District* {
      const Area* a = district_index_->locate(p);
      return a ? directory_->district(a->code) : nullptr;
    };
    l.cell_at = [](std::string_view id) -> std::optional<Point> {
      auto s = cells_->find(id);
      if (!s) return std::nullopt;
      return s->crs == instruction::Crs::kWgs84 ? wgs84_to_gcj02(s->point) : s->point;
    };
    router_ = new Router(*directory_, std::move(l));
  }

  static Route at(double lon, double lat, instruction::Crs crs = instruction::Crs::kGcj02) {
    instruction::Location loc;
    loc.lon = lon;
    loc.lat = lat;
    loc.crs = crs;
    return router_->route(loc);
  }

  static StationDirectory* directory_;
  static SpatialIndex* station_index_;
  static SpatialIndex* district_index_;
  static CellSites* cells_;
  static Router* router_;
};

StationDirectory* RouterTest::directory_ = nullptr;
SpatialIndex* RouterTest::station_index_ = nullptr;
SpatialIndex* RouterTest::district_index_ = nullptr;
CellSites* RouterTest::cells_ = nullptr;
Router* RouterTest::router_ = nullptr;

TEST_F(RouterTest, CoordinatesGoToTheStationWhoseAreaHoldsThem) {
  Route r = at(106.532, 29.575);  // 观音桥
  ASSERT_TRUE(r.station.has_value()) << r.note;
  EXPECT_EQ(r.station->district_adcode, "500105");
  EXPECT_EQ(r.method, "point");
  const Area* area = station_index_->locate({106.532, 29.575});
  ASSERT_NE(area, nullptr);
  EXPECT_EQ(r.station->code, area->code);
  Route yz = at(106.577, 29.557);  // 解放碑
  ASSERT_TRUE(yz.station.has_value());
  EXPECT_EQ(yz.station->district_adcode, "500103");
}

TEST_F(RouterTest, Wgs84IsConvertedBeforeLookingUp) {
  const Point gcj{106.577, 29.557};
  const Point wgs = gcj02_to_wgs84(gcj);
  Route r = at(wgs.lon, wgs.lat, instruction::Crs::kWgs84);
  ASSERT_TRUE(r.station.has_value());
  EXPECT_EQ(r.station->code, at(gcj.lon, gcj.lat).station->code);
  ASSERT_TRUE(r.point.has_value());
  EXPECT_NEAR(r.point->lon, gcj.lon, 1e-5);
}

TEST_F(RouterTest, OutsideChongqingIsHandedOffToTheAdcodeWhenKnown) {
  instruction::Location chengdu;
  chengdu.lon = 104.066;
  chengdu.lat = 30.657;
  chengdu.adcode = "510104";
  Route r = router_->route(chengdu);
  EXPECT_FALSE(r.station.has_value());
  EXPECT_EQ(r.method, "out_of_area");
  EXPECT_EQ(r.handoff_to, "510104");
  chengdu.adcode.reset();
  Route unknown = router_->route(chengdu);
  EXPECT_EQ(unknown.method, "out_of_area");
  EXPECT_EQ(unknown.handoff_to, "");
}

TEST_F(RouterTest, CellSiteIsUsedWhenThereAreNoCoordinates) {
  ASSERT_GT(cells_->size(), 0u);
  const CellSite& site = cells_->sites().front();
  instruction::Location loc;
  loc.cell_id = site.cell_id;
  Route r = router_->route(loc);
  ASSERT_TRUE(r.station.has_value()) << r.note;
  EXPECT_EQ(r.method, "cell_id");
  Point p = site.crs == instruction::Crs::kWgs84 ? wgs84_to_gcj02(site.point) : site.point;
  EXPECT_EQ(r.station->code, at(p.lon, p.lat).station->code);
}

TEST_F(RouterTest, UnknownCellFallsBackToTheAdcodeThenToUnrouted) {
  instruction::Location loc;
  loc.cell_id = "460-00-99999-999";
  loc.adcode = "500103";
  Route r = router_->route(loc);
  ASSERT_TRUE(r.station.has_value());
  EXPECT_EQ(r.method, "adcode");
  EXPECT_EQ(r.station->code, "500103-01");
  EXPECT_NE(r.note.find("not in the cell-site table"), std::string::npos);
  loc.adcode.reset();
  Route none = router_->route(loc);
  EXPECT_FALSE(none.station.has_value());
  EXPECT_EQ(none.method, "none");
}

TEST_F(RouterTest, ForeignAdcodeAloneIsAHandOffToItsDistrict) {
  instruction::Location loc;
  loc.adcode = "110101";  // Beijing, Dongcheng
  Route r = router_->route(loc);
  EXPECT_EQ(r.method, "out_of_area");
  EXPECT_EQ(r.handoff_to, "110101");
  EXPECT_NE(r.note.find("110000"), std::string::npos);
}

TEST_F(RouterTest, PickedStationIsLookedUpByCode) {
  EXPECT_TRUE(router_->station("500105-01").has_value());
  EXPECT_FALSE(router_->station("999999-01").has_value());
}

TEST_F(RouterTest, EveryStationPointRoutesToItsOwnStation) {
  for (const auto& s : directory_->stations()) {
    Route r = at(s.position.lon, s.position.lat);
    ASSERT_TRUE(r.station.has_value()) << s.station.code;
    EXPECT_EQ(r.station->code, s.station.code);
  }
}

}  // namespace
}  // namespace quanzu::geo

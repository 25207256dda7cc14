#include "geo/cell_sites.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "geo/coords.h"

namespace quanzu::geo {
namespace {

using instruction::Crs;

std::string read_source_file(const std::string& relative) {
  const char* root = std::getenv("QUANZU_SOURCE_DIR");
  if (root == nullptr) return {};
  std::ifstream in(std::string(root) + "/" + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(CellSites, ParsesAGoodTable) {
  Result<CellSites> sites = CellSites::parse(
      "\xEF\xBB\xBF"
      "cell_id,lat,lon,crs,radius_m\r\n"
      "460-00-10512-345,29.575,106.574,gcj02,500\r\n"
      "\n"
      "# a comment\n"
      " 460-11-10301-007 , 29.55 ,106.56, WGS84 , 250.5\n"
      "460-01-10599-999,-12.5,-170,wgs84,1e3");
  ASSERT_TRUE(sites) << sites.error().message;
  EXPECT_EQ(sites->size(), 3u);

  std::optional<CellSite> a = sites->find("460-00-10512-345");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->cell_id, "460-00-10512-345");
  EXPECT_DOUBLE_EQ(a->point.lat, 29.575);
  EXPECT_DOUBLE_EQ(a->point.lon, 106.574);
  EXPECT_EQ(a->crs, Crs::kGcj02);
  EXPECT_DOUBLE_EQ(a->radius_m, 500);

  std::optional<CellSite> b = sites->find("460-11-10301-007");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->crs, Crs::kWgs84);  // kept as given: the router converts
  EXPECT_DOUBLE_EQ(b->point.lat, 29.55);
  EXPECT_DOUBLE_EQ(b->radius_m, 250.5);
  EXPECT_DOUBLE_EQ(sites->find("460-01-10599-999")->radius_m, 1000);

  EXPECT_FALSE(sites->find("460-00-10512-346"));
  EXPECT_FALSE(sites->find(""));
  EXPECT_FALSE(sites->find(" 460-11-10301-007"));
}

TEST(CellSites, TakesColumnsInAnyOrderAndIgnoresOthers) {
  Result<CellSites> sites = CellSites::parse(
      "radius_m,note,crs,lon,lat,cell_id\n"
      "800,tower on the roof,gcj02,106.5,29.5,A\n");
  ASSERT_TRUE(sites) << sites.error().message;
  std::optional<CellSite> a = sites->find("A");
  ASSERT_TRUE(a);
  EXPECT_DOUBLE_EQ(a->point.lon, 106.5);
  EXPECT_DOUBLE_EQ(a->point.lat, 29.5);
  EXPECT_DOUBLE_EQ(a->radius_m, 800);
}

TEST(CellSites, AnEmptyTableWithAHeaderIsFine) {
  Result<CellSites> sites = CellSites::parse("cell_id,lat,lon,crs,radius_m\n");
  ASSERT_TRUE(sites);
  EXPECT_EQ(sites->size(), 0u);
}

TEST(CellSites, ErrorsNameLineAndColumn) {
  const std::string header = "cell_id,lat,lon,crs,radius_m\n";
  const std::string good = "A,29.5,106.5,gcj02,500\n";
  struct Case {
    std::string text;
    std::string field;    // the first FieldError's field
    std::string message;  // part of its message
  };
  const std::vector<Case> cases = {
      {header + good + "B,29.x,106.5,gcj02,500\n", "line 3, lat", "bad number \"29.x\""},
      {header + "B,29.5,,gcj02,500\n", "line 2, lon", "bad number \"\""},
      {header + "B,nan,106.5,gcj02,500\n", "line 2, lat", "bad number \"nan\""},
      {header + good + good, "line 3, cell_id", "duplicate cell_id \"A\" (first on line 2)"},
      {header + "B,29.5,106.5,bd09,500\n", "line 2, crs", "unknown crs \"bd09\""},
      {header + "B,91,106.5,gcj02,500\n", "line 2, lat", "out of range [-90, 90]"},
      {header + "B,29.5,180.5,gcj02,500\n", "line 2, lon", "out of range [-180, 180]"},
      {header + "B,29.5,106.5,gcj02,0\n", "line 2, radius_m", "must be greater than 0"},
      {header + "B,29.5,106.5,gcj02,-3\n", "line 2, radius_m", "must be greater than 0"},
      {header + "\n" + good + "B,29.5,106.5\n", "line 4, crs", "missing column"},
      {header + "B,29.5,106.5,gcj02,500,9\n", "line 2", "has 6 values; the header has 5"},
      {header + ",29.5,106.5,gcj02,500\n", "line 2, cell_id", "is empty"},
      {"cell_id,lat,lon,crs\nA,1,2,gcj02\n", "line 1, radius_m", "missing column"},
      {"# cells\ncell_id,lat,lat,lon,crs,radius_m\n", "line 2, lat", "named twice"},
      {"", "line 1", "no header"},
  };
  for (const Case& c : cases) {
    Result<CellSites> sites = CellSites::parse(c.text, "cells.csv");
    ASSERT_FALSE(sites) << c.text;
    EXPECT_EQ(sites.error().code, Code::kInvalid);
    ASSERT_FALSE(sites.error().fields.empty());
    EXPECT_EQ(sites.error().fields[0].field, c.field) << c.text;
    EXPECT_NE(sites.error().fields[0].message.find(c.message), std::string::npos)
        << "got: " << sites.error().fields[0].message << "\nwanted: " << c.message;
    EXPECT_EQ(sites.error().message.rfind("cells.csv " + c.field + ": ", 0), 0u)
        << sites.error().message;
  }
}

TEST(CellSites, ListsEveryProblemUpToALimit) {
  std::string text = "cell_id,lat,lon,crs,radius_m\n";
  text += "A,x,106.5,gcj02,500\n";  // line 2
  text += "B,29.5,106.5,utm,0\n";   // line 3: two problems
  Result<CellSites> sites = CellSites::parse(text);
  ASSERT_FALSE(sites);
  ASSERT_EQ(sites.error().fields.size(), 3u);
  EXPECT_EQ(sites.error().fields[0].field, "line 2, lat");
  EXPECT_EQ(sites.error().fields[1].field, "line 3, crs");
  EXPECT_EQ(sites.error().fields[2].field, "line 3, radius_m");
  EXPECT_NE(sites.error().message.find("and 2 other problems"), std::string::npos)
      << sites.error().message;

  std::string many = "cell_id,lat,lon,crs,radius_m\n";
  for (int i = 0; i < 100; ++i) many += "C" + std::to_string(i) + ",x,106.5,gcj02,500\n";
  Result<CellSites> capped = CellSites::parse(many);
  ASSERT_FALSE(capped);
  EXPECT_EQ(capped.error().fields.size(), 20u);
  EXPECT_NE(capped.error().message.find("or more"), std::string::npos);
}

// The district a demo cell id names: "460-00-10512-345" -> "500105".
std::string adcode_of(const std::string& cell_id) {
  // 460-MM-LLLLL-CCC
  if (cell_id.size() != 16 || cell_id.substr(0, 4) != "460-") return "";
  return "500" + cell_id.substr(7, 3);
}

TEST(ShippedCells, LoadAndLieInTheDistrictTheirIdNames) {
  Result<std::vector<District>> districts =
      load_districts(read_source_file("data/chongqing-districts.geojson"));
  ASSERT_TRUE(districts) << districts.error().message;
  std::map<std::string, const District*> by_adcode;
  for (const District& d : *districts) by_adcode[d.adcode] = &d;

  std::string text = read_source_file("data/chongqing-cells.csv");
  ASSERT_FALSE(text.empty());
  Result<CellSites> sites = CellSites::parse(text, "data/chongqing-cells.csv");
  ASSERT_TRUE(sites) << sites.error().message;
  EXPECT_GE(sites->size(), 2000u);
  EXPECT_LE(sites->size(), 5000u);

  std::map<std::string, int> per_district;
  std::set<std::string> operators;
  for (const CellSite& site : sites->sites()) {
    SCOPED_TRACE(site.cell_id);
    // The demo feed's shape: 460-<mnc>-<adcode's last 3><00..39>-<000..999>.
    ASSERT_EQ(site.cell_id.size(), 16u);
    std::string mnc = site.cell_id.substr(4, 2);
    EXPECT_TRUE(mnc == "00" || mnc == "01" || mnc == "11");
    operators.insert(mnc);
    EXPECT_LT(std::stoi(site.cell_id.substr(10, 2)), 40);
    EXPECT_EQ(site.cell_id[12], '-');
    const District* d = by_adcode[adcode_of(site.cell_id)];
    ASSERT_NE(d, nullptr);
    // China Mobile's rows are in WGS84, the others in GCJ-02 (the districts' datum).
    EXPECT_EQ(site.crs, mnc == "00" ? Crs::kWgs84 : Crs::kGcj02);
    Point gcj02 = site.crs == Crs::kWgs84 ? wgs84_to_gcj02(site.point) : site.point;
    EXPECT_TRUE(contains(*d, gcj02)) << gcj02.lon << "," << gcj02.lat;
    if (site.crs == Crs::kWgs84) {
      // The datum really differs: the GCJ-02 offset in Chongqing is a few hundred metres.
      EXPECT_GT(std::hypot(gcj02.lon - site.point.lon, gcj02.lat - site.point.lat), 1e-3);
    }
    EXPECT_GE(site.radius_m, 100);
    EXPECT_LE(site.radius_m, 8000);
    ++per_district[d->adcode];
    EXPECT_EQ(sites->find(site.cell_id)->point.lat, site.point.lat);
  }
  EXPECT_EQ(per_district.size(), districts->size()) << "every district has cells";
  EXPECT_EQ(operators.size(), 3u);
}

}  // namespace
}  // namespace quanzu::geo

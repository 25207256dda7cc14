#include "geo/spatial_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "geo/coords.h"

namespace quanzu::geo {
namespace {

std::string read_districts_file() {
  const char* root = std::getenv("QUANZU_SOURCE_DIR");
  if (root == nullptr) return {};
  std::ifstream in(std::string(root) + "/data/chongqing-districts.geojson", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::vector<Area>& chongqing_areas() {
  static const std::vector<Area> areas = [] {
    Result<std::vector<District>> loaded = load_districts(read_districts_file());
    return loaded ? areas_from_districts(*loaded) : std::vector<Area>{};
  }();
  return areas;
}

const SpatialIndex& chongqing() {
  static const SpatialIndex index(chongqing_areas());
  return index;
}

// Doubles in [0, 1) from the generator's bits, the same on every standard library.
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::string name_at(const SpatialIndex& index, Point p) {
  const Area* area = index.locate(p);
  return area == nullptr ? "" : area->name;
}

std::string code_at(const SpatialIndex& index, Point p) {
  const Area* area = index.locate(p);
  return area == nullptr ? "" : area->code;
}

std::vector<Point> square_ring(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

Area square(std::string code, double x0, double y0, double x1, double y1) {
  return Area{code, code, {Polygon{{square_ring(x0, y0, x1, y1)}}}};
}

// Brute force over the areas' bounding boxes first, so a million points take seconds.
struct BruteForce {
  explicit BruteForce(const std::vector<Area>& a) : areas(a) {
    for (const Area& area : areas) {
      District d;
      d.polygons = area.polygons;
      boxes.push_back(bounds(d));
    }
  }
  std::optional<size_t> locate(Point p) const {
    std::optional<size_t> best;
    for (size_t i = 0; i < areas.size(); ++i) {
      if (!boxes[i].contains(p)) continue;
      if ((!best || areas[i].code < areas[*best].code) && area_contains(areas[i], p)) best = i;
    }
    return best;
  }
  const std::vector<Area>& areas;
  std::vector<Box> boxes;
};

struct Landmark {
  const char* place;
  Point gcj02;
  const char* district;  // "" when outside Chongqing
};

// GCJ-02 positions (as Gaode/AutoNavi maps give them) of well-known places.
const Landmark kLandmarks[] = {
    {"解放碑", {106.5770, 29.5570}, "渝中区"},
    {"洪崖洞", {106.5787, 29.5632}, "渝中区"},
    {"观音桥", {106.5320, 29.5750}, "江北区"},
    {"三峡广场", {106.4566, 29.5568}, "沙坪坝区"},
    {"磁器口", {106.4505, 29.5820}, "沙坪坝区"},
    {"歌乐山", {106.4230, 29.5520}, "沙坪坝区"},
    {"杨家坪", {106.5115, 29.5075}, "九龙坡区"},
    {"南坪", {106.5697, 29.5305}, "南岸区"},
    {"南山一棵树", {106.6070, 29.5450}, "南岸区"},
    {"大渡口", {106.4850, 29.4830}, "大渡口区"},
    {"鱼洞", {106.5200, 29.3850}, "巴南区"},
    {"北碚老城", {106.3965, 29.8057}, "北碚区"},
    {"江北国际机场", {106.6417, 29.7192}, "渝北区"},
    {"两路", {106.6310, 29.7180}, "渝北区"},
    {"万州高笋塘", {108.4085, 30.8070}, "万州区"},
    {"涪陵城区", {107.3900, 29.7030}, "涪陵区"},
    {"永川城区", {105.9275, 29.3560}, "永川区"},
    {"合川城区", {106.2765, 29.9720}, "合川区"},
    {"江津几江", {106.2590, 29.2900}, "江津区"},
    {"长寿城区", {107.0810, 29.8580}, "长寿区"},
    {"綦江古南", {106.6510, 29.0280}, "綦江区"},
    {"大足城区", {105.7210, 29.7070}, "大足区"},
    {"大足石刻宝顶山", {105.8030, 29.7520}, "大足区"},
    {"黔江城区", {108.7710, 29.5330}, "黔江区"},
    {"铜梁城区", {106.0560, 29.8450}, "铜梁区"},
    {"潼南城区", {105.8400, 30.1910}, "潼南区"},
    {"璧山城区", {106.2270, 29.5920}, "璧山区"},
    {"荣昌城区", {105.5940, 29.4050}, "荣昌区"},
    {"开州汉丰湖", {108.3930, 31.1610}, "开州区"},
    {"梁平城区", {107.8010, 30.6740}, "梁平区"},
    {"武隆城区", {107.7600, 29.3250}, "武隆区"},
    {"仙女山", {107.7290, 29.4720}, "武隆区"},
    {"天生三桥", {107.7960, 29.4350}, "武隆区"},
    {"南川城区", {107.0990, 29.1570}, "南川区"},
    {"奉节县城", {109.4640, 31.0180}, "奉节县"},
    {"白帝城", {109.5750, 31.0460}, "奉节县"},
    {"巫山县城", {109.8780, 31.0750}, "巫山县"},
    {"巫溪县城", {109.6290, 31.3990}, "巫溪县"},
    {"城口县城", {108.6650, 31.9480}, "城口县"},
    {"云阳县城", {108.6970, 30.9310}, "云阳县"},
    {"忠县县城", {108.0380, 30.3000}, "忠县"},
    {"垫江县城", {107.3480, 30.3310}, "垫江县"},
    {"丰都县城", {107.7310, 29.8640}, "丰都县"},
    {"石柱县城", {108.1120, 29.9990}, "石柱土家族自治县"},
    {"秀山县城", {108.9890, 28.4480}, "秀山土家族苗族自治县"},
    {"酉阳县城", {108.7670, 28.8410}, "酉阳土家族苗族自治县"},
    {"彭水县城", {108.1660, 29.2940}, "彭水苗族土家族自治县"},
    // Outside Chongqing.
    {"成都天府广场", {104.0660, 30.6570}, ""},
    {"贵阳", {106.6300, 26.6470}, ""},
    {"广安", {106.6330, 30.4560}, ""},
    {"华蓥", {106.7840, 30.3900}, ""},
    {"泸州", {105.4430, 28.8720}, ""},
    {"遂宁", {105.5930, 30.5330}, ""},
    {"达州", {107.4680, 31.2090}, ""},
    {"恩施", {109.4880, 30.2720}, ""},
    {"利川", {108.9360, 30.2910}, ""},
    {"习水", {106.1970, 28.3320}, ""},
    {"武汉", {114.3050, 30.5930}, ""},
};

TEST(SpatialIndex, RoutesLandmarksToTheirDistricts) {
  ASSERT_EQ(chongqing_areas().size(), 38u) << "QUANZU_SOURCE_DIR must point at the sources";
  int inside = 0;
  for (const Landmark& l : kLandmarks) {
    SCOPED_TRACE(l.place);
    // The data agrees with what we believe (brute force), and the index agrees with both.
    std::optional<size_t> brute = locate_brute_force(chongqing_areas(), l.gcj02);
    EXPECT_EQ(brute ? chongqing_areas()[*brute].name : "", l.district);
    EXPECT_EQ(name_at(chongqing(), l.gcj02), l.district);
    inside += *l.district != '\0';
  }
  EXPECT_GE(inside, 20);
}

TEST(SpatialIndex, DistrictCodesComeFromTheData) {
  EXPECT_EQ(code_at(chongqing(), {106.5320, 29.5750}), "500105");  // 观音桥, 江北区
  EXPECT_EQ(code_at(chongqing(), {106.5770, 29.5570}), "500103");  // 解放碑, 渝中区
  EXPECT_EQ(code_at(chongqing(), {106.5200, 29.3850}), "500113");  // 鱼洞, 巴南区
  EXPECT_EQ(code_at(chongqing(), {105.5940, 29.4050}), "500153");  // 荣昌城区, 荣昌区
}

TEST(SpatialIndex, JustOutsideChongqing) {
  // Inside the bounding box, 2-3 km beyond the boundary: south of 荣昌 (泸县, Sichuan) and
  // north of 合川 (武胜, Sichuan).
  for (Point p : {Point{105.5898, 29.2413}, Point{106.2748, 30.2353}}) {
    EXPECT_TRUE(chongqing().bounds().contains(p));
    EXPECT_EQ(chongqing().locate(p), nullptr) << p.lon << "," << p.lat;
    EXPECT_EQ(locate_brute_force(chongqing_areas(), p), std::nullopt);
  }
  // Beyond the box, and not a number.
  EXPECT_EQ(chongqing().locate({105.2, 29.5}), nullptr);
  EXPECT_EQ(chongqing().locate({110.3, 29.5}), nullptr);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(chongqing().locate({nan, 29.5}), nullptr);
  EXPECT_EQ(chongqing().locate({106.5, nan}), nullptr);
}

TEST(SpatialIndex, Wgs84ReadingsAreConvertedFirst) {
  // A phone's GPS (WGS84) fix on the 渝中 bank of the 嘉陵江: after conversion to GCJ-02
  // (about 360 m east, 320 m south here) it is in 渝中区; taken as GCJ-02 it would land
  // across the river in 江北区.
  const Point wgs{106.5430, 29.5670};
  EXPECT_EQ(name_at(chongqing(), wgs84_to_gcj02(wgs)), "渝中区");
  EXPECT_EQ(name_at(chongqing(), wgs), "江北区");
  // Another, between 九龙坡区 and 沙坪坝区.
  const Point wgs2{106.4820, 29.5390};
  EXPECT_EQ(name_at(chongqing(), wgs84_to_gcj02(wgs2)), "九龙坡区");
  EXPECT_EQ(name_at(chongqing(), wgs2), "沙坪坝区");
  // A landmark given in WGS84 (解放碑, its GCJ-02 position taken back) still routes home.
  EXPECT_EQ(name_at(chongqing(), wgs84_to_gcj02(gcj02_to_wgs84({106.5770, 29.5570}))), "渝中区");
}

TEST(SpatialIndex, PointsOnASharedEdgeGoToTheEastOrNorthSide) {
  // A | B side by side, C above both.
  SpatialIndex index({square("A", 0, 0, 1, 1), square("B", 1, 0, 2, 1), square("C", 0, 1, 2, 2)});
  EXPECT_EQ(code_at(index, {1, 0.5}), "B");  // on the A|B border: east side
  EXPECT_EQ(code_at(index, {0.5, 1}), "C");  // on the A/C border: north side
  EXPECT_EQ(code_at(index, {1.5, 1}), "C");  // on the B/C border: north side
  EXPECT_EQ(code_at(index, {1, 1}), "C");    // the vertex A, B and C share: north-east
  EXPECT_EQ(code_at(index, {1, 0}), "B");    // bottom vertex of the A|B border
  EXPECT_EQ(code_at(index, {0, 0.5}), "A");  // A's west border (outside is to the west)
  EXPECT_EQ(code_at(index, {2, 0.5}), "");   // B's east border: nudged east, outside
  EXPECT_EQ(code_at(index, {0.5, 0}), "A");  // A's south border
  EXPECT_EQ(code_at(index, {0.5, 2}), "");   // C's north border
  EXPECT_EQ(code_at(index, {0, 0}), "A");    // south-west corner
  EXPECT_EQ(code_at(index, {2, 2}), "");     // north-east corner
  EXPECT_EQ(code_at(index, {2, 1}), "");     // the east end of the B/C border
  for (Point p : {Point{1, 0.5}, Point{0.5, 1}, Point{1, 1}, Point{2, 0.5}, Point{0, 0}}) {
    EXPECT_EQ(index.locate_index(p), locate_brute_force(index.areas(), p));
    EXPECT_LE(index.locate_all(p).size(), 1u);
  }
}

TEST(SpatialIndex, FourSquaresAroundAVertex) {
  SpatialIndex index({square("SW", 0, 0, 1, 1), square("SE", 1, 0, 2, 1), square("NW", 0, 1, 1, 2),
                      square("NE", 1, 1, 2, 2)});
  EXPECT_EQ(code_at(index, {1, 1}), "NE");
  EXPECT_EQ(code_at(index, {1, 0.5}), "SE");
  EXPECT_EQ(code_at(index, {1, 1.5}), "NE");
  EXPECT_EQ(code_at(index, {0.5, 1}), "NW");
  EXPECT_EQ(code_at(index, {1.5, 1}), "NE");
}

// Two areas sharing a long chain of slanted edges at awkward coordinates: every point on the
// shared chain, or within a few ulps of it, is in exactly one of them, and the index agrees.
TEST(SpatialIndex, SharedSlantedBordersBelongToExactlyOneSide) {
  std::mt19937_64 rng(11);
  std::vector<Point> chain;  // from south to north, wandering east and west
  double lon = 106.123456789;
  for (int i = 0; i <= 40; ++i) {
    chain.push_back(Point{lon, 29.0 + i * 0.0123456789});
    lon += (unit(rng) - 0.5) * 0.01;
  }
  const double south = chain.front().lat;
  const double north = chain.back().lat;
  std::vector<Point> west = chain;
  west.insert(west.end(), {Point{105.9, north}, Point{105.9, south}, chain.front()});
  std::vector<Point> east = chain;
  east.insert(east.end(), {Point{106.4, north}, Point{106.4, south}, chain.front()});
  const std::vector<Area> areas{Area{"W", "west", {Polygon{{west}}}},
                                Area{"E", "east", {Polygon{{east}}}}};
  SpatialIndex index(areas);
  auto nudge = [](double x, int ulps) {
    for (; ulps > 0; --ulps) x = std::nextafter(x, 1e9);
    for (; ulps < 0; ++ulps) x = std::nextafter(x, -1e9);
    return x;
  };
  int tested = 0;
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    const Point a = chain[i];
    const Point b = chain[i + 1];
    for (int s = 0; s <= 50; ++s) {
      const double t = s / 50.0;
      const Point p{a.lon + t * (b.lon - a.lon), a.lat + t * (b.lat - a.lat)};
      for (int ulps = -2; ulps <= 2; ++ulps) {
        const Point q{nudge(p.lon, ulps), p.lat};
        const bool in_west = area_contains(areas[0], q);
        const bool in_east = area_contains(areas[1], q);
        if (q.lat > south && q.lat < north) {
          ASSERT_NE(in_west, in_east) << "at " << q.lon << "," << q.lat;
        }
        ASSERT_EQ(index.locate_index(q), locate_brute_force(areas, q));
        ++tested;
      }
    }
  }
  EXPECT_GT(tested, 10000);
}

TEST(SpatialIndex, HolesAndIslands) {
  // A square with a square hole; an island fills part of the hole.
  Area ring_area{"R", "ring", {Polygon{{square_ring(0, 0, 10, 10), square_ring(3, 3, 7, 7)}}}};
  Area island = square("I", 4, 4, 6, 6);
  SpatialIndex index({ring_area, island});
  EXPECT_EQ(code_at(index, {1, 1}), "R");
  EXPECT_EQ(code_at(index, {3.5, 3.5}), "");  // in the hole, outside the island
  EXPECT_EQ(code_at(index, {5, 5}), "I");     // on the island
  EXPECT_EQ(code_at(index, {3, 5}), "");      // the hole's west edge: nudged east, in the hole
  EXPECT_EQ(code_at(index, {7, 5}), "R");     // the hole's east edge: nudged east, in R
  EXPECT_EQ(code_at(index, {5, 7}), "R");     // the hole's north edge: nudged north, in R
  EXPECT_EQ(code_at(index, {5, 3}), "");      // the hole's south edge: nudged north, hole
  EXPECT_EQ(code_at(index, {11, 5}), "");
  // Orientation does not matter: the same answers with every ring reversed.
  Area reversed = ring_area;
  for (std::vector<Point>& ring : reversed.polygons[0].rings)
    std::reverse(ring.begin(), ring.end());
  SpatialIndex index2({reversed, island});
  for (Point p :
       {Point{1, 1}, Point{3.5, 3.5}, Point{5, 5}, Point{3, 5}, Point{7, 5}, Point{5, 7}}) {
    EXPECT_EQ(code_at(index2, p), code_at(index, p));
  }
}

TEST(SpatialIndex, MultiPolygonParts) {
  Area a{
      "A", "two parts", {Polygon{{square_ring(0, 0, 1, 1)}}, Polygon{{square_ring(5, 5, 6, 6)}}}};
  SpatialIndex index({a, square("B", 2, 0, 3, 1)});
  EXPECT_EQ(code_at(index, {0.5, 0.5}), "A");
  EXPECT_EQ(code_at(index, {5.5, 5.5}), "A");
  EXPECT_EQ(code_at(index, {2.5, 0.5}), "B");
  EXPECT_EQ(code_at(index, {3, 3}), "");
}

TEST(SpatialIndex, OverlapsGoToTheSmallestCode) {
  SpatialIndex index({square("500112", 0, 0, 2, 2), square("500105", 1, 1, 3, 3)});
  EXPECT_EQ(code_at(index, {1.5, 1.5}), "500105");
  EXPECT_EQ(code_at(index, {0.5, 0.5}), "500112");
  EXPECT_EQ(index.locate_all({1.5, 1.5}), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(index.locate_all({2.5, 2.5}), (std::vector<size_t>{1}));
  EXPECT_EQ(index.locate_index({1.5, 1.5}), locate_brute_force(index.areas(), {1.5, 1.5}));
  // One square inside another, covering many whole cells of the grid.
  SpatialIndex nested({square("B", 0, 0, 100, 100), square("A", 10, 10, 90, 90)});
  EXPECT_EQ(code_at(nested, {50, 50}), "A");
  EXPECT_EQ(nested.locate_all({50, 50}), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(code_at(nested, {5, 50}), "B");
}

TEST(SpatialIndex, EmptyAndDegenerateAreas) {
  SpatialIndex empty;
  EXPECT_EQ(empty.locate({1, 1}), nullptr);
  EXPECT_EQ(empty.locate({0, 0}), nullptr);
  EXPECT_TRUE(empty.locate_all({0, 0}).empty());
  SpatialIndex none(std::vector<Area>{});
  EXPECT_EQ(none.locate({0, 0}), nullptr);
  // Rings without area and rings that are not closed (the closing edge is implied).
  Area flat{"F", "flat", {Polygon{{{{0, 0}, {1, 1}, {0, 0}}}}}};
  Area open{"O", "open", {Polygon{{{{2, 0}, {3, 0}, {3, 1}, {2, 1}}}}}};
  SpatialIndex index({flat, open});
  EXPECT_EQ(code_at(index, {0.5, 0.5}), "");
  EXPECT_EQ(code_at(index, {2.5, 0.5}), "O");
}

TEST(SpatialIndex, AgreesWithBruteForceOnAMillionRandomPoints) {
  const SpatialIndex& index = chongqing();
  BruteForce brute(chongqing_areas());
  const Box box = index.bounds();
  std::mt19937_64 rng(20231129);
  constexpr int kPoints = 1000000;
  int mismatches = 0, inside = 0;
  for (int i = 0; i < kPoints; ++i) {
    Point p{box.min_lon + unit(rng) * (box.max_lon - box.min_lon),
            box.min_lat + unit(rng) * (box.max_lat - box.min_lat)};
    std::optional<size_t> expected = brute.locate(p);
    if (index.locate_index(p) != expected) {
      if (++mismatches <= 5) ADD_FAILURE() << "at " << p.lon << "," << p.lat;
    }
    inside += expected.has_value();
  }
  EXPECT_EQ(mismatches, 0);
  // Chongqing fills ~39% of its bounding box.
  EXPECT_GT(inside, kPoints / 3);
  EXPECT_LT(inside, kPoints / 2);
}

// The hard cases for an index: points exactly on vertices and edges, on the latitude or
// longitude of a vertex, and on the grid's own lines.
TEST(SpatialIndex, AgreesWithBruteForceOnVerticesEdgesAndGridLines) {
  const std::vector<Area>& areas = chongqing_areas();
  BruteForce brute(areas);
  for (double cells_per_edge : {1.0, 32.0}) {
    SpatialIndex index(areas, {cells_per_edge, size_t{1} << 22});
    const SpatialIndex::Stats stats = index.stats();
    const Box box = index.bounds();
    const double cw = (box.max_lon - box.min_lon) / stats.columns;
    const double ch = (box.max_lat - box.min_lat) / stats.rows;
    std::mt19937_64 rng(5);
    int mismatches = 0;
    size_t n = 0;
    for (const Area& area : areas) {
      for (const Polygon& polygon : area.polygons) {
        const std::vector<Point>& ring = polygon.rings.front();
        for (size_t k = 0; k + 1 < ring.size(); k += 3) {
          const Point v = ring[k];
          const Point w = ring[k + 1];
          const double t = unit(rng);
          const double i = std::floor((v.lon - box.min_lon) / cw);
          const double j = std::floor((v.lat - box.min_lat) / ch);
          const Point points[] = {
              v,
              {v.lon + t * (w.lon - v.lon), v.lat + t * (w.lat - v.lat)},
              {v.lon + (unit(rng) - 0.5) * 0.02, v.lat},
              {v.lon, v.lat + (unit(rng) - 0.5) * 0.02},
              {box.min_lon + (i + 0.5) * cw, v.lat},
              {v.lon, box.min_lat + (j + 0.5) * ch},
              {box.min_lon + i * cw, v.lat},
              {v.lon, box.min_lat + j * ch},
              {box.min_lon + (i + 0.5) * cw, box.min_lat + (j + 0.5) * ch},
          };
          for (const Point& p : points) {
            ++n;
            if (index.locate_index(p) != brute.locate(p) && ++mismatches <= 5) {
              ADD_FAILURE() << "at " << p.lon << "," << p.lat;
            }
          }
        }
      }
    }
    EXPECT_EQ(mismatches, 0) << "of " << n << " with " << cells_per_edge << " cells per edge";
  }
}

TEST(SpatialIndex, LocateAllFindsTheDataOverlaps) {
  // Neighbouring borders were digitised separately: a few slivers belong to two districts.
  // Wherever locate_all finds two, locate picks the smaller code; elsewhere they agree.
  const SpatialIndex& index = chongqing();
  const Box box = index.bounds();
  int doubles = 0;
  for (int j = 0; j < 500; ++j) {
    for (int i = 0; i < 500; ++i) {
      Point p{box.min_lon + (i + 0.5) / 500 * (box.max_lon - box.min_lon),
              box.min_lat + (j + 0.5) / 500 * (box.max_lat - box.min_lat)};
      std::vector<size_t> all = index.locate_all(p);
      std::optional<size_t> one = index.locate_index(p);
      ASSERT_EQ(all.empty(), !one.has_value());
      for (size_t a : all) {
        ASSERT_TRUE(area_contains(index.areas()[a], p));
        ASSERT_LE(index.areas()[one.value_or(a)].code, index.areas()[a].code);
      }
      doubles += all.size() > 1;
    }
  }
  EXPECT_LT(doubles, 250);  // rare (~0.01% of the box)
}

TEST(SpatialIndex, OrientationIsExact) {
  EXPECT_EQ(orientation({0, 0}, {1, 0}, {0, 1}), 1);
  EXPECT_EQ(orientation({0, 0}, {0, 1}, {1, 0}), -1);
  EXPECT_EQ(orientation({0, 0}, {1, 1}, {2, 2}), 0);
  // Nearly collinear, where the plain determinant rounds to the wrong sign or to zero.
  const Point a{106.5, 29.5};
  const Point b{106.5 + 3 * 0x1.0p-40, 29.5 + 0x1.0p-40};
  const Point on{106.5 + 6 * 0x1.0p-40, 29.5 + 2 * 0x1.0p-40};
  EXPECT_EQ(orientation(a, b, on), 0);
  EXPECT_EQ(orientation(a, b, {on.lon, std::nextafter(on.lat, 90.0)}), 1);
  EXPECT_EQ(orientation(a, b, {on.lon, std::nextafter(on.lat, 0.0)}), -1);
  EXPECT_EQ(orientation({0.1, 0.1}, {0.3, 0.3}, {0.2, 0.2}),
            -orientation({0.3, 0.3}, {0.1, 0.1}, {0.2, 0.2}));
}

TEST(SpatialIndex, StatsDescribeTheGrid) {
  const SpatialIndex::Stats s = chongqing().stats();
  EXPECT_GT(s.columns * s.rows, 500000u);
  EXPECT_GT(s.mixed_cells, 0u);
  EXPECT_LT(s.mixed_cells, s.columns * s.rows / 10);
  EXPECT_GT(s.bytes, 0u);
}

}  // namespace
}  // namespace quanzu::geo

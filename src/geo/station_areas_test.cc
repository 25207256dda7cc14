#include "geo/station_areas.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numbers>
#include <random>
#include <set>
#include <sstream>
#include <string>

namespace quanzu::geo {
namespace {

// What quanzu_make_stations writes data/chongqing-stations.geojson with.
constexpr std::uint64_t kShippedSeed = 500000;
// Sampled points this close to a border (degrees, ~0.3 m) may fall in zero or two areas: the
// areas are rounded to 1e-6°, the district borders are not cut.
constexpr double kBorderTolerance = 3e-6;

std::string read_source_file(const std::string& relative) {
  const char* root = std::getenv("QUANZU_SOURCE_DIR");
  if (root == nullptr) return {};
  std::ifstream in(std::string(root) + "/" + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::vector<District>& chongqing() {
  static const std::vector<District> districts = [] {
    Result<std::vector<District>> loaded =
        load_districts(read_source_file("data/chongqing-districts.geojson"));
    return loaded ? *loaded : std::vector<District>{};
  }();
  return districts;
}

const std::vector<StationArea>& generated() {
  static const std::vector<StationArea> areas = [] {
    Result<std::vector<StationArea>> made = make_station_areas(chongqing(), 0, kShippedSeed);
    return made ? *made : std::vector<StationArea>{};
  }();
  return areas;
}

bool in_area(const StationArea& area, Point p) {
  for (const Polygon& polygon : area.polygons) {
    if (bounds(polygon).contains(p) && contains(polygon, p)) return true;
  }
  return false;
}

double segment_distance(Point p, Point a, Point b) {
  double dx = b.lon - a.lon, dy = b.lat - a.lat;
  double len2 = dx * dx + dy * dy;
  double t = len2 == 0 ? 0 : ((p.lon - a.lon) * dx + (p.lat - a.lat) * dy) / len2;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(p.lon - (a.lon + t * dx), p.lat - (a.lat + t * dy));
}

double border_distance(const std::vector<Polygon>& polygons, Point p) {
  double best = INFINITY;
  for (const Polygon& polygon : polygons) {
    for (const std::vector<Point>& ring : polygon.rings) {
      for (size_t i = 0; i + 1 < ring.size(); ++i) {
        best = std::min(best, segment_distance(p, ring[i], ring[i + 1]));
      }
    }
  }
  return best;
}

// Every border near p: of the district and of the given areas.
double nearest_border(const District& district, const std::vector<const StationArea*>& areas,
                      Point p) {
  double best = border_distance(district.polygons, p);
  for (const StationArea* area : areas) best = std::min(best, border_distance(area->polygons, p));
  return best;
}

// Exact checks on the 1e-6° grid the areas are rounded to.
struct Grid {
  std::int64_t x, y;
  bool operator==(const Grid&) const = default;
};

Grid grid(Point p) { return Grid{std::llround(p.lon * 1e6), std::llround(p.lat * 1e6)}; }

int orientation(Grid a, Grid b, Grid c) {
  std::int64_t v = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
  return (v > 0) - (v < 0);
}

bool on_segment(Grid a, Grid b, Grid p) {
  return std::min(a.x, b.x) <= p.x && p.x <= std::max(a.x, b.x) && std::min(a.y, b.y) <= p.y &&
         p.y <= std::max(a.y, b.y);
}

bool segments_touch(Grid a, Grid b, Grid c, Grid d) {
  int o1 = orientation(a, b, c), o2 = orientation(a, b, d);
  int o3 = orientation(c, d, a), o4 = orientation(c, d, b);
  if (o1 != o2 && o3 != o4 && o1 * o2 <= 0 && o3 * o4 <= 0 && (o1 != 0 || o2 != 0)) return true;
  if (o1 == 0 && on_segment(a, b, c)) return true;
  if (o2 == 0 && on_segment(a, b, d)) return true;
  if (o3 == 0 && on_segment(c, d, a)) return true;
  if (o4 == 0 && on_segment(c, d, b)) return true;
  return false;
}

// "" when the closed ring is simple: no repeated point, no two edges meeting except
// neighbours at their shared end (and neighbours not folding back over each other).
std::string simplicity_problem(const std::vector<Point>& closed) {
  if (closed.size() < 4) return "fewer than 4 points";
  if (!(closed.front().lon == closed.back().lon && closed.front().lat == closed.back().lat)) {
    return "not closed";
  }
  std::vector<Grid> g;
  for (size_t i = 0; i + 1 < closed.size(); ++i) g.push_back(grid(closed[i]));
  const size_t n = g.size();
  struct Edge {
    std::int64_t min_x, max_x, min_y, max_y;
  };
  std::vector<Edge> edges(n);
  for (size_t i = 0; i < n; ++i) {
    Grid a = g[i], b = g[(i + 1) % n];
    edges[i] = {std::min(a.x, b.x), std::max(a.x, b.x), std::min(a.y, b.y), std::max(a.y, b.y)};
    if (a == b) return "repeated point " + std::to_string(i);
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const Edge& e = edges[i];
      const Edge& f = edges[j];
      if (e.max_x < f.min_x || f.max_x < e.min_x || e.max_y < f.min_y || f.max_y < e.min_y) {
        continue;
      }
      Grid a = g[i], b = g[(i + 1) % n], c = g[j], d = g[(j + 1) % n];
      bool neighbours = j == i + 1 || (i == 0 && j == n - 1);
      if (neighbours) {
        // They share one end; they must not run back along each other.
        Grid shared = j == i + 1 ? b : a;
        Grid p = j == i + 1 ? a : b;
        Grid q = j == i + 1 ? d : c;
        if (orientation(shared, p, q) == 0 &&
            (p.x - shared.x) * (q.x - shared.x) + (p.y - shared.y) * (q.y - shared.y) > 0) {
          return "edges " + std::to_string(i) + " and " + std::to_string(j) + " fold back";
        }
        continue;
      }
      if (segments_touch(a, b, c, d)) {
        return "edges " + std::to_string(i) + " and " + std::to_string(j) + " meet";
      }
    }
  }
  return "";
}

double signed_area(const std::vector<Point>& closed) {
  double twice = 0;
  const Point o = closed.front();
  for (size_t i = 0; i + 1 < closed.size(); ++i) {
    twice += (closed[i].lon - o.lon) * (closed[i + 1].lat - o.lat) -
             (closed[i + 1].lon - o.lon) * (closed[i].lat - o.lat);
  }
  return twice / 2;
}

double area_of(const std::vector<Polygon>& polygons) {
  double total = 0;
  for (const Polygon& polygon : polygons) {
    for (const std::vector<Point>& ring : polygon.rings) total += signed_area(ring);
  }
  return total;  // outer rings counter-clockwise, holes clockwise
}

double unsigned_area(const District& district) {
  double total = 0;
  for (const Polygon& polygon : district.polygons) {
    for (size_t r = 0; r < polygon.rings.size(); ++r) {
      total += (r == 0 ? 1 : -1) * std::abs(signed_area(polygon.rings[r]));
    }
  }
  return total;
}

// Checks the station areas of one district: rings simple and oriented, each station in its
// own area, areas adding up to the district, and sampled points in exactly one area.
// `sites_inside`: the station points lie in the district (false for arbitrary sites).
void expect_partition(const District& district, const std::vector<const StationArea*>& areas,
                      int samples, std::uint64_t seed, bool sites_inside = true) {
  SCOPED_TRACE(district.adcode + " " + district.name);
  double total = 0;
  for (const StationArea* area : areas) {
    SCOPED_TRACE(area->code);
    if (sites_inside) {
      EXPECT_FALSE(area->polygons.empty());
    }
    for (const Polygon& polygon : area->polygons) {
      ASSERT_FALSE(polygon.rings.empty());
      for (size_t r = 0; r < polygon.rings.size(); ++r) {
        EXPECT_EQ(simplicity_problem(polygon.rings[r]), "") << "ring " << r;
        EXPECT_EQ(signed_area(polygon.rings[r]) > 0, r == 0) << "orientation of ring " << r;
      }
    }
    if (sites_inside) {
      EXPECT_TRUE(in_area(*area, area->station_point)) << "the station is outside its own area";
      EXPECT_TRUE(contains(district, area->station_point));
      for (const StationArea* other : areas) {
        if (other != area) {
          EXPECT_FALSE(in_area(*other, area->station_point)) << other->code;
        }
      }
    }
    total += area_of(area->polygons);
  }
  // Rounding to 1e-6° moves each cut point by less than a micro-degree; anything more is a
  // gap or an overlap.
  EXPECT_NEAR(total, unsigned_area(district), 1e-7 + 1e-6 * unsigned_area(district));

  std::mt19937_64 rng(seed);
  const Box box = bounds(district);
  auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  int inside = 0;
  for (int i = 0; i < samples; ++i) {
    Point p{box.min_lon + unit() * (box.max_lon - box.min_lon),
            box.min_lat + unit() * (box.max_lat - box.min_lat)};
    int holders = 0;
    for (const StationArea* area : areas) holders += in_area(*area, p) ? 1 : 0;
    bool in_district = contains(district, p);
    inside += in_district ? 1 : 0;
    if (holders != (in_district ? 1 : 0)) {
      EXPECT_LT(nearest_border(district, areas, p), kBorderTolerance)
          << "point " << p.lon << "," << p.lat << " is in " << holders
          << " station areas; in the district: " << in_district;
    }
  }
  EXPECT_GT(inside, samples / 10) << "too few samples fell inside the district";
}

std::vector<const StationArea*> of_district(const std::vector<StationArea>& areas,
                                            std::string_view adcode) {
  std::vector<const StationArea*> found;
  for (const StationArea& a : areas) {
    if (a.district_adcode == adcode) found.push_back(&a);
  }
  return found;
}

Polygon closed(std::vector<Point> ring) {
  ring.push_back(ring.front());
  return Polygon{{std::move(ring)}};
}

District shape(std::vector<Polygon> polygons, Point center) {
  District d;
  d.adcode = "500199";
  d.name = "测试区";
  d.center = center;
  d.polygons = std::move(polygons);
  return d;
}

// A comb of teeth + 1 teeth, each 0.1 wide, standing on a bar 0.2 high, 1 high in all,
// clockwise as the Chongqing file has its rings. A horizontal cut goes through every tooth.
Polygon comb(int teeth) {
  std::vector<Point> ring{{0, 0}};
  for (int t = 0; t < teeth; ++t) {
    double x = 0.2 * t;
    ring.insert(ring.end(), {{x, 1}, {x + 0.1, 1}, {x + 0.1, 0.2}, {x + 0.2, 0.2}});
  }
  double x = 0.2 * teeth;
  ring.insert(ring.end(), {{x, 1}, {x + 0.1, 1}, {x + 0.1, 0}});
  Polygon p = closed(ring);
  std::reverse(p.rings[0].begin(), p.rings[0].end());  // clockwise
  return p;
}

std::vector<StationArea> as_areas(const std::vector<std::vector<Polygon>>& cells,
                                  const std::vector<Point>& sites) {
  std::vector<StationArea> areas;
  for (size_t i = 0; i < cells.size(); ++i) {
    StationArea a;
    a.code = "site-" + std::to_string(i);
    a.station_point = sites[i];
    a.polygons = cells[i];
    areas.push_back(std::move(a));
  }
  return areas;
}

std::vector<const StationArea*> pointers(const std::vector<StationArea>& areas) {
  std::vector<const StationArea*> out;
  out.reserve(areas.size());
  for (const StationArea& a : areas) out.push_back(&a);
  return out;
}

TEST(StationCount, GrowsWithAreaFromThreeToEight) {
  EXPECT_EQ(station_count_for_area(0), 3);
  EXPECT_EQ(station_count_for_area(23), 3);
  EXPECT_EQ(station_count_for_area(100), 3);
  EXPECT_EQ(station_count_for_area(5000), 8);
  EXPECT_EQ(station_count_for_area(80000), 8);
  int previous = 3;
  for (double km2 = 50; km2 < 10000; km2 *= 1.1) {
    int n = station_count_for_area(km2);
    EXPECT_GE(n, previous);
    previous = n;
  }
}

TEST(VoronoiCells, SplitTwoSquaresDownTheMiddle) {
  const std::vector<Polygon> region{closed({{0, 0}, {2, 0}, {2, 1}, {0, 1}})};
  Result<std::vector<std::vector<Polygon>>> cells =
      voronoi_cells(region, {{0.5, 0.5}, {1.5, 0.5}}, 1.0);
  ASSERT_TRUE(cells) << cells.error().message;
  ASSERT_EQ(cells->size(), 2u);
  ASSERT_EQ((*cells)[0].size(), 1u);
  ASSERT_EQ((*cells)[1].size(), 1u);
  EXPECT_DOUBLE_EQ(area_of((*cells)[0]), 1.0);
  EXPECT_DOUBLE_EQ(area_of((*cells)[1]), 1.0);
  EXPECT_TRUE(contains((*cells)[0][0], {0.9, 0.5}));
  EXPECT_FALSE(contains((*cells)[0][0], {1.1, 0.5}));
}

TEST(VoronoiCells, ACutThroughACombGivesSeparateSimplePiecesWithoutBridges) {
  // The bisector y = 0.6 cuts every tooth: the upper site's cell is the teeth's tops, one
  // piece per tooth, not one ring with zero-width bridges along the cut.
  const std::vector<Polygon> region{comb(5)};
  ASSERT_EQ(simplicity_problem(region[0].rings[0]), "");
  const std::vector<Point> sites{{0.5, 0.1}, {0.5, 1.1}};
  Result<std::vector<std::vector<Polygon>>> cells = voronoi_cells(region, sites, 1.0);
  ASSERT_TRUE(cells) << cells.error().message;
  ASSERT_EQ(cells->size(), 2u);
  EXPECT_EQ((*cells)[0].size(), 1u);  // the bar with the teeth's feet
  EXPECT_EQ((*cells)[1].size(), 6u);  // six tooth tops
  for (const Polygon& top : (*cells)[1]) EXPECT_NEAR(signed_area(top.rings[0]), 0.1 * 0.4, 1e-12);
  District d = shape(region, {0.05, 0.1});
  std::vector<StationArea> areas = as_areas(*cells, sites);
  expect_partition(d, pointers(areas), 3000, 1, false);
}

TEST(VoronoiCells, CutsThroughVerticesAndAlongEdges) {
  // The sites' bisector is x = 1. On it: the tip of a notch (its neighbours left of the
  // line), a vertex touching it from the right, an edge lying along it, a vertex where the
  // ring passes through it, and a corner.
  const std::vector<Polygon> region{closed({{0, 0},
                                            {0.5, 0},
                                            {1, 0.3},
                                            {0.8, 0},
                                            {2, 0},
                                            {2, 2},
                                            {1, 2},
                                            {1, 1.6},
                                            {1.4, 1.3},
                                            {1, 1.0},
                                            {1.4, 0.8},
                                            {1, 0.7},
                                            {0.6, 0.6},
                                            {0, 2}})};
  ASSERT_EQ(simplicity_problem(region[0].rings[0]), "");
  const std::vector<Point> sites{{0.2, 0.3}, {1.8, 0.3}};
  for (const std::vector<Point>& order : {sites, std::vector<Point>{sites[1], sites[0]}}) {
    Result<std::vector<std::vector<Polygon>>> cells = voronoi_cells(region, order, 1.0);
    ASSERT_TRUE(cells) << cells.error().message;
    District d = shape(region, {0.2, 0.3});
    std::vector<StationArea> areas = as_areas(*cells, order);
    expect_partition(d, pointers(areas), 5000, 2, true);
  }
}

// Concave star-shaped polygons on a 1/8 grid, sites on a 1/4 grid: bisectors pass through
// vertices and run along edges all the time, with exact arithmetic.
TEST(VoronoiCells, PartitionsRandomPolygonsWithDegenerateCuts) {
  std::mt19937_64 rng(7);
  auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  int tried = 0;
  for (int round = 0; round < 300; ++round) {
    const int n = 5 + static_cast<int>(rng() % 20);
    std::vector<double> angles(static_cast<size_t>(n));
    for (double& a : angles) a = unit() * 2 * std::numbers::pi;
    std::sort(angles.begin(), angles.end());
    std::vector<Point> ring;
    for (double a : angles) {
      double r = 1 + 3 * unit();
      Point p{std::round(8 * r * std::cos(a)) / 8, std::round(8 * r * std::sin(a)) / 8};
      if (ring.empty() || !(p.lon == ring.back().lon && p.lat == ring.back().lat))
        ring.push_back(p);
    }
    if (ring.size() < 3) continue;
    Polygon polygon = closed(ring);
    if (!simplicity_problem(polygon.rings[0]).empty()) continue;  // rounding broke the star
    std::vector<Point> sites;
    const int count = 2 + static_cast<int>(rng() % 5);
    while (static_cast<int>(sites.size()) < count) {
      Point s{std::round(4 * (8 * unit() - 4)) / 4, std::round(4 * (8 * unit() - 4)) / 4};
      if (std::none_of(sites.begin(), sites.end(),
                       [&](Point q) { return q.lon == s.lon && q.lat == s.lat; })) {
        sites.push_back(s);
      }
    }
    ++tried;
    SCOPED_TRACE("round " + std::to_string(round));
    Result<std::vector<std::vector<Polygon>>> cells = voronoi_cells({polygon}, sites, 1.0);
    ASSERT_TRUE(cells) << cells.error().message;
    std::vector<StationArea> areas = as_areas(*cells, sites);
    expect_partition(shape({polygon}, {0, 0}), pointers(areas), 300, round, false);
  }
  EXPECT_GT(tried, 200);
}

TEST(VoronoiCells, KeepsHolesWithThePieceAroundThem) {
  // A square with a square hole in its left half, and one in the middle that the cut splits.
  Polygon with_holes = closed({{0, 0}, {4, 0}, {4, 2}, {0, 2}});
  with_holes.rings.push_back(closed({{0.5, 0.5}, {1, 0.5}, {1, 1}, {0.5, 1}}).rings[0]);
  with_holes.rings.push_back(closed({{1.5, 0.5}, {2.5, 0.5}, {2.5, 1.5}, {1.5, 1.5}}).rings[0]);
  Result<std::vector<std::vector<Polygon>>> cells =
      voronoi_cells({with_holes}, {{1, 1.8}, {3, 1.8}}, 1.0);
  ASSERT_TRUE(cells) << cells.error().message;
  ASSERT_EQ(cells->size(), 2u);
  ASSERT_EQ((*cells)[0].size(), 1u);
  ASSERT_EQ((*cells)[1].size(), 1u);
  EXPECT_EQ((*cells)[0][0].rings.size(), 2u);  // its outer ring opens into the split hole
  EXPECT_EQ((*cells)[1][0].rings.size(), 1u);
  EXPECT_NEAR(area_of((*cells)[0]), 4 - 0.25 - 0.5, 1e-12);
  EXPECT_NEAR(area_of((*cells)[1]), 4 - 0.5, 1e-12);
  EXPECT_FALSE(contains((*cells)[0][0], {0.75, 0.75}));
  EXPECT_FALSE(contains((*cells)[0][0], {1.75, 0.75}));
  EXPECT_TRUE(contains((*cells)[0][0], {1.25, 0.75}));
}

TEST(VoronoiCells, RefusesCoincidingSitesAndSelfCrossingRings) {
  const std::vector<Polygon> square{closed({{0, 0}, {1, 0}, {1, 1}, {0, 1}})};
  Result<std::vector<std::vector<Polygon>>> same =
      voronoi_cells(square, {{0.5, 0.5}, {0.5, 0.5}}, 1);
  ASSERT_FALSE(same);
  EXPECT_NE(same.error().message.find("coincide"), std::string::npos);
  // A bow tie crosses itself at (2/3, 2/3); a ring touching itself at (1, 1).
  for (const Polygon& bad : {closed({{0, 0}, {1, 1}, {1, 0}, {0, 2}}),
                             closed({{0, 0}, {2, 0}, {1, 1}, {2, 2}, {0, 2}, {1, 1}})}) {
    Result<std::vector<std::vector<Polygon>>> refused =
        voronoi_cells({square[0], bad}, {{0.2, 0.5}, {0.8, 0.5}}, 1);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Code::kInvalid);
    EXPECT_EQ(refused.error().message,
              "ring 0 of part 1 is not simple: it crosses or touches itself");
  }
}

TEST(MakeStationAreas, PartitionsConcaveDistrictsWithExclaves) {
  // A comb with a hole in its bar, plus two small separate parts: stations stand in the
  // largest part only, yet the small parts are shared out too.
  Polygon main = comb(6);
  main.rings.push_back(closed({{0.3, 0.05}, {0.6, 0.05}, {0.6, 0.15}, {0.3, 0.15}}).rings[0]);
  District d = shape({main, closed({{1.5, 0}, {1.6, 0}, {1.6, 0.1}, {1.5, 0.1}}),
                      closed({{-0.3, 0.5}, {-0.1, 0.5}, {-0.2, 0.9}})},
                     {0.05, 0.1});
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (int n : {2, 3, 5, 8}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", " + std::to_string(n) + " stations");
      Result<std::vector<StationArea>> areas = make_station_areas({d}, n, seed);
      ASSERT_TRUE(areas) << areas.error().message;
      ASSERT_EQ(areas->size(), static_cast<size_t>(n));
      expect_partition(d, of_district(*areas, d.adcode), 3000, seed);
    }
  }
}

TEST(MakeStationAreas, IsDeterministicAndIndependentOfOtherDistricts) {
  ASSERT_EQ(chongqing().size(), 38u);
  Result<std::vector<StationArea>> again = make_station_areas(chongqing(), 0, kShippedSeed);
  ASSERT_TRUE(again);
  EXPECT_EQ(station_areas_geojson(*again), station_areas_geojson(generated()));

  const District& jiangbei = chongqing()[4];
  Result<std::vector<StationArea>> alone = make_station_areas({jiangbei}, 0, kShippedSeed);
  ASSERT_TRUE(alone);
  std::vector<StationArea> among_all;
  for (const StationArea* a : of_district(generated(), jiangbei.adcode)) among_all.push_back(*a);
  EXPECT_EQ(station_areas_geojson(*alone), station_areas_geojson(among_all));

  Result<std::vector<StationArea>> other_seed = make_station_areas({jiangbei}, 0, 7);
  ASSERT_TRUE(other_seed);
  EXPECT_NE(station_areas_geojson(*alone), station_areas_geojson(*other_seed));
}

TEST(MakeStationAreas, NamesCodesAndContacts) {
  Result<std::vector<StationArea>> fixed = make_station_areas(chongqing(), 4, 1);
  ASSERT_TRUE(fixed) << fixed.error().message;
  EXPECT_EQ(fixed->size(), 38u * 4);

  const std::vector<StationArea>& areas = generated();
  ASSERT_FALSE(areas.empty());
  std::set<std::string> contacts;
  for (const District& d : chongqing()) {
    std::vector<const StationArea*> mine = of_district(areas, d.adcode);
    EXPECT_EQ(static_cast<int>(mine.size()), station_count_for_area(area_km2(d))) << d.name;
    for (size_t i = 0; i < mine.size(); ++i) {
      std::string number = (i < 9 ? "0" : "") + std::to_string(i + 1);
      EXPECT_EQ(mine[i]->code, d.adcode + "-" + number);
      EXPECT_EQ(mine[i]->name, d.name + "第" + std::to_string(i + 1) + "派出所");
      const std::string& c = mine[i]->contact;
      EXPECT_EQ(c.size(), 12u) << c;
      EXPECT_EQ(c.substr(0, 5), "023-6") << c;
      EXPECT_TRUE(std::all_of(c.begin() + 4, c.end(), [](char ch) {
        return ch >= '0' && ch <= '9';
      })) << c;
      contacts.insert(c);
    }
    // The default station stands at the district's seat (its center) when that is inside.
    ASSERT_FALSE(mine.empty());
    const Polygon* largest = largest_polygon(d);
    if (contains(*largest, d.center)) {
      EXPECT_NEAR(mine[0]->station_point.lon, d.center.lon, 1e-6);
      EXPECT_NEAR(mine[0]->station_point.lat, d.center.lat, 1e-6);
    }
  }
  EXPECT_EQ(contacts.size(), areas.size()) << "contacts are unique";
}

TEST(MakeStationAreas, PartitionEveryChongqingDistrict) {
  ASSERT_EQ(chongqing().size(), 38u);
  ASSERT_FALSE(generated().empty());
  std::uint64_t seed = 1;
  for (const District& d : chongqing()) {
    expect_partition(d, of_district(generated(), d.adcode), 4000, seed++);
  }
}

TEST(MakeStationAreas, FailsForADistrictWithoutArea) {
  District flat = shape({closed({{0, 0}, {1, 0}, {2, 0}})}, {0.5, 0});
  Result<std::vector<StationArea>> areas = make_station_areas({flat}, 3, 1);
  ASSERT_FALSE(areas);
  EXPECT_EQ(areas.error().code, Code::kInvalid);
  EXPECT_NE(areas.error().message.find("500199"), std::string::npos) << areas.error().message;
}

TEST(StationAreasGeojson, RoundTripsExactly) {
  const std::vector<StationArea>& areas = generated();
  ASSERT_FALSE(areas.empty());
  std::string text = station_areas_geojson(areas);
  Result<std::vector<StationArea>> loaded = load_station_areas(text);
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), areas.size());
  for (size_t i = 0; i < areas.size(); ++i) {
    const StationArea& a = areas[i];
    const StationArea& b = (*loaded)[i];
    EXPECT_EQ(a.code, b.code);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.district_adcode, b.district_adcode);
    EXPECT_EQ(a.contact, b.contact);
    EXPECT_EQ(a.station_point.lon, b.station_point.lon);
    EXPECT_EQ(a.station_point.lat, b.station_point.lat);
    ASSERT_EQ(a.polygons.size(), b.polygons.size()) << a.code;
    for (size_t p = 0; p < a.polygons.size(); ++p) {
      ASSERT_EQ(a.polygons[p].rings.size(), b.polygons[p].rings.size());
      for (size_t r = 0; r < a.polygons[p].rings.size(); ++r) {
        const std::vector<Point>& ra = a.polygons[p].rings[r];
        const std::vector<Point>& rb = b.polygons[p].rings[r];
        ASSERT_EQ(ra.size(), rb.size());
        for (size_t k = 0; k < ra.size(); ++k) {
          ASSERT_EQ(ra[k].lon, rb[k].lon) << a.code;
          ASSERT_EQ(ra[k].lat, rb[k].lat) << a.code;
        }
      }
    }
  }
  // Same text again: nothing is lost or reordered.
  EXPECT_EQ(station_areas_geojson(*loaded), text);
}

TEST(StationAreasGeojson, WritesSixDecimalsWithoutExponents) {
  StationArea a;
  a.code = "500105-01";
  a.name = "江北区第1\"派出所\"";
  a.district_adcode = "500105";
  a.contact = "023-61050100";
  a.station_point = {0.0000001, -0.5};
  a.polygons.push_back(closed({{106.5, 29.5}, {106.6, 29.5}, {106.6, 29.6}}));
  std::string text = station_areas_geojson({a});
  EXPECT_NE(text.find("\"station_point\":[0.000000,-0.500000]"), std::string::npos) << text;
  EXPECT_NE(text.find("[106.500000,29.500000],[106.600000,29.500000]"), std::string::npos);
  EXPECT_NE(text.find("\"kind\":\"station\""), std::string::npos);
  EXPECT_NE(text.find("\"type\":\"MultiPolygon\""), std::string::npos);
  EXPECT_EQ(text.find('E'), std::string::npos);
  EXPECT_EQ(text.find("e-"), std::string::npos);
  Result<std::vector<StationArea>> loaded = load_station_areas(text);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ((*loaded)[0].name, a.name);
}

// A collection around one feature's text.
std::string collection(const std::string& feature) {
  return R"({"type":"FeatureCollection","features":[)" + feature + "]}";
}

const char* const kGood =
    R"({"type":"Feature","properties":{"code":"500105-01","name":"江北区第1派出所",)"
    R"("district_adcode":"500105","contact":"023-61050101","kind":"station",)"
    R"("station_point":[106.5,29.6]},"geometry":{"type":"Polygon","coordinates":)"
    R"([[[106.4,29.5],[106.6,29.5],[106.6,29.7],[106.4,29.5]]]}})";

std::string with(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(LoadStationAreas, ReadsPolygonAndIntegerAdcode) {
  Result<std::vector<StationArea>> loaded =
      load_station_areas(collection(with(kGood, R"("500105","contact")", R"(500105,"contact")")));
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].district_adcode, "500105");
  ASSERT_EQ((*loaded)[0].polygons.size(), 1u);
  EXPECT_EQ((*loaded)[0].polygons[0].rings[0].size(), 4u);
  EXPECT_EQ((*loaded)[0].station_point.lon, 106.5);
}

TEST(LoadStationAreas, ErrorsNameTheFeatureAndField) {
  struct Case {
    std::string text;
    std::string message;  // part of the message
    std::string field;
  };
  const std::string good = kGood;
  const std::vector<Case> cases = {
      {"{", "not valid JSON", ""},
      {"[]", "not a FeatureCollection", ""},
      {R"({"type":"Feature"})", "FeatureCollection", "type"},
      {R"({"type":"FeatureCollection"})", "features", "features"},
      {collection(good + "," + with(good, R"("code":"500105-01",)", "")),
       "feature 1: properties.code is missing", "features[1].properties.code"},
      {collection(with(good, R"("name":"江北区第1派出所",)", R"("name":7,)")),
       "feature 0 (500105-01): properties.name is a number", "features[0].properties.name"},
      {collection(with(good, R"("district_adcode":"500105")", R"("district_adcode":"5001")")),
       "feature 0 (500105-01): properties.district_adcode",
       "features[0].properties.district_adcode"},
      {collection(with(good, R"("kind":"station")", R"("kind":"district")")), "properties.kind",
       "features[0].properties.kind"},
      {collection(with(good, R"("station_point":[106.5,29.6])", R"("station_point":[106.5])")),
       "properties.station_point", "features[0].properties.station_point"},
      {collection(with(good, R"("properties":{)", R"("props":{)")),
       "feature 0: properties is missing", "features[0].properties"},
      {collection(with(good, R"("type":"Polygon")", R"("type":"Point")")),
       "feature 0 (500105-01): geometry.type is \"Point\"", "features[0].geometry.type"},
      {collection(with(good, "[106.6,29.7],[106.4,29.5]]", "[106.6,29.7],[106.4,29.6]]")),
       "feature 0 (500105-01): geometry.coordinates[0] is not closed",
       "features[0].geometry.coordinates[0]"},
      {collection(with(good, "[106.6,29.5],[106.6,29.7],", "[106.6,29.7],")),
       "geometry.coordinates[0] has 3 points", "features[0].geometry.coordinates[0]"},
      {collection(with(good, "[106.6,29.5]", "[206.6,29.5]")),
       "geometry.coordinates[0][1] is outside", "features[0].geometry.coordinates[0][1]"},
      {collection(with(
           good,
           R"(,"geometry":{"type":"Polygon","coordinates":[[[106.4,29.5],[106.6,29.5],[106.6,29.7],[106.4,29.5]]]})",
           "")),
       "feature 0 (500105-01): geometry is missing", "features[0].geometry"},
      {collection(good + "," + good), "feature 1 (500105-01): properties.code repeats feature 0",
       "features[1].properties.code"},
  };
  for (const Case& c : cases) {
    Result<std::vector<StationArea>> loaded = load_station_areas(c.text);
    ASSERT_FALSE(loaded) << c.text;
    EXPECT_EQ(loaded.error().code, Code::kInvalid);
    EXPECT_NE(loaded.error().message.find(c.message), std::string::npos)
        << "got: " << loaded.error().message << "\nwanted: " << c.message;
    ASSERT_EQ(loaded.error().fields.size(), 1u);
    EXPECT_EQ(loaded.error().fields[0].field, c.field) << loaded.error().message;
  }
}

TEST(ShippedStations, IsWhatTheGeneratorMakesToday) {
  std::string shipped = read_source_file("data/chongqing-stations.geojson");
  ASSERT_FALSE(shipped.empty());
  EXPECT_LT(shipped.size(), 3u * 1024 * 1024);
  EXPECT_TRUE(shipped == station_areas_geojson(generated()))
      << "data/chongqing-stations.geojson is stale: run quanzu_make_stations from the source tree";
}

TEST(ShippedStations, LoadAndCoverChongqing) {
  Result<std::vector<StationArea>> loaded =
      load_station_areas(read_source_file("data/chongqing-stations.geojson"));
  ASSERT_TRUE(loaded) << loaded.error().message;
  std::set<std::string> districts_with_stations;
  for (const StationArea& a : *loaded) districts_with_stations.insert(a.district_adcode);
  EXPECT_EQ(districts_with_stations.size(), 38u);

  struct Part {
    Box box;
    const Polygon* polygon;
    const StationArea* area;
  };
  std::vector<Part> parts;
  for (const StationArea& a : *loaded) {
    for (const Polygon& p : a.polygons) parts.push_back({bounds(p), &p, &a});
  }
  Box all = bounds(chongqing().at(0));
  for (const District& d : chongqing()) {
    Box b = bounds(d);
    all = Box{std::min(all.min_lon, b.min_lon), std::min(all.min_lat, b.min_lat),
              std::max(all.max_lon, b.max_lon), std::max(all.max_lat, b.max_lat)};
  }
  std::mt19937_64 rng(42);
  auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  int inside = 0;
  for (int i = 0; i < 20000; ++i) {
    Point p{all.min_lon + unit() * (all.max_lon - all.min_lon),
            all.min_lat + unit() * (all.max_lat - all.min_lat)};
    // The district file's neighbours overlap a little in places (云阳县 and 万州区, say):
    // there a point is in one station area of each.
    std::vector<const District*> districts;
    for (const District& d : chongqing()) {
      if (contains(d, p)) districts.push_back(&d);
    }
    std::vector<const StationArea*> holders;
    for (const Part& part : parts) {
      if (part.box.contains(p) && contains(*part.polygon, p)) holders.push_back(part.area);
    }
    inside += districts.empty() ? 0 : 1;
    std::multiset<std::string> want, got;
    for (const District* d : districts) want.insert(d->adcode);
    for (const StationArea* a : holders) got.insert(a->district_adcode);
    if (want != got) {
      double border = INFINITY;
      for (const District* d : districts) {
        border = std::min(border, nearest_border(*d, of_district(*loaded, d->adcode), p));
      }
      for (const StationArea* a : holders)
        border = std::min(border, border_distance(a->polygons, p));
      EXPECT_LT(border, kBorderTolerance)
          << p.lon << "," << p.lat << " lies in " << holders.size() << " station areas and "
          << districts.size() << " districts";
    }
  }
  EXPECT_GT(inside, 7000);
}

}  // namespace
}  // namespace quanzu::geo

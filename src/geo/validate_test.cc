#include "geo/validate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

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

std::vector<Point> square_ring(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};  // counter-clockwise
}

Area area(std::string code, std::string name, std::vector<Polygon> polygons) {
  return Area{std::move(code), std::move(name), std::move(polygons)};
}

Area square(std::string code, double x0, double y0, double x1, double y1) {
  return area(code, "", {Polygon{{square_ring(x0, y0, x1, y1)}}});
}

// The first finding of this check; nullptr when none.
const Finding* find(const std::vector<Finding>& findings, const std::string& check) {
  for (const Finding& f : findings) {
    if (f.check == check) return &f;
  }
  return nullptr;
}

std::string all_messages(const Validation& v) {
  std::string s;
  for (const Finding& f : v.errors) s += "error: " + f.message + "\n";
  for (const Finding& f : v.warnings) s += "warning: " + f.message + "\n";
  return s;
}

// One bad area among good neighbours: the error names it.
void expect_error(std::vector<Area> areas, const std::string& check, const std::string& names,
                  const std::string& says) {
  Validation v = validate_areas(std::move(areas));
  EXPECT_FALSE(v.ok());
  for (const Finding& f : v.errors) {
    if (f.check == check && f.message.find(names) != std::string::npos &&
        f.message.find(says) != std::string::npos) {
      return;
    }
  }
  ADD_FAILURE() << "no " << check << " error naming \"" << names << "\" and saying \"" << says
                << "\" in:\n"
                << all_messages(v);
}

TEST(Validate, ChongqingDistrictsLoadWithWarningsOnly) {
  Result<std::vector<District>> districts = load_districts(read_districts_file());
  ASSERT_TRUE(districts) << districts.error().message;
  Validation v = validate_areas(areas_from_districts(*districts));
  EXPECT_TRUE(v.ok()) << all_messages(v);
  // Shells are all clockwise: consistent, so no orientation warning by default.
  EXPECT_EQ(find(v.warnings, "orientation"), nullptr);
  // Neighbours digitised separately overlap in slivers, e.g. 江北区 and 渝北区.
  bool jiangbei_yubei = false;
  double largest = 0;
  for (const Finding& f : v.warnings) {
    if (f.check != "overlap") continue;
    ASSERT_TRUE(f.other_area.has_value());
    ASSERT_TRUE(f.where.has_value());
    largest = std::max(largest, f.overlap_km2);
    if (f.message.find("500105 江北区") != std::string::npos &&
        f.message.find("500112 渝北区") != std::string::npos) {
      jiangbei_yubei = true;
    }
  }
  EXPECT_TRUE(jiangbei_yubei) << all_messages(v);
  EXPECT_GT(largest, 0.0);
  EXPECT_LT(largest, ValidationOptions{}.overlap_error_km2);
  // The extra parts of 铜梁区 and others share edges with their main part.
  const Finding* touch = find(v.warnings, "parts_touch");
  ASSERT_NE(touch, nullptr);
  // Against RFC 7946, every shell is reported (as a warning).
  ValidationOptions rfc;
  rfc.orientation = RingOrientation::kCounterClockwise;
  rfc.max_findings_per_check = 100;
  Validation strict = validate_areas(areas_from_districts(*districts), rfc);
  EXPECT_TRUE(strict.ok());
  size_t orientation = std::count_if(strict.warnings.begin(), strict.warnings.end(),
                                     [](const Finding& f) { return f.check == "orientation"; });
  EXPECT_GE(orientation, 38u);
}

TEST(Validate, GoodDataHasNoFindings) {
  Validation v = validate_areas(
      {square("A", 0, 0, 1, 1), square("B", 1, 0, 2, 1),
       area("C", "with hole",
            {Polygon{{square_ring(0, 1, 2, 3),
                      {{0.5, 1.5}, {0.5, 2.5}, {1.5, 2.5}, {1.5, 1.5}, {0.5, 1.5}}}}})});
  EXPECT_TRUE(v.ok()) << all_messages(v);
  EXPECT_TRUE(v.warnings.empty()) << all_messages(v);
}

TEST(Validate, RingWithTooFewPoints) {
  expect_error(
      {square("A", 0, 0, 1, 1), area("500105", "江北区", {Polygon{{{{2, 0}, {3, 0}, {2, 0}}}}})},
      "ring_too_short", "feature 1 (500105 江北区)", "has 3 points");
}

TEST(Validate, UnclosedRing) {
  expect_error({area("500105", "江北区", {Polygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}})},
               "unclosed_ring", "feature 0 (500105 江北区): polygon 0 ring 0 (shell)",
               "is not closed");
}

TEST(Validate, CoordinatesThatAreNotNumbers) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  expect_error({area("X", "", {Polygon{{{{0, 0}, {1, 0}, {nan, 1}, {0, 1}, {0, 0}}}}})},
               "not_finite", "feature 0 (X): polygon 0 ring 0 (shell) point 2", "not a finite");
}

TEST(Validate, RingWithoutArea) {
  expect_error({area("X", "", {Polygon{{{{0, 0}, {1, 1}, {2, 2}, {0, 0}}}}})}, "zero_area",
               "feature 0 (X)", "has no area");
}

TEST(Validate, SelfIntersectingRing) {
  // A bow tie.
  expect_error({square("A", 5, 5, 6, 6),
                area("500112", "渝北区", {Polygon{{{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}}}}})},
               "self_intersection", "feature 1 (500112 渝北区)",
               "intersects itself at (1.000000, 1.000000)");
  // A ring that touches itself at a vertex (a figure eight through (1, 1)).
  expect_error(
      {area("E", "", {Polygon{{{{0, 0}, {1, 1}, {2, 0}, {2, 2}, {1, 1}, {0, 2}, {0, 0}}}}})},
      "self_intersection", "feature 0 (E)", "intersects itself");
  // A spike that runs back along its own edge.
  expect_error(
      {area("S", "", {Polygon{{{{0, 0}, {2, 0}, {3, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}}}})},
      "self_intersection", "feature 0 (S)", "runs back over itself");
}

TEST(Validate, HoleOutsideItsShell) {
  expect_error({area("H", "洞", {Polygon{{square_ring(0, 0, 4, 4), square_ring(5, 5, 6, 6)}}})},
               "hole_outside_shell", "feature 0 (H 洞): polygon 0 ring 1 (hole)",
               "lies outside its shell");
}

TEST(Validate, HoleCrossingItsShell) {
  expect_error({area("H", "", {Polygon{{square_ring(0, 0, 4, 4), square_ring(3, 1, 5, 2)}}})},
               "rings_cross", "feature 0 (H)", "cross");
}

TEST(Validate, NestedHoles) {
  expect_error({area("N", "",
                     {Polygon{{square_ring(0, 0, 10, 10), square_ring(1, 1, 9, 9),
                               square_ring(2, 2, 3, 3)}}})},
               "nested_holes", "feature 0 (N)", "ring 2 (hole) lies inside hole 1");
}

TEST(Validate, OverlappingParts) {
  // Parts that cross each other.
  expect_error(
      {area("M", "", {Polygon{{square_ring(0, 0, 2, 2)}}, Polygon{{square_ring(1, 1, 3, 3)}}})},
      "parts_overlap", "feature 0 (M)", "polygons 0 and 1 cross");
  // A part inside another.
  expect_error(
      {area("M", "", {Polygon{{square_ring(0, 0, 4, 4)}}, Polygon{{square_ring(1, 1, 2, 2)}}})},
      "parts_overlap", "feature 0 (M)", "polygon 1 lies inside polygon 0");
  // An island in a hole is fine.
  Validation v = validate_areas(
      {area("M", "",
            {Polygon{{square_ring(0, 0, 4, 4), {{1, 1}, {1, 3}, {3, 3}, {3, 1}, {1, 1}}}},
             Polygon{{square_ring(1.5, 1.5, 2.5, 2.5)}}})});
  EXPECT_TRUE(v.ok()) << all_messages(v);
}

TEST(Validate, CodesAndEmptyAreas) {
  expect_error({square("500105", 0, 0, 1, 1), square("500105", 2, 0, 3, 1)}, "duplicate_code",
               "feature 1 (500105)", "repeats feature 0 (500105)");
  expect_error({square("", 0, 0, 1, 1)}, "empty_code", "feature 0", "empty code");
  expect_error({area("Z", "空", {})}, "no_polygons", "feature 0 (Z 空)", "has no polygons");
}

TEST(Validate, OverlapBetweenAreas) {
  // A large overlap (about 110 km x 110 km) is an error naming both, located inside it.
  Validation big = validate_areas(
      {square("500105", 106.0, 29.0, 107.0, 30.0), square("500112", 106.5, 29.5, 107.5, 30.5)});
  const Finding* f = find(big.errors, "overlap");
  ASSERT_NE(f, nullptr) << all_messages(big);
  EXPECT_EQ(f->area, 0u);
  EXPECT_EQ(f->other_area, 1u);
  EXPECT_NE(f->message.find("feature 0 (500105) and feature 1 (500112) overlap"), std::string::npos)
      << f->message;
  EXPECT_NEAR(f->overlap_km2, 0.5 * 0.5 * 111.2 * 111.2 * 0.87, 300.0);
  ASSERT_TRUE(f->where.has_value());
  EXPECT_TRUE((Box{106.5, 29.5, 107.0, 30.0}.contains(*f->where)));
  // A sliver (30 m wide over 1 km) is a warning.
  Validation sliver = validate_areas(
      {square("A", 106.0, 29.0, 106.01, 29.01), square("B", 106.0097, 29.0, 106.02, 29.01)});
  EXPECT_TRUE(sliver.ok()) << all_messages(sliver);
  const Finding* w = find(sliver.warnings, "overlap");
  ASSERT_NE(w, nullptr) << all_messages(sliver);
  EXPECT_LT(w->overlap_km2, 0.1);
  // Sharing a border exactly is not an overlap.
  Validation shared = validate_areas({square("A", 0, 0, 1, 1), square("B", 1, 0, 2, 1)});
  EXPECT_EQ(find(shared.warnings, "overlap"), nullptr) << all_messages(shared);
  // The threshold is an option.
  ValidationOptions strict;
  strict.overlap_error_km2 = 0.0001;
  EXPECT_FALSE(validate_areas({square("A", 106.0, 29.0, 106.01, 29.01),
                               square("B", 106.0097, 29.0, 106.02, 29.01)},
                              strict)
                   .ok());
}

TEST(Validate, Orientation) {
  auto cw = [](std::vector<Point> ring) {
    std::reverse(ring.begin(), ring.end());
    return ring;
  };
  // Two shells one way, one the other: the odd one out is named (a warning).
  Validation v = validate_areas({square("A", 0, 0, 1, 1), square("B", 1, 0, 2, 1),
                                 area("C", "逆", {Polygon{{cw(square_ring(2, 0, 3, 1))}}})});
  EXPECT_TRUE(v.ok());
  const Finding* f = find(v.warnings, "orientation");
  ASSERT_NE(f, nullptr) << all_messages(v);
  EXPECT_EQ(f->area, 2u);
  EXPECT_NE(f->message.find("feature 2 (C 逆): polygon 0 ring 0 (shell) is clockwise"),
            std::string::npos)
      << f->message;
  // A hole turning the same way as its shell.
  Validation h = validate_areas(
      {area("H", "", {Polygon{{square_ring(0, 0, 4, 4), square_ring(1, 1, 2, 2)}}})});
  f = find(h.warnings, "orientation");
  ASSERT_NE(f, nullptr) << all_messages(h);
  EXPECT_NE(f->message.find("ring 1 (hole) is counter-clockwise"), std::string::npos);
}

TEST(Validate, RepeatedPointsAreAWarning) {
  Validation v = validate_areas(
      {area("R", "", {Polygon{{{{0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}})});
  EXPECT_TRUE(v.ok()) << all_messages(v);
  EXPECT_NE(find(v.warnings, "repeated_point"), nullptr) << all_messages(v);
}

TEST(Validate, ManyFindingsAreCapped) {
  // A zigzag crossing itself many times.
  std::vector<Point> ring{{0, 0}};
  for (int i = 1; i <= 20; ++i) ring.push_back({static_cast<double>(i), i % 2 == 0 ? 0.0 : 10.0});
  for (int i = 19; i >= 1; --i)
    ring.push_back({static_cast<double>(i) + 0.5, i % 2 == 0 ? 10.0 : 0.0});
  ring.push_back({0, 0});
  Validation v = validate_areas({area("Z", "", {Polygon{{ring}}})});
  size_t n = std::count_if(v.errors.begin(), v.errors.end(),
                           [](const Finding& f) { return f.check == "self_intersection"; });
  EXPECT_EQ(n, ValidationOptions{}.max_findings_per_check);
  EXPECT_NE(v.errors.back().message.find("more)"), std::string::npos) << all_messages(v);
}

// Bad GeoJSON, end to end: the file parses, the geometry check names the feature.
TEST(Validate, BadGeoJsonFileNamesTheFeature) {
  const std::string text = R"({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"adcode": 500103, "name": "渝中区"},
     "geometry": {"type": "Polygon", "coordinates": [[[0,0],[0,1],[1,1],[1,0],[0,0]]]}},
    {"type": "Feature", "properties": {"adcode": 500105, "name": "江北区"},
     "geometry": {"type": "MultiPolygon", "coordinates": [[[[2,0],[4,2],[4,0],[2,2],[2,0]]]]}}
  ]})";
  Result<std::vector<District>> districts = load_districts(text);
  ASSERT_TRUE(districts) << districts.error().message;
  Validation v = validate_areas(areas_from_districts(*districts));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.errors.front().message,
            "feature 1 (500105 江北区): polygon 0 ring 0 (shell) intersects itself at (3.000000, "
            "1.000000)");
  // And an unclosed ring is refused by the loader itself, naming the feature.
  Result<std::vector<District>> open = load_districts(R"({"type": "FeatureCollection",
    "features": [{"type": "Feature", "properties": {"adcode": 500105, "name": "江北区"},
     "geometry": {"type": "Polygon", "coordinates": [[[0,0],[0,1],[1,1],[1,0]]]}}]})");
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("feature 0 (江北区)"), std::string::npos);
  EXPECT_NE(open.error().message.find("not closed"), std::string::npos);
}

}  // namespace
}  // namespace quanzu::geo

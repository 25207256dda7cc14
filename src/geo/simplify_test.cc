#include "geo/simplify.h"

#include <gtest/gtest.h>

namespace quanzu::geo {
namespace {

TEST(SimplifyTest, DropsPointsOnAStraightEdgeAndKeepsCorners) {
  // A 1x1 square with extra points along its edges.
  std::vector<Point> ring{{0, 0}, {0.5, 0}, {1, 0}, {1, 0.5}, {1, 1}, {0.5, 1.0001}, {0, 1}, {0, 0.5}, {0, 0}};
  auto out = simplify_ring(ring, 0.01);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_DOUBLE_EQ(out.front().lon, out.back().lon);
  EXPECT_DOUBLE_EQ(out.front().lat, out.back().lat);
  for (const auto& p : out) EXPECT_TRUE((p.lon == 0 || p.lon == 1) && (p.lat == 0 || p.lat == 1));
}

TEST(SimplifyTest, KeepsADentLargerThanTheTolerance) {
  std::vector<Point> ring{{0, 0}, {0.5, 0.2}, {1, 0}, {1, 1}, {0, 1}, {0, 0}};
  EXPECT_EQ(simplify_ring(ring, 0.1).size(), 6u);
  EXPECT_EQ(simplify_ring(ring, 0.3).size(), 5u);
}

TEST(SimplifyTest, ASliverVanishesAndTakesItsPartAlong) {
  std::vector<Point> sliver{{0, 0}, {1, 0.00001}, {2, 0}, {1, -0.00001}, {0, 0}};
  EXPECT_TRUE(simplify_ring(sliver, 0.01).empty());
  Polygon part{{sliver}};
  Polygon square{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, sliver}};
  auto out = simplify_polygons({part, square}, 0.01);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rings.size(), 1u);  // the sliver hole went too
}

TEST(SimplifyTest, TooShortRingsAreEmpty) {
  EXPECT_TRUE(simplify_ring({{0, 0}, {1, 1}, {0, 0}}, 0.0).empty());
}

}  // namespace
}  // namespace quanzu::geo

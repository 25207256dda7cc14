#include "geo/simplify.h"

#include <cmath>

namespace quanzu::geo {

namespace {

// Distance in degrees from p to the segment a-b (lon/lat as a plane: fine for drawing).
double segment_distance(Point p, Point a, Point b) {
  const double dx = b.lon - a.lon, dy = b.lat - a.lat;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p.lon - a.lon) * dx + (p.lat - a.lat) * dy) / len2 : 0;
  t = t < 0 ? 0 : (t > 1 ? 1 : t);
  const double ex = a.lon + t * dx - p.lon, ey = a.lat + t * dy - p.lat;
  return std::sqrt(ex * ex + ey * ey);
}

// Marks the points of [first, last] to keep; iterative so a long ring cannot overflow the stack.
void mark(const std::vector<Point>& pts, size_t first, size_t last, double tolerance,
          std::vector<bool>& keep) {
  std::vector<std::pair<size_t, size_t>> todo{{first, last}};
  while (!todo.empty()) {
    auto [lo, hi] = todo.back();
    todo.pop_back();
    if (hi <= lo + 1) continue;
    double worst = -1;
    size_t at = lo;
    for (size_t i = lo + 1; i < hi; ++i) {
      double d = segment_distance(pts[i], pts[lo], pts[hi]);
      if (d > worst) worst = d, at = i;
    }
    if (worst > tolerance) {
      keep[at] = true;
      todo.emplace_back(lo, at);
      todo.emplace_back(at, hi);
    }
  }
}

}  // namespace

std::vector<Point> simplify_ring(const std::vector<Point>& ring, double tolerance) {
  if (ring.size() < 4) return {};
  // A closed ring's two ends coincide: split it at the point farthest from the start, so
  // both halves have distinct ends.
  const size_t n = ring.size();
  size_t far = 0;
  double best = -1;
  for (size_t i = 1; i + 1 < n; ++i) {
    double d = std::hypot(ring[i].lon - ring[0].lon, ring[i].lat - ring[0].lat);
    if (d > best) best = d, far = i;
  }
  std::vector<bool> keep(n, false);
  keep[0] = keep[far] = keep[n - 1] = true;
  mark(ring, 0, far, tolerance, keep);
  mark(ring, far, n - 1, tolerance, keep);
  std::vector<Point> out;
  for (size_t i = 0; i < n; ++i) {
    if (keep[i]) out.push_back(ring[i]);
  }
  if (out.size() < 4) return {};
  return out;
}

std::vector<Polygon> simplify_polygons(const std::vector<Polygon>& polygons, double tolerance) {
  std::vector<Polygon> out;
  for (const auto& polygon : polygons) {
    Polygon p;
    for (size_t r = 0; r < polygon.rings.size(); ++r) {
      auto ring = simplify_ring(polygon.rings[r], tolerance);
      if (ring.empty()) {
        if (r == 0) break;  // the outer ring vanished: so does the part
        continue;
      }
      p.rings.push_back(std::move(ring));
    }
    if (!p.rings.empty()) out.push_back(std::move(p));
  }
  return out;
}

}  // namespace quanzu::geo

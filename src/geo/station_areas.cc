#include "geo/station_areas.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cassert>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <optional>
#include <random>
#include <type_traits>
#include <utility>

#include "geo/geojson_reading.h"

namespace quanzu::geo {
namespace {

namespace json = boost::json;

using geojson::Checked;
using geojson::index_path;
using geojson::invalid;
using geojson::kind_of;
using geojson::parse_adcode;
using geojson::parse_geometry;
using geojson::parse_position;
using geojson::Problem;
using geojson::problem;
using geojson::sample_inside;

constexpr double kKmPerDegree = 111.2;
constexpr double kMicro = 1e6;  // grid of written coordinates: 1e-6 degree

double cos_lat(double lat) { return std::cos(lat * std::numbers::pi / 180); }

// --- Rings ---
//
// While cutting, rings are open (the last point does not repeat the first), outer rings run
// counter-clockwise and holes clockwise, so the polygon's inside is always left of an edge.

using Ring = std::vector<Point>;

bool same(Point a, Point b) { return a.lon == b.lon && a.lat == b.lat; }

// Twice the signed area of an open ring (shoelace, relative to its first point for
// precision); positive when counter-clockwise.
double twice_area(const Ring& ring) {
  if (ring.size() < 3) return 0;
  const Point o = ring.front();
  double twice = 0;
  for (size_t i = 1; i + 1 < ring.size(); ++i) {
    twice += (ring[i].lon - o.lon) * (ring[i + 1].lat - o.lat) -
             (ring[i + 1].lon - o.lon) * (ring[i].lat - o.lat);
  }
  return twice;
}

// The ring without its closing point and without repeated consecutive points.
Ring opened(const std::vector<Point>& closed) {
  Ring ring;
  ring.reserve(closed.size());
  for (const Point& p : closed) {
    if (ring.empty() || !same(ring.back(), p)) ring.push_back(p);
  }
  while (ring.size() > 1 && same(ring.front(), ring.back())) ring.pop_back();
  return ring;
}

// The parts with open rings, outer rings counter-clockwise and holes clockwise;
// rings without area are left out.
std::vector<Polygon> oriented_parts(const std::vector<Polygon>& polygons) {
  std::vector<Polygon> parts;
  for (const Polygon& polygon : polygons) {
    Polygon part;
    for (size_t r = 0; r < polygon.rings.size(); ++r) {
      Ring ring = opened(polygon.rings[r]);
      double twice = twice_area(ring);
      if (ring.size() < 3 || twice == 0) {
        if (r == 0) break;  // an outer ring without area: the part has no area
        continue;
      }
      bool outer = r == 0;
      if ((twice > 0) != outer) std::reverse(ring.begin(), ring.end());
      part.rings.push_back(std::move(ring));
    }
    if (!part.rings.empty()) parts.push_back(std::move(part));
  }
  return parts;
}

bool ring_contains(const Ring& ring, Point p) {
  bool inside = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const Point& a = ring[i];
    const Point& b = ring[j];
    if ((a.lat > p.lat) != (b.lat > p.lat)) {
      double x = a.lon + (p.lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat);
      if (p.lon < x) inside = !inside;
    }
  }
  return inside;
}

// The ring split where it passes through one point twice (a pinch) into loops that each
// visit a point once; `key` maps a point to something ordered. A ring without pinches comes
// back whole.
template <typename P, typename Key>
std::vector<std::vector<P>> split_at_pinches(const std::vector<P>& ring, Key key) {
  std::vector<std::vector<P>> loops;
  std::vector<P> stack;
  std::map<std::invoke_result_t<Key, const P&>, size_t> at;  // point -> index in stack
  for (const P& p : ring) {
    auto [it, fresh] = at.emplace(key(p), stack.size());
    if (fresh) {
      stack.push_back(p);
      continue;
    }
    const size_t i = it->second;
    for (size_t k = i + 1; k < stack.size(); ++k) at.erase(key(stack[k]));
    loops.emplace_back(stack.begin() + static_cast<std::ptrdiff_t>(i), stack.end());
    stack.resize(i + 1);
  }
  loops.push_back(std::move(stack));
  return loops;
}

std::pair<double, double> key_of(const Point& p) { return {p.lon, p.lat}; }

int orientation(Point a, Point b, Point c) {
  double v = (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon);
  return (v > 0) - (v < 0);
}

bool segments_meet(Point a, Point b, Point c, Point d) {
  int o1 = orientation(a, b, c), o2 = orientation(a, b, d);
  int o3 = orientation(c, d, a), o4 = orientation(c, d, b);
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;
  auto within = [](Point p, Point q, Point r) {  // r in the box of p-q
    return std::min(p.lon, q.lon) <= r.lon && r.lon <= std::max(p.lon, q.lon) &&
           std::min(p.lat, q.lat) <= r.lat && r.lat <= std::max(p.lat, q.lat);
  };
  return (o1 == 0 && within(a, b, c)) || (o2 == 0 && within(a, b, d)) ||
         (o3 == 0 && within(c, d, a)) || (o4 == 0 && within(c, d, b));
}

// True when the open ring neither crosses nor touches itself. Edges are swept by their
// smallest longitude, so only edges whose spans overlap are compared.
bool is_simple(const Ring& ring) {
  const size_t n = ring.size();
  if (n < 3) return false;
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  auto lo = [&](size_t i) { return std::min(ring[i].lon, ring[(i + 1) % n].lon); };
  auto hi = [&](size_t i) { return std::max(ring[i].lon, ring[(i + 1) % n].lon); };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lo(a) < lo(b); });
  for (size_t x = 0; x < n; ++x) {
    const size_t i = order[x];
    const Point a = ring[i], b = ring[(i + 1) % n];
    for (size_t y = x + 1; y < n && lo(order[y]) <= hi(i); ++y) {
      const size_t j = order[y];
      const Point c = ring[j], d = ring[(j + 1) % n];
      const bool after = j == (i + 1) % n;   // c == b
      const bool before = i == (j + 1) % n;  // d == a
      if (after || before) {
        // Neighbours share one end; they must not fold back over each other.
        const Point shared = after ? b : a, p = after ? a : b, q = after ? d : c;
        if (orientation(shared, p, q) == 0 && (p.lon - shared.lon) * (q.lon - shared.lon) +
                                                      (p.lat - shared.lat) * (q.lat - shared.lat) >
                                                  0) {
          return false;
        }
        continue;
      }
      if (segments_meet(a, b, c, d)) return false;
    }
  }
  return true;
}

// --- Cutting a polygon by a half-plane ---

// The points p with n·(p - origin) <= 0 (n = (nx, ny)). Points on the line count as inside.
struct HalfPlane {
  Point origin;
  double nx = 0;
  double ny = 0;

  double side(Point p) const { return nx * (p.lon - origin.lon) + ny * (p.lat - origin.lat); }
  // Position along the line, increasing in the direction that has the kept side on its left.
  double along(Point p) const { return -ny * (p.lon - origin.lon) + nx * (p.lat - origin.lat); }
  HalfPlane flipped() const { return HalfPlane{origin, -nx, -ny}; }
};

// Where the edge a->b (a and b on different sides, side values da and db) meets the line.
// Computed only from the two sides' values, so the two stations sharing a bisector (whose
// half-planes are exact negations) compute the very same point.
Point crossing(Point a, Point b, double da, double db) {
  double t = da / (da - db);
  return Point{a.lon + t * (b.lon - a.lon), a.lat + t * (b.lat - a.lat)};
}

// The part of an oriented polygon (open rings) in the half-plane, as polygons with open
// rings, oriented the same way. A ring crossing the line leaves "chains" inside, each from
// an entry point to an exit point on the line. Along the line, the polygon's inside is the
// union of the intervals between consecutive crossings, and with the inside left of every
// edge each interval runs from an exit to an entry; so each chain's exit continues, along
// the line, with the entry at the other end of its interval. Following those links closes
// the output rings, one per piece, with no zero-width bridges between pieces (which is what
// clipping the whole ring in one pass, Sutherland–Hodgman style, leaves). Where a vertex
// touches the line from inside within such an interval, the piece is pinched to that point:
// the ring passes it twice and is split there into two rings. Rings wholly inside are kept;
// holes among them go to the piece holding them. Fails (nullopt) when the crossings do not
// alternate, which a simple polygon never gives (unless rounding misorders crossings a
// hair's breadth apart).
std::optional<std::vector<Polygon>> cut(const Polygon& polygon, const HalfPlane& h) {
  // A chain's ends on the line; `*_slope` is how fast the end moves along the line as the
  // line moves outwards (see the tie-break below).
  struct Chain {
    Ring points;
    double entry_slope = 0;
    double exit_slope = 0;
  };
  std::vector<Chain> chains;
  std::vector<Ring> whole_outer;
  std::vector<const Ring*> whole_holes;
  std::vector<double> sides;
  // Vertices of the cut rings lying on the line, by position along it.
  std::vector<std::pair<double, Point>> on_line;
  for (size_t r = 0; r < polygon.rings.size(); ++r) {
    const Ring& ring = polygon.rings[r];
    const size_t n = ring.size();
    sides.resize(n);
    size_t inside = 0;
    size_t start = n;  // a vertex outside, to start walking from
    for (size_t i = 0; i < n; ++i) {
      sides[i] = h.side(ring[i]);
      if (sides[i] <= 0) {
        ++inside;
      } else if (start == n) {
        start = i;
      }
    }
    if (inside == n) {
      if (r == 0) {
        whole_outer.push_back(ring);
      } else {
        whole_holes.push_back(&ring);
      }
      continue;
    }
    if (inside == 0) {
      if (r == 0) return std::vector<Polygon>{};  // the holes are inside the outer ring
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      if (sides[i] == 0) on_line.emplace_back(h.along(ring[i]), ring[i]);
    }
    auto add = [&](Point p) {
      Ring& points = chains.back().points;
      if (points.empty() || !same(points.back(), p)) points.push_back(p);
    };
    // An edge's crossing moves along the line by this much per unit the line moves out;
    // finite, as the edge's ends lie on different sides.
    auto slope = [&](size_t i, size_t k) {
      return (h.along(ring[k]) - h.along(ring[i])) / (sides[k] - sides[i]);
    };
    for (size_t j = 0; j < n; ++j) {
      size_t i = (start + j) % n;
      size_t k = (i + 1) % n;
      bool in_i = sides[i] <= 0;
      bool in_k = sides[k] <= 0;
      if (!in_i && in_k) {
        chains.emplace_back();
        chains.back().entry_slope = slope(i, k);
        add(crossing(ring[i], ring[k], sides[i], sides[k]));
        add(ring[k]);
      } else if (in_i && in_k) {
        add(ring[k]);
      } else if (in_i && !in_k) {
        chains.back().exit_slope = slope(i, k);
        add(crossing(ring[i], ring[k], sides[i], sides[k]));
      }
    }
  }

  std::vector<Polygon> pieces;
  std::vector<Ring> pinched_holes;  // loops split off that run clockwise
  if (!chains.empty()) {
    struct Crossing {
      double at;
      double slope;
      bool exit;
      size_t chain;
    };
    std::vector<Crossing> crossings;
    crossings.reserve(2 * chains.size());
    for (size_t c = 0; c < chains.size(); ++c) {
      crossings.push_back({h.along(chains[c].points.front()), chains[c].entry_slope, false, c});
      crossings.push_back({h.along(chains[c].points.back()), chains[c].exit_slope, true, c});
    }
    // Points on the line count as inside, as if the line lay an infinitesimal further out.
    // Crossings at one point (a vertex on the line) are ordered where that line would put
    // them: by how they move as the line moves out. This tells a polygon's tip touching the
    // line (its own interval, which closes on itself and vanishes) from a notch's tip
    // touching it (two intervals, which join).
    std::sort(crossings.begin(), crossings.end(), [](const Crossing& a, const Crossing& b) {
      if (a.at != b.at) return a.at < b.at;
      if (a.slope != b.slope) return a.slope < b.slope;
      return a.exit > b.exit;
    });
    std::vector<size_t> next(chains.size());
    for (size_t i = 0; i < crossings.size(); i += 2) {
      if (!crossings[i].exit || crossings[i + 1].exit) return std::nullopt;
      next[crossings[i].chain] = crossings[i + 1].chain;
    }
    std::sort(on_line.begin(), on_line.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<bool> used(chains.size(), false);
    for (size_t first = 0; first < chains.size(); ++first) {
      if (used[first]) continue;
      Ring ring;
      auto add = [&](Point p) {
        if (ring.empty() || !same(ring.back(), p)) ring.push_back(p);
      };
      size_t c = first;
      do {
        if (used[c]) return std::nullopt;  // links that do not form cycles
        used[c] = true;
        for (const Point& p : chains[c].points) add(p);
        // Along the line to the next chain, through any vertex touching the line there from
        // inside: the ring passes that vertex twice, and is split there below.
        const double from = h.along(chains[c].points.back());
        const double to = h.along(chains[next[c]].points.front());
        auto it = std::upper_bound(on_line.begin(), on_line.end(), from,
                                   [](double v, const auto& e) { return v < e.first; });
        for (; it != on_line.end() && it->first < to; ++it) add(it->second);
        c = next[c];
      } while (c != first);
      while (ring.size() > 1 && same(ring.front(), ring.back())) ring.pop_back();
      for (Ring& loop : split_at_pinches(ring, key_of)) {
        double twice = loop.size() >= 3 ? twice_area(loop) : 0;
        if (twice > 0) {
          pieces.push_back(Polygon{{std::move(loop)}});
        } else if (twice < 0) {
          pinched_holes.push_back(std::move(loop));
        }
      }
    }
  }
  for (Ring& ring : whole_outer) pieces.push_back(Polygon{{std::move(ring)}});
  std::vector<const Ring*> holes = whole_holes;
  for (const Ring& hole : pinched_holes) holes.push_back(&hole);
  for (const Ring* hole : holes) {
    // The hole's vertex farthest inside the half-plane is off the cut, so it lies strictly
    // inside exactly one piece.
    size_t deepest = 0;
    for (size_t i = 1; i < hole->size(); ++i) {
      if (h.side((*hole)[i]) < h.side((*hole)[deepest])) deepest = i;
    }
    for (Polygon& piece : pieces) {
      if (ring_contains(piece.rings.front(), (*hole)[deepest])) {
        piece.rings.push_back(*hole);
        break;
      }
    }
  }
  return pieces;
}

// --- Rounding to the written grid ---

// A point in micro-degrees. Areas and orientations on the grid are exact integers for any
// region up to a few degrees across (a province), far from int64's limits.
struct GridPoint {
  std::int64_t x = 0;
  std::int64_t y = 0;
  bool operator==(const GridPoint&) const = default;
};

GridPoint to_grid(Point p) {
  return GridPoint{static_cast<std::int64_t>(std::llround(p.lon * kMicro)),
                   static_cast<std::int64_t>(std::llround(p.lat * kMicro))};
}

Point from_grid(GridPoint g) {
  return Point{static_cast<double>(g.x) / kMicro, static_cast<double>(g.y) / kMicro};
}

std::int64_t cross(GridPoint o, GridPoint a, GridPoint b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

// The ring without repeated points and zero-width spikes (a point where it turns straight
// back), split at pinches, as loops of at least 3 points. Exact: integer arithmetic.
std::vector<std::vector<GridPoint>> cleaned(std::vector<GridPoint> ring) {
  std::vector<std::vector<GridPoint>> done;
  std::vector<std::vector<GridPoint>> todo{std::move(ring)};
  while (!todo.empty()) {
    std::vector<GridPoint> g = std::move(todo.back());
    todo.pop_back();
    // Removing one point can expose another spike or repeat, so loop until nothing changes.
    bool changed = true;
    while (changed && g.size() >= 3) {
      changed = false;
      std::vector<GridPoint> kept;
      kept.reserve(g.size());
      for (const GridPoint& p : g) {
        if (!kept.empty() && kept.back() == p) {
          changed = true;
          continue;
        }
        kept.push_back(p);
      }
      while (kept.size() > 1 && kept.front() == kept.back()) {
        kept.pop_back();
        changed = true;
      }
      g.clear();
      const size_t n = kept.size();
      for (size_t i = 0; i < n; ++i) {
        const GridPoint& prev = g.empty() ? kept[(i + n - 1) % n] : g.back();
        const GridPoint& here = kept[i];
        const GridPoint& after = kept[(i + 1) % n];
        bool backtracks =
            cross(prev, here, after) == 0 &&
            (here.x - prev.x) * (after.x - here.x) + (here.y - prev.y) * (after.y - here.y) < 0;
        if (backtracks || prev == after) {
          changed = true;
          continue;
        }
        g.push_back(here);
      }
    }
    if (g.size() < 3) continue;
    std::vector<std::vector<GridPoint>> loops =
        split_at_pinches(g, [](const GridPoint& p) { return std::pair(p.x, p.y); });
    if (loops.size() == 1) {
      done.push_back(std::move(loops.front()));
    } else {
      for (std::vector<GridPoint>& loop : loops) todo.push_back(std::move(loop));
    }
  }
  return done;
}

std::int64_t twice_area(const std::vector<GridPoint>& g) {
  std::int64_t twice = 0;
  for (size_t i = 1; i + 1 < g.size(); ++i) twice += cross(g[0], g[i], g[i + 1]);
  return twice;
}

// 1 when p is inside the ring, 0 on its border, -1 outside.
int locate(const std::vector<GridPoint>& ring, GridPoint p) {
  bool inside = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const GridPoint a = ring[j], b = ring[i];
    const std::int64_t c = cross(a, b, p);
    if (c == 0 && std::min(a.x, b.x) <= p.x && p.x <= std::max(a.x, b.x) &&
        std::min(a.y, b.y) <= p.y && p.y <= std::max(a.y, b.y)) {
      return 0;
    }
    if ((a.y > p.y) != (b.y > p.y) && (b.y > a.y ? c > 0 : c < 0)) inside = !inside;
  }
  return inside ? 1 : -1;
}

std::vector<Point> closed_ring(const std::vector<GridPoint>& g) {
  std::vector<Point> ring;
  ring.reserve(g.size() + 1);
  for (const GridPoint& p : g) ring.push_back(from_grid(p));
  ring.push_back(ring.front());
  return ring;
}

// The piece on the 1e-6° grid, as written: closed rings, cleaned and split where rounding
// made them touch. Loops whose orientation flipped on the grid are slivers narrower than the
// grid and are dropped, as are holes that no longer lie inside an outer ring.
std::vector<Polygon> on_grid(const Polygon& piece) {
  std::vector<std::vector<GridPoint>> outers;
  std::vector<std::vector<GridPoint>> holes;
  for (size_t r = 0; r < piece.rings.size(); ++r) {
    std::vector<GridPoint> g;
    g.reserve(piece.rings[r].size());
    for (const Point& p : piece.rings[r]) g.push_back(to_grid(p));
    for (std::vector<GridPoint>& loop : cleaned(std::move(g))) {
      std::int64_t twice = twice_area(loop);
      if (r == 0 && twice > 0) {
        outers.push_back(std::move(loop));
      } else if (r > 0 && twice < 0) {
        holes.push_back(std::move(loop));
      }
    }
  }
  std::vector<Polygon> polygons;
  polygons.reserve(outers.size());
  for (const std::vector<GridPoint>& outer : outers) {
    polygons.push_back(Polygon{{closed_ring(outer)}});
  }
  for (const std::vector<GridPoint>& hole : holes) {
    bool placed = false;
    for (size_t o = 0; o < outers.size() && !placed; ++o) {
      for (const GridPoint& p : hole) {
        int where = locate(outers[o], p);
        if (where == 0) continue;  // touching the border: try another vertex
        if (where > 0) {
          polygons[o].rings.push_back(closed_ring(hole));
          placed = true;
        }
        break;
      }
    }
  }
  return polygons;
}

double round6(double v) { return std::round(v * kMicro) / kMicro; }

// --- Placing stations ---

std::uint64_t mix(std::uint64_t seed, std::string_view text) {
  std::uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  // splitmix64's finaliser, so that nearby seeds give unrelated streams.
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

// Squared distance with longitudes scaled by `k`, the cosine of the district's latitude.
double distance2(Point a, Point b, double k) {
  double dx = (a.lon - b.lon) * k;
  double dy = a.lat - b.lat;
  return dx * dx + dy * dy;
}

// The centroid of polygons (open or closed rings: the closing point adds nothing), holes
// subtracted; nullopt when they have no area.
std::optional<Point> centroid(const std::vector<Polygon>& polygons) {
  if (polygons.empty() || polygons.front().rings.empty()) return std::nullopt;
  const Point o = polygons.front().rings.front().front();  // for precision
  double twice = 0, cx = 0, cy = 0;
  for (const Polygon& polygon : polygons) {
    for (const std::vector<Point>& ring : polygon.rings) {
      for (size_t i = 0; i < ring.size(); ++i) {
        const Point& a = ring[i];
        const Point& b = ring[(i + 1) % ring.size()];
        double x0 = a.lon - o.lon, y0 = a.lat - o.lat, x1 = b.lon - o.lon, y1 = b.lat - o.lat;
        double c = x0 * y1 - x1 * y0;
        twice += c;
        cx += (x0 + x1) * c;
        cy += (y0 + y1) * c;
      }
    }
  }
  if (twice == 0) return std::nullopt;
  return Point{o.lon + cx / (3 * twice), o.lat + cy / (3 * twice)};
}

struct Placement {
  std::vector<Point> points;
  bool first_fixed = false;  // the first is the district's center and stays there
};

// `n` distinct station points in the district's largest part: the district's center first
// when it is inside, then each the farthest from those placed among a few random candidates
// (best-candidate sampling), which spreads them out without a regular pattern.
std::optional<Placement> place_stations(const District& district, int n, double k,
                                        std::mt19937_64& rng) {
  const Polygon* largest = largest_polygon(district);
  if (largest == nullptr) return std::nullopt;
  const Box box = bounds(*largest);
  Placement placement;
  std::vector<Point>& placed = placement.points;
  Point center{round6(district.center.lon), round6(district.center.lat)};
  if (n > 0 && contains(*largest, center)) {
    placed.push_back(center);
    placement.first_fixed = true;
  }
  constexpr int kCandidates = 12;
  constexpr int kMaxDraws = 1000;  // a part too small to hold n distinct points on the grid
  for (int draw = 0; placed.size() < static_cast<size_t>(n); ++draw) {
    if (draw == kMaxDraws) return std::nullopt;
    std::optional<Point> best;
    double best_distance = -1;
    for (int c = 0; c < kCandidates; ++c) {
      // On the written grid, so the point is inside as written.
      std::optional<Point> p = sample_inside(*largest, box, rng, kMicro);
      if (!p) return std::nullopt;  // nothing inside to sample: no area
      double nearest = std::numeric_limits<double>::infinity();
      for (const Point& q : placed) nearest = std::min(nearest, distance2(*p, q, k));
      if (nearest > best_distance) {
        best_distance = nearest;
        best = p;
      }
    }
    if (best_distance == 0) continue;  // all candidates on placed points: draw again
    placed.push_back(*best);
  }
  return placement;
}

std::string two_digits(int v) {
  std::string s = std::to_string(v);
  return s.size() < 2 ? "0" + s : s;
}

std::string contact_for(const District& district, int number, std::mt19937_64& rng) {
  // "023-6" + the adcode's last three + the station's number + two random digits: unique
  // per station, and looks like a Chongqing landline.
  std::string tail = district.adcode.size() >= 3
                         ? district.adcode.substr(district.adcode.size() - 3)
                         : std::string(3 - district.adcode.size(), '0') + district.adcode;
  return "023-6" + tail + two_digits(number % 100) + two_digits(static_cast<int>(rng() % 100));
}

Result<std::vector<StationArea>> areas_of(const District& district, int count, std::uint64_t seed) {
  const std::string who = "district " + district.adcode + " (" + district.name + ")";
  std::mt19937_64 rng(mix(seed, district.adcode));
  const double k = cos_lat(district.center.lat);
  std::optional<Placement> placement = place_stations(district, count, k, rng);
  if (!placement) return fail(Code::kInvalid, who + " has no area to place stations in");
  std::vector<Point>& points = placement->points;
  const Polygon* largest = largest_polygon(district);
  assert(largest != nullptr);  // place_stations found one

  // Best-candidate sampling pushes the last stations to the border; a few rounds of Lloyd's
  // relaxation (each station moves to the centroid of its area) pull them into the middle
  // of their areas while the pattern stays irregular.
  constexpr int kRelaxations = 4;
  Result<std::vector<std::vector<Polygon>>> cells = voronoi_cells(district.polygons, points, k);
  for (int round = 0; round < kRelaxations && cells; ++round) {
    for (size_t i = placement->first_fixed ? 1 : 0; i < points.size(); ++i) {
      std::optional<Point> c = centroid((*cells)[i]);
      if (!c) continue;
      Point moved{round6(c->lon), round6(c->lat)};
      bool taken =
          std::any_of(points.begin(), points.end(), [&](const Point& p) { return same(p, moved); });
      // A bent area's centroid can fall outside it: then the station stays.
      if (!taken && contains(*largest, moved)) points[i] = moved;
    }
    cells = voronoi_cells(district.polygons, points, k);
  }
  if (!cells) return fail(cells.error().code, who + ": " + cells.error().message);

  std::vector<StationArea> areas;
  for (size_t i = 0; i < points.size(); ++i) {
    StationArea area;
    int number = static_cast<int>(i) + 1;
    area.code = district.adcode + "-" + two_digits(number);
    area.name = district.name + "第" + std::to_string(number) + "派出所";
    area.district_adcode = district.adcode;
    area.contact = contact_for(district, number, rng);
    area.station_point = points[i];
    area.polygons = std::move((*cells)[i]);
    areas.push_back(std::move(area));
  }
  return areas;
}

// --- GeoJSON ---

void append_number(std::string& out, double v) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed, 6);
  assert(ec == std::errc());  // 64 characters hold any coordinate with 6 decimals
  out.append(buffer, end);
}

void append_point(std::string& out, Point p) {
  out += '[';
  append_number(out, p.lon);
  out += ',';
  append_number(out, p.lat);
  out += ']';
}

void append_string(std::string& out, std::string_view s) {
  out += json::serialize(json::string(s));
}

Checked<std::string> required_string(const json::object& properties, const char* key) {
  const std::string field = std::string("properties.") + key;
  const json::value* v = properties.if_contains(key);
  if (v == nullptr || v->is_null()) return problem(field, "is missing");
  if (!v->is_string()) return problem(field, "is " + kind_of(*v) + ", not a string");
  if (v->get_string().empty()) return problem(field, "is empty");
  return std::string(v->get_string());
}

// `code_out` gets the feature's code as soon as it is known, for the error message.
Checked<StationArea> parse_feature(const json::value& v, std::string& code_out) {
  const json::object* feature = v.if_object();
  if (feature == nullptr) return problem("", "is " + kind_of(v) + ", not a Feature object");
  if (const json::value* type = feature->if_contains("type");
      type == nullptr || !type->is_string() || type->get_string() != "Feature") {
    return problem("type", "is not \"Feature\"");
  }
  const json::value* p = feature->if_contains("properties");
  if (p == nullptr || !p->is_object()) return problem("properties", "is missing");
  const json::object& properties = p->get_object();

  StationArea area;
  Checked<std::string> code = required_string(properties, "code");
  if (!code) return tl::unexpected<Problem>(std::move(code.error()));
  area.code = std::move(*code);
  code_out = area.code;
  Checked<std::string> name = required_string(properties, "name");
  if (!name) return tl::unexpected<Problem>(std::move(name.error()));
  area.name = std::move(*name);
  Checked<std::string> adcode = parse_adcode(properties, "district_adcode");
  if (!adcode) return tl::unexpected<Problem>(std::move(adcode.error()));
  area.district_adcode = std::move(*adcode);
  if (const json::value* contact = properties.if_contains("contact");
      contact != nullptr && !contact->is_null()) {
    if (!contact->is_string()) {
      return problem("properties.contact", "is " + kind_of(*contact) + ", not a string");
    }
    area.contact = std::string(contact->get_string());
  }
  if (const json::value* kind = properties.if_contains("kind");
      kind != nullptr && !(kind->is_string() && kind->get_string() == "station")) {
    return problem("properties.kind", "is " + json::serialize(*kind) + ", not \"station\"");
  }
  const json::value* point = properties.if_contains("station_point");
  if (point == nullptr || point->is_null())
    return problem("properties.station_point", "is missing");
  Checked<Point> station_point = parse_position(*point, "properties.station_point");
  if (!station_point) return tl::unexpected<Problem>(std::move(station_point.error()));
  area.station_point = *station_point;

  Checked<std::vector<Polygon>> polygons = parse_geometry(*feature);
  if (!polygons) return tl::unexpected<Problem>(std::move(polygons.error()));
  area.polygons = std::move(*polygons);
  return area;
}

}  // namespace

int station_count_for_area(double area_km2) {
  constexpr double kSmall = 100;   // km²: 3 stations at or below
  constexpr double kLarge = 5000;  // km²: 8 stations at or above
  if (!(area_km2 > kSmall)) return 3;
  double steps = 5 * std::log(area_km2 / kSmall) / std::log(kLarge / kSmall);
  return std::clamp(3 + static_cast<int>(std::lround(steps)), 3, 8);
}

double area_km2(const District& district) {
  double total = 0;
  for (const Polygon& polygon : district.polygons) {
    for (size_t r = 0; r < polygon.rings.size(); ++r) {
      Ring ring = opened(polygon.rings[r]);
      if (ring.empty()) continue;
      double degrees2 = std::abs(twice_area(ring)) / 2;
      double km2 = degrees2 * cos_lat(ring.front().lat) * kKmPerDegree * kKmPerDegree;
      total += r == 0 ? km2 : -km2;
    }
  }
  return total;
}

Result<std::vector<std::vector<Polygon>>> voronoi_cells(const std::vector<Polygon>& region,
                                                        const std::vector<Point>& sites,
                                                        double lon_scale) {
  for (size_t p = 0; p < region.size(); ++p) {
    for (size_t r = 0; r < region[p].rings.size(); ++r) {
      if (!is_simple(opened(region[p].rings[r]))) {
        return fail(Code::kInvalid, "ring " + std::to_string(r) + " of part " + std::to_string(p) +
                                        " is not simple: it crosses or touches itself");
      }
    }
  }
  const std::vector<Polygon> parts = oriented_parts(region);
  const double k2 = lon_scale * lon_scale;
  // Bisector of sites i < j, kept by i; j keeps its exact negation (see crossing()).
  auto bisector = [&](size_t i, size_t j) {
    const Point a = sites[i];
    const Point b = sites[j];
    return HalfPlane{Point{(a.lon + b.lon) / 2, (a.lat + b.lat) / 2}, k2 * (b.lon - a.lon),
                     b.lat - a.lat};
  };
  for (size_t i = 0; i < sites.size(); ++i) {
    for (size_t j = i + 1; j < sites.size(); ++j) {
      HalfPlane h = bisector(i, j);
      if (h.nx == 0 && h.ny == 0) {
        return fail(Code::kInvalid,
                    "sites " + std::to_string(i) + " and " + std::to_string(j) + " coincide");
      }
    }
  }

  std::vector<std::vector<Polygon>> cells;
  cells.reserve(sites.size());
  for (size_t i = 0; i < sites.size(); ++i) {
    std::vector<Polygon> pieces = parts;
    for (size_t j = 0; j < sites.size() && !pieces.empty(); ++j) {
      if (j == i) continue;
      const HalfPlane h = i < j ? bisector(i, j) : bisector(j, i).flipped();
      std::vector<Polygon> kept;
      for (const Polygon& piece : pieces) {
        std::optional<std::vector<Polygon>> cut_pieces = cut(piece, h);
        if (!cut_pieces) {
          return fail(Code::kInternal,
                      "cutting the region failed: crossings along a bisector "
                      "do not alternate (rounding near a vertex?)");
        }
        for (Polygon& p : *cut_pieces) kept.push_back(std::move(p));
      }
      pieces = std::move(kept);
    }

    std::vector<std::pair<double, Polygon>> sized;
    for (const Polygon& piece : pieces) {
      for (Polygon& polygon : on_grid(piece)) {
        double twice = twice_area(polygon.rings.front());
        sized.emplace_back(twice, std::move(polygon));
      }
    }
    // Largest part first: usually the one holding the site, for a reader of the file.
    std::stable_sort(sized.begin(), sized.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<Polygon> cell;
    cell.reserve(sized.size());
    for (auto& [size, polygon] : sized) cell.push_back(std::move(polygon));
    cells.push_back(std::move(cell));
  }
  return cells;
}

Result<std::vector<StationArea>> make_station_areas(const std::vector<District>& districts,
                                                    int per_district, std::uint64_t seed) {
  std::vector<StationArea> all;
  for (const District& district : districts) {
    int count = per_district > 0 ? per_district : station_count_for_area(area_km2(district));
    Result<std::vector<StationArea>> areas = areas_of(district, count, seed);
    if (!areas) return tl::unexpected<Error>(std::move(areas.error()));
    for (StationArea& area : *areas) all.push_back(std::move(area));
  }
  return all;
}

std::string station_areas_geojson(const std::vector<StationArea>& areas) {
  std::string out;
  out +=
      R"j({"type":"FeatureCollection","metadata":{"crs":"GCJ-02 (lng/lat order)"},"features":[)j";
  for (size_t f = 0; f < areas.size(); ++f) {
    const StationArea& area = areas[f];
    out += f == 0 ? "\n" : ",\n";
    out += R"({"type":"Feature","properties":{"code":)";
    append_string(out, area.code);
    out += R"(,"name":)";
    append_string(out, area.name);
    out += R"(,"district_adcode":)";
    append_string(out, area.district_adcode);
    out += R"(,"contact":)";
    append_string(out, area.contact);
    out += R"(,"kind":"station","station_point":)";
    append_point(out, area.station_point);
    out += R"(},"geometry":{"type":"MultiPolygon","coordinates":[)";
    for (size_t p = 0; p < area.polygons.size(); ++p) {
      if (p > 0) out += ',';
      out += '[';
      const Polygon& polygon = area.polygons[p];
      for (size_t r = 0; r < polygon.rings.size(); ++r) {
        if (r > 0) out += ',';
        out += '[';
        for (size_t i = 0; i < polygon.rings[r].size(); ++i) {
          if (i > 0) out += ',';
          append_point(out, polygon.rings[r][i]);
        }
        out += ']';
      }
      out += ']';
    }
    out += "]}}";
  }
  out += "\n]}\n";
  return out;
}

Result<std::vector<StationArea>> load_station_areas(std::string_view geojson_text) {
  json::stream_parser parser;
  json::error_code ec;
  size_t used = parser.write(geojson_text.data(), geojson_text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return invalid("not valid JSON near byte " + std::to_string(used) + ": " + ec.message(), "");
  }
  json::value root = parser.release();
  const json::object* collection = root.if_object();
  if (collection == nullptr) {
    return invalid("the GeoJSON is " + kind_of(root) + ", not a FeatureCollection object", "");
  }
  const json::value* type = collection->if_contains("type");
  if (type == nullptr || !type->is_string() || type->get_string() != "FeatureCollection") {
    return invalid("type is not \"FeatureCollection\"", "type");
  }
  const json::value* features_value = collection->if_contains("features");
  if (features_value == nullptr || !features_value->is_array()) {
    return invalid("features is missing or not an array", "features");
  }
  const json::array& features = features_value->get_array();

  std::vector<StationArea> areas;
  areas.reserve(features.size());
  std::map<std::string, size_t, std::less<>> seen;  // code -> feature index
  for (size_t i = 0; i < features.size(); ++i) {
    std::string code;
    Checked<StationArea> area = parse_feature(features[i], code);
    const std::string who =
        "feature " + std::to_string(i) + (code.empty() ? "" : " (" + code + ")");
    const std::string base = index_path("features", i);
    if (!area) {
      const Problem& p = area.error();
      return invalid(who + ": " + (p.field.empty() ? "" : p.field + " ") + p.what,
                     p.field.empty() ? base : base + "." + p.field);
    }
    auto [it, inserted] = seen.emplace(area->code, i);
    if (!inserted) {
      return invalid(who + ": properties.code repeats feature " + std::to_string(it->second),
                     base + ".properties.code");
    }
    areas.push_back(std::move(*area));
  }
  return areas;
}

}  // namespace quanzu::geo

#include "geo/validate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>
#include <utility>

namespace quanzu::geo {
namespace {

constexpr double kKmPerDegree = 6371.0088 * std::numbers::pi / 180;

std::string coordinates(Point p) {
  char text[64];
  std::snprintf(text, sizeof text, "(%.6f, %.6f)", p.lon, p.lat);
  return text;
}

std::string ring_name(size_t polygon, size_t ring) {
  return "polygon " + std::to_string(polygon) + " ring " + std::to_string(ring) +
         (ring == 0 ? " (shell)" : " (hole)");
}

bool same(Point a, Point b) { return a.lon == b.lon && a.lat == b.lat; }

struct DistinctVertices {
  std::vector<Point> points;
  size_t repeats = 0;  // consecutive repeats dropped (the closing point aside)
};

// The ring's distinct vertices in order: consecutive repeats and the closing repeat dropped.
DistinctVertices distinct_vertices(const std::vector<Point>& ring) {
  DistinctVertices out;
  for (const Point& p : ring) {
    if (!out.points.empty() && same(out.points.back(), p)) {
      ++out.repeats;
      continue;
    }
    out.points.push_back(p);
  }
  if (out.points.size() > 1 && same(out.points.front(), out.points.back())) out.points.pop_back();
  return out;
}

// Twice the signed area, positive when counter-clockwise; relative to the first vertex so
// that large coordinates keep their precision.
double twice_signed_area(const std::vector<Point>& v) {
  double twice = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const Point& a = v[i];
    const Point& b = v[i + 1 == v.size() ? 0 : i + 1];
    twice += (a.lon - v[0].lon) * (b.lat - v[0].lat) - (b.lon - v[0].lon) * (a.lat - v[0].lat);
  }
  return twice;
}

// True when the points span no area: fewer than 3, or all on one line (exact).
bool all_collinear(const std::vector<Point>& v) {
  for (size_t i = 2; i < v.size(); ++i) {
    if (orientation(v[0], v[1], v[i]) != 0) return false;
  }
  return true;
}

bool between(double a, double b, double x) { return std::min(a, b) <= x && x <= std::max(a, b); }

// c on the closed segment a-b (exact).
bool on_segment(Point a, Point b, Point c) {
  return between(a.lon, b.lon, c.lon) && between(a.lat, b.lat, c.lat) && orientation(a, b, c) == 0;
}

enum class Contact { kNone, kTouch, kProper, kOverlap };

// How two segments meet: not at all, at a single point that is an end of one of them
// (touch), at a single point inside both (proper crossing), or along a piece of positive
// length (overlap). `where` gets a point of contact. Exact, except `where` of a crossing.
Contact contact(Point p1, Point p2, Point q1, Point q2, Point& where) {
  if (std::max(p1.lon, p2.lon) < std::min(q1.lon, q2.lon) ||
      std::max(q1.lon, q2.lon) < std::min(p1.lon, p2.lon) ||
      std::max(p1.lat, p2.lat) < std::min(q1.lat, q2.lat) ||
      std::max(q1.lat, q2.lat) < std::min(p1.lat, p2.lat)) {
    return Contact::kNone;
  }
  const int o1 = orientation(p1, p2, q1);
  const int o2 = orientation(p1, p2, q2);
  const int o3 = orientation(q1, q2, p1);
  const int o4 = orientation(q1, q2, p2);
  if (o1 * o2 < 0 && o3 * o4 < 0) {
    double d1 = (q1.lon - p1.lon) * (p2.lat - p1.lat) - (q1.lat - p1.lat) * (p2.lon - p1.lon);
    double d2 = (q2.lon - p1.lon) * (p2.lat - p1.lat) - (q2.lat - p1.lat) * (p2.lon - p1.lon);
    double t = d1 / (d1 - d2);
    where = Point{q1.lon + t * (q2.lon - q1.lon), q1.lat + t * (q2.lat - q1.lat)};
    return Contact::kProper;
  }
  if (o1 == 0 && o2 == 0) {
    // Collinear: compare the pieces along the axis where p varies most.
    bool use_lon = std::abs(p2.lon - p1.lon) >= std::abs(p2.lat - p1.lat);
    auto key = [&](Point p) { return use_lon ? p.lon : p.lat; };
    double lo = std::max(std::min(key(p1), key(p2)), std::min(key(q1), key(q2)));
    double hi = std::min(std::max(key(p1), key(p2)), std::max(key(q1), key(q2)));
    if (lo > hi) return Contact::kNone;
    for (Point c : {q1, q2, p1, p2}) {
      if (key(c) == lo) {
        where = c;
        break;
      }
    }
    return lo < hi ? Contact::kOverlap : Contact::kTouch;
  }
  if (o1 == 0 && on_segment(p1, p2, q1)) return where = q1, Contact::kTouch;
  if (o2 == 0 && on_segment(p1, p2, q2)) return where = q2, Contact::kTouch;
  if (o3 == 0 && on_segment(q1, q2, p1)) return where = p1, Contact::kTouch;
  if (o4 == 0 && on_segment(q1, q2, p2)) return where = p2, Contact::kTouch;
  return Contact::kNone;
}

bool crosses_east(Point a, Point b, Point p) {
  if ((a.lat > p.lat) == (b.lat > p.lat)) return false;
  int o = orientation(a, b, p);
  return a.lat < b.lat ? o > 0 : o < 0;
}

// Even-odd over the given rings (distinct vertices, closed implicitly), with the index's rule.
bool rings_contain(const std::vector<const std::vector<Point>*>& rings, Point p) {
  bool inside = false;
  for (const std::vector<Point>* ring : rings) {
    const size_t n = ring->size();
    for (size_t i = 0; i < n; ++i) {
      if (crosses_east((*ring)[i], (*ring)[i + 1 == n ? 0 : i + 1], p)) inside = !inside;
    }
  }
  return inside;
}

bool on_rings(const std::vector<const std::vector<Point>*>& rings, Point p) {
  for (const std::vector<Point>* ring : rings) {
    const size_t n = ring->size();
    for (size_t i = 0; i < n; ++i) {
      if (on_segment((*ring)[i], (*ring)[i + 1 == n ? 0 : i + 1], p)) return true;
    }
  }
  return false;
}

// A vertex of `ring` off the boundary of `rings`, if any.
std::optional<Point> vertex_off(const std::vector<Point>& ring,
                                const std::vector<const std::vector<Point>*>& rings) {
  for (const Point& v : ring) {
    if (!on_rings(rings, v)) return v;
  }
  return std::nullopt;
}

struct SweepEdge {
  Point a;
  Point b;
  double min_lon;
  double max_lon;
  size_t area;
  size_t polygon;
  size_t ring;
  size_t index;      // of the edge in its ring
  size_t ring_size;  // edges in the ring
};

SweepEdge make_edge(Point a, Point b, size_t area, size_t polygon, size_t ring, size_t index,
                    size_t ring_size) {
  return SweepEdge{
      a, b, std::min(a.lon, b.lon), std::max(a.lon, b.lon), area, polygon, ring, index, ring_size};
}

// Calls visit(x, y) for every pair of edges whose boxes overlap.
template <typename Visit>
void sweep(std::vector<SweepEdge>& edges, Visit&& visit) {
  std::sort(edges.begin(), edges.end(),
            [](const SweepEdge& x, const SweepEdge& y) { return x.min_lon < y.min_lon; });
  for (size_t i = 0; i < edges.size(); ++i) {
    const SweepEdge& x = edges[i];
    const double x_min_lat = std::min(x.a.lat, x.b.lat);
    const double x_max_lat = std::max(x.a.lat, x.b.lat);
    for (size_t j = i + 1; j < edges.size() && edges[j].min_lon <= x.max_lon; ++j) {
      const SweepEdge& y = edges[j];
      if (std::max(y.a.lat, y.b.lat) < x_min_lat || std::min(y.a.lat, y.b.lat) > x_max_lat) {
        continue;
      }
      visit(x, y);
    }
  }
}

// Collects findings, at most `limit` per (area, check); the rest are counted.
class Findings {
 public:
  Findings(const std::vector<Area>& areas, size_t limit) : areas_(areas), limit_(limit) {}

  void add(Severity severity, const std::string& check, size_t area, const std::string& what,
           std::optional<Point> where = std::nullopt) {
    size_t& n = counts_[{area, check}];
    if (++n > limit_) return;
    Finding f;
    f.severity = severity;
    f.check = check;
    f.area = area;
    f.message = describe_area(areas_, area) + ": " + what;
    if (where) f.message += " at " + coordinates(*where);
    f.where = where;
    found_.push_back(std::move(f));
  }
  void add(Finding f) { found_.push_back(std::move(f)); }

  Validation finish() {
    for (Finding& f : found_) {
      size_t n = counts_[{f.area, f.check}];
      if (n > limit_ && last_of(f)) f.message += " (and " + std::to_string(n - limit_) + " more)";
    }
    std::stable_sort(found_.begin(), found_.end(),
                     [](const Finding& x, const Finding& y) { return x.area < y.area; });
    Validation v;
    for (Finding& f : found_) {
      (f.severity == Severity::kError ? v.errors : v.warnings).push_back(std::move(f));
    }
    return v;
  }

 private:
  bool last_of(const Finding& f) {
    auto [it, fresh] = listed_.emplace(std::make_pair(f.area, f.check), 0);
    return ++it->second == limit_;
  }

  const std::vector<Area>& areas_;
  size_t limit_;
  std::vector<Finding> found_;
  std::map<std::pair<size_t, std::string>, size_t> counts_;
  std::map<std::pair<size_t, std::string>, size_t> listed_;
};

// The distinct vertices of every ring of one area, by polygon then ring.
using Rings = std::vector<std::vector<std::vector<Point>>>;

void check_rings(const std::vector<Area>& areas, size_t index, Rings& rings, Findings& out) {
  const Area& area = areas[index];
  if (area.code.empty()) out.add(Severity::kError, "empty_code", index, "has an empty code");
  if (area.polygons.empty()) out.add(Severity::kError, "no_polygons", index, "has no polygons");
  rings.assign(area.polygons.size(), {});
  for (size_t p = 0; p < area.polygons.size(); ++p) {
    const Polygon& polygon = area.polygons[p];
    if (polygon.rings.empty()) {
      out.add(Severity::kError, "no_rings", index,
              "polygon " + std::to_string(p) + " has no rings");
    }
    for (size_t r = 0; r < polygon.rings.size(); ++r) {
      const std::vector<Point>& ring = polygon.rings[r];
      auto [distinct, repeats] = distinct_vertices(ring);
      auto bad = std::find_if(ring.begin(), ring.end(), [](const Point& v) {
        return !std::isfinite(v.lon) || !std::isfinite(v.lat);
      });
      if (bad != ring.end()) {
        out.add(Severity::kError, "not_finite", index,
                ring_name(p, r) + " point " + std::to_string(bad - ring.begin()) +
                    " is not a finite number");
        rings[p].emplace_back();  // nothing to intersect or orient
        continue;
      }
      if (ring.size() < 4) {
        out.add(Severity::kError, "ring_too_short", index,
                ring_name(p, r) + " has " + std::to_string(ring.size()) +
                    " points; a ring needs at least 4 (the last repeating the first)");
      } else if (!same(ring.front(), ring.back())) {
        out.add(Severity::kError, "unclosed_ring", index,
                ring_name(p, r) + " is not closed: its last point " + coordinates(ring.back()) +
                    " differs from its first " + coordinates(ring.front()));
      }
      if (all_collinear(distinct)) {
        if (ring.size() >= 4) {
          out.add(Severity::kError, "zero_area", index,
                  ring_name(p, r) + " has no area (" + std::to_string(distinct.size()) +
                      " distinct points)");
        }
        distinct.clear();  // nothing to intersect or orient
      } else if (repeats > 0) {
        out.add(
            Severity::kWarning, "repeated_point", index,
            ring_name(p, r) + " repeats a point " + std::to_string(repeats) + " time(s) in a row");
      }
      rings[p].push_back(std::move(distinct));
    }
  }
}

void check_intersections(size_t index, const Rings& rings, Findings& out) {
  std::vector<SweepEdge> edges;
  for (size_t p = 0; p < rings.size(); ++p) {
    for (size_t r = 0; r < rings[p].size(); ++r) {
      const std::vector<Point>& v = rings[p][r];
      for (size_t i = 0; i < v.size(); ++i) {
        edges.push_back(
            make_edge(v[i], v[i + 1 == v.size() ? 0 : i + 1], index, p, r, i, v.size()));
      }
    }
  }
  sweep(edges, [&](const SweepEdge& x, const SweepEdge& y) {
    Point where;
    Contact c = contact(x.a, x.b, y.a, y.b, where);
    if (c == Contact::kNone) return;
    if (x.polygon == y.polygon && x.ring == y.ring) {
      const size_t n = x.ring_size;
      bool adjacent = (x.index + 1) % n == y.index || (y.index + 1) % n == x.index;
      if (adjacent && c == Contact::kTouch) return;  // the vertex they share
      out.add(Severity::kError, "self_intersection", index,
              ring_name(x.polygon, x.ring) +
                  (c == Contact::kOverlap ? " runs back over itself" : " intersects itself"),
              where);
    } else if (x.polygon == y.polygon) {
      if (c == Contact::kTouch) return;  // a hole may touch its shell or another hole at a point
      out.add(Severity::kError, "rings_cross", index,
              ring_name(x.polygon, x.ring) + " and ring " + std::to_string(y.ring) +
                  (c == Contact::kOverlap ? " share an edge" : " cross"),
              where);
    } else if (c == Contact::kProper) {
      out.add(Severity::kError, "parts_overlap", index,
              "polygons " + std::to_string(std::min(x.polygon, y.polygon)) + " and " +
                  std::to_string(std::max(x.polygon, y.polygon)) + " cross",
              where);
    } else if (c == Contact::kOverlap) {
      out.add(Severity::kWarning, "parts_touch", index,
              "polygons " + std::to_string(std::min(x.polygon, y.polygon)) + " and " +
                  std::to_string(std::max(x.polygon, y.polygon)) +
                  " share an edge (they could be one polygon)",
              where);
    }
  });
}

void check_nesting(size_t index, const Rings& rings, Findings& out) {
  for (size_t p = 0; p < rings.size(); ++p) {
    if (rings[p].empty() || rings[p][0].empty()) continue;
    const std::vector<const std::vector<Point>*> shell{&rings[p][0]};
    for (size_t h = 1; h < rings[p].size(); ++h) {
      if (rings[p][h].empty()) continue;
      std::optional<Point> v = vertex_off(rings[p][h], shell);
      if (v && !rings_contain(shell, *v)) {
        out.add(Severity::kError, "hole_outside_shell", index,
                ring_name(p, h) + " lies outside its shell", *v);
      }
      for (size_t k = 1; k < rings[p].size(); ++k) {
        if (k == h || rings[p][k].empty()) continue;
        const std::vector<const std::vector<Point>*> other{&rings[p][k]};
        std::optional<Point> w = vertex_off(rings[p][h], other);
        if (w && rings_contain(other, *w)) {
          out.add(Severity::kError, "nested_holes", index,
                  ring_name(p, h) + " lies inside hole " + std::to_string(k), *w);
        }
      }
    }
  }
  // A part whose shell starts inside another part (not in one of its holes).
  for (size_t p = 0; p < rings.size(); ++p) {
    std::vector<const std::vector<Point>*> part;
    for (const std::vector<Point>& ring : rings[p]) {
      if (!ring.empty()) part.push_back(&ring);
    }
    if (part.empty()) continue;
    for (size_t q = 0; q < rings.size(); ++q) {
      if (q == p || rings[q].empty() || rings[q][0].empty()) continue;
      std::optional<Point> v = vertex_off(rings[q][0], part);
      if (v && rings_contain(part, *v)) {
        out.add(Severity::kError, "parts_overlap", index,
                "polygon " + std::to_string(q) + " lies inside polygon " + std::to_string(p), *v);
      }
    }
  }
}

void check_orientation(const std::vector<Rings>& all, RingOrientation want, Findings& out) {
  bool shells_ccw = true;
  if (want == RingOrientation::kClockwise) shells_ccw = false;
  if (want == RingOrientation::kConsistent) {
    size_t ccw = 0, cw = 0;
    for (const Rings& rings : all) {
      for (const auto& polygon : rings) {
        if (polygon.empty() || polygon[0].empty()) continue;
        (twice_signed_area(polygon[0]) > 0 ? ccw : cw) += 1;
      }
    }
    shells_ccw = ccw >= cw;  // a tie goes to RFC 7946
  }
  const char* convention = want == RingOrientation::kConsistent
                               ? (shells_ccw ? "; the other shells here are counter-clockwise"
                                             : "; the other shells here are clockwise")
                               : (shells_ccw ? "; shells must be counter-clockwise (RFC 7946)"
                                             : "; shells must be clockwise");
  for (size_t a = 0; a < all.size(); ++a) {
    for (size_t p = 0; p < all[a].size(); ++p) {
      const auto& polygon = all[a][p];
      for (size_t r = 0; r < polygon.size(); ++r) {
        if (polygon[r].empty()) continue;
        bool ccw = twice_signed_area(polygon[r]) > 0;
        bool expected = r == 0 ? shells_ccw : !shells_ccw;
        if (ccw == expected) continue;
        out.add(Severity::kWarning, "orientation", a,
                ring_name(p, r) + " is " + (ccw ? "counter-clockwise" : "clockwise") +
                    (r == 0 ? std::string(convention)
                            : std::string("; holes turn against their shell")));
      }
    }
  }
}

void check_codes(const std::vector<Area>& areas, Findings& out) {
  std::map<std::string, size_t> first;
  for (size_t i = 0; i < areas.size(); ++i) {
    if (areas[i].code.empty()) continue;
    auto [it, fresh] = first.emplace(areas[i].code, i);
    if (!fresh) {
      out.add(Severity::kError, "duplicate_code", i,
              "code " + areas[i].code + " repeats " + describe_area(areas, it->second));
    }
  }
}

struct PairOverlap {
  size_t crossings = 0;
  Point first_crossing;
  double km2 = 0;
  double densest_km2 = 0;  // in one cell
  Point densest;           // a sample inside the overlap in that cell
};

double box_km2(double width_deg, double height_deg, double lat) {
  return width_deg * kKmPerDegree * std::cos(lat * std::numbers::pi / 180) * height_deg *
         kKmPerDegree;
}

void check_overlaps(const SpatialIndex& index, const std::vector<Rings>& all,
                    const ValidationOptions& options, Findings& out) {
  const std::vector<Area>& areas = index.areas();
  std::map<std::pair<size_t, size_t>, PairOverlap> pairs;

  // Borders that properly cross: each crossing starts or ends an overlap.
  std::vector<SweepEdge> edges;
  for (size_t a = 0; a < all.size(); ++a) {
    for (size_t p = 0; p < all[a].size(); ++p) {
      for (size_t r = 0; r < all[a][p].size(); ++r) {
        const std::vector<Point>& v = all[a][p][r];
        for (size_t i = 0; i < v.size(); ++i) {
          edges.push_back(make_edge(v[i], v[i + 1 == v.size() ? 0 : i + 1], a, p, r, i, v.size()));
        }
      }
    }
  }
  sweep(edges, [&](const SweepEdge& x, const SweepEdge& y) {
    if (x.area == y.area) return;
    Point where;
    if (contact(x.a, x.b, y.a, y.b, where) != Contact::kProper) return;
    PairOverlap& pair = pairs[std::minmax(x.area, y.area)];
    if (pair.crossings++ == 0) pair.first_crossing = where;
  });

  // The overlap's area on the grid.
  const int k = std::max(1, options.samples_per_cell);
  std::map<std::pair<size_t, size_t>, std::pair<double, Point>> in_cell;  // km2, a sample
  index.for_each_cell(2, [&](const SpatialIndex::CellAreas& cell) {
    const Box& b = cell.box;
    const double mid_lat = (b.min_lat + b.max_lat) / 2;
    const double cell_km2 = box_km2(b.max_lon - b.min_lon, b.max_lat - b.min_lat, mid_lat);
    in_cell.clear();
    bool crossed = std::find(cell.crossed.begin(), cell.crossed.end(), true) != cell.crossed.end();
    if (!crossed) {
      const Point centre{(b.min_lon + b.max_lon) / 2, mid_lat};
      for (size_t i = 0; i < cell.areas.size(); ++i) {
        for (size_t j = i + 1; j < cell.areas.size(); ++j) {
          in_cell[std::minmax(cell.areas[i], cell.areas[j])] = {cell_km2, centre};
        }
      }
    } else {
      const double sample_km2 = cell_km2 / (k * k);
      for (int sy = 0; sy < k; ++sy) {
        for (int sx = 0; sx < k; ++sx) {
          const Point s{b.min_lon + (sx + 0.5) / k * (b.max_lon - b.min_lon),
                        b.min_lat + (sy + 0.5) / k * (b.max_lat - b.min_lat)};
          std::vector<size_t> found = index.locate_all(s);
          for (size_t i = 0; i < found.size(); ++i) {
            for (size_t j = i + 1; j < found.size(); ++j) {
              auto [it, fresh] = in_cell.try_emplace({found[i], found[j]}, 0.0, s);
              it->second.first += sample_km2;
            }
          }
        }
      }
    }
    for (const auto& [key, value] : in_cell) {
      PairOverlap& pair = pairs[key];
      pair.km2 += value.first;
      if (value.first > pair.densest_km2) {
        pair.densest_km2 = value.first;
        pair.densest = value.second;
      }
    }
  });

  for (const auto& [key, pair] : pairs) {
    Finding f;
    f.check = "overlap";
    f.area = key.first;
    f.other_area = key.second;
    f.overlap_km2 = pair.km2;
    f.severity = pair.km2 >= options.overlap_error_km2 ? Severity::kError : Severity::kWarning;
    char amount[64];
    std::snprintf(amount, sizeof amount, "%.4f", pair.km2);
    f.message = describe_area(areas, key.first) + " and " + describe_area(areas, key.second);
    if (pair.km2 > 0) {
      f.where = pair.densest;
      f.message += " overlap by about " + std::string(amount) + " km² (estimated), most near " +
                   coordinates(pair.densest);
    } else {
      f.where = pair.first_crossing;
      f.message += " overlap in slivers too thin to measure on the grid, near " +
                   coordinates(pair.first_crossing);
    }
    if (pair.crossings > 0) {
      f.message += "; their borders cross " + std::to_string(pair.crossings) + " time(s)";
    }
    out.add(std::move(f));
  }
}

}  // namespace

std::string describe_area(const std::vector<Area>& areas, size_t index) {
  std::string s = "feature " + std::to_string(index);
  if (index >= areas.size()) return s;
  const Area& a = areas[index];
  if (a.code.empty() && a.name.empty()) return s;
  s += " (" + a.code;
  if (!a.name.empty()) s += (a.code.empty() ? "" : " ") + a.name;
  return s + ")";
}

Validation validate_areas(const SpatialIndex& index, const ValidationOptions& options) {
  const std::vector<Area>& areas = index.areas();
  Findings out(areas, std::max<size_t>(1, options.max_findings_per_check));
  std::vector<Rings> all(areas.size());
  for (size_t i = 0; i < areas.size(); ++i) {
    check_rings(areas, i, all[i], out);
    check_intersections(i, all[i], out);
    check_nesting(i, all[i], out);
  }
  check_orientation(all, options.orientation, out);
  check_codes(areas, out);
  check_overlaps(index, all, options, out);
  return out.finish();
}

Validation validate_areas(std::vector<Area> areas, const ValidationOptions& options) {
  return validate_areas(SpatialIndex(std::move(areas)), options);
}

}  // namespace quanzu::geo

#include "geo/spatial_index.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <utility>

namespace quanzu::geo {
namespace {

// ---- Exact orientation (J. R. Shewchuk, "Adaptive Precision Floating-Point Arithmetic and
// Fast Robust Geometric Predicates", 1997: the error bound of the plain determinant, and
// exact arithmetic on expansions when the bound cannot decide).

struct TwoDoubles {
  double hi;  // the rounded result
  double lo;  // its rounding error: hi + lo is exact
};

inline TwoDoubles two_sum(double a, double b) {
  double s = a + b;
  double b_virtual = s - a;
  double a_virtual = s - b_virtual;
  return {s, (a - a_virtual) + (b - b_virtual)};
}

inline TwoDoubles two_diff(double a, double b) {
  double d = a - b;
  double b_virtual = a - d;
  double a_virtual = d + b_virtual;
  return {d, (a - a_virtual) + (b_virtual - b)};
}

inline TwoDoubles two_product(double a, double b) {
  double p = a * b;
  return {p, std::fma(a, b, -p)};
}

// The sign of (a - c) x (b - c), evaluated exactly: each difference as an exact pair, each
// of the 8 partial products as an exact pair, and the 16 terms summed into a nonoverlapping
// expansion whose largest nonzero component carries the sign.
int orientation_exact(Point a, Point b, Point c) {
  const TwoDoubles acx = two_diff(a.lon, c.lon);
  const TwoDoubles bcx = two_diff(b.lon, c.lon);
  const TwoDoubles acy = two_diff(a.lat, c.lat);
  const TwoDoubles bcy = two_diff(b.lat, c.lat);
  double terms[16];
  int n = 0;
  auto add_products = [&](TwoDoubles x, TwoDoubles y, double sign) {
    for (double u : {x.hi, x.lo}) {
      for (double v : {y.hi, y.lo}) {
        TwoDoubles p = two_product(u, v);
        terms[n++] = sign * p.hi;
        terms[n++] = sign * p.lo;
      }
    }
  };
  add_products(acx, bcy, 1.0);
  add_products(acy, bcx, -1.0);
  // Grow the expansion one term at a time, dropping zero components; it stays
  // nonoverlapping and ordered by increasing magnitude.
  double expansion[17];
  int size = 0;
  for (double t : terms) {
    double q = t;
    int kept = 0;
    for (int i = 0; i < size; ++i) {
      TwoDoubles s = two_sum(q, expansion[i]);
      if (s.lo != 0) expansion[kept++] = s.lo;
      q = s.hi;
    }
    if (q != 0) expansion[kept++] = q;
    size = kept;
  }
  if (size == 0) return 0;
  return expansion[size - 1] > 0 ? 1 : -1;
}

inline int sign_of(double v) { return (v > 0) - (v < 0); }

// Whether the ray cast east from p (nudged as in the header) crosses the edge a-b.
inline bool crosses_east_ray(Point a, Point b, Point p) {
  if ((a.lat > p.lat) == (b.lat > p.lat)) return false;
  int o = orientation(a, b, p);
  // West of the edge is left of it when it runs north, right of it when it runs south; on
  // the edge (o == 0) the nudge east puts p east of it.
  return a.lat < b.lat ? o > 0 : o < 0;
}

// Whether the ray cast south from q (nudged as in the header) crosses the edge a-b.
inline bool crosses_south_ray(Point a, Point b, Point q) {
  if ((a.lon > q.lon) == (b.lon > q.lon)) return false;
  Point west = a.lon < b.lon ? a : b;
  Point east = a.lon < b.lon ? b : a;
  int o = orientation(west, east, q);  // > 0: q is north of the edge
  if (o != 0) return o > 0;
  // q on the edge: nudged east first, q ends up north of an edge that falls or is flat
  // towards the east, south of one that rises.
  return east.lat <= west.lat;
}

// Conservative: false only when the segment misses the box. Run on boxes grown by a margin
// far above rounding errors, so the floating-point sides below cannot drop a segment that
// meets the box before it was grown.
bool segment_meets_box(Point a, Point b, const Box& box) {
  if (std::max(a.lon, b.lon) < box.min_lon || std::min(a.lon, b.lon) > box.max_lon ||
      std::max(a.lat, b.lat) < box.min_lat || std::min(a.lat, b.lat) > box.max_lat) {
    return false;
  }
  double dx = b.lon - a.lon;
  double dy = b.lat - a.lat;
  auto side = [&](double x, double y) { return dx * (y - a.lat) - dy * (x - a.lon); };
  double s[4] = {side(box.min_lon, box.min_lat), side(box.max_lon, box.min_lat),
                 side(box.min_lon, box.max_lat), side(box.max_lon, box.max_lat)};
  bool all_positive = s[0] > 0 && s[1] > 0 && s[2] > 0 && s[3] > 0;
  bool all_negative = s[0] < 0 && s[1] < 0 && s[2] < 0 && s[3] < 0;
  return !all_positive && !all_negative;
}

struct BuildEdge {
  Point a;
  Point b;
  uint32_t rank;
};

struct Touch {  // an edge that touches a cell
  uint32_t cell;
  uint32_t rank;
  uint32_t edge;
};

}  // namespace

int orientation(Point a, Point b, Point c) {
  // (3 + 16 eps) eps with eps = 2^-53: the bound on the error of the plain determinant.
  constexpr double kEpsilon = 0x1.0p-53;
  constexpr double kErrorBound = (3.0 + 16.0 * kEpsilon) * kEpsilon;
  double left = (a.lon - c.lon) * (b.lat - c.lat);
  double right = (a.lat - c.lat) * (b.lon - c.lon);
  double det = left - right;
  double sum;
  if (left > 0) {
    if (right <= 0) return sign_of(det);
    sum = left + right;
  } else if (left < 0) {
    if (right >= 0) return sign_of(det);
    sum = -left - right;
  } else {
    return sign_of(det);
  }
  double bound = kErrorBound * sum;
  if (det >= bound || -det >= bound) return sign_of(det);
  return orientation_exact(a, b, c);
}

namespace {

bool finite_ring(const std::vector<Point>& ring) {
  for (const Point& p : ring) {
    if (!std::isfinite(p.lon) || !std::isfinite(p.lat)) return false;
  }
  return true;
}

}  // namespace

std::vector<Area> areas_from_districts(const std::vector<District>& districts) {
  std::vector<Area> areas;
  areas.reserve(districts.size());
  for (const District& d : districts) areas.push_back(Area{d.adcode, d.name, d.polygons});
  return areas;
}

bool area_contains(const Area& area, Point p) {
  bool inside = false;
  for (const Polygon& polygon : area.polygons) {
    for (const std::vector<Point>& ring : polygon.rings) {
      if (!finite_ring(ring)) continue;  // as the index does
      const size_t n = ring.size();
      for (size_t i = 0; i < n; ++i) {
        if (crosses_east_ray(ring[i], ring[i + 1 == n ? 0 : i + 1], p)) inside = !inside;
      }
    }
  }
  return inside;
}

std::optional<size_t> locate_brute_force(const std::vector<Area>& areas, Point p) {
  std::optional<size_t> best;
  for (size_t i = 0; i < areas.size(); ++i) {
    if ((!best || areas[i].code < areas[*best].code) && area_contains(areas[i], p)) best = i;
  }
  return best;
}

SpatialIndex::SpatialIndex(std::vector<Area> areas, Options options) : areas_(std::move(areas)) {
  by_rank_.resize(areas_.size());
  std::iota(by_rank_.begin(), by_rank_.end(), 0u);
  std::stable_sort(by_rank_.begin(), by_rank_.end(),
                   [&](uint32_t x, uint32_t y) { return areas_[x].code < areas_[y].code; });

  // Every edge with its area's rank, in rank order; rings are closed implicitly and edges of
  // length zero, which no ray can cross, are left out.
  std::vector<BuildEdge> edges;
  double max_abs = 0;
  bool first = true;
  for (uint32_t rank = 0; rank < by_rank_.size(); ++rank) {
    for (const Polygon& polygon : areas_[by_rank_[rank]].polygons) {
      for (const std::vector<Point>& ring : polygon.rings) {
        // A ring with a coordinate that is not finite is bad data (geo/validate.h reports
        // it) and is left out whole, so every ring kept stays closed.
        if (!finite_ring(ring)) continue;
        const size_t n = ring.size();
        for (size_t i = 0; i < n; ++i) {
          Point a = ring[i];
          Point b = ring[i + 1 == n ? 0 : i + 1];
          if (a.lon == b.lon && a.lat == b.lat) continue;
          edges.push_back(BuildEdge{a, b, rank});
          for (Point v : {a, b}) {
            if (first) {
              bounds_ = Box{v.lon, v.lat, v.lon, v.lat};
              first = false;
            }
            bounds_.min_lon = std::min(bounds_.min_lon, v.lon);
            bounds_.min_lat = std::min(bounds_.min_lat, v.lat);
            bounds_.max_lon = std::max(bounds_.max_lon, v.lon);
            bounds_.max_lat = std::max(bounds_.max_lat, v.lat);
            max_abs = std::max({max_abs, std::abs(v.lon), std::abs(v.lat)});
          }
        }
      }
    }
  }
  cells_.assign(1, kNoArea);
  if (edges.empty()) return;

  // Grid: cells about as wide as high in degrees, their number following the edge count.
  const double width = bounds_.max_lon - bounds_.min_lon;
  const double height = bounds_.max_lat - bounds_.min_lat;
  const double wanted =
      std::clamp(options.cells_per_edge * static_cast<double>(edges.size()), 1.0,
                 static_cast<double>(std::min(options.max_cells, size_t{1} << 30)));
  double aspect = width > 0 && height > 0 ? width / height : 1.0;
  columns_ = static_cast<uint32_t>(std::clamp(std::round(std::sqrt(wanted * aspect)), 1.0, wanted));
  rows_ = static_cast<uint32_t>(std::max(1.0, std::floor(wanted / columns_)));
  if (width <= 0) columns_ = 1;
  if (height <= 0) rows_ = 1;
  cell_width_ = width > 0 ? width / columns_ : 1.0;
  cell_height_ = height > 0 ? height / rows_ : 1.0;
  inv_width_ = width > 0 ? columns_ / width : 0.0;
  inv_height_ = height > 0 ? rows_ / height : 0.0;
  // Far above the rounding of cell_of() and of the approximate crossings below (~1e-13°
  // for Chongqing), far below a cell (~1e-3°).
  margin_ = 1e-10 * (1.0 + max_abs);

  auto column_of = [&](double lon) -> uint32_t {
    double t = (lon - bounds_.min_lon) * inv_width_;
    if (!(t > 0)) return 0;
    return t >= columns_ ? columns_ - 1 : static_cast<uint32_t>(t);
  };
  auto row_of = [&](double lat) -> uint32_t {
    double t = (lat - bounds_.min_lat) * inv_height_;
    if (!(t > 0)) return 0;
    return t >= rows_ ? rows_ - 1 : static_cast<uint32_t>(t);
  };

  // Which edges touch which cells (boxes grown by the margin).
  std::vector<Touch> touches;
  for (uint32_t k = 0; k < edges.size(); ++k) {
    const BuildEdge& e = edges[k];
    uint32_t i0 = column_of(std::min(e.a.lon, e.b.lon) - 2 * margin_);
    uint32_t i1 = column_of(std::max(e.a.lon, e.b.lon) + 2 * margin_);
    uint32_t j0 = row_of(std::min(e.a.lat, e.b.lat) - 2 * margin_);
    uint32_t j1 = row_of(std::max(e.a.lat, e.b.lat) + 2 * margin_);
    for (uint32_t j = j0; j <= j1; ++j) {
      for (uint32_t i = i0; i <= i1; ++i) {
        uint32_t cell = j * columns_ + i;
        if (segment_meets_box(e.a, e.b, cell_box(cell))) touches.push_back({cell, e.rank, k});
      }
    }
  }
  std::sort(touches.begin(), touches.end(), [](const Touch& x, const Touch& y) {
    return std::tie(x.cell, x.rank, x.edge) < std::tie(y.cell, y.rank, y.edge);
  });

  // Mixed cells with their groups and edge copies; parities are filled in below.
  cells_.assign(size_t{columns_} * rows_, kNoArea);
  for (size_t t = 0; t < touches.size();) {
    const uint32_t cell = touches[t].cell;
    const uint32_t column = cell % columns_;
    Mixed mixed{bounds_.min_lon + (column + 0.5) * cell_width_,
                static_cast<uint32_t>(groups_.size()), 0, kNoArea};
    while (t < touches.size() && touches[t].cell == cell) {
      Group group{touches[t].rank, static_cast<uint32_t>(edges_.size()), 0, 0};
      while (t < touches.size() && touches[t].cell == cell && touches[t].rank == group.rank) {
        const BuildEdge& e = edges[touches[t].edge];
        edges_.push_back(Segment{e.a, e.b});
        ++t;
      }
      group.end_edge = static_cast<uint32_t>(edges_.size());
      groups_.push_back(group);
    }
    mixed.end_group = static_cast<uint32_t>(groups_.size());
    cells_[cell] = kMixedBit | static_cast<uint32_t>(mixed_.size());
    mixed_.push_back(mixed);
  }

  // Each area's parity at every cell's reference point r = (middle lon, middle lat), row by
  // row: the edges that straddle the row's middle line, sorted by where they cross it, decide
  // every cell of the row at once. The crossings are approximate; those within the margin of
  // r are decided exactly.
  std::vector<std::vector<uint32_t>> row_edges(rows_);
  for (uint32_t k = 0; k < edges.size(); ++k) {
    const BuildEdge& e = edges[k];
    uint32_t j0 = row_of(std::min(e.a.lat, e.b.lat));
    uint32_t j1 = row_of(std::max(e.a.lat, e.b.lat));
    for (uint32_t j = j0; j <= j1; ++j) row_edges[j].push_back(k);
  }
  std::vector<uint32_t> cover(columns_);
  std::vector<std::pair<double, uint32_t>> crossings;  // approximate lon, edge
  for (uint32_t j = 0; j < rows_; ++j) {
    const double mid_lat = bounds_.min_lat + (j + 0.5) * cell_height_;
    std::fill(cover.begin(), cover.end(), kNoArea);
    const std::vector<uint32_t>& candidates = row_edges[j];
    for (size_t s = 0; s < candidates.size();) {
      const uint32_t rank = edges[candidates[s]].rank;
      crossings.clear();
      for (; s < candidates.size() && edges[candidates[s]].rank == rank; ++s) {
        const BuildEdge& e = edges[candidates[s]];
        if ((e.a.lat > mid_lat) == (e.b.lat > mid_lat)) continue;
        double x = e.a.lon + (mid_lat - e.a.lat) * (e.b.lon - e.a.lon) / (e.b.lat - e.a.lat);
        crossings.emplace_back(x, candidates[s]);
      }
      if (crossings.empty()) continue;
      // An even number: every ring crosses a line it straddles as often down as up.
      assert(crossings.size() % 2 == 0);
      std::sort(crossings.begin(), crossings.end());
      const size_t count = crossings.size();
      const uint32_t i0 = column_of(crossings.front().first - 2 * margin_);
      const uint32_t i1 = column_of(crossings.back().first + 2 * margin_);
      size_t near_begin = 0, near_end = 0;
      for (uint32_t i = i0; i <= i1; ++i) {
        const Point r{bounds_.min_lon + (i + 0.5) * cell_width_, mid_lat};
        while (near_begin < count && crossings[near_begin].first < r.lon - margin_) ++near_begin;
        if (near_end < near_begin) near_end = near_begin;
        while (near_end < count && crossings[near_end].first <= r.lon + margin_) ++near_end;
        size_t east = count - near_end;
        for (size_t t = near_begin; t < near_end; ++t) {
          const BuildEdge& e = edges[crossings[t].second];
          east += crosses_east_ray(e.a, e.b, r) ? 1 : 0;
        }
        if (east % 2 == 0) continue;
        const uint32_t cell = j * columns_ + i;
        const uint32_t v = cells_[cell];
        bool crossed = false;
        if (v & kMixedBit) {
          const Mixed& mixed = mixed_[v & ~kMixedBit];
          for (uint32_t g = mixed.first_group; g < mixed.end_group; ++g) {
            if (groups_[g].rank == rank) {
              groups_[g].parity = 1;
              crossed = true;
              break;
            }
          }
        }
        if (crossed) continue;
        if (cover[i] == kNoArea) {
          cover[i] = rank;
        } else {
          extra_cover_[cell].push_back(rank);
        }
      }
    }
    for (uint32_t i = 0; i < columns_; ++i) {
      const uint32_t cell = j * columns_ + i;
      const uint32_t v = cells_[cell];
      if (v & kMixedBit) {
        Mixed& mixed = mixed_[v & ~kMixedBit];
        mixed.cover = cover[i];
        // From r down to below the cell along the vertical line: the parity the lookup
        // starts from (see group_holds).
        const Point r{mixed.x, mid_lat};
        for (uint32_t g = mixed.first_group; g < mixed.end_group; ++g) {
          Group& group = groups_[g];
          for (uint32_t k = group.first_edge; k < group.end_edge; ++k) {
            if (crosses_south_ray(edges_[k].a, edges_[k].b, r)) group.parity ^= 1;
          }
        }
      } else {
        cells_[cell] = cover[i];
      }
    }
  }
}

// p's parity for the group's area: start from the parity at the bottom of the cell's
// vertical line x, go up to h = (x, p.lat), then along p's latitude to p, flipping at each
// edge crossed. A ray cast south from h (or east from p) crosses the same edges outside the
// cell as one cast from the bottom point (or from h), so only the cell's edges matter.
bool SpatialIndex::group_holds(const Group& group, double x, Point p) const {
  const Point h{x, p.lat};
  uint32_t parity = group.parity;
  for (uint32_t k = group.first_edge; k < group.end_edge; ++k) {
    const Segment& e = edges_[k];
    if ((e.a.lat > p.lat) != (e.b.lat > p.lat)) {
      parity ^=
          static_cast<uint32_t>(crosses_east_ray(e.a, e.b, p) != crosses_east_ray(e.a, e.b, h));
    }
    if ((e.a.lon > x) != (e.b.lon > x)) {
      parity ^= static_cast<uint32_t>(crosses_south_ray(e.a, e.b, h));
    }
  }
  return parity != 0;
}

uint32_t SpatialIndex::locate_in_mixed(const Mixed& cell, Point p) const {
  // Groups come in rank order; an area covering the cell whole beats any larger rank.
  for (uint32_t g = cell.first_group; g < cell.end_group; ++g) {
    const Group& group = groups_[g];
    if (group.rank > cell.cover) break;
    if (group_holds(group, cell.x, p)) return group.rank;
  }
  return cell.cover;
}

std::vector<size_t> SpatialIndex::locate_all(Point p) const {
  std::vector<size_t> found;
  if (!(p.lon >= bounds_.min_lon && p.lon <= bounds_.max_lon && p.lat >= bounds_.min_lat &&
        p.lat <= bounds_.max_lat)) {
    return found;
  }
  const uint32_t cell = cell_of(p);
  const uint32_t v = cells_[cell];
  uint32_t cover = v;
  if (v & kMixedBit) {
    const Mixed& mixed = mixed_[v & ~kMixedBit];
    cover = mixed.cover;
    for (uint32_t g = mixed.first_group; g < mixed.end_group; ++g) {
      if (group_holds(groups_[g], mixed.x, p)) found.push_back(by_rank_[groups_[g].rank]);
    }
  }
  if (cover != kNoArea) {
    found.push_back(by_rank_[cover]);
    if (auto it = extra_cover_.find(cell); it != extra_cover_.end()) {
      for (uint32_t rank : it->second) found.push_back(by_rank_[rank]);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

Box SpatialIndex::cell_box(uint32_t cell) const {
  const uint32_t i = cell % columns_;
  const uint32_t j = cell / columns_;
  return Box{bounds_.min_lon + i * cell_width_ - margin_,
             bounds_.min_lat + j * cell_height_ - margin_,
             bounds_.min_lon + (i + 1) * cell_width_ + margin_,
             bounds_.min_lat + (j + 1) * cell_height_ + margin_};
}

void SpatialIndex::cell_areas(uint32_t cell, CellAreas& out) const {
  out.box = cell_box(cell);
  out.areas.clear();
  out.crossed.clear();
  const uint32_t v = cells_[cell];
  uint32_t cover = v;
  const Mixed* mixed = nullptr;
  if (v & kMixedBit) {
    mixed = &mixed_[v & ~kMixedBit];
    cover = mixed->cover;
  }
  if (cover != kNoArea) {
    out.areas.push_back(by_rank_[cover]);
    if (auto it = extra_cover_.find(cell); it != extra_cover_.end()) {
      for (uint32_t rank : it->second) out.areas.push_back(by_rank_[rank]);
    }
    out.crossed.assign(out.areas.size(), false);
  }
  if (mixed != nullptr) {
    for (uint32_t g = mixed->first_group; g < mixed->end_group; ++g) {
      out.areas.push_back(by_rank_[groups_[g].rank]);
      out.crossed.push_back(true);
    }
  }
}

SpatialIndex::Stats SpatialIndex::stats() const {
  Stats s;
  s.columns = columns_;
  s.rows = rows_;
  s.mixed_cells = mixed_.size();
  s.stored_edges = edges_.size();
  for (const Mixed& m : mixed_) {
    size_t n = 0;
    for (uint32_t g = m.first_group; g < m.end_group; ++g)
      n += groups_[g].end_edge - groups_[g].first_edge;
    s.max_cell_edges = std::max(s.max_cell_edges, n);
  }
  s.bytes = cells_.size() * sizeof(uint32_t) + mixed_.size() * sizeof(Mixed) +
            groups_.size() * sizeof(Group) + edges_.size() * sizeof(Segment) +
            by_rank_.size() * sizeof(uint32_t);
  for (const auto& [cell, ranks] : extra_cover_) s.bytes += 16 + ranks.size() * sizeof(uint32_t);
  return s;
}

}  // namespace quanzu::geo

// Which jurisdiction holds a point: an exact point-in-polygon index over a set of areas
// (districts, station areas). Pure; immutable once built, so safe to share between threads.
//
// The rule, used by the index and by the brute-force functions below alike:
//
//  * An area holds a point when the point lies inside an odd number of the area's rings,
//    counting every ring of every part (even-odd; ring orientation does not matter, holes
//    are rings like any other, and a ring need not repeat its first point: the closing edge
//    is implied).
//  * Points on a border: the point is nudged east by an infinitesimal amount, then north by
//    an even smaller one, and the nudged point is located (symbolic perturbation). So a point
//    on a border belongs to the area on the border's east side; on an east-west border, to
//    the area north of it; a shared vertex belongs to the area just north-east of it. When
//    two areas share an edge exactly, a point on it belongs to exactly one of them, and a
//    point on an area's outline is never in two neighbours nor in none. Concretely, a ray is
//    cast east: an edge counts when one end is strictly north of the point and the other at
//    or south of it, and the point is strictly west of the edge.
//  * The geometric tests are exact (orientation signs with a floating-point filter and an
//    exact fallback), so the answer depends only on the input coordinates, never on rounding
//    (for any coordinates that are 0 or larger than ~1e-140 in magnitude, where no product
//    underflows).
//  * Where areas overlap (bad data, see geo/validate.h) the area with the smallest code wins,
//    by byte comparison; equal codes: the one given first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "geo/jurisdictions.h"

namespace quanzu::geo {

// A region points are located in: a district (code = adcode) or a station's area. Its
// coordinates must be finite (load_districts and load_station_areas see to it).
struct Area {
  std::string code;  // its key; the smallest wins where areas overlap
  std::string name;  // for messages
  std::vector<Polygon> polygons;
};

// One Area per district, in the same order (code = adcode).
std::vector<Area> areas_from_districts(const std::vector<District>& districts);

// The sign of the turn a -> b -> c: +1 counter-clockwise (c left of the line a->b, with lon
// to the east and lat to the north), -1 clockwise, 0 collinear. Exact (see the rule above).
int orientation(Point a, Point b, Point c);

// Whether the area holds p under the rule above, by testing every edge. O(vertices).
bool area_contains(const Area& area, Point p);

// Brute force: the index in `areas` of the area holding p under the rule above (smallest
// code among those holding it), or nullopt. O(total vertices).
std::optional<size_t> locate_brute_force(const std::vector<Area>& areas, Point p);

// A uniform grid over the areas' bounding box. Each cell is either plain (no border comes
// within a small margin of it; it stores the answer for the whole cell) or mixed (it keeps
// the edges that touch it, grouped by area, with each area's parity at a reference point). A
// lookup reads one cell; in a mixed cell it walks from the point to the reference point along
// a horizontal and a vertical segment inside the cell and counts the crossings with the
// cell's edges, per area, with the exact predicates. The answers are those of
// locate_brute_force, bit for bit.
//
// Cost: on the Chongqing districts (38 areas, 32.7k vertices) the default grid has ~1M cells
// of which ~2% are mixed (~7 MB in all); it builds in ~50 ms and answers in well under
// 0.1 µs (bench/geo_bench.cc).
class SpatialIndex {
 public:
  struct Options {
    // Grid size: about this many cells per edge of the data, at most max_cells.
    double cells_per_edge = 32;
    size_t max_cells = size_t{1} << 22;
  };

  struct Stats {
    size_t columns = 0;
    size_t rows = 0;
    size_t mixed_cells = 0;     // cells crossed by a border
    size_t stored_edges = 0;    // edge copies kept in mixed cells
    size_t max_cell_edges = 0;  // in the busiest cell
    size_t bytes = 0;           // memory held by the grid
  };

  // One grid cell, for validation: its box (with the margin the index uses) and the areas
  // found there (indices into areas(), ascending): those covering the whole cell, then those
  // whose border crosses it (`crossed` true for these).
  struct CellAreas {
    Box box;
    std::vector<size_t> areas;
    std::vector<bool> crossed;
  };

  SpatialIndex() = default;
  explicit SpatialIndex(std::vector<Area> areas) : SpatialIndex(std::move(areas), Options{}) {}
  SpatialIndex(std::vector<Area> areas, Options options);

  // The area holding p (index into areas(), or the area itself), or nullopt / nullptr.
  // NaN coordinates are in no area.
  std::optional<size_t> locate_index(Point p) const {
    uint32_t rank = locate_rank(p);
    if (rank == kNoArea) return std::nullopt;
    return by_rank_[rank];
  }
  const Area* locate(Point p) const {
    uint32_t rank = locate_rank(p);
    return rank == kNoArea ? nullptr : &areas_[by_rank_[rank]];
  }

  // Every area holding p, as indices into areas() in ascending order; more than one only
  // where areas overlap.
  std::vector<size_t> locate_all(Point p) const;

  const std::vector<Area>& areas() const { return areas_; }  // as given
  Box bounds() const { return bounds_; }                     // of all vertices
  Stats stats() const;
  // Visits every cell that holds at least `min_areas` areas (see CellAreas).
  template <typename Visit>
  void for_each_cell(size_t min_areas, Visit&& visit) const {
    CellAreas cell;
    for (uint32_t c = 0; c < cells_.size(); ++c) {
      cell_areas(c, cell);
      if (cell.areas.size() >= min_areas && !cell.areas.empty()) visit(cell);
    }
  }

 private:
  static constexpr uint32_t kNoArea = 0x7fffffff;
  static constexpr uint32_t kMixedBit = 0x80000000;

  struct Segment {
    Point a;
    Point b;
  };
  struct Group {  // one area's edges in a mixed cell
    uint32_t rank;
    uint32_t first_edge;
    uint32_t end_edge;
    uint32_t parity;  // the area's parity at (x, bottom of the cell's vertical line), 0 or 1
  };
  struct Mixed {
    double x;  // the reference vertical line (the cell's middle)
    uint32_t first_group;
    uint32_t end_group;
    uint32_t cover;  // smallest rank covering the whole cell, or kNoArea
  };

  uint32_t locate_rank(Point p) const {
    // Written so that NaN fails every comparison and lands outside.
    if (!(p.lon >= bounds_.min_lon && p.lon <= bounds_.max_lon && p.lat >= bounds_.min_lat &&
          p.lat <= bounds_.max_lat)) {
      return kNoArea;
    }
    uint32_t v = cells_[cell_of(p)];
    if ((v & kMixedBit) == 0) return v;
    return locate_in_mixed(mixed_[v & ~kMixedBit], p);
  }
  uint32_t cell_of(Point p) const {
    auto i = static_cast<uint32_t>((p.lon - bounds_.min_lon) * inv_width_);
    auto j = static_cast<uint32_t>((p.lat - bounds_.min_lat) * inv_height_);
    if (i >= columns_) i = columns_ - 1;
    if (j >= rows_) j = rows_ - 1;
    return j * columns_ + i;
  }
  uint32_t locate_in_mixed(const Mixed& cell, Point p) const;
  bool group_holds(const Group& group, double x, Point p) const;
  // Fills `out`, reusing its buffers (it is called for every cell).
  void cell_areas(uint32_t cell, CellAreas& out) const;
  Box cell_box(uint32_t cell) const;

  std::vector<Area> areas_;
  std::vector<uint32_t> by_rank_;  // rank (position in code order) -> index into areas_
  Box bounds_;
  uint32_t columns_ = 1;
  uint32_t rows_ = 1;
  double cell_width_ = 1;
  double cell_height_ = 1;
  double inv_width_ = 1;
  double inv_height_ = 1;
  double margin_ = 0;  // how far beyond its box a cell's edges are collected
  // rank, kNoArea, or kMixedBit | index into mixed_; one cell even when empty.
  std::vector<uint32_t> cells_ = std::vector<uint32_t>(1, kNoArea);
  std::vector<Mixed> mixed_;
  std::vector<Group> groups_;
  std::vector<Segment> edges_;
  // Cells covered whole by more than one area (overlapping data): the ranks beyond the first.
  std::unordered_map<uint32_t, std::vector<uint32_t>> extra_cover_;
};

}  // namespace quanzu::geo

// geo_bench: which district holds a point, our SpatialIndex against GEOS in the same run.
//
// Both get the same districts (data/chongqing-districts.geojson) and the same N random
// points (fixed seed) drawn uniformly in the districts' bounding box, single-threaded.
// GEOS (C API, reentrant functions) is used the way its documentation recommends for
// repeated point-in-polygon: every district prepared (GEOSPrepare) and put in an STRtree;
// a lookup queries the tree with the point and runs GEOSPreparedIntersects on each
// candidate. Point geometries are built before timing (GEOS's best case); the cost of
// building them is reported apart. A lookup must test every candidate in both systems to
// resolve overlaps the same way (the smallest code wins).
//
// Answers are compared point by point. Where GEOS finds the point in (or on the border of)
// two districts, it is ambiguous: those points are counted and ours must be one of the two.
// Everywhere else the answers must be identical; the program exits non-zero if not.
//
// Usage: geo_bench [--points N] [--seed S] [--runs R] [--districts FILE]
// The target: at least 5x GEOS and at most 1 µs per lookup.

#include <geos_c.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "geo/jurisdictions.h"
#include "geo/spatial_index.h"

namespace quanzu::geo {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

void geos_message(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::fprintf(stderr, "GEOS: ");
  std::vfprintf(stderr, format, args);
  std::fprintf(stderr, "\n");
  va_end(args);
}

// The districts as prepared GEOS geometries in an STRtree. Owns everything it creates.
class GeosDistricts {
 public:
  explicit GeosDistricts(const std::vector<Area>& areas) {
    handle_ = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(
        handle_, [](const char* m, void*) { geos_message("%s", m); }, nullptr);
    tree_ = GEOSSTRtree_create_r(handle_, 10);
    ids_.resize(areas.size());
    for (size_t i = 0; i < areas.size(); ++i) {
      std::vector<GEOSGeometry*> parts;
      for (const Polygon& polygon : areas[i].polygons) {
        std::vector<GEOSGeometry*> rings;
        for (const std::vector<Point>& ring : polygon.rings) rings.push_back(linear_ring(ring));
        parts.push_back(GEOSGeom_createPolygon_r(handle_, rings[0], rings.data() + 1,
                                                 static_cast<unsigned>(rings.size() - 1)));
      }
      GEOSGeometry* multi = GEOSGeom_createCollection_r(handle_, GEOS_MULTIPOLYGON, parts.data(),
                                                        static_cast<unsigned>(parts.size()));
      geometries_.push_back(multi);
      prepared_.push_back(GEOSPrepare_r(handle_, multi));
      ids_[i] = i;
      GEOSSTRtree_insert_r(handle_, tree_, multi, &ids_[i]);
    }
  }
  ~GeosDistricts() {
    for (const GEOSPreparedGeometry* p : prepared_) GEOSPreparedGeom_destroy_r(handle_, p);
    GEOSSTRtree_destroy_r(handle_, tree_);
    for (GEOSGeometry* g : geometries_) GEOSGeom_destroy_r(handle_, g);
    GEOS_finish_r(handle_);
  }
  GeosDistricts(const GeosDistricts&) = delete;
  GeosDistricts& operator=(const GeosDistricts&) = delete;

  GEOSContextHandle_t handle() const { return handle_; }

  // Every district whose closure holds the point, into `out` (cleared first).
  void locate(const GEOSGeometry* point, std::vector<size_t>& candidates,
              std::vector<size_t>& out) const {
    candidates.clear();
    out.clear();
    GEOSSTRtree_query_r(
        handle_, tree_, point,
        [](void* item, void* user) {
          static_cast<std::vector<size_t>*>(user)->push_back(*static_cast<size_t*>(item));
        },
        &candidates);
    for (size_t c : candidates) {
      if (GEOSPreparedIntersects_r(handle_, prepared_[c], point) == 1) out.push_back(c);
    }
  }

 private:
  GEOSGeometry* linear_ring(const std::vector<Point>& ring) {
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(handle_, static_cast<unsigned>(ring.size()), 2);
    for (size_t k = 0; k < ring.size(); ++k) {
      GEOSCoordSeq_setXY_r(handle_, seq, static_cast<unsigned>(k), ring[k].lon, ring[k].lat);
    }
    return GEOSGeom_createLinearRing_r(handle_, seq);
  }

  GEOSContextHandle_t handle_ = nullptr;
  GEOSSTRtree* tree_ = nullptr;
  std::vector<GEOSGeometry*> geometries_;
  std::vector<const GEOSPreparedGeometry*> prepared_;
  std::vector<size_t> ids_;  // tree items point here
};

std::string default_districts_path() {
  if (const char* root = std::getenv("QUANZU_SOURCE_DIR")) {
    return std::string(root) + "/data/chongqing-districts.geojson";
  }
#ifdef QUANZU_BENCH_SOURCE_DIR
  return QUANZU_BENCH_SOURCE_DIR "/data/chongqing-districts.geojson";
#else
  return "data/chongqing-districts.geojson";
#endif
}

constexpr int kNone = -1;

int run(int argc, char** argv) {
  size_t n = 1000000;
  std::uint64_t seed = 20231129;
  int runs = 3;
  std::string path = default_districts_path();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--points" && value) {
      n = std::strtoull(value, nullptr, 10), ++i;
    } else if (arg == "--seed" && value) {
      seed = std::strtoull(value, nullptr, 10), ++i;
    } else if (arg == "--runs" && value) {
      runs = std::max(1, std::atoi(value)), ++i;
    } else if (arg == "--districts" && value) {
      path = value, ++i;
    } else {
      std::fprintf(stderr,
                   "usage: geo_bench [--points N] [--seed S] [--runs R] [--districts FILE]\n");
      return 2;
    }
  }

  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 1;
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  Result<std::vector<District>> districts = load_districts(text);
  if (!districts) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), districts.error().message.c_str());
    return 1;
  }
  const std::vector<Area> areas = areas_from_districts(*districts);
  size_t vertices = 0;
  for (const Area& a : areas) {
    for (const Polygon& p : a.polygons) {
      for (const auto& r : p.rings) vertices += r.size();
    }
  }
  std::printf("districts: %zu areas, %zu vertices (%s)\n", areas.size(), vertices, path.c_str());
  std::printf("GEOS %s, %zu points, seed %llu, best of %d runs\n", GEOSversion(), n,
              static_cast<unsigned long long>(seed), runs);

  Clock::time_point start = Clock::now();
  const SpatialIndex index(areas);
  const double ours_build = seconds_since(start);
  const SpatialIndex::Stats stats = index.stats();
  start = Clock::now();
  GeosDistricts geos(areas);
  const double geos_build = seconds_since(start);

  const Box box = index.bounds();
  std::mt19937_64 rng(seed);
  std::vector<Point> points(n);
  for (Point& p : points) {
    p = Point{box.min_lon + unit(rng) * (box.max_lon - box.min_lon),
              box.min_lat + unit(rng) * (box.max_lat - box.min_lat)};
  }
  start = Clock::now();
  std::vector<GEOSGeometry*> geos_points(n);
  for (size_t i = 0; i < n; ++i) {
    geos_points[i] = GEOSGeom_createPointFromXY_r(geos.handle(), points[i].lon, points[i].lat);
  }
  const double geos_point_creation = seconds_since(start);

  // Ours.
  std::vector<int> ours(n);
  double ours_best = 1e30;
  for (int r = 0; r < runs; ++r) {
    start = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      std::optional<size_t> found = index.locate_index(points[i]);
      ours[i] = found ? static_cast<int>(*found) : kNone;
    }
    ours_best = std::min(ours_best, seconds_since(start));
  }

  // GEOS: the answer when unambiguous, else the ambiguous set.
  std::vector<int> theirs(n);
  std::vector<std::vector<size_t>> ambiguous_sets;
  std::vector<size_t> ambiguous_at;
  std::vector<size_t> candidates, found;
  double geos_best = 1e30;
  size_t candidates_total = 0;
  for (int r = 0; r < runs; ++r) {
    ambiguous_sets.clear();
    ambiguous_at.clear();
    candidates_total = 0;
    start = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      geos.locate(geos_points[i], candidates, found);
      candidates_total += candidates.size();
      if (found.size() <= 1) {
        theirs[i] = found.empty() ? kNone : static_cast<int>(found[0]);
      } else {
        theirs[i] = kNone;
        ambiguous_at.push_back(i);
        ambiguous_sets.push_back(found);
      }
    }
    geos_best = std::min(geos_best, seconds_since(start));
  }

  // Compare.
  size_t inside = 0, identical = 0, disagree = 0, ours_in_set = 0, ours_smallest = 0;
  std::vector<bool> is_ambiguous(n, false);
  for (size_t k = 0; k < ambiguous_at.size(); ++k) {
    const size_t i = ambiguous_at[k];
    is_ambiguous[i] = true;
    const std::vector<size_t>& set = ambiguous_sets[k];
    if (ours[i] == kNone) continue;
    if (std::find(set.begin(), set.end(), static_cast<size_t>(ours[i])) != set.end()) {
      ++ours_in_set;
    }
    size_t smallest = set[0];
    for (size_t a : set) {
      if (areas[a].code < areas[smallest].code) smallest = a;
    }
    ours_smallest += ours[i] == static_cast<int>(smallest);
  }
  for (size_t i = 0; i < n; ++i) {
    inside += ours[i] != kNone;
    if (is_ambiguous[i]) continue;
    if (ours[i] == theirs[i]) {
      ++identical;
    } else if (++disagree <= 10) {
      std::printf("DISAGREE at %.9f,%.9f: ours %s, GEOS %s\n", points[i].lon, points[i].lat,
                  ours[i] == kNone ? "none" : areas[ours[i]].name.c_str(),
                  theirs[i] == kNone ? "none" : areas[theirs[i]].name.c_str());
    }
  }
  for (size_t k = 0; k < std::min<size_t>(ambiguous_at.size(), 5); ++k) {
    const size_t i = ambiguous_at[k];
    std::string names;
    for (size_t a : ambiguous_sets[k]) names += (names.empty() ? "" : "+") + areas[a].name;
    std::printf("GEOS ambiguous at %.6f,%.6f: %s; ours %s\n", points[i].lon, points[i].lat,
                names.c_str(), ours[i] == kNone ? "none" : areas[ours[i]].name.c_str());
  }

  const double ours_rate = static_cast<double>(n) / ours_best;
  const double geos_rate = static_cast<double>(n) / geos_best;
  std::printf("\n");
  std::printf(
      "build: ours %.1f ms (grid %zux%zu, %zu mixed cells, %zu edge copies, %.1f MB); "
      "GEOS %.1f ms (prepare + STRtree insert; tree and prepared indexes are built "
      "lazily on first use)\n",
      ours_build * 1e3, stats.columns, stats.rows, stats.mixed_cells, stats.stored_edges,
      static_cast<double>(stats.bytes) / 1e6, geos_build * 1e3);
  const auto count = static_cast<double>(n);
  std::printf("points inside a district: %zu (%.1f%%)\n", inside,
              100.0 * static_cast<double>(inside) / count);
  std::printf("GEOS candidates per lookup (STRtree): %.2f\n",
              static_cast<double>(candidates_total) / count);
  std::printf("ours: %12.0f lookups/s  %8.3f us/lookup\n", ours_rate, 1e6 / ours_rate);
  std::printf("GEOS: %12.0f lookups/s  %8.3f us/lookup  (+%.3f us to build each point geometry)\n",
              geos_rate, 1e6 / geos_rate, geos_point_creation * 1e6 / count);
  std::printf("ratio ours/GEOS: %.1fx\n", ours_rate / geos_rate);
  std::printf(
      "answers: %zu identical, %zu disagree, %zu GEOS-ambiguous (in or on two "
      "districts; ours one of them: %zu, the smallest code: %zu)\n",
      identical, disagree, ambiguous_at.size(), ours_in_set, ours_smallest);

  // The common case in production: the point is in Chongqing (and GEOS cannot stop at the
  // tree's envelopes).
  std::vector<size_t> inside_points;
  for (size_t i = 0; i < n; ++i) {
    if (ours[i] != kNone) inside_points.push_back(i);
  }
  double ours_inside = 1e30, geos_inside = 1e30;
  size_t sink = 0;
  for (int r = 0; r < runs; ++r) {
    start = Clock::now();
    for (size_t i : inside_points) sink += index.locate_index(points[i]).value_or(0);
    ours_inside = std::min(ours_inside, seconds_since(start));
    start = Clock::now();
    for (size_t i : inside_points) {
      geos.locate(geos_points[i], candidates, found);
      sink += found.size();
    }
    geos_inside = std::min(geos_inside, seconds_since(start));
  }
  const auto inside_count = static_cast<double>(inside_points.size());
  std::printf(
      "points inside only (%zu): ours %.3f us/lookup, GEOS %.3f us/lookup, ratio %.1fx "
      "(checksum %zu)\n",
      inside_points.size(), ours_inside * 1e6 / inside_count, geos_inside * 1e6 / inside_count,
      geos_inside / ours_inside, sink);

  for (GEOSGeometry* g : geos_points) GEOSGeom_destroy_r(geos.handle(), g);
  const bool target = ours_rate >= 5 * geos_rate && 1e6 / ours_rate <= 1.0;
  std::printf("target (>= 5x GEOS, <= 1 us/lookup): %s\n", target ? "met" : "NOT met");
  return disagree == 0 && ours_in_set == ambiguous_at.size() ? 0 : 1;
}

}  // namespace
}  // namespace quanzu::geo

int main(int argc, char** argv) { return quanzu::geo::run(argc, argv); }

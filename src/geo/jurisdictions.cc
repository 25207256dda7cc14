#include "geo/jurisdictions.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>
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

// Signed area of a closed ring (shoelace); positive when counter-clockwise.
double signed_area(const std::vector<Point>& ring) {
  double twice = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    twice += ring[i].lon * ring[i + 1].lat - ring[i + 1].lon * ring[i].lat;
  }
  return twice / 2;
}

Point centroid(const std::vector<Point>& ring) {
  assert(!ring.empty());  // rings are checked to hold at least 4 points
  double a = signed_area(ring);
  if (std::abs(a) < 1e-15) {
    // Degenerate ring: the mean of its distinct points (the last repeats the first).
    Point sum;
    size_t n = ring.size() - 1;
    for (size_t i = 0; i < n; ++i) {
      sum.lon += ring[i].lon;
      sum.lat += ring[i].lat;
    }
    return Point{sum.lon / static_cast<double>(n), sum.lat / static_cast<double>(n)};
  }
  // Relative to the first point, so large coordinates do not eat the precision.
  const Point o = ring.front();
  double cx = 0, cy = 0, twice = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    double x0 = ring[i].lon - o.lon, y0 = ring[i].lat - o.lat;
    double x1 = ring[i + 1].lon - o.lon, y1 = ring[i + 1].lat - o.lat;
    double cross = x0 * y1 - x1 * y0;
    twice += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  return Point{o.lon + cx / (3 * twice), o.lat + cy / (3 * twice)};
}

Checked<District> parse_feature(const json::value& v, std::string& name_out) {
  const json::object* feature = v.if_object();
  if (feature == nullptr) return problem("", "is " + kind_of(v) + ", not a Feature object");
  if (const json::value* type = feature->if_contains("type");
      type != nullptr && !(type->is_string() && type->get_string() == "Feature")) {
    return problem("type", "is " + json::serialize(*type) + ", not \"Feature\"");
  }
  const json::value* p = feature->if_contains("properties");
  if (p == nullptr || !p->is_object()) return problem("properties", "is missing");
  const json::object& properties = p->get_object();

  District district;
  if (const json::value* name = properties.if_contains("name");
      name != nullptr && name->is_string() && !name->get_string().empty()) {
    district.name = std::string(name->get_string());
    name_out = district.name;
  }
  Checked<std::string> adcode = parse_adcode(properties, "adcode");
  if (!adcode) return tl::unexpected<Problem>(std::move(adcode.error()));
  district.adcode = std::move(*adcode);
  if (district.name.empty()) {
    const json::value* name = properties.if_contains("name");
    return problem("properties.name", name == nullptr || name->is_null() ? "is missing"
                                      : name->is_string()
                                          ? "is empty"
                                          : "is " + kind_of(*name) + ", not a string");
  }

  Checked<std::vector<Polygon>> polygons = parse_geometry(*feature);
  if (!polygons) return tl::unexpected<Problem>(std::move(polygons.error()));
  district.polygons = std::move(*polygons);

  const json::value* center = properties.if_contains("center");
  if (center == nullptr || center->is_null()) {
    const Polygon* largest = largest_polygon(district);
    assert(largest != nullptr && !largest->rings.empty());  // parse_geometry refuses empty shapes
    district.center = centroid(largest->rings.front());
  } else {
    Checked<Point> c = parse_position(*center, "properties.center");
    if (!c) return tl::unexpected<Problem>(std::move(c.error()));
    district.center = *c;
  }
  return district;
}

// Distance in (roughly) kilometres, good enough to spread points apart.
double km_between(Point a, Point b) {
  constexpr double kKmPerDegree = 111.2;
  double dx = (a.lon - b.lon) * std::cos((a.lat + b.lat) / 2 * std::numbers::pi / 180);
  double dy = a.lat - b.lat;
  return std::hypot(dx, dy) * kKmPerDegree;
}

// Positions for `n` stations in the district: the first at its center when that is inside,
// the rest by best-candidate sampling (each new one the farthest of a few random candidates
// from those already placed), so they spread over the district instead of clumping.
std::vector<Point> place_stations(const District& district, int n) {
  std::vector<Point> placed;
  const Polygon* polygon = largest_polygon(district);
  if (n <= 0) return placed;
  if (polygon == nullptr) return std::vector<Point>(static_cast<size_t>(n), district.center);
  const Box box = bounds(*polygon);
  std::uint64_t seed = 0x9e3779b97f4a7c15ULL;
  for (char c : district.adcode) seed = seed * 31 + static_cast<unsigned char>(c);
  std::mt19937_64 rng(seed);
  if (contains(*polygon, district.center)) placed.push_back(district.center);
  constexpr int kCandidates = 6;
  while (placed.size() < static_cast<size_t>(n)) {
    std::optional<Point> best;
    double best_distance = -1;
    for (int c = 0; c < kCandidates; ++c) {
      std::optional<Point> p = sample_inside(*polygon, box, rng);
      if (!p) break;
      double nearest = std::numeric_limits<double>::infinity();
      for (const Point& q : placed) nearest = std::min(nearest, km_between(*p, q));
      if (nearest > best_distance) {
        best_distance = nearest;
        best = p;
      }
    }
    // A polygon without an interior to sample (degenerate data): stand at the center.
    placed.push_back(best.value_or(district.center));
  }
  return placed;
}

}  // namespace

Result<std::vector<District>> load_districts(std::string_view geojson_text) {
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
  if (features.empty()) return invalid("features is empty: no districts", "features");

  std::vector<District> districts;
  districts.reserve(features.size());
  std::map<std::string, size_t, std::less<>> seen;  // adcode -> feature index
  for (size_t i = 0; i < features.size(); ++i) {
    std::string name;
    Checked<District> district = parse_feature(features[i], name);
    std::string who = "feature " + std::to_string(i) + (name.empty() ? "" : " (" + name + ")");
    std::string base = index_path("features", i);
    if (!district) {
      const Problem& p = district.error();
      std::string field = p.field.empty() ? base : base + "." + p.field;
      return invalid(who + ": " + (p.field.empty() ? "" : p.field + " ") + p.what, field);
    }
    auto [it, inserted] = seen.emplace(district->adcode, i);
    if (!inserted) {
      return invalid(who + ": properties.adcode " + district->adcode + " repeats feature " +
                         std::to_string(it->second) + " (" + districts[it->second].name + ")",
                     base + ".properties.adcode");
    }
    districts.push_back(std::move(*district));
  }
  return districts;
}

bool contains(const Polygon& polygon, Point p) {
  bool inside = false;
  for (const std::vector<Point>& ring : polygon.rings) {
    if (ring.empty()) continue;
    // Every edge a->b that straddles the horizontal line through p, crossed to the right of p,
    // flips the parity; the closing edge of a closed ring has zero length and never counts.
    for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      const Point& a = ring[i];
      const Point& b = ring[j];
      if ((a.lat > p.lat) != (b.lat > p.lat)) {
        double x = a.lon + (p.lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat);
        if (p.lon < x) inside = !inside;
      }
    }
  }
  return inside;
}

bool contains(const District& district, Point p) {
  for (const Polygon& polygon : district.polygons) {
    if (bounds(polygon).contains(p) && contains(polygon, p)) return true;
  }
  return false;
}

Box bounds(const Polygon& polygon) {
  Box box;
  bool first = true;
  for (const std::vector<Point>& ring : polygon.rings) {
    for (const Point& p : ring) {
      if (first) {
        box = Box{p.lon, p.lat, p.lon, p.lat};
        first = false;
        continue;
      }
      box.min_lon = std::min(box.min_lon, p.lon);
      box.min_lat = std::min(box.min_lat, p.lat);
      box.max_lon = std::max(box.max_lon, p.lon);
      box.max_lat = std::max(box.max_lat, p.lat);
    }
  }
  return box;
}

Box bounds(const District& district) {
  Box box;
  bool first = true;
  for (const Polygon& polygon : district.polygons) {
    if (polygon.rings.empty()) continue;
    Box b = bounds(polygon);
    if (first) {
      box = b;
      first = false;
      continue;
    }
    box.min_lon = std::min(box.min_lon, b.min_lon);
    box.min_lat = std::min(box.min_lat, b.min_lat);
    box.max_lon = std::max(box.max_lon, b.max_lon);
    box.max_lat = std::max(box.max_lat, b.max_lat);
  }
  return box;
}

const Polygon* largest_polygon(const District& district) {
  const Polygon* largest = nullptr;
  double largest_area = -1;
  for (const Polygon& polygon : district.polygons) {
    if (polygon.rings.empty()) continue;
    double area = std::abs(signed_area(polygon.rings.front()));
    if (area > largest_area) {
      largest_area = area;
      largest = &polygon;
    }
  }
  return largest;
}

StationDirectory::StationDirectory(std::vector<District> districts,
                                   std::vector<StationInfo> stations)
    : districts_(std::move(districts)) {
  for (size_t i = 0; i < districts_.size(); ++i) district_index_.emplace(districts_[i].adcode, i);
  auto rank = [this](const StationInfo& s) {
    auto it = district_index_.find(s.station.district_adcode);
    return it == district_index_.end() ? districts_.size() : it->second;
  };
  std::stable_sort(stations.begin(), stations.end(),
                   [&](const StationInfo& a, const StationInfo& b) { return rank(a) < rank(b); });
  stations_ = std::move(stations);
  default_station_.assign(districts_.size(), kNone);
  for (size_t i = 0; i < stations_.size(); ++i) {
    station_index_.emplace(stations_[i].station.code, i);
    size_t d = rank(stations_[i]);
    if (d < districts_.size() && default_station_[d] == kNone) default_station_[d] = i;
  }
}

StationDirectory StationDirectory::synthetic(std::vector<District> districts, int per_district) {
  std::vector<StationInfo> stations;
  for (const District& district : districts) {
    std::vector<Point> positions = place_stations(district, per_district);
    for (size_t i = 0; i < positions.size(); ++i) {
      std::string number = std::to_string(i + 1);
      if (number.size() < 2) number.insert(0, "0");
      StationInfo info;
      info.station.code = district.adcode + "-" + number;
      info.station.name = district.name + "第" + std::to_string(i + 1) + "派出所";
      info.station.district_adcode = district.adcode;
      info.position = positions[i];
      stations.push_back(std::move(info));
    }
  }
  return StationDirectory(std::move(districts), std::move(stations));
}

const District* StationDirectory::district(std::string_view adcode) const {
  auto it = district_index_.find(adcode);
  return it == district_index_.end() ? nullptr : &districts_[it->second];
}

const StationInfo* StationDirectory::station(std::string_view code) const {
  auto it = station_index_.find(code);
  return it == station_index_.end() ? nullptr : &stations_[it->second];
}

const StationInfo* StationDirectory::default_station(std::string_view adcode) const {
  auto it = district_index_.find(adcode);
  if (it == district_index_.end() || default_station_[it->second] == kNone) return nullptr;
  return &stations_[default_station_[it->second]];
}

}  // namespace quanzu::geo

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

namespace quanzu::geo {
namespace {

namespace json = boost::json;

// What is wrong with one feature, before the feature's index and name are known to the
// caller: `field` is a path inside the feature ("geometry.coordinates[0][2]").
struct Problem {
  std::string field;
  std::string what;
};

template <typename T>
using Checked = tl::expected<T, Problem>;

tl::unexpected<Problem> problem(std::string field, std::string what) {
  return tl::unexpected<Problem>(Problem{std::move(field), std::move(what)});
}

tl::unexpected<Error> invalid(const std::string& message, std::string field) {
  return tl::unexpected<Error>(
      Error{Code::kInvalid, message, {FieldError{std::move(field), message}}});
}

std::string kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

std::optional<double> number(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

std::string index_path(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

// A GeoJSON position: [lon, lat] or [lon, lat, altitude]; the altitude is ignored.
Checked<Point> parse_position(const json::value& v, const std::string& path) {
  const json::array* a = v.if_array();
  if (a == nullptr || a->size() < 2) {
    return problem(path, "is " + kind_of(v) +
                             (a ? " of " + std::to_string(a->size()) + " values" : "") +
                             ", not a [lon, lat] pair");
  }
  std::optional<double> lon = number((*a)[0]);
  std::optional<double> lat = number((*a)[1]);
  if (!lon || !lat) return problem(path, "has a non-numeric coordinate");
  if (!std::isfinite(*lon) || !std::isfinite(*lat) || *lon < -180 || *lon > 180 || *lat < -90 ||
      *lat > 90) {
    return problem(path, "is outside lon [-180, 180] / lat [-90, 90]");
  }
  return Point{*lon, *lat};
}

Checked<std::vector<Point>> parse_ring(const json::value& v, const std::string& path) {
  const json::array* a = v.if_array();
  if (a == nullptr) return problem(path, "is " + kind_of(v) + ", not a ring (array of positions)");
  if (a->size() < 4) {
    return problem(path, "has " + std::to_string(a->size()) + " points; a ring needs at least 4");
  }
  std::vector<Point> ring;
  ring.reserve(a->size());
  for (size_t i = 0; i < a->size(); ++i) {
    Checked<Point> p = parse_position((*a)[i], index_path(path, i));
    if (!p) return tl::unexpected<Problem>(std::move(p.error()));
    ring.push_back(*p);
  }
  if (ring.front().lon != ring.back().lon || ring.front().lat != ring.back().lat) {
    return problem(path, "is not closed: its first and last points differ");
  }
  return ring;
}

Checked<Polygon> parse_polygon(const json::value& v, const std::string& path) {
  const json::array* a = v.if_array();
  if (a == nullptr) return problem(path, "is " + kind_of(v) + ", not a polygon (array of rings)");
  if (a->empty()) return problem(path, "is a polygon without rings");
  Polygon polygon;
  for (size_t i = 0; i < a->size(); ++i) {
    Checked<std::vector<Point>> ring = parse_ring((*a)[i], index_path(path, i));
    if (!ring) return tl::unexpected<Problem>(std::move(ring.error()));
    polygon.rings.push_back(std::move(*ring));
  }
  return polygon;
}

Checked<std::vector<Polygon>> parse_geometry(const json::object& feature) {
  const json::value* g = feature.if_contains("geometry");
  if (g == nullptr || g->is_null()) return problem("geometry", "is missing");
  const json::object* geometry = g->if_object();
  if (geometry == nullptr) return problem("geometry", "is " + kind_of(*g) + ", not an object");
  const json::value* type = geometry->if_contains("type");
  if (type == nullptr || !type->is_string()) return problem("geometry.type", "is missing");
  std::string_view type_name = type->get_string();
  const json::value* coordinates = geometry->if_contains("coordinates");
  if (type_name != "Polygon" && type_name != "MultiPolygon") {
    return problem("geometry.type", "is \"" + std::string(type_name) +
                                        "\"; expected \"Polygon\" or \"MultiPolygon\"");
  }
  if (coordinates == nullptr) return problem("geometry.coordinates", "is missing");
  std::vector<Polygon> polygons;
  if (type_name == "Polygon") {
    Checked<Polygon> polygon = parse_polygon(*coordinates, "geometry.coordinates");
    if (!polygon) return tl::unexpected<Problem>(std::move(polygon.error()));
    polygons.push_back(std::move(*polygon));
    return polygons;
  }
  const json::array* parts = coordinates->if_array();
  if (parts == nullptr) {
    return problem("geometry.coordinates", "is " + kind_of(*coordinates) + ", not an array");
  }
  if (parts->empty()) return problem("geometry.coordinates", "is a MultiPolygon without polygons");
  for (size_t i = 0; i < parts->size(); ++i) {
    Checked<Polygon> polygon = parse_polygon((*parts)[i], index_path("geometry.coordinates", i));
    if (!polygon) return tl::unexpected<Problem>(std::move(polygon.error()));
    polygons.push_back(std::move(*polygon));
  }
  return polygons;
}

Checked<std::string> parse_adcode(const json::object& properties) {
  const json::value* v = properties.if_contains("adcode");
  if (v == nullptr || v->is_null()) return problem("properties.adcode", "is missing");
  if (v->is_int64() || v->is_uint64()) {
    // Boost.JSON keeps a non-negative integer as int64 when it fits, so uint64 is too big.
    std::int64_t code = v->is_int64() ? v->get_int64() : -1;
    if (code < 100000 || code > 999999) {
      return problem("properties.adcode", "is " + json::serialize(*v) + ", not a 6-digit code");
    }
    return std::to_string(code);
  }
  if (v->is_string()) {
    std::string_view s = v->get_string();
    bool six_digits = s.size() == 6 &&
                      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!six_digits || s[0] == '0') {
      return problem("properties.adcode", "is \"" + std::string(s) + "\", not a 6-digit code");
    }
    return std::string(s);
  }
  return problem("properties.adcode",
                 "is " + kind_of(*v) + "; expected a 6-digit integer or string");
}

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
  Checked<std::string> adcode = parse_adcode(properties);
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

// Doubles in [0, 1) from the generator's bits, the same on every standard library (the
// std distributions are not specified bit for bit).
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Distance in (roughly) kilometres, good enough to spread points apart.
double km_between(Point a, Point b) {
  constexpr double kKmPerDegree = 111.2;
  double dx = (a.lon - b.lon) * std::cos((a.lat + b.lat) / 2 * std::numbers::pi / 180);
  double dy = a.lat - b.lat;
  return std::hypot(dx, dy) * kKmPerDegree;
}

std::optional<Point> sample_inside(const Polygon& polygon, const Box& box, std::mt19937_64& rng) {
  constexpr int kTries = 10000;
  for (int i = 0; i < kTries; ++i) {
    Point p{box.min_lon + unit(rng) * (box.max_lon - box.min_lon),
            box.min_lat + unit(rng) * (box.max_lat - box.min_lat)};
    if (contains(polygon, p)) return p;
  }
  return std::nullopt;
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
